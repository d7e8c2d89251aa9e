//! The Keras walk-through on Fashion-MNIST, step by step, in kerust.
//!
//! ```text
//! cargo run --release --example fashion_mnist
//! ```
//!
//! 1. Load the data and look at it: shapes, the first ten labels, the count
//!    of each class.
//! 2. Scale the pixels to [0, 1] and flatten each image to 784 values.
//! 3. Logistic regression (one `Dense(10, softmax)` layer trained by plain
//!    SGD), scored by 5-fold cross-validation.
//! 4. Hold out 20 % for validation with `train_test_split(…, 0.2, 42)`.
//! 5. The Keras model: `Dense(10, softmax)`, `compile` with sparse
//!    categorical cross-entropy and accuracy, `fit` for 5 epochs,
//!    `evaluate` on the validation set.
//! 6. Accuracy on the test set.
//!
//! The full dataset is read from wherever `fashion_mnist::load_data()`
//! finds it (see `kerust::datasets`); without it, the example runs on the
//! sample of real images built into kerust and says so.

mod data;
mod pictures;

use std::time::Instant;

use kerust::prelude::*;
use ndarray::{Array1, Array2, Array3, Axis};

fn main() -> Result<()> {
    let start = Instant::now();
    set_random_seed(42);
    let pictures = pictures::Pictures::from_args("fashion_mnist");

    println!("== 1. The data ==");
    let ((train_input, train_target), (test_input, test_target)) = data::fashion_mnist()?;
    println!(
        "train_input {:?}, train_target {:?}",
        train_input.shape(),
        train_target.shape()
    );
    println!(
        "test_input {:?}, test_target {:?}",
        test_input.shape(),
        test_target.shape()
    );
    let first_ten: Vec<u8> = train_target.iter().take(10).copied().collect();
    println!("first ten labels: {first_ten:?}");
    let mut counts = [0usize; 10];
    train_target.iter().for_each(|&y| counts[y as usize] += 1);
    println!("images per class: {counts:?}");
    for (label, name) in fashion_mnist::CLASS_NAMES.iter().enumerate() {
        println!("  {label}: {name}");
    }

    pictures.first_images(train_input.view(), &train_target);

    println!("\n== 2. Scaled and flattened ==");
    let train_scaled = scale(&train_input)?;
    drop(train_input); // the bytes are not needed any more: keep the memory low
    println!("train_scaled {:?}", train_scaled.shape());

    println!("\n== 3. Logistic regression by SGD, 5-fold cross-validation ==");
    let mut scores = Vec::new();
    let targets: Vec<u8> = train_target.to_vec();
    for (fold, (train_rows, test_rows)) in StratifiedKFold::new(5).split(&targets)?.into_iter().enumerate() {
        let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
        model.compile_with(
            SGD::new(),
            Loss::SparseCategoricalCrossentropy,
            [Metric::Accuracy],
        )?;
        let (x_fit, y_fit) = rows(&train_scaled, &train_target, &train_rows);
        model.fit(&x_fit, &y_fit, FitOptions::default().epochs(5).verbose(0))?;
        drop(x_fit); // one copy of the folds at a time keeps the memory low
        let (x_held, y_held) = rows(&train_scaled, &train_target, &test_rows);
        let accuracy = model.evaluate(&x_held, &y_held, EvaluateOptions::default().verbose(0))?[1];
        println!("  fold {}: accuracy {accuracy:.4}", fold + 1);
        scores.push(accuracy);
    }
    println!(
        "mean cross-validated accuracy: {:.4}",
        scores.iter().sum::<f64>() / scores.len() as f64
    );

    println!("\n== 4. Validation split ==");
    let split = train_test_split(&train_scaled, &train_target, 0.2, 42)?;
    drop(train_scaled);
    let (train_scaled, val_scaled, train_target, val_target) = split;
    println!(
        "train_scaled {:?}, val_scaled {:?}",
        train_scaled.shape(),
        val_scaled.shape()
    );

    println!("\n== 5. The Keras model ==");
    let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    model.summary();
    model.compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])?;
    let history = model.fit(&train_scaled, &train_target, FitOptions::default().epochs(5))?;
    pictures.curves(&history);
    let scores = model.evaluate(&val_scaled, &val_target, EvaluateOptions::default())?;
    println!(
        "validation [loss, accuracy]: [{:.4}, {:.4}]",
        scores[0], scores[1]
    );

    println!("\n== 6. Test set ==");
    let test_scaled = scale(&test_input)?;
    let scores = model.evaluate(&test_scaled, &test_target, EvaluateOptions::default().verbose(0))?;
    println!("test [loss, accuracy]: [{:.4}, {:.4}]", scores[0], scores[1]);
    let probabilities = model.predict_with(&test_scaled, EvaluateOptions::default().verbose(0))?;
    let predicted = kerust::metrics::predicted_classes(probabilities.view());
    pictures.test_results(test_input.view(), &test_target, &predicted);

    println!("\ndone in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Pixels / 255, each image flattened to 784 values.
fn scale(images: &Array3<u8>) -> Result<Array2<f32>> {
    let n = images.shape()[0];
    Ok(images
        .mapv(|p| f32::from(p) / 255.0)
        .into_shape_with_order((n, 784))?)
}

/// The samples `idx` of `x` and `y`.
fn rows(x: &Array2<f32>, y: &Array1<u8>, idx: &[usize]) -> (Array2<f32>, Array1<u8>) {
    (x.select(Axis(0), idx), y.select(Axis(0), idx))
}
