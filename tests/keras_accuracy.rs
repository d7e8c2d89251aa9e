//! Accuracy on the real Fashion-MNIST, trained exactly as the walk-through
//! trains. Required when `KERUST_REQUIRE_DATA=1` (CI); skipped otherwise if
//! the data is not installed.

mod support;

use kerust::prelude::*;
use ndarray::Array2;
use support::fashion_mnist_or_skip as data;

fn scaled(images: &ndarray::Array3<u8>) -> Array2<f32> {
    let n = images.shape()[0];
    images
        .mapv(|p| f32::from(p) / 255.0)
        .into_shape_with_order((n, 784))
        .unwrap()
}

#[test]
fn the_seed_model_reaches_keras_accuracy_and_an_mlp_goes_further() {
    let Some(((train_input, train_target), _)) = data() else {
        return;
    };
    let train_scaled = scaled(&train_input);
    let (train_scaled, val_scaled, train_target, val_target) =
        train_test_split(&train_scaled, &train_target, 0.2, 42).unwrap();

    // The walk-through's model: Dense(10, softmax), RMSprop, 5 epochs.
    set_random_seed(42);
    let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    model
        .fit(
            &train_scaled,
            &train_target,
            FitOptions::default().epochs(5).verbose(0),
        )
        .unwrap();
    let scores = model
        .evaluate(&val_scaled, &val_target, EvaluateOptions::default().verbose(0))
        .unwrap();
    eprintln!(
        "seed model: validation loss {:.4}, accuracy {:.4}",
        scores[0], scores[1]
    );
    assert!(scores[1] >= 0.835, "Keras reaches 0.8458; got {}", scores[1]);

    // Flatten → Dense(100, relu) → Dense(10, softmax), Adam, 5 epochs.
    let train_images = train_scaled.into_shape_with_order((48_000, 28, 28)).unwrap();
    let val_images = val_scaled.into_shape_with_order((12_000, 28, 28)).unwrap();
    let mut mlp = sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(100).activation(Relu),
        Dense::new(10).activation(Softmax),
    ];
    mlp.compile_with(
        Adam::new(),
        Loss::SparseCategoricalCrossentropy,
        [Metric::Accuracy],
    )
    .unwrap();
    mlp.fit(
        &train_images,
        &train_target,
        FitOptions::default().epochs(5).verbose(0),
    )
    .unwrap();
    let scores = mlp
        .evaluate(&val_images, &val_target, EvaluateOptions::default().verbose(0))
        .unwrap();
    eprintln!("mlp: validation loss {:.4}, accuracy {:.4}", scores[0], scores[1]);
    assert!(scores[1] >= 0.865, "got {}", scores[1]);
}

#[test]
fn the_seed_model_learns_on_the_bundled_sample() {
    // Runs everywhere: the 2,000 + 500 real images built into kerust.
    let ((train_input, train_target), (test_input, test_target)) = fashion_mnist::load_sample().unwrap();
    set_random_seed(42);
    let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    model
        .fit(
            &scaled(&train_input),
            &train_target,
            FitOptions::default().epochs(10).verbose(0),
        )
        .unwrap();
    let scores = model
        .evaluate(
            &scaled(&test_input),
            &test_target,
            EvaluateOptions::default().verbose(0),
        )
        .unwrap();
    eprintln!("sample: test loss {:.4}, accuracy {:.4}", scores[0], scores[1]);
    assert!(scores[1] >= 0.7, "got {}", scores[1]);
}
