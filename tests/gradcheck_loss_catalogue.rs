//! Finite-difference checks of every loss in the catalogue, with its
//! options (`from_logits`, `label_smoothing`, `axis`, `ignore_class`,
//! `delta`, focal `alpha`/`gamma`), every reduction and sample weights, at
//! ranks 2 and 3. Inputs stay away from each loss's kinks (|e| = δ for
//! Huber, a zero margin for the hinges, p − t = 0 for the absolute errors).

mod common;

use common::*;
use kerust::losses::{Loss, LossFn, Reduction, Targets};
use kerust::tensor::Tensor;
use rand::RngExt;

/// One loss, its predictions and its targets.
struct Case {
    f: LossFn,
    pred: Tensor,
    dense: Option<Tensor>,
    labels: Vec<usize>,
}

fn check(name: &str, case: &Case, weights: Option<&[f32]>) {
    assert_grads(name, &[&case.pred], |t, v| {
        let targets = match &case.dense {
            Some(d) => Targets::Dense(d),
            None => Targets::Classes(&case.labels),
        };
        let out = case.f.compute_weighted(t, targets, v[0], weights)?;
        // "none" leaves one value per sample: their sum is the scalar checked.
        if t.value(out)?.shape().is_empty() {
            Ok(out)
        } else {
            t.sum(out)
        }
    });
}

/// Targets and predictions for each loss, in the domain where it is smooth.
fn cases(rng: &mut rand::rngs::StdRng, shape: &[usize]) -> Vec<(String, Case)> {
    let classes = *shape.last().unwrap_or(&1);
    let rows: usize = shape.iter().product::<usize>() / classes;
    let probs = uniform(rng, shape, 0.2, 0.8);
    let logits = uniform(rng, shape, -3.0, 3.0);
    let soft = uniform(rng, shape, 0.0, 1.0);
    let far = uniform(rng, shape, 1.5, 2.5);
    let binary = Tensor::from(soft.as_array().mapv(|v| if v > 0.5 { 1.0 } else { 0.0 }));
    let one_hot = {
        let mut t = vec![0.0f32; rows * classes];
        for r in 0..rows {
            t[r * classes + rng.random_range(0..classes)] = 1.0;
        }
        Tensor::from_vec(shape, t).unwrap()
    };
    let labels: Vec<usize> = (0..rows).map(|_| rng.random_range(0..classes)).collect();
    // Rows of distinct values 0.1 apart, shuffled: the categorical hinge's
    // maximum stays where it is within the checks' step of 1e-2.
    let spread = {
        let mut v = Vec::with_capacity(rows * classes);
        for _ in 0..rows {
            let mut row: Vec<f32> = (0..classes).map(|k| 0.2 + 0.1 * k as f32).collect();
            for i in (1..row.len()).rev() {
                row.swap(i, rng.random_range(0..=i));
            }
            v.extend(row);
        }
        Tensor::from_vec(shape, v).unwrap()
    };
    let dense = |f: LossFn, pred: &Tensor, target: &Tensor| Case {
        f,
        pred: pred.clone(),
        dense: Some(target.clone()),
        labels: vec![],
    };
    let sparse = |f: LossFn, pred: &Tensor| Case {
        f,
        pred: pred.clone(),
        dense: None,
        labels: labels.clone(),
    };
    let mut all = vec![
        ("mse", dense(Loss::MeanSquaredError.into(), &probs, &far)),
        ("mae", dense(Loss::MeanAbsoluteError.into(), &probs, &far)),
        (
            "mape",
            dense(Loss::MeanAbsolutePercentageError.into(), &probs, &far),
        ),
        (
            "msle",
            dense(Loss::MeanSquaredLogarithmicError.into(), &probs, &far),
        ),
        ("huber quadratic", dense(Loss::Huber.delta(3.0), &probs, &far)),
        ("huber linear", dense(Loss::Huber.delta(0.5), &probs, &far)),
        ("log_cosh", dense(Loss::LogCosh.into(), &logits, &far)),
        ("poisson", dense(Loss::Poisson.into(), &probs, &far)),
        ("kl_divergence", dense(Loss::KLDivergence.into(), &probs, &soft)),
        (
            "cosine_similarity",
            dense(Loss::CosineSimilarity.into(), &logits, &far),
        ),
        ("hinge", dense(Loss::Hinge.into(), &probs, &binary)),
        ("squared_hinge", dense(Loss::SquaredHinge.into(), &probs, &binary)),
        (
            "categorical_hinge",
            dense(Loss::CategoricalHinge.into(), &spread, &one_hot),
        ),
        ("bce", dense(Loss::BinaryCrossentropy.into(), &probs, &soft)),
        (
            "bce logits smoothed",
            dense(
                Loss::BinaryCrossentropy.from_logits(true).label_smoothing(0.2),
                &logits,
                &soft,
            ),
        ),
        (
            "binary focal",
            dense(Loss::BinaryFocalCrossentropy.gamma(1.5), &probs, &binary),
        ),
        (
            "binary focal logits balanced smoothed",
            dense(
                Loss::BinaryFocalCrossentropy
                    .from_logits(true)
                    .apply_class_balancing(true)
                    .alpha(0.4)
                    .label_smoothing(0.1),
                &logits,
                &binary,
            ),
        ),
        (
            "cce",
            dense(Loss::CategoricalCrossentropy.into(), &probs, &one_hot),
        ),
        (
            "cce logits smoothed",
            dense(
                Loss::CategoricalCrossentropy
                    .from_logits(true)
                    .label_smoothing(0.1),
                &logits,
                &soft,
            ),
        ),
        (
            "categorical focal",
            dense(Loss::CategoricalFocalCrossentropy.into(), &probs, &one_hot),
        ),
        (
            "categorical focal logits smoothed",
            dense(
                Loss::CategoricalFocalCrossentropy
                    .from_logits(true)
                    .gamma(1.0)
                    .alpha(0.6)
                    .label_smoothing(0.1),
                &logits,
                &one_hot,
            ),
        ),
        ("scce", sparse(Loss::SparseCategoricalCrossentropy.into(), &probs)),
        (
            "scce logits ignoring class 0",
            sparse(
                Loss::SparseCategoricalCrossentropy
                    .from_logits(true)
                    .ignore_class(0),
                &logits,
            ),
        ),
    ];
    if shape.len() == 3 {
        // The class axis first after the batch: Keras' `axis=1`.
        all.push((
            "cce axis 1",
            dense(
                Loss::CategoricalCrossentropy.from_logits(true).axis(1),
                &logits,
                &one_hot,
            ),
        ));
        all.push((
            "cosine axis 1",
            dense(Loss::CosineSimilarity.axis(1), &logits, &far),
        ));
    }
    all.into_iter().map(|(n, c)| (n.to_string(), c)).collect()
}

#[test]
fn every_loss_of_the_catalogue() {
    let mut rng = rng(51);
    let mut checked = 0;
    for batch in batch_sizes(&mut rng) {
        let classes = width(&mut rng) + 1;
        for shape in [vec![batch, classes], vec![batch, 3, classes]] {
            for (name, case) in cases(&mut rng, &shape) {
                check(&format!("{name} {shape:?}"), &case, None);
                checked += 1;
            }
        }
    }
    assert!(checked >= 90, "{checked} checks");
}

#[test]
fn every_reduction_with_sample_weights() {
    let mut rng = rng(52);
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
        for shape in [vec![batch, classes], vec![batch, 2, classes]] {
            for (name, case) in cases(&mut rng, &shape) {
                for reduction in [
                    Reduction::SumOverBatchSize,
                    Reduction::Sum,
                    Reduction::MeanWithSampleWeight,
                    Reduction::None,
                ] {
                    let case = Case {
                        f: case.f.reduction(reduction),
                        pred: case.pred.clone(),
                        dense: case.dense.clone(),
                        labels: case.labels.clone(),
                    };
                    check(&format!("{name} {reduction:?} {shape:?}"), &case, Some(&weights));
                }
            }
        }
    }
}
