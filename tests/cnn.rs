//! Convolutional layers in a model: Keras' shapes and parameter counts,
//! training, saving.

use kerust::prelude::*;
use ndarray::{Array1, Array4};

fn book_cnn() -> Sequential {
    sequential![
        Conv2D::new(32, 3)
            .activation(Relu)
            .padding(Padding::Same)
            .input_shape((28, 28, 1)),
        MaxPooling2D::new(2),
        Conv2D::new(64, 3).activation(Relu).padding(Padding::Same),
        MaxPooling2D::new(2),
        Flatten::new(),
        Dense::new(100).activation(Relu),
        Dropout::new(0.4),
        Dense::new(10).activation(Softmax),
    ]
}

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
            &[Metric::Accuracy],
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
    let err = model.compile("mse", &[] as &[Metric]).unwrap_err().to_string();
    assert!(
        err.contains("inputs of shape (height, width, channels) per sample"),
        "{err}"
    );
}
