//! Losses and metrics of your own in `compile`: closures and trait
//! objects, next to the built-in ones, with the same results where they
//! compute the same thing.

use std::sync::Arc;

use approx::assert_abs_diff_eq;
use kerust::autograd::{Tape, Var};
use kerust::losses::{self, LossFunction, Targets};
use kerust::metrics::{self, MetricArg};
use kerust::models::Objective;
use kerust::prelude::*;
use ndarray::Array2;

fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((48, 3), |(i, j)| ((i * 5 + j * 7) % 13) as f32 / 13.0);
    let y = Array2::from_shape_fn((48, 2), |(i, j)| ((i + j) % 4) as f32 / 4.0);
    (x, y)
}

/// The mean squared error, recorded from the tape's elementary ops.
fn squared_error(tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var> {
    let Targets::Dense(t) = y_true else {
        return Err(Error::InvalidArgument {
            op: "my_mse",
            expected: "float targets".into(),
            found: "class labels".into(),
        });
    };
    let t = tape.constant(t.clone());
    let d = tape.sub(y_pred, t)?;
    let sq = tape.mul(d, d)?;
    tape.mean(sq)
}

fn trained(loss: impl Into<kerust::losses::LossArg>) -> (Vec<f64>, Vec<f32>) {
    let (x, y) = data();
    let mut model = sequential![Dense::new(4).activation(Tanh).input_shape(3), Dense::new(2)];
    // The same starting weights for both runs, whatever other tests draw.
    let start: Vec<Tensor> = model
        .get_weights()
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let values = (0..w.len())
                .map(|i| ((i * 7 + k * 3) % 11) as f32 / 11.0 - 0.5)
                .collect();
            Tensor::from_vec(w.shape(), values).unwrap()
        })
        .collect();
    model.set_weights(start).unwrap();
    model
        .compile_with(SGD::new().learning_rate(0.1), loss, ())
        .unwrap();
    let history = model
        .fit(&x, &y, FitOptions::default().epochs(5).seed(1).verbose(0))
        .unwrap();
    (
        history.get("loss").unwrap().to_vec(),
        model.get_weights()[0].to_vec(),
    )
}

#[test]
fn a_closure_loss_trains_as_the_built_in_loss_it_restates() {
    let (builtin_losses, builtin_weights) = trained("mse");
    let (custom_losses, custom_weights) = trained(losses::custom("my_mse", squared_error));
    for (a, b) in builtin_losses.iter().zip(&custom_losses) {
        assert_abs_diff_eq!(a, b, epsilon = 1e-6);
    }
    for (a, b) in builtin_weights.iter().zip(&custom_weights) {
        assert_abs_diff_eq!(a, b, epsilon = 1e-5);
    }
}

/// Mean absolute error through a trait object.
struct MyMae;

impl LossFunction for MyMae {
    fn name(&self) -> &str {
        "my_mae"
    }

    fn call(&self, tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var> {
        let Targets::Dense(t) = y_true else {
            unreachable!("the test gives float targets")
        };
        let t = tape.constant(t.clone());
        let d = tape.sub(y_pred, t)?;
        let sq = tape.mul(d, d)?;
        let abs = tape.sqrt(sq)?;
        tape.mean(abs)
    }
}

#[test]
fn a_loss_function_object_serves_one_output_of_several() {
    let (x, y) = data();
    let input = Input::new(3);
    let a = Dense::new(2).name("a").call(&input).unwrap();
    let b = Dense::new(2).name("b").call(&input).unwrap();
    let mut model = Model::new(&input, &[a, b]).unwrap();
    model
        .compile_outputs(
            SGD::new(),
            vec![
                Objective::new(Arc::new(MyMae) as Arc<dyn LossFunction>),
                Objective::new("mae").loss_weight(2.0),
            ],
        )
        .unwrap();
    // Both heads start from their own weights; the same formula gives the
    // same kind of number, and the total is the weighted sum.
    let scores = model
        .evaluate(&x, &(&y, &y), EvaluateOptions::default().verbose(0))
        .unwrap();
    assert_abs_diff_eq!(scores[0], scores[1] + 2.0 * scores[2], epsilon = 1e-5);
    model
        .fit(&x, &(&y, &y), FitOptions::default().epochs(2).verbose(0))
        .unwrap();
    // Only built-in losses resolve to a LossFn.
    let err = losses::custom("x", squared_error).resolve().unwrap_err();
    assert!(err.to_string().contains("the loss of your own \"x\""), "{err}");
}

#[test]
fn a_saved_model_names_its_own_loss_and_loading_asks_for_it() {
    let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    model
        .compile(losses::custom("my_mse", squared_error), ())
        .unwrap();
    let path = std::env::temp_dir().join(format!("kerust-custom-loss-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    // As Keras' load_model without custom_objects: the name is not known.
    let err = load_model(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    assert!(err.contains("my_mse"), "{err}");
}

/// |y − ŷ| averaged over each sample's outputs, as Keras' mae metric.
fn absolute_error(y_true: Targets<'_>, y_pred: ndarray::ArrayView2<'_, f32>) -> Vec<f64> {
    let Targets::Dense(t) = y_true else {
        return Vec::new();
    };
    let t = t.view().into_shape_with_order(y_pred.dim()).unwrap().to_owned();
    (0..y_pred.nrows())
        .map(|i| {
            let row = (&y_pred.row(i) - &t.row(i)).mapv(|v| f64::from(v.abs()));
            row.mean().unwrap()
        })
        .collect()
}

#[test]
fn a_closure_metric_is_averaged_over_samples_as_the_built_in_one() {
    let (x, y) = data();
    let mut model = sequential![Dense::new(4).activation(Tanh).input_shape(3), Dense::new(2)];
    let list = vec![MetricArg::from("mae"), metrics::custom("my_mae", absolute_error)];
    model.compile("mse", list).unwrap();
    // Batches of 32 and 16: a mean over samples, not over batches.
    let scores = model
        .evaluate(&x, &y, EvaluateOptions::default().verbose(0))
        .unwrap();
    assert_eq!(scores.len(), 3);
    assert_abs_diff_eq!(scores[1], scores[2], epsilon = 1e-6);
    let history = model
        .fit(&x, &y, FitOptions::default().epochs(2).verbose(0))
        .unwrap();
    assert_abs_diff_eq!(
        history.last("mae").unwrap(),
        history.last("my_mae").unwrap(),
        epsilon = 1e-6
    );
}

#[test]
fn a_custom_metric_sees_probabilities_when_the_loss_reads_logits() {
    let (x, _) = data();
    let labels = ndarray::Array1::from_shape_fn(48, |i| (i % 3) as u8);
    let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(3)]);
    let confidence = metrics::custom("confidence", |_, y_pred| {
        y_pred
            .rows()
            .into_iter()
            .map(|r| f64::from(r.fold(0.0f32, |m, &p| m.max(p))))
            .collect()
    });
    model
        .compile("sparse_categorical_crossentropy", vec![confidence])
        .unwrap();
    let scores = model
        .evaluate(&x, &labels, EvaluateOptions::default().verbose(0))
        .unwrap();
    let probabilities = model.predict(&x).unwrap();
    let want: f64 = probabilities
        .rows()
        .into_iter()
        .map(|r| f64::from(r.fold(0.0f32, |m, &p| m.max(p))))
        .sum::<f64>()
        / 48.0;
    assert_abs_diff_eq!(scores[1], want, epsilon = 1e-6);
}
