//! Keras' `sample_weight` and `class_weight` in `fit` and `evaluate`: the
//! batch loss is `Σ wᵢ·lᵢ / batch size`, class weights are sample weights
//! looked up by label, and mistakes are errors naming what was expected.

use approx::assert_abs_diff_eq;
use kerust::prelude::*;
use ndarray::{Array1, Array2};

fn data() -> (Array2<f32>, Array1<u8>) {
    let x = Array2::from_shape_fn((8, 3), |(i, j)| ((i * 5 + j * 3) % 7) as f32 / 7.0 - 0.4);
    let y = Array1::from_shape_fn(8, |i| (i % 3 == 0) as u8);
    (x, y)
}

/// Two dense layers with fixed weights, compiled with SGD.
fn model(learning_rate: f32) -> Sequential {
    let mut model = sequential![
        Dense::new(4).activation("tanh").input_shape(3),
        Dense::new(2).activation("softmax"),
    ];
    let weights = model
        .get_weights()
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let values = (0..w.len())
                .map(|i| ((i * 7 + k * 3) % 11) as f32 / 11.0 - 0.45)
                .collect();
            Tensor::from_vec(w.shape(), values).unwrap()
        })
        .collect();
    model.set_weights(weights).unwrap();
    model
        .compile_with(
            SGD::new().learning_rate(learning_rate),
            "sparse_categorical_crossentropy",
            ["accuracy"],
        )
        .unwrap();
    model
}

fn quiet() -> EvaluateOptions<'static> {
    EvaluateOptions::default().verbose(0)
}

#[test]
fn evaluate_weights_each_samples_loss_over_the_batch_size() {
    let (x, y) = data();
    let mut m = model(0.1);
    // Each sample's own loss, one at a time.
    let per_sample: Vec<f64> = (0..8)
        .map(|i| {
            let xi = x.slice(ndarray::s![i..i + 1, ..]).to_owned();
            let yi = y.slice(ndarray::s![i..i + 1]).to_owned();
            m.evaluate(&xi, &yi, quiet()).unwrap()[0]
        })
        .collect();
    let w = [0.5f32, 2.0, 0.0, 1.0, 3.0, 1.0, 0.25, 1.5];
    let expected: f64 = per_sample
        .iter()
        .zip(w)
        .map(|(l, w)| l * f64::from(w))
        .sum::<f64>()
        / 8.0;
    let scores = m
        .evaluate(&x, &y, quiet().batch_size(8).sample_weight(&w))
        .unwrap();
    assert_abs_diff_eq!(scores[0], expected, epsilon = 1e-6);
    // Accuracy is not weighted (Keras' `metrics` are not).
    let unweighted = m.evaluate(&x, &y, quiet()).unwrap();
    assert_eq!(scores[1], unweighted[1]);
    // Unit weights change nothing.
    let ones = [1.0f32; 8];
    assert_eq!(
        m.evaluate(&x, &y, quiet().sample_weight(&ones)).unwrap(),
        unweighted
    );
}

/// Weights (2, 2, 0, 0) over four samples give the loss (l₀ + l₁)/2, the
/// plain mean over the first two: one step of each trains the same.
#[test]
fn zero_weights_leave_samples_out_of_the_gradient() {
    let (x, y) = data();
    let (x4, y4) = (
        x.slice(ndarray::s![..4, ..]).to_owned(),
        y.slice(ndarray::s![..4]).to_owned(),
    );
    let (x2, y2) = (
        x.slice(ndarray::s![..2, ..]).to_owned(),
        y.slice(ndarray::s![..2]).to_owned(),
    );
    let fit = |batch: usize| {
        FitOptions::default()
            .epochs(1)
            .batch_size(batch)
            .shuffle(false)
            .verbose(0)
    };
    let mut weighted = model(0.5);
    weighted
        .fit(&x4, &y4, fit(4).sample_weight(&[2.0, 2.0, 0.0, 0.0]))
        .unwrap();
    let mut first_two = model(0.5);
    first_two.fit(&x2, &y2, fit(2)).unwrap();
    for (a, b) in weighted.get_weights().iter().zip(first_two.get_weights()) {
        for (p, q) in a.to_vec().iter().zip(b.to_vec()) {
            assert_abs_diff_eq!(*p, q, epsilon = 1e-6);
        }
    }
    assert_ne!(
        weighted.get_weights(),
        model(0.5).get_weights(),
        "a step was taken"
    );
}

#[test]
fn class_weights_are_sample_weights_looked_up_by_label() {
    let (x, y) = data();
    let fit = || {
        FitOptions::default()
            .epochs(3)
            .batch_size(4)
            .shuffle(false)
            .verbose(0)
    };
    let mut by_class = model(0.3);
    let history = by_class.fit(&x, &y, fit().class_weight(&[(1, 4.0)])).unwrap();
    let by_hand: Vec<f32> = y.iter().map(|&c| if c == 1 { 4.0 } else { 1.0 }).collect();
    let mut by_sample = model(0.3);
    let expected = by_sample.fit(&x, &y, fit().sample_weight(&by_hand)).unwrap();
    assert_eq!(by_class.get_weights(), by_sample.get_weights());
    assert_eq!(history.history["loss"], expected.history["loss"]);
    // One-hot targets: the class is the largest entry of each row.
    let mut one_hot = sequential![Dense::new(2).activation("softmax").input_shape(3)];
    let start = one_hot.get_weights();
    one_hot
        .compile_with(SGD::new(), "categorical_crossentropy", ())
        .unwrap();
    let targets = kerust::utils::to_categorical(&y, Some(2)).unwrap();
    one_hot
        .fit(&x, &targets, fit().class_weight(&[(1, 4.0)]))
        .unwrap();
    let mut manual = sequential![Dense::new(2).activation("softmax").input_shape(3)];
    manual.set_weights(start).unwrap();
    manual
        .compile_with(SGD::new(), "categorical_crossentropy", ())
        .unwrap();
    manual.fit(&x, &targets, fit().sample_weight(&by_hand)).unwrap();
    assert_eq!(one_hot.get_weights(), manual.get_weights());
}

#[test]
fn weighting_mistakes_are_errors() {
    let (x, y) = data();
    let mut m = model(0.1);
    let fit = || FitOptions::default().verbose(0);
    let err = m
        .fit(&x, &y, fit().sample_weight(&[1.0; 3]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected one sample weight per sample (8), found 3 sample weights"),
        "{err}"
    );
    let mut negative = [1.0f32; 8];
    negative[5] = -1.0;
    let err = m
        .fit(&x, &y, fit().sample_weight(&negative))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected finite, non-negative weights, found sample weight at index 5: -1"),
        "{err}"
    );
    let err = m
        .fit(&x, &y, fit().sample_weight(&[1.0; 8]).class_weight(&[(0, 2.0)]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected sample_weight or class_weight, found both"),
        "{err}"
    );
    let err = m
        .fit(&x, &y, fit().class_weight(&[(0, f32::NAN)]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("class weight for class 0: NaN"), "{err}");
    let err = m
        .evaluate(&x, &y, quiet().sample_weight(&[1.0]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("one sample weight per sample (8)"), "{err}");

    // class_weight needs one output.
    let input = Input::new(3);
    let (a, b) = (
        Dense::new(2).call(&input).unwrap(),
        Dense::new(1).call(&input).unwrap(),
    );
    let mut two = Model::new(&input, &[a, b]).unwrap();
    two.compile("mse", ()).unwrap();
    let (ya, yb) = (Array2::<f32>::zeros((8, 2)), Array2::<f32>::zeros((8, 1)));
    let err = two
        .fit(&x, &(&ya, &yb), fit().class_weight(&[(0, 2.0)]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("class_weight for a model with one output, found a model with 2 outputs"),
        "{err}"
    );
    // sample_weight applies to every output.
    assert!(two.fit(&x, &(&ya, &yb), fit().sample_weight(&[1.0; 8])).is_ok());
}

/// A loss of your own that returns one value per sample is weighted like
/// the built-ins; one that returns the batch mean cannot be.
#[test]
fn user_losses_are_weighted_per_sample() {
    let (x, _) = data();
    let y = Array2::from_shape_fn((8, 1), |(i, _)| i as f32 / 8.0);
    let per_sample = kerust::losses::custom("per_sample_se", |tape, y_true, y_pred| {
        let kerust::losses::Targets::Dense(t) = y_true else {
            unreachable!()
        };
        let t = tape.constant(t.clone());
        let d = tape.sub(y_pred, t)?;
        let d2 = tape.mul(d, d)?;
        tape.sum_axis(d2, 1, false)
    });
    let w = [0.5f32, 2.0, 0.0, 1.0, 3.0, 1.0, 0.25, 1.5];
    let mut mine = sequential![Dense::new(1).input_shape(3)];
    let start = mine.get_weights();
    mine.compile(per_sample, ()).unwrap();
    let mut builtin = sequential![Dense::new(1).input_shape(3)];
    builtin.set_weights(start).unwrap();
    builtin.compile("mse", ()).unwrap();
    let options = || EvaluateOptions::default().verbose(0).sample_weight(&w);
    let a = mine.evaluate(&x, &y, options()).unwrap()[0];
    let b = builtin.evaluate(&x, &y, options()).unwrap()[0];
    assert_abs_diff_eq!(a, b, epsilon = 1e-6);

    let mean = kerust::losses::custom("mean_se", |tape, y_true, y_pred| {
        let kerust::losses::Targets::Dense(t) = y_true else {
            unreachable!()
        };
        let t = tape.constant(t.clone());
        let d = tape.sub(y_pred, t)?;
        let d2 = tape.mul(d, d)?;
        tape.mean(d2)
    });
    mine.compile(mean, ()).unwrap();
    let err = mine.evaluate(&x, &y, options()).unwrap_err().to_string();
    assert!(
        err.contains("one value per sample (8) from the loss \"mean_se\""),
        "{err}"
    );
}
