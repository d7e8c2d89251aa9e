//! The walk-through's convolutional network: two convolution and pooling
//! blocks, a hidden dense layer with dropout, trained with Adam until the
//! validation loss stops improving, keeping the best epoch.
//!
//! ```text
//! cargo run --release --example fashion_mnist_cnn
//! ```
//!
//! Conv2D(32, 3, relu, same) → MaxPooling2D(2) → Conv2D(64, 3, relu, same)
//! → MaxPooling2D(2) → Flatten → Dense(100, relu) → Dropout(0.4) →
//! Dense(10, softmax); pixels / 255 shaped (N, 28, 28, 1); the same 0.2
//! validation split with seed 42; up to 20 epochs with
//! `ModelCheckpoint(save_best_only)` and
//! `EarlyStopping(patience 2, restore_best_weights)`; then the validation
//! and test sets are evaluated.

mod data;
mod pictures;

use std::time::Instant;

use kerust::prelude::*;
use ndarray::{Array3, Array4, Axis};

fn main() -> Result<()> {
    let start = Instant::now();
    set_random_seed(42);
    let pictures = pictures::Pictures::from_args("fashion_mnist_cnn");
    let ((train_input, train_target), (test_input, test_target)) = data::fashion_mnist()?;
    // train_input.reshape(-1, 28, 28, 1) / 255.0
    pictures.first_images(train_input.view(), &train_target);
    let train_scaled = images(&train_input);
    drop(train_input);
    let (train_scaled, val_scaled, train_target, val_target) =
        train_test_split(&train_scaled, &train_target, 0.2, 42)?;
    println!(
        "train {:?}, validation {:?}",
        train_scaled.shape(),
        val_scaled.shape()
    );

    let mut model = sequential![
        Conv2D::new(32, 3)
            .activation(Relu)
            .padding(Padding::Same)
            .input_shape((28, 28, 1)),
        MaxPooling2D::new(2),
        Conv2D::new(64, (3, 3)).activation(Relu).padding(Padding::Same),
        MaxPooling2D::new(2),
        Flatten::new(),
        Dense::new(100).activation(Relu),
        Dropout::new(0.4),
        Dense::new(10).activation(Softmax),
    ];
    model.summary();
    model.compile_with(
        Adam::new(),
        Loss::SparseCategoricalCrossentropy,
        [Metric::Accuracy],
    )?;

    let dir = std::env::temp_dir().join("kerust-fashion-mnist-cnn");
    let best = dir.join("best-cnn-model.kerust");
    println!("checkpoints go to {}", dir.display());
    let mut checkpoint = ModelCheckpoint::new(best.to_string_lossy().into_owned()).save_best_only(true);
    let mut early = EarlyStopping::new()
        .patience(2)
        .restore_best_weights(true)
        .verbose(1);
    let fit_start = Instant::now();
    let history = model.fit(
        &train_scaled,
        &train_target,
        FitOptions::default()
            .epochs(20)
            .validation_data(&val_scaled, &val_target)
            .callback(&mut checkpoint)
            .callback(&mut early),
    )?;
    let fit_seconds = fit_start.elapsed().as_secs_f64();
    let epochs = history.epoch.len();
    println!(
        "epochs run: {epochs} ({:.1} s each), best epoch: {}, best val_loss {:.4}",
        fit_seconds / epochs.max(1) as f64,
        early.best_epoch() + 1,
        history
            .get("val_loss")
            .map_or(f64::NAN, |v| v[early.best_epoch()])
    );

    // model.evaluate(val_scaled, val_target), with the best epoch's weights.
    let val = model.evaluate(&val_scaled, &val_target, EvaluateOptions::default())?;
    println!("validation [loss, accuracy]: [{:.4}, {:.4}]", val[0], val[1]);
    let test_images = images(&test_input);
    let test = model.evaluate(&test_images, &test_target, EvaluateOptions::default())?;
    println!("test [loss, accuracy]: [{:.4}, {:.4}]", test[0], test[1]);
    pictures.curves(&history);
    let quiet = EvaluateOptions::default().verbose(0);
    let predicted = kerust::metrics::predicted_classes(model.predict_with(&test_images, quiet)?.view());
    pictures.test_results(test_input.view(), &test_target, &predicted);
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Pixels / 255, with a channel axis: (N, 28, 28) → (N, 28, 28, 1).
fn images(pixels: &Array3<u8>) -> Array4<f32> {
    pixels.mapv(|p| f32::from(p) / 255.0).insert_axis(Axis(3))
}
