//! Convolutional layers in a model: Keras' shapes and parameter counts,
//! training, saving.

mod support;

use kerust::prelude::*;
use ndarray::{Array1, Array4};
use support::book_cnn;

#[test]
fn the_book_cnn_has_keras_shapes_and_parameter_counts() {
    let model = book_cnn();
    assert_eq!(model.count_params(), 333_526);
    let s = model.summary_string();
    for row in [
        "│ conv2d (Conv2D)                 │ (None, 28, 28, 32)     │           320 │",
        "│ max_pooling2d (MaxPooling2D)    │ (None, 14, 14, 32)     │             0 │",
        "│ conv2d_1 (Conv2D)               │ (None, 14, 14, 64)     │        18,496 │",
        "│ max_pooling2d_1 (MaxPooling2D)  │ (None, 7, 7, 64)       │             0 │",
        "│ flatten (Flatten)               │ (None, 3136)           │             0 │",
        "│ dense (Dense)                   │ (None, 100)            │       313,700 │",
        "│ dropout (Dropout)               │ (None, 100)            │             0 │",
        "│ dense_1 (Dense)                 │ (None, 10)             │         1,010 │",
        " Total params: 333,526 (1.27 MB)",
    ] {
        assert!(s.contains(row), "missing {row:?} in\n{s}");
    }
}

#[test]
fn a_small_cnn_learns_and_round_trips_through_a_file() {
    // Vertical bars (class 1) against horizontal bars (class 0) on 8×8 images.
    let n = 64;
    let y = Array1::from_shape_fn(n, |i| (i % 2) as u8);
    let x = Array4::from_shape_fn((n, 8, 8, 1), |(i, r, c, _)| {
        let at = (i / 2) % 8;
        let on = if y[i] == 1 { c == at } else { r == at };
        if on { 1.0 } else { 0.0 }
    });
    set_random_seed(0);
    let mut model = sequential![
        Conv2D::new(4, 3).activation(Relu).input_shape((8, 8, 1)),
        AveragePooling2D::new(2).padding(Padding::Same),
        Flatten::new(),
        Dense::new(2).activation(Softmax),
    ];
    model
        .compile_with(
            Adam::new().learning_rate(0.01),
            Loss::SparseCategoricalCrossentropy,
            [Metric::Accuracy],
        )
        .unwrap();
    let h = model
        .fit(&x, &y, FitOptions::default().epochs(30).batch_size(16).verbose(0))
        .unwrap();
    let loss = h.get("loss").unwrap();
    assert!(loss[29] < 0.5 * loss[0], "{loss:?}");
    assert!(h.last("accuracy").unwrap() > 0.9, "{:?}", h.get("accuracy"));

    let path = std::env::temp_dir().join(format!("kerust-cnn-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    assert_eq!(loaded.predict(&x).unwrap(), model.predict(&x).unwrap());
    assert_eq!(loaded.summary_string(), model.summary_string());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn convolution_layers_refuse_flat_inputs() {
    let mut model = Sequential::new(vec![Conv2D::new(4, 3).input_shape(784)]);
    let err = model.compile("mse", ()).unwrap_err().to_string();
    assert!(
        err.contains("inputs of shape (height, width, channels) per sample"),
        "{err}"
    );
}

#[test]
fn batch_normalization_trains_on_batches_and_infers_with_moving_averages() {
    let x = ndarray::Array2::from_shape_fn((64, 3), |(i, j)| ((i * 7 + j * 5) % 13) as f32 + 10.0 * j as f32);
    let y = Array1::from_shape_fn(64, |i| (i % 2) as u8);
    set_random_seed(1);
    let mut model = sequential![
        BatchNormalization::new().momentum(0.5).input_shape(3),
        Dense::new(2).activation(Softmax),
    ];
    let s = model.summary_string();
    assert!(
        s.contains(" Trainable params: 14 (56.00 B)") && s.contains(" Non-trainable params: 6 (24.00 B)"),
        "{s}"
    );
    model
        .compile_with(
            SGD::new().learning_rate(0.1),
            Loss::SparseCategoricalCrossentropy,
            [Metric::Accuracy],
        )
        .unwrap();
    // One full batch, no shuffle: the moving mean moves halfway to the batch mean.
    model
        .fit(
            &x,
            &y,
            FitOptions::default().batch_size(64).shuffle(false).verbose(0),
        )
        .unwrap();
    let w = model.get_weights();
    let (gamma, beta, moving_mean, moving_var) = (&w[0], &w[1], &w[2], &w[3]);
    let batch_mean: Vec<f32> = (0..3).map(|j| x.column(j).mean().unwrap()).collect();
    for (moving, batch) in moving_mean.to_vec().iter().zip(&batch_mean) {
        approx::assert_abs_diff_eq!(*moving, 0.5 * batch, epsilon = 1e-4);
    }
    // Inference: (x − moving_mean)/√(moving_var + ε)·γ + β, then the dense layer.
    let probe = ndarray::array![[1.0f32, 12.0, 25.0]];
    let mut normalised = probe.clone();
    for j in 0..3 {
        normalised[[0, j]] = (probe[[0, j]] - moving_mean.to_vec()[j])
            / (moving_var.to_vec()[j] + 1e-3).sqrt()
            * gamma.to_vec()[j]
            + beta.to_vec()[j];
    }
    let dense_only = {
        let mut m = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
        m.set_weights(vec![w[4].clone(), w[5].clone()]).unwrap();
        m.compile("mse", ()).unwrap();
        m.predict(&normalised).unwrap()
    };
    let predicted = model.predict(&probe).unwrap();
    for (a, b) in predicted.iter().zip(dense_only.iter()) {
        approx::assert_abs_diff_eq!(a, b, epsilon = 1e-5);
    }
    // Saved and loaded with its moving statistics.
    let path = std::env::temp_dir().join(format!("kerust-bn-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    assert_eq!(load_model(&path).unwrap().predict(&probe).unwrap(), predicted);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn reshape_turns_flat_pixels_into_images_and_saves() {
    let mut model = sequential![
        Reshape::new((4, 4, 1)).input_shape(16),
        Conv2D::new(2, 3).activation(Relu),
        Flatten::new(),
        Dense::new(2).activation(Softmax),
    ];
    assert_eq!(model.layers()[0].name(), "reshape");
    assert!(
        model
            .summary_string()
            .contains("│ reshape (Reshape)               │ (None, 4, 4, 1)        │             0 │")
    );
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    let x = ndarray::Array2::from_shape_fn((8, 16), |(i, j)| ((i + j) % 5) as f32);
    let y = Array1::from_shape_fn(8, |i| (i % 2) as u8);
    model
        .fit(&x, &y, FitOptions::default().epochs(2).verbose(0))
        .unwrap();
    let path = std::env::temp_dir().join(format!("kerust-reshape-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    assert_eq!(
        load_model(&path).unwrap().predict(&x).unwrap(),
        model.predict(&x).unwrap()
    );
    std::fs::remove_file(&path).unwrap();
    let mut bad = Sequential::new(vec![Reshape::new((3, 3)).input_shape(16)]);
    let err = bad.compile("mse", ()).unwrap_err().to_string();
    assert!(err.contains("a target shape with 16 values"), "{err}");
}

/// The message of the error building (compiling) `model` gives.
fn build_error(mut model: Sequential) -> String {
    model
        .compile("sparse_categorical_crossentropy", ())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_convolution_and_pooling_settings_name_the_layer_and_both_shapes() {
    // A kernel larger than a "valid" input.
    let err = build_error(sequential![Conv2D::new(4, 5).input_shape((3, 3, 1))]);
    for part in ["\"conv2d\"", "window (5)", "(None, 3, 3, 1)"] {
        assert!(err.contains(part), "{part:?} missing in: {err}");
    }
    // Stride 0, pool 0.
    let err = build_error(sequential![Conv2D::new(4, 3).strides(0).input_shape((8, 8, 1))]);
    assert!(err.contains("\"conv2d\"") && err.contains("stride 0"), "{err}");
    let err = build_error(sequential![MaxPooling2D::new(0).input_shape((8, 8, 1))]);
    assert!(
        err.contains("\"max_pooling2d\"") && err.contains("window 0"),
        "{err}"
    );
    let err = build_error(sequential![
        AveragePooling2D::new(2).strides(0).input_shape((8, 8, 1))
    ]);
    assert!(
        err.contains("\"average_pooling2d\"") && err.contains("stride 0"),
        "{err}"
    );
    // A 2-d input.
    let err = build_error(sequential![MaxPooling2D::new(2).input_shape(64)]);
    assert!(
        err.contains("\"max_pooling2d\"") && err.contains("(None, 64)"),
        "{err}"
    );
}

#[test]
fn images_with_other_channels_than_the_model_was_built_for_are_refused() {
    let mut model = sequential![
        Conv2D::new(4, 3).input_shape((8, 8, 1)),
        Flatten::new(),
        Dense::new(2).activation(Softmax),
    ];
    model.compile("sparse_categorical_crossentropy", ()).unwrap();
    let x = Array4::<f32>::zeros((4, 8, 8, 3));
    let y = Array1::<u8>::zeros(4);
    let err = model
        .fit(&x, &y, FitOptions::default().verbose(0))
        .unwrap_err()
        .to_string();
    assert!(err.contains("(8, 8, 1)") && err.contains("(4, 8, 8, 3)"), "{err}");
}
