//! Finite-difference checks of the loss ops, and their values against
//! results worked out by hand from Keras' formulas.

mod common;

use common::*;
use kerust::autograd::Tape;
use kerust::tensor::Tensor;
use rand::RngExt;

fn labels(rng: &mut rand::rngs::StdRng, n: usize, classes: usize) -> Vec<usize> {
    (0..n).map(|_| rng.random_range(0..classes)).collect()
}

#[test]
fn sparse_categorical_crossentropy_from_logits_and_probabilities() {
    let mut rng = rng(30);
    for batch in batch_sizes(&mut rng) {
        let classes = width(&mut rng) + 1;
        let y = labels(&mut rng, batch, classes);
        let logits = uniform(&mut rng, &[batch, classes], -3.0, 3.0);
        assert_grads("scce logits", &[&logits], |t, v| {
            t.sparse_categorical_crossentropy(&y, v[0], true)
        });
        // Unnormalised positive "probabilities" exercise the renormalisation too.
        let probs = uniform(&mut rng, &[batch, classes], 0.2, 1.0);
        assert_grads("scce probs", &[&probs], |t, v| {
            t.sparse_categorical_crossentropy(&y, v[0], false)
        });
        // Rank 3: (batch, time, classes), one label per (batch, time).
        let y3 = labels(&mut rng, batch * 2, classes);
        let logits3 = uniform(&mut rng, &[batch, 2, classes], -3.0, 3.0);
        assert_grads("scce logits rank 3", &[&logits3], |t, v| {
            t.sparse_categorical_crossentropy(&y3, v[0], true)
        });
    }
}

#[test]
fn categorical_crossentropy_from_logits_and_probabilities() {
    let mut rng = rng(31);
    for batch in batch_sizes(&mut rng) {
        let classes = width(&mut rng) + 1;
        // Soft targets that sum to one per row.
        let raw = uniform(&mut rng, &[batch, classes], 0.0, 1.0).into_array();
        let sums = raw.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1));
        let target = Tensor::from(&raw / &sums);
        let logits = uniform(&mut rng, &[batch, classes], -3.0, 3.0);
        let probs = uniform(&mut rng, &[batch, classes], 0.2, 1.0);
        assert_grads("cce logits", &[&logits], |t, v| {
            t.categorical_crossentropy(&target, v[0], true)
        });
        assert_grads("cce probs", &[&probs], |t, v| {
            t.categorical_crossentropy(&target, v[0], false)
        });
    }
}

#[test]
fn binary_crossentropy_from_logits_and_probabilities() {
    let mut rng = rng(32);
    for batch in batch_sizes(&mut rng) {
        let w = width(&mut rng);
        let target = uniform(&mut rng, &[batch, w], 0.0, 1.0);
        let logits = uniform(&mut rng, &[batch, w], -3.0, 3.0);
        let probs = uniform(&mut rng, &[batch, w], 0.1, 0.9);
        assert_grads("bce logits", &[&logits], |t, v| {
            t.binary_crossentropy(&target, v[0], true)
        });
        assert_grads("bce probs", &[&probs], |t, v| {
            t.binary_crossentropy(&target, v[0], false)
        });
        // (N,) targets against (N, 1) predictions, as Keras accepts.
        let t1 = uniform(&mut rng, &[batch], 0.0, 1.0);
        let p1 = uniform(&mut rng, &[batch, 1], 0.1, 0.9);
        assert_grads("bce (N,) vs (N,1)", &[&p1], |t, v| {
            t.binary_crossentropy(&t1, v[0], false)
        });
    }
}

#[test]
fn regression_losses() {
    let mut rng = rng(33);
    for batch in batch_sizes(&mut rng) {
        let shape = [batch, width(&mut rng)];
        let target = uniform(&mut rng, &shape, -1.0, 1.0);
        let pred = uniform(&mut rng, &shape, -1.0, 1.0);
        assert_grads("mse", &[&pred], |t, v| t.mean_squared_error(&target, v[0]));
        // Keep |pred - target| ≥ 0.1 so |·|'s kink is out of reach of the step.
        let offset = away_from_zero(&mut rng, &shape, 0.1, 1.0).into_array();
        let pred_mae = Tensor::from(&target.view() + &offset);
        assert_grads("mae", &[&pred_mae], |t, v| t.mean_absolute_error(&target, v[0]));
    }
}

/// Loss values against hand-computed results, tolerance 1e-6 (Keras'
/// `assertAllClose` default) unless stated.
mod values {
    use super::*;

    fn loss_of(
        f: impl Fn(&mut Tape, kerust::autograd::Var) -> kerust::Result<kerust::autograd::Var>,
        pred: Tensor,
    ) -> f32 {
        let mut tape = Tape::new();
        let p = tape.variable(pred);
        let l = f(&mut tape, p).unwrap();
        tape.value(l).unwrap().item().unwrap()
    }

    #[test]
    fn sparse_categorical_crossentropy_keras_docstring() {
        // keras.losses.sparse_categorical_crossentropy([1, 2], [[.05,.95,0],[.1,.8,.1]])
        // = [-ln .95, -ln .1] = [0.0513, 2.3026]; mean 1.1769392
        let p = Tensor::from_vec(&[2, 3], vec![0.05, 0.95, 0.0, 0.1, 0.8, 0.1]).unwrap();
        let l = loss_of(|t, v| t.sparse_categorical_crossentropy(&[1, 2], v, false), p);
        approx::assert_abs_diff_eq!(l, (-(0.95f64.ln()) - 0.1f64.ln()) as f32 / 2.0, epsilon = 1e-6);
    }

    #[test]
    fn clipping_at_epsilon_bounds_the_loss() {
        // p[y] = 0 is clipped to 1e-7: loss = -ln(1e-7) = 16.118096
        let p = Tensor::from_vec(&[1, 2], vec![1.0, 0.0]).unwrap();
        let l = loss_of(|t, v| t.sparse_categorical_crossentropy(&[1], v, false), p);
        approx::assert_abs_diff_eq!(l, 16.118_095, epsilon = 1e-4);
    }

    #[test]
    fn fused_logits_equal_log_softmax() {
        // logits [1, 2, 3], label 0: loss = ln(e + e² + e³) − 1 = 2.4076059
        let z = Tensor::from_vec(&[1, 3], vec![1.0, 2.0, 3.0]).unwrap();
        let l = loss_of(|t, v| t.sparse_categorical_crossentropy(&[0], v, true), z);
        let expected = ((1f64).exp() + (2f64).exp() + (3f64).exp()).ln() - 1.0;
        approx::assert_abs_diff_eq!(l, expected as f32, epsilon = 1e-6);
    }

    #[test]
    fn categorical_crossentropy_keras_docstring() {
        // keras.losses.categorical_crossentropy([[0,1,0],[0,0,1]], [[.05,.95,0],[.1,.8,.1]]) → mean 1.1769392
        let t = Tensor::from_vec(&[2, 3], vec![0., 1., 0., 0., 0., 1.]).unwrap();
        let p = Tensor::from_vec(&[2, 3], vec![0.05, 0.95, 0.0, 0.1, 0.8, 0.1]).unwrap();
        let l = loss_of(|tp, v| tp.categorical_crossentropy(&t, v, false), p);
        approx::assert_abs_diff_eq!(l, 1.176_939_2, epsilon = 1e-6);
    }

    #[test]
    fn binary_crossentropy_keras_docstring() {
        // keras.losses.binary_crossentropy([[0,1],[0,0]], [[.6,.4],[.4,.6]]) = [0.916, 0.714]; mean 0.8149245
        let t = Tensor::from_vec(&[2, 2], vec![0., 1., 0., 0.]).unwrap();
        let p = Tensor::from_vec(&[2, 2], vec![0.6, 0.4, 0.4, 0.6]).unwrap();
        let l = loss_of(|tp, v| tp.binary_crossentropy(&t, v, false), p);
        let expected = (-(0.4f64.ln()) - 0.4f64.ln() - 0.6f64.ln() - 0.4f64.ln()) / 4.0;
        approx::assert_abs_diff_eq!(l, expected as f32, epsilon = 1e-6);
    }

    #[test]
    fn binary_crossentropy_from_logits_matches_probabilities() {
        // sigmoid(0.4054651) = 0.6, so the two paths agree: −ln 0.6 for t = 1
        let t = Tensor::from_vec(&[1, 1], vec![1.0]).unwrap();
        let z = Tensor::from_vec(&[1, 1], vec![(1.5f32).ln()]).unwrap();
        let l = loss_of(|tp, v| tp.binary_crossentropy(&t, v, true), z);
        approx::assert_abs_diff_eq!(l, -(0.6f32.ln()), epsilon = 1e-6);
    }

    #[test]
    fn regression_losses_by_hand() {
        // keras docstring: mse([[0,1],[0,0]], [[1,1],[1,0]]) per-sample [0.5, 0.5] → 0.5
        let t = Tensor::from_vec(&[2, 2], vec![0., 1., 0., 0.]).unwrap();
        let p = Tensor::from_vec(&[2, 2], vec![1., 1., 1., 0.]).unwrap();
        approx::assert_abs_diff_eq!(
            loss_of(|tp, v| tp.mean_squared_error(&t, v), p.clone()),
            0.5,
            epsilon = 1e-6
        );
        approx::assert_abs_diff_eq!(
            loss_of(|tp, v| tp.mean_absolute_error(&t, v), p),
            0.5,
            epsilon = 1e-6
        );
        // differences [0.5, -2, 1.5]: mse (0.25+4+2.25)/3 = 2.1666667, mae 4/3
        let t = Tensor::from_vec(&[3], vec![1.0, 1.0, 1.0]).unwrap();
        let p = Tensor::from_vec(&[3], vec![1.5, -1.0, 2.5]).unwrap();
        approx::assert_abs_diff_eq!(
            loss_of(|tp, v| tp.mean_squared_error(&t, v), p.clone()),
            6.5 / 3.0,
            epsilon = 1e-6
        );
        approx::assert_abs_diff_eq!(
            loss_of(|tp, v| tp.mean_absolute_error(&t, v), p),
            4.0 / 3.0,
            epsilon = 1e-6
        );
    }
}

/// Every built-in loss with Keras' `sample_weight` (one weight per sample,
/// some zero): finite differences agree with the weighted backward, for
/// rank 2 and rank 3 predictions.
#[test]
fn every_loss_with_sample_weights() {
    use kerust::losses::{Loss, LossFn, Targets};
    let mut rng = rng(35);
    for batch in batch_sizes(&mut rng) {
        let classes = width(&mut rng) + 1;
        let weights: Vec<f32> = (0..batch)
            .map(|i| {
                if i % 3 == 2 {
                    0.0
                } else {
                    rng.random_range(0.1..3.0)
                }
            })
            .collect();
        let y = labels(&mut rng, batch, classes);
        let y3 = labels(&mut rng, batch * 2, classes);
        let soft = uniform(&mut rng, &[batch, classes], 0.0, 1.0);
        let soft3 = uniform(&mut rng, &[batch, 2, classes], 0.0, 1.0);
        let logits = uniform(&mut rng, &[batch, classes], -3.0, 3.0);
        let logits3 = uniform(&mut rng, &[batch, 2, classes], -3.0, 3.0);
        let probs = uniform(&mut rng, &[batch, classes], 0.2, 0.8);
        let probs3 = uniform(&mut rng, &[batch, 2, classes], 0.2, 0.8);
        // Regression targets away from the predictions (|y − ŷ| has a kink at 0).
        let far = uniform(&mut rng, &[batch, classes], 1.5, 2.5);
        let far3 = uniform(&mut rng, &[batch, 2, classes], 1.5, 2.5);
        for (loss, from_logits) in [
            (Loss::SparseCategoricalCrossentropy, true),
            (Loss::SparseCategoricalCrossentropy, false),
            (Loss::CategoricalCrossentropy, true),
            (Loss::CategoricalCrossentropy, false),
            (Loss::BinaryCrossentropy, true),
            (Loss::BinaryCrossentropy, false),
            (Loss::MeanSquaredError, false),
            (Loss::MeanAbsoluteError, false),
        ] {
            let f = LossFn::from(loss).from_logits(from_logits);
            let sparse = loss == Loss::SparseCategoricalCrossentropy;
            let (p2, p3) = if from_logits {
                (&logits, &logits3)
            } else {
                (&probs, &probs3)
            };
            let regression = matches!(loss, Loss::MeanSquaredError | Loss::MeanAbsoluteError);
            let (d2, d3) = if regression {
                (&far, &far3)
            } else {
                (&soft, &soft3)
            };
            for (pred, labels, dense) in [(p2, &y, d2), (p3, &y3, d3)] {
                let name = format!("{loss:?} logits={from_logits} rank {}", pred.shape().len());
                assert_grads(&name, &[pred], |t, v| {
                    let targets = if sparse {
                        Targets::Classes(labels)
                    } else {
                        Targets::Dense(dense)
                    };
                    f.compute_weighted(t, targets, v[0], Some(&weights))
                });
            }
        }
    }
}

/// Keras' own test values for sample-weighted losses
/// (keras/src/losses/losses_test.py, `test_sample_weighted`): within 1e-4
/// of the four digits Keras gives (its `assertAlmostEqual` checks three).
#[test]
fn sample_weighted_losses_match_keras_tests() {
    use kerust::losses::{Loss, LossFn, Targets};
    let value = |loss: Loss, from_logits: bool, y_true: Targets<'_>, pred: Tensor, w: &[f32]| {
        let mut tape = Tape::new();
        let p = tape.variable(pred);
        let out = LossFn::from(loss)
            .from_logits(from_logits)
            .compute_weighted(&mut tape, y_true, p, Some(w))
            .unwrap();
        tape.value(out).unwrap().item().unwrap()
    };
    let t = |shape: &[usize], v: &[f32]| Tensor::from_vec(shape, v.to_vec()).unwrap();
    let (y, p) = (
        t(&[2, 3], &[1.0, 9.0, 2.0, -5.0, -2.0, 6.0]),
        t(&[2, 3], &[4.0, 8.0, 12.0, 8.0, 1.0, 3.0]),
    );
    let mse = value(
        Loss::MeanSquaredError,
        false,
        Targets::Dense(&y),
        p.clone(),
        &[1.2, 3.4],
    );
    assert!((mse - 767.8 / 6.0).abs() < 1e-3, "{mse}");
    let mae = value(Loss::MeanAbsoluteError, false, Targets::Dense(&y), p, &[1.2, 3.4]);
    assert!((mae - 81.4 / 6.0).abs() < 1e-4, "{mae}");

    let bce = value(
        Loss::BinaryCrossentropy,
        false,
        Targets::Dense(&t(&[2, 2], &[1.0, 0.0, 1.0, 0.0])),
        t(&[2, 2], &[1.0, 1.0, 1.0, 0.0]),
        &[1.2, 3.4],
    );
    assert!((bce - 4.7827).abs() < 1e-4, "{bce}");
    let bce_logits = value(
        Loss::BinaryCrossentropy,
        true,
        Targets::Dense(&t(&[2, 3], &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0])),
        t(&[2, 3], &[10.0, -10.0, 10.0, 10.0, 10.0, -10.0]),
        &[4.0, 3.0],
    );
    // Keras pins 10.0 to 3 decimals; exactly, it is
    // (4·ln(1 + e⁻¹⁰) + 3·(20 + 3·ln(1 + e⁻¹⁰))/3) / 2 = 10.000159.
    assert!((bce_logits - 10.0).abs() < 1e-3, "{bce_logits}");
    let exact = (4.0 * (-10f64).exp().ln_1p() + (20.0 + 3.0 * (-10f64).exp().ln_1p())) / 2.0;
    assert!(
        (f64::from(bce_logits) - exact).abs() < 1e-5,
        "{bce_logits} against {exact}"
    );

    let probs = t(&[3, 3], &[0.9, 0.05, 0.05, 0.5, 0.89, 0.6, 0.05, 0.01, 0.94]);
    let logits = t(&[3, 3], &[8.0, 1.0, 1.0, 0.0, 9.0, 1.0, 2.0, 3.0, 5.0]);
    let one_hot = t(&[3, 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let w = [1.2, 3.4, 5.6];
    for (loss, targets) in [
        (Loss::CategoricalCrossentropy, Targets::Dense(&one_hot)),
        (Loss::SparseCategoricalCrossentropy, Targets::Classes(&[0, 1, 2])),
    ] {
        let on_probs = value(loss, false, targets, probs.clone(), &w);
        assert!((on_probs - 1.0696).abs() < 1e-4, "{loss:?}: {on_probs}");
        let on_logits = value(loss, true, targets, logits.clone(), &w);
        assert!((on_logits - 0.31829).abs() < 1e-4, "{loss:?}: {on_logits}");
    }
}
