//! Every mistake a user can make with the Keras API is an `Err` with a
//! message naming what was expected and what was found.

use kerust::prelude::*;
use ndarray::{Array1, Array2, Array3};

fn compiled() -> Sequential {
    let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    model
}

fn data(n: usize) -> (Array2<f32>, Array1<u8>) {
    (
        Array2::zeros((n, 784)),
        Array1::from_shape_fn(n, |i| (i % 10) as u8),
    )
}

fn quiet<'a>() -> FitOptions<'a> {
    FitOptions::default().verbose(0)
}

#[test]
fn using_the_model_before_compile() {
    let mut model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    let (x, y) = data(4);
    let expected = "expected a compiled model, found You must call `compile()` before using the model.";
    assert_eq!(
        model.fit(&x, &y, quiet()).unwrap_err().to_string(),
        format!("fit: {expected}")
    );
    assert_eq!(
        model
            .evaluate(&x, &y, EvaluateOptions::default())
            .unwrap_err()
            .to_string(),
        format!("evaluate: {expected}")
    );
    // As in Keras, predict needs no compile (a feature-extraction model is
    // made from trained layers and only predicts).
    assert_eq!(model.predict(&x).unwrap().shape(), &[4, 10]);
}

#[test]
fn x_and_y_of_different_lengths() {
    let (x, _) = data(10);
    let (_, y) = data(9);
    assert_eq!(
        compiled().fit(&x, &y, quiet()).unwrap_err().to_string(),
        "fit: expected one target per sample of x (10), found 9 targets"
    );
    assert!(compiled().evaluate(&x, &y, EvaluateOptions::default()).is_err());
}

#[test]
fn a_feature_count_that_does_not_match_the_input() {
    let x = Array3::<f32>::zeros((5, 28, 28));
    let (_, y) = data(5);
    assert_eq!(
        compiled().fit(&x, &y, quiet()).unwrap_err().to_string(),
        "fit: expected input samples of shape (784,) (the model's input, 784 per sample), found x of shape (5, 28, 28)"
    );
    let x = Array2::<f32>::zeros((5, 100));
    assert!(
        compiled()
            .predict(&x)
            .unwrap_err()
            .to_string()
            .contains("found x of shape (5, 100)")
    );
    // A one-dimensional x has no feature axis.
    let x = Array1::<f32>::zeros(5);
    assert!(
        compiled()
            .fit(&x, &y, quiet())
            .unwrap_err()
            .to_string()
            .contains("at least one feature axis")
    );
}

#[test]
fn a_label_beyond_the_output_units() {
    let (x, mut y) = data(6);
    y[4] = 10;
    let err = compiled().fit(&x, &y, quiet()).unwrap_err();
    assert!(matches!(
        err,
        Error::LabelOutOfRange {
            label: 10,
            index: 4,
            num_classes: 10,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "fit: expected labels in 0..10 (one per class of the prediction), found label 10 at index 4"
    );
    let y = Array1::from_vec(vec![0i64, -1, 2, 3, 4, 5]);
    assert_eq!(
        compiled().fit(&x, &y, quiet()).unwrap_err().to_string(),
        "fit: expected non-negative class labels, found label -1 at row 1"
    );
}

#[test]
fn one_hot_targets_of_the_wrong_width() {
    let (x, y) = data(6);
    let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    model
        .compile(Loss::CategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    let narrow = to_categorical(&y.mapv(|v| v % 5), Some(5)).unwrap();
    assert_eq!(
        model.fit(&x, &narrow, quiet()).unwrap_err().to_string(),
        "fit: expected targets of shape (10,) per sample, like the model's output \
         (one-hot targets must have 10 columns, one per output unit), found targets of shape (6, 5)"
    );
    // Integer labels with the one-hot loss: the most common beginner mistake.
    let err = model.fit(&x, &y, quiet()).unwrap_err().to_string();
    assert!(err.contains("use sparse_categorical_crossentropy"), "{err}");
}

#[test]
fn batch_size_zero_and_empty_data() {
    let (x, y) = data(4);
    assert_eq!(
        compiled()
            .fit(&x, &y, quiet().batch_size(0))
            .unwrap_err()
            .to_string(),
        "fit: expected a batch_size of at least 1, found batch_size=0"
    );
    assert!(
        compiled()
            .evaluate(&x, &y, EvaluateOptions::default().batch_size(0))
            .is_err()
    );
    let (x, y) = data(0);
    assert_eq!(
        compiled().fit(&x, &y, quiet()).unwrap_err().to_string(),
        "fit: expected at least one sample, found an empty x of shape (0, 784)"
    );
    assert!(compiled().predict(&x).is_err());
}

#[test]
fn validation_split_outside_zero_one() {
    let (x, y) = data(10);
    for bad in [1.0, 1.5, -0.1, f64::NAN] {
        let err = compiled()
            .fit(&x, &y, quiet().validation_split(bad))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("fit: expected validation_split in [0, 1)"),
            "{err}"
        );
    }
    // A split that leaves nothing to train on.
    let (x, y) = data(1);
    assert!(compiled().fit(&x, &y, quiet().validation_split(0.5)).is_err());
}

#[test]
fn nan_or_infinite_inputs_name_the_row() {
    let (mut x, y) = data(8);
    x[[5, 17]] = f32::NAN;
    assert_eq!(
        compiled().fit(&x, &y, quiet()).unwrap_err().to_string(),
        "fit: expected finite values in x, found NaN at row 5, column 17"
    );
    x[[5, 17]] = 0.0;
    x[[2, 0]] = f32::INFINITY;
    assert_eq!(
        compiled()
            .evaluate(&x, &y, EvaluateOptions::default())
            .unwrap_err()
            .to_string(),
        "evaluate: expected finite values in x, found inf at row 2, column 0"
    );
    assert!(compiled().predict(&x).is_err());
}

#[test]
fn unknown_names_and_bad_layers() {
    let mut model = compiled();
    assert!(
        model
            .compile("hinge_loss", ["accuracy"])
            .unwrap_err()
            .to_string()
            .contains("unknown loss identifier")
    );
    assert!(
        model
            .compile("mse", ["f1"])
            .unwrap_err()
            .to_string()
            .contains("unknown metric identifier")
    );
    assert!(
        model
            .compile_with(SGD::new().momentum(2.0), "mse", ["accuracy"])
            .unwrap_err()
            .to_string()
            .contains("momentum in [0, 1]")
    );
    let mut bad = Sequential::new(vec![Dense::new(10).activation("relux").input_shape(4)]);
    let err = bad.compile("mse", ()).unwrap_err().to_string();
    assert!(err.contains("unknown activation identifier \"relux\""), "{err}");
    let mut zero = Sequential::new(vec![Dense::new(0).input_shape(4)]);
    assert!(
        zero.compile("mse", ())
            .unwrap_err()
            .to_string()
            .contains("units=0")
    );
    let mut empty = Sequential::new(Vec::<Dense>::new());
    empty.compile("mse", ()).unwrap();
    let (x, y) = data(2);
    assert!(
        empty
            .fit(&x, &y, quiet())
            .unwrap_err()
            .to_string()
            .contains("at least one layer")
    );
}

#[test]
fn layers_too_large_to_build_are_errors_not_aborts() {
    let x = Array2::<f32>::zeros((2, 8));
    let y = Array1::from_vec(vec![0u8, 1]);
    for layer in [
        Box::new(Dense::new(usize::MAX)) as Box<dyn kerust::layers::Layer>,
        Box::new(Dense::new(1 << 40)),
        Box::new(Dense::new(1 << 30)),
    ] {
        let mut model = Sequential::new(vec![layer]);
        model
            .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
            .unwrap();
        let err = model.fit(&x, &y, quiet()).unwrap_err().to_string();
        assert!(
            err.contains("expected a weight of at most 2147483648 elements"),
            "{err}"
        );
    }
    let images = Array3::<f32>::zeros((2, 4, 4))
        .into_shape_with_order((2, 4, 4, 1))
        .unwrap();
    let mut conv = sequential![Conv2D::new(1 << 40, 3), Flatten::new(), Dense::new(2)];
    conv.compile("sparse_categorical_crossentropy", ()).unwrap();
    let err = conv.fit(&images, &y, quiet()).unwrap_err().to_string();
    assert!(
        err.contains("found a weight of shape (3, 3, 1, 1099511627776)"),
        "{err}"
    );
    let mut init = Sequential::new(vec![
        Dense::new(2)
            .kernel_initializer(Initializer::RandomUniform { min: 1.0, max: -1.0 })
            .input_shape(8),
    ]);
    let err = init.compile("mse", ()).unwrap_err().to_string();
    assert!(
        err.contains("finite bounds with min <= max, found min=1, max=-1"),
        "{err}"
    );
}

#[test]
fn nan_or_infinite_targets_name_the_row() {
    let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    model.compile("mse", ()).unwrap();
    let x = Array2::<f32>::zeros((6, 3));
    let mut y = Array2::<f32>::zeros((6, 2));
    y[[4, 1]] = f32::NAN;
    let err = model.fit(&x, &y, quiet()).unwrap_err().to_string();
    assert_eq!(
        err,
        "fit: expected finite values in y, found NaN at row 4, column 1"
    );
    y[[4, 1]] = f32::NEG_INFINITY;
    let err = model
        .evaluate(&x, &y, EvaluateOptions::default().verbose(0))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "evaluate: expected finite values in y, found -inf at row 4, column 1"
    );
}

#[test]
fn binary_targets_outside_zero_one_are_refused() {
    let mut model = Sequential::new(vec![Dense::new(1).activation(Sigmoid).input_shape(3)]);
    model.compile("binary_crossentropy", ["accuracy"]).unwrap();
    let x = Array2::<f32>::zeros((10, 3));
    // Class ids 0..9 given to a binary loss: a negative loss, before.
    let labels = Array1::from_shape_fn(10, |i| i as u8);
    let err = model.fit(&x, &labels, quiet()).unwrap_err().to_string();
    assert_eq!(
        err,
        "fit: expected targets in [0, 1] for binary_crossentropy, found 2 at row 2"
    );
    let mut values = Array2::<f32>::zeros((10, 1));
    values[[7, 0]] = 1.5;
    let err = model.fit(&x, &values, quiet()).unwrap_err().to_string();
    assert_eq!(
        err,
        "fit: expected targets in [0, 1] for binary_crossentropy, found 1.5 at row 7, column 0"
    );
    // Probabilities (soft labels) are fine.
    values[[7, 0]] = 0.25;
    assert!(model.fit(&x, &values, quiet()).is_ok());
    assert!(model.fit(&x, &labels.mapv(|l| l % 2), quiet()).is_ok());
}

#[test]
fn float_class_ids_with_a_sparse_loss() {
    let mut model = compiled();
    let (x, labels) = data(8);
    // Whole numbers as f32 are class ids, as in Keras: the same training.
    let floats = labels.mapv(f32::from);
    let history = model.fit(&x, &floats, quiet()).unwrap();
    assert_eq!(history.history["loss"].len(), 1);
    let as_labels = model
        .evaluate(&x, &labels, EvaluateOptions::default().verbose(0))
        .unwrap();
    let as_floats = model
        .evaluate(&x, &floats, EvaluateOptions::default().verbose(0))
        .unwrap();
    assert_eq!(as_labels, as_floats);
    // A column of them too.
    let column = floats.clone().into_shape_with_order((8, 1)).unwrap();
    assert!(model.fit(&x, &column, quiet()).is_ok());
    // Anything else says what is expected.
    let mut fractional = floats.clone();
    fractional[3] = 2.5;
    let err = model.fit(&x, &fractional, quiet()).unwrap_err().to_string();
    assert_eq!(
        err,
        "fit: expected integer class labels for sparse_categorical_crossentropy, found 2.5 at row 3"
    );
    let one_hot = Array2::<f32>::zeros((8, 10));
    let err = model.fit(&x, &one_hot, quiet()).unwrap_err().to_string();
    assert!(
        err.contains("one-hot targets go with categorical_crossentropy), found f32 targets of shape (8, 10)"),
        "{err}"
    );
}
