//! The losses of the catalogue against the values Keras' own tests pin
//! (keras/src/losses/losses_test.py), and against values worked out by
//! hand from Keras' formulas. Keras checks most at three decimals
//! (`assertAlmostEqual(…, 3)`: within 5e-4); so do these, unless stated.

use kerust::autograd::Tape;
use kerust::losses::{Loss, LossFn, Reduction, Targets};
use kerust::tensor::Tensor;

fn t(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_vec(shape, v.to_vec()).unwrap()
}

/// The loss `f` of `pred` against `target`, with optional sample weights:
/// every value of the result (one for a reduced loss).
fn values(f: LossFn, target: Targets<'_>, pred: &Tensor, weights: Option<&[f32]>) -> Vec<f32> {
    let mut tape = Tape::new();
    let p = tape.variable(pred.clone());
    let out = f.compute_weighted(&mut tape, target, p, weights).unwrap();
    tape.value(out).unwrap().to_vec()
}

fn value(f: impl Into<LossFn>, target: &Tensor, pred: &Tensor, weights: Option<&[f32]>) -> f32 {
    values(f.into(), Targets::Dense(target), pred, weights)[0]
}

fn close(got: f32, expected: f32, tol: f32, what: &str) {
    assert!(
        (got - expected).abs() <= tol,
        "{what}: {got} vs Keras' {expected}"
    );
}

/// Keras' regression fixture: y_true [[1, 9, 2], [-5, -2, 6]], y_pred [[4, 8, 12], [8, 1, 3]].
fn regression() -> (Tensor, Tensor) {
    (
        t(&[2, 3], &[1.0, 9.0, 2.0, -5.0, -2.0, 6.0]),
        t(&[2, 3], &[4.0, 8.0, 12.0, 8.0, 1.0, 3.0]),
    )
}

#[test]
fn regression_losses() {
    let (y, p) = regression();
    let w = Some(&[1.2f32, 3.4][..]);
    close(value(Loss::MeanSquaredError, &y, &p, None), 49.5, 1e-4, "mse");
    close(
        value(Loss::MeanSquaredError, &y, &p, w),
        767.8 / 6.0,
        1e-3,
        "mse weighted",
    );
    close(value(Loss::MeanAbsoluteError, &y, &p, None), 5.5, 1e-5, "mae");
    close(
        value(Loss::MeanAbsoluteError, &y, &p, w),
        81.4 / 6.0,
        1e-4,
        "mae weighted",
    );
    close(
        value(Loss::MeanAbsolutePercentageError, &y, &p, None),
        211.8518,
        5e-3,
        "mape",
    );
    close(
        value(Loss::MeanAbsolutePercentageError, &y, &p, w),
        422.8888,
        5e-3,
        "mape weighted",
    );
    close(
        value(Loss::MeanSquaredLogarithmicError, &y, &p, None),
        1.4370,
        5e-4,
        "msle",
    );
    close(
        value(Loss::MeanSquaredLogarithmicError, &y, &p, w),
        3.7856,
        5e-4,
        "msle weighted",
    );
    // log_cosh: Keras' test computes ln((eᵉ + e⁻ᵉ)/2) per element, summed over 6.
    let by_hand: f64 = [3.0f64, -1.0, 10.0, 13.0, 3.0, -3.0]
        .iter()
        .map(|e| ((e.exp() + (-e).exp()) / 2.0).ln())
        .sum::<f64>()
        / 6.0;
    close(
        value(Loss::LogCosh, &y, &p, None),
        by_hand as f32,
        5e-4,
        "log_cosh",
    );
}

#[test]
fn huber_poisson_and_kl_divergence_by_their_formulas() {
    // losses_test.py's Huber fixture, δ = 1: ½e² below δ, δ|e| − ½δ² above.
    let y = t(&[2, 3], &[1.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    let p = t(&[2, 3], &[0.9, 0.2, 0.2, 0.8, 0.4, 0.6]);
    let huber = |e: f64, d: f64| {
        if e.abs() <= d {
            0.5 * e * e
        } else {
            d * e.abs() - 0.5 * d * d
        }
    };
    let errors = [-0.1f64, 0.2, -0.8, -0.2, 0.4, 0.6];
    for d in [1.0, 0.3] {
        let by_hand: f64 = errors.iter().map(|&e| huber(e, d)).sum::<f64>() / 6.0;
        close(
            value(Loss::Huber.delta(d as f32), &y, &p, None),
            by_hand as f32,
            1e-6,
            "huber",
        );
    }
    // Poisson: mean of p − t·ln(p + ε), fixture of losses_test.py.
    let yp = t(&[2, 3], &[4.0, 8.0, 12.0, 8.0, 1.0, 3.0]);
    let pp = t(&[2, 3], &[1.0, 9.0, 2.0, 5.0, 2.0, 6.0]);
    let by_hand: f64 = [
        (1.0f64, 4.0f64),
        (9.0, 8.0),
        (2.0, 12.0),
        (5.0, 8.0),
        (2.0, 1.0),
        (6.0, 3.0),
    ]
    .iter()
    .map(|&(p, t)| p - t * (p + 1e-7).ln())
    .sum::<f64>()
        / 6.0;
    close(
        value(Loss::Poisson, &yp, &pp, None),
        by_hand as f32,
        1e-5,
        "poisson",
    );
    // KL divergence: Σ t·ln(t/p) per row, the rows averaged (batch of 2).
    let yk = t(&[2, 3], &[0.5, 0.8, 0.12, 0.7, 0.43, 0.8]);
    let pk = t(&[2, 3], &[0.4, 0.9, 0.12, 0.36, 0.3, 0.4]);
    let by_hand: f64 = [
        (0.5f64, 0.4f64),
        (0.8, 0.9),
        (0.12, 0.12),
        (0.7, 0.36),
        (0.43, 0.3),
        (0.8, 0.4),
    ]
    .iter()
    .map(|&(t, p)| t * (t / p).ln())
    .sum::<f64>()
        / 2.0;
    close(
        value(Loss::KLDivergence, &yk, &pk, None),
        by_hand as f32,
        1e-6,
        "kld",
    );
    close(
        value(Loss::KLDivergence, &yk, &pk, Some(&[1.2, 3.4])),
        ((0.5f64 * (0.5f64 / 0.4).ln() + 0.8 * (0.8f64 / 0.9).ln()) * 1.2
            + (0.7 * (0.7f64 / 0.36).ln() + 0.43 * (0.43f64 / 0.3).ln() + 0.8 * (0.8f64 / 0.4).ln()) * 3.4)
            as f32
            / 2.0,
        1e-5,
        "kld weighted",
    );
}

#[test]
fn hinges_and_their_reductions() {
    let y = t(&[2, 2], &[0.0, 1.0, 0.0, 0.0]);
    let p = t(&[2, 2], &[0.6, 0.4, 0.4, 0.6]);
    let all = |f: LossFn| values(f, Targets::Dense(&y), &p, None);
    close(all(Loss::Hinge.into())[0], 1.3, 5e-4, "hinge");
    close(
        all(Loss::Hinge.reduction(Reduction::Sum))[0],
        2.6,
        5e-4,
        "hinge sum",
    );
    let none = all(Loss::Hinge.reduction(Reduction::None));
    assert!(
        (none[0] - 1.1).abs() < 1e-6 && (none[1] - 1.5).abs() < 1e-6,
        "{none:?}"
    );
    close(all(Loss::SquaredHinge.into())[0], 1.86, 5e-4, "squared hinge");
    close(
        all(Loss::SquaredHinge.reduction(Reduction::Sum))[0],
        3.72,
        5e-4,
        "squared hinge sum",
    );
    let none = all(Loss::SquaredHinge.reduction(Reduction::None));
    assert!(
        (none[0] - 1.46).abs() < 1e-6 && (none[1] - 2.26).abs() < 1e-6,
        "{none:?}"
    );
    close(
        all(Loss::CategoricalHinge.into())[0],
        1.4,
        5e-4,
        "categorical hinge",
    );
    close(
        all(Loss::CategoricalHinge.reduction(Reduction::Sum))[0],
        2.8,
        5e-4,
        "categorical hinge sum",
    );
    let none = all(Loss::CategoricalHinge.reduction(Reduction::None));
    assert!(
        (none[0] - 1.2).abs() < 1e-6 && (none[1] - 1.6).abs() < 1e-6,
        "{none:?}"
    );
}

#[test]
fn cosine_similarity_by_its_formula() {
    let (y, p) = regression();
    let unit = |v: [f64; 3]| {
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.map(|x| x / n)
    };
    let dot = |a: [f64; 3], b: [f64; 3]| a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>();
    let rows = [
        dot(unit([1.0, 9.0, 2.0]), unit([4.0, 8.0, 12.0])),
        dot(unit([-5.0, -2.0, 6.0]), unit([8.0, 1.0, 3.0])),
    ];
    let expected = -(rows[0] + rows[1]) / 2.0;
    close(
        value(Loss::CosineSimilarity, &y, &p, None),
        expected as f32,
        1e-6,
        "cosine",
    );
    let weighted = -(rows[0] * 1.2 + rows[1] * 3.4) / 2.0;
    close(
        value(Loss::CosineSimilarity, &y, &p, Some(&[1.2, 3.4])),
        weighted as f32,
        1e-6,
        "cosine weighted",
    );
    // axis 0 compares the columns: the same as the transposed data on axis −1.
    let yt = t(&[3, 2], &[1.0, -5.0, 9.0, -2.0, 2.0, 6.0]);
    let pt = t(&[3, 2], &[4.0, 8.0, 8.0, 1.0, 12.0, 3.0]);
    let by_columns = values(
        Loss::CosineSimilarity.axis(0).reduction(Reduction::None),
        Targets::Dense(&y),
        &p,
        None,
    );
    let by_rows = values(
        Loss::CosineSimilarity.reduction(Reduction::None),
        Targets::Dense(&yt),
        &pt,
        None,
    );
    for (a, b) in by_columns.iter().zip(&by_rows) {
        assert!((a - b).abs() < 1e-6, "{by_columns:?} vs {by_rows:?}");
    }
}

#[test]
fn binary_crossentropies() {
    let y = t(&[3, 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let p = t(&[3, 3], &[0.9, 0.1, 0.2, 0.3, 0.8, 0.1, 0.1, 0.2, 0.7]);
    close(
        value(Loss::BinaryCrossentropy, &y, &p, None),
        0.20046903,
        1e-6,
        "bce",
    );
    let y2 = t(&[2, 2], &[1.0, 0.0, 1.0, 0.0]);
    let p2 = t(&[2, 2], &[1.0, 1.0, 1.0, 0.0]);
    close(
        value(Loss::BinaryCrossentropy, &y2, &p2, None),
        3.98559,
        1e-4,
        "bce clipped",
    );
    close(
        value(Loss::BinaryCrossentropy, &y2, &p2, Some(&[1.2, 3.4])),
        4.7827,
        5e-4,
        "bce weighted",
    );
    let yl = t(&[2, 3], &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    let logits = t(&[2, 3], &[10.0, -10.0, 10.0, 10.0, 10.0, -10.0]);
    let bce_logits = Loss::BinaryCrossentropy.from_logits(true);
    close(value(bce_logits, &yl, &logits, None), 3.3333, 5e-4, "bce logits");
    close(
        value(bce_logits, &yl, &logits, Some(&[4.0, 3.0])),
        10.0,
        5e-4,
        "bce logits weighted",
    );
    // Label smoothing 0.1: (10 + 5·0.1)/3, plus ln(1 + e⁻¹⁰) ≈ 4.5e-5 per
    // element, which Keras' expected value leaves out.
    let smooth = value(
        bce_logits.label_smoothing(0.1),
        &t(&[1, 3], &[1.0, 0.0, 1.0]),
        &t(&[1, 3], &[10.0, -10.0, -10.0]),
        None,
    );
    close(smooth, (10.0 + 5.0 * 0.1) / 3.0 + 4.54e-5, 1e-6, "bce smoothed");
    // Binary focal cross-entropy.
    let yf = t(&[2, 2], &[1.0, 0.0, 1.0, 0.0]);
    let pf = t(&[2, 2], &[0.9, 0.8, 0.7, 0.2]);
    let focal = Loss::BinaryFocalCrossentropy.gamma(2.0);
    close(value(focal, &yf, &pf, None), 0.268, 5e-4, "binary focal");
    close(
        value(focal, &yf, &pf, Some(&[1.2, 3.4])),
        0.34415,
        5e-4,
        "binary focal weighted",
    );
    let yfl = t(&[2, 3], &[1.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
    let lf = t(&[2, 3], &[1.5, -2.7, 2.9, -3.8, 1.2, -4.5]);
    let focal_logits = Loss::BinaryFocalCrossentropy.gamma(3.0).from_logits(true);
    close(
        value(focal_logits, &yfl, &lf, None),
        0.799,
        5e-4,
        "binary focal logits",
    );
    close(
        value(focal_logits, &yfl, &lf, Some(&[1.2, 3.4])),
        0.95977,
        5e-4,
        "binary focal logits weighted",
    );
}

#[test]
fn categorical_crossentropies() {
    let y = t(&[3, 3], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let p = t(&[3, 3], &[0.9, 0.05, 0.05, 0.5, 0.89, 0.6, 0.05, 0.01, 0.94]);
    let logits = t(&[3, 3], &[8.0, 1.0, 1.0, 0.0, 9.0, 1.0, 2.0, 3.0, 5.0]);
    let w = Some(&[1.2f32, 3.4, 5.6][..]);
    let cce = LossFn::from(Loss::CategoricalCrossentropy);
    close(value(cce, &y, &p, None), 0.3239, 5e-4, "cce");
    close(
        value(cce.from_logits(true), &y, &logits, None),
        0.0573,
        5e-4,
        "cce logits",
    );
    close(value(cce, &y, &p, w), 1.0696, 5e-4, "cce weighted");
    close(
        value(cce.from_logits(true), &y, &logits, w),
        0.31829,
        5e-4,
        "cce logits weighted",
    );
    let smooth = value(
        cce.from_logits(true).label_smoothing(0.1),
        &t(&[1, 3], &[1.0, 0.0, 0.0]),
        &t(&[1, 3], &[100.0, -100.0, -100.0]),
        None,
    );
    close(smooth, 400.0 * 0.1 / 3.0, 1e-3, "cce smoothed");
    // The sparse form of the same rows.
    let sparse =
        |f: LossFn, pred: &Tensor, w: Option<&[f32]>| values(f, Targets::Classes(&[0, 1, 2]), pred, w)[0];
    let scce = LossFn::from(Loss::SparseCategoricalCrossentropy);
    close(sparse(scce, &p, None), 0.3239, 5e-4, "scce");
    close(
        sparse(scce.from_logits(true), &logits, None),
        0.0573,
        5e-4,
        "scce logits",
    );
    close(sparse(scce, &p, w), 1.0696, 5e-4, "scce weighted");
    close(
        sparse(scce.from_logits(true), &logits, w),
        0.31829,
        5e-4,
        "scce logits weighted",
    );
    // Categorical focal cross-entropy.
    let focal = LossFn::from(Loss::CategoricalFocalCrossentropy);
    close(value(focal, &y, &p, None), 0.02059, 5e-4, "categorical focal");
    close(
        value(focal.from_logits(true), &y, &logits, None),
        0.000345,
        5e-4,
        "categorical focal logits",
    );
    close(
        value(focal, &y, &p, w),
        0.06987,
        5e-4,
        "categorical focal weighted",
    );
    close(
        value(focal.from_logits(true), &y, &logits, w),
        0.001933,
        5e-4,
        "categorical focal logits weighted",
    );
    let smooth = value(
        focal.from_logits(true).label_smoothing(0.1),
        &t(&[1, 3], &[1.0, 0.0, 0.0]),
        &t(&[1, 3], &[4.9, -0.5, 2.05]),
        None,
    );
    close(smooth, 0.06685, 5e-4, "categorical focal smoothed");
}

#[test]
fn ignore_class_masks_its_rows_out_of_the_mean() {
    // losses_test.py::test_ignore_class uses −1; kerust's labels are
    // unsigned, so class 3 of 3 stands for it: row 0 is ignored, row 1's
    // loss is Keras' 1.480129.
    let logits = t(&[1, 2, 3], &[0.854, 0.698, 0.598, 0.088, 0.86, 0.018]);
    let f = Loss::SparseCategoricalCrossentropy
        .from_logits(true)
        .ignore_class(3);
    let none = values(
        f.reduction(Reduction::None),
        Targets::Classes(&[3, 2]),
        &logits,
        None,
    );
    assert_eq!(none.len(), 2);
    assert_eq!(none[0], 0.0);
    assert!((none[1] - 1.480129).abs() < 1e-5, "{none:?}");
    // The mean is over the rows that count.
    let mean = values(f, Targets::Classes(&[3, 2]), &logits, None)[0];
    assert!((mean - 1.480129).abs() < 1e-5, "{mean}");
    let all_ignored = values(f, Targets::Classes(&[3, 3]), &logits, None)[0];
    assert_eq!(all_ignored, 0.0);
}

#[test]
fn options_and_configurations() {
    // Names and aliases resolve; options a loss does not take are refused.
    for (name, loss) in [
        ("huber", Loss::Huber),
        ("logcosh", Loss::LogCosh),
        ("kld", Loss::KLDivergence),
        ("mape", Loss::MeanAbsolutePercentageError),
        ("msle", Loss::MeanSquaredLogarithmicError),
        ("CategoricalFocalCrossentropy", Loss::CategoricalFocalCrossentropy),
    ] {
        assert_eq!(name.parse::<Loss>().unwrap(), loss, "{name}");
    }
    let err = Loss::MeanSquaredError.from_logits(true).check().unwrap_err();
    assert!(
        err.to_string().contains("MeanSquaredError takes reduction"),
        "{err}"
    );
    assert!(
        Loss::CategoricalCrossentropy
            .label_smoothing(1.5)
            .check()
            .is_err()
    );
    // Every loss's configuration reads back as the same loss.
    for loss in Loss::ALL {
        let f = LossFn::from(loss).reduction(Reduction::Sum);
        assert_eq!(LossFn::from_config(&f.config()).unwrap(), f, "{loss:?}");
    }
    let config = Loss::Huber.delta(2.0).reduction(Reduction::Sum).config();
    assert_eq!(config.to_json(), r#"{"delta":2.0,"reduction":"sum"}"#);
    // A compiled loss with options saves and loads with the model.
    use kerust::prelude::*;
    let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    model.compile(Loss::Huber.delta(0.5), ()).unwrap();
    let path = std::env::temp_dir().join(format!("kerust-loss-options-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = kerust::models::load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let x = ndarray::Array2::from_shape_fn((4, 3), |(i, j)| (i + j) as f32);
    let y = ndarray::Array2::from_shape_fn((4, 2), |(i, j)| (i * j) as f32);
    let quiet = || EvaluateOptions::default().verbose(0);
    assert_eq!(
        loaded.evaluate(&x, &y, quiet()).unwrap(),
        model.evaluate(&x, &y, quiet()).unwrap()
    );
}
