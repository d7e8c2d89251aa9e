//! Behaviours checked against Keras 3 by running it: the names metrics are
//! logged under, what an optimizer does without gradients, binary
//! accuracy on soft labels, and monitors whose direction is unknown.

use kerust::prelude::*;
use ndarray::{Array1, Array2};

fn data() -> (Array2<f32>, Array1<u8>) {
    let x = Array2::from_shape_fn((32, 3), |(i, j)| ((i * 3 + j) % 7) as f32 / 7.0);
    let y = Array1::from_shape_fn(32, |i| (i % 2) as u8);
    (x, y)
}

#[test]
fn a_metric_named_acc_is_logged_as_acc_and_monitored_as_val_acc() {
    let (x, y) = data();
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    model.compile("sparse_categorical_crossentropy", ["acc"]).unwrap();
    let mut early = EarlyStopping::new().monitor("val_acc").patience(1);
    let history = model
        .fit(
            &x,
            &y,
            FitOptions::default()
                .epochs(2)
                .validation_split(0.25)
                .verbose(0)
                .callback(&mut early),
        )
        .unwrap();
    let keys: Vec<&str> = history.history.keys().map(String::as_str).collect();
    assert_eq!(keys, ["acc", "loss", "val_acc", "val_loss"]);
}

#[test]
fn an_optimizer_without_any_gradient_is_an_error() {
    use kerust::tensor::Tensor;
    let mut adam = Adam::new();
    let mut w = Tensor::ones(&[3]);
    let err = adam.apply(&mut [&mut w], &[None]).unwrap_err();
    assert!(err.to_string().contains("no gradients provided for any"), "{err}");
    assert_eq!(adam.iterations(), 0);
    // Nothing to update at all is no step (Keras' `apply` returns early).
    adam.apply(&mut [], &[]).unwrap();
    assert_eq!(adam.iterations(), 0);
}

#[test]
fn binary_accuracy_compares_the_decision_with_the_label() {
    // Keras: y_true 0.7 against y_pred 0.9 → the decision 1 ≠ 0.7: wrong.
    let x = Array2::<f32>::zeros((2, 1));
    let y = Array2::from_shape_vec((2, 1), vec![0.7f32, 1.0]).unwrap();
    let mut model = Sequential::new(vec![Dense::new(1).activation(Sigmoid).input_shape(1)]);
    model
        .set_weights(vec![
            kerust::tensor::Tensor::from_vec(&[1, 1], vec![0.0]).unwrap(),
            kerust::tensor::Tensor::from_vec(&[1], vec![2.2]).unwrap(), // sigmoid(2.2) ≈ 0.9
        ])
        .unwrap();
    model.compile("binary_crossentropy", ["binary_accuracy"]).unwrap();
    let scores = model
        .evaluate(&x, &y, EvaluateOptions::default().verbose(0))
        .unwrap();
    assert_eq!(scores[1], 0.5);
}

#[test]
fn auto_mode_refuses_a_monitor_whose_direction_is_unknown() {
    let (x, y) = data();
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    model
        .compile("sparse_categorical_crossentropy", ["accuracy"])
        .unwrap();
    let fit = |model: &mut Sequential, callback: &mut dyn Callback| {
        model.fit(
            &x,
            &y,
            FitOptions::default().epochs(1).verbose(0).callback(callback),
        )
    };
    let dir = std::env::temp_dir().join(format!("kerust-monitor-{}", std::process::id()));
    let path = dir.join("best.kerust").to_string_lossy().into_owned();
    let mut early = EarlyStopping::new().monitor("my_score");
    let mut reduce = ReduceLROnPlateau::new().monitor("my_score");
    let mut checkpoint = ModelCheckpoint::new(path.clone()).monitor("my_score");
    for (who, callback) in [
        ("EarlyStopping", &mut early as &mut dyn Callback),
        ("ReduceLROnPlateau", &mut reduce),
        ("ModelCheckpoint", &mut checkpoint),
    ] {
        let err = fit(&mut model, callback).unwrap_err().to_string();
        assert!(err.contains(who) && err.contains("cannot be inferred"), "{err}");
    }
    // With a mode, the same monitor is accepted.
    let mut reduce = ReduceLROnPlateau::new()
        .monitor("my_score")
        .mode(kerust::callbacks::Mode::Max);
    assert!(fit(&mut model, &mut reduce).is_ok());
    let _ = std::fs::remove_dir_all(dir);
}
