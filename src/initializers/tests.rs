//! The initializers' draws against Keras' formulas.

use super::*;
use rand::SeedableRng;

#[test]
fn glorot_uniform_stays_within_its_limit_and_fills_it() {
    let mut rng = StdRng::seed_from_u64(0);
    let w = Initializer::GlorotUniform
        .initialize(&[784, 10], &mut rng)
        .unwrap()
        .to_vec();
    let limit = (6.0f32 / 794.0).sqrt(); // 0.08693
    assert!(w.iter().all(|v| v.abs() <= limit));
    let max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max > 0.99 * limit, "max {max} of limit {limit}");
    // The variance of U(-l, l) is l²/3 = 2/(fan_in+fan_out).
    let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
    approx::assert_relative_eq!(var, 2.0 / 794.0, max_relative = 0.05);
}

#[test]
fn fans_include_the_receptive_field() {
    assert_eq!(fans(&[3, 3, 1, 32]), (9.0, 288.0));
    assert_eq!(fans(&[784, 10]), (784.0, 10.0));
}

fn variance(w: &[f32]) -> f64 {
    let mean = w.iter().map(|&v| f64::from(v)).sum::<f64>() / w.len() as f64;
    w.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / w.len() as f64
}

/// Every VarianceScaling form has variance `scale / fan` (within 5 %
/// on 200 × 300 draws), and the named ones are its special cases.
#[test]
fn variance_scaling_gives_scale_over_the_fan() {
    let mut rng = StdRng::seed_from_u64(1);
    let (fan_in, fan_out) = (200.0, 300.0);
    for mode in [FanMode::FanIn, FanMode::FanOut, FanMode::FanAvg] {
        for distribution in [
            FanDistribution::TruncatedNormal,
            FanDistribution::UntruncatedNormal,
            FanDistribution::Uniform,
        ] {
            let init = Initializer::VarianceScaling {
                scale: 2.0,
                mode,
                distribution,
            };
            let w = init.initialize(&[200, 300], &mut rng).unwrap().to_vec();
            let fan = match mode {
                FanMode::FanIn => fan_in,
                FanMode::FanOut => fan_out,
                FanMode::FanAvg => (fan_in + fan_out) / 2.0,
            };
            let v = variance(&w);
            assert!(
                (v / (2.0 / fan) - 1.0).abs() < 0.05,
                "{mode:?} {distribution:?}: {v}"
            );
        }
    }
    for (init, expected) in [
        (Initializer::LecunUniform, 1.0 / fan_in),
        (Initializer::LecunNormal, 1.0 / fan_in),
        (Initializer::HeNormal, 2.0 / fan_in),
        (Initializer::GlorotNormal, 2.0 / (fan_in + fan_out)),
    ] {
        let v = variance(&init.initialize(&[200, 300], &mut rng).unwrap().to_vec());
        assert!(
            (v / expected - 1.0).abs() < 0.05,
            "{init:?}: {v} against {expected}"
        );
    }
    let t = Initializer::TruncatedNormal {
        mean: 1.0,
        stddev: 0.1,
    }
    .initialize(&[10_000], &mut rng)
    .unwrap()
    .to_vec();
    assert!(
        t.iter().all(|v| (v - 1.0).abs() <= 0.2 + 1e-6),
        "cut at two standard deviations"
    );
}

#[test]
fn orthogonal_and_identity_matrices() {
    let mut rng = StdRng::seed_from_u64(2);
    for shape in [[6usize, 4], [4, 6], [5, 5]] {
        let q = Initializer::Orthogonal { gain: 2.0 }
            .initialize(&shape, &mut rng)
            .unwrap()
            .to_vec();
        let (r, c) = (shape[0], shape[1]);
        // The fewer of rows and columns are orthogonal, of norm gain:
        // vector v's k-th entry is q[k][v] (columns) or q[v][k] (rows).
        let (n, len) = (r.min(c), r.max(c));
        let at = |v: usize, k: usize| if r >= c { q[k * c + v] } else { q[v * c + k] };
        for a in 0..n {
            for b in 0..n {
                let dot: f32 = (0..len).map(|k| at(a, k) * at(b, k)).sum();
                let expected = if a == b { 4.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-4, "{shape:?}: ({a}, {b}) dot {dot}");
            }
        }
    }
    // A convolution kernel flattens its leading axes into rows.
    let k = Initializer::Orthogonal { gain: 1.0 }
        .initialize(&[3, 3, 2, 4], &mut rng)
        .unwrap();
    assert_eq!(k.shape(), &[3, 3, 2, 4]);
    assert!(
        Initializer::Orthogonal { gain: 1.0 }
            .initialize(&[5], &mut rng)
            .is_err()
    );
    let eye = Initializer::Identity { gain: 3.0 }
        .initialize(&[2, 3], &mut rng)
        .unwrap()
        .to_vec();
    assert_eq!(eye, [3.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
    assert!(
        Initializer::Identity { gain: 1.0 }
            .initialize(&[2, 2, 2], &mut rng)
            .is_err()
    );
}

#[test]
fn names_and_bad_arguments() {
    for name in [
        "lecun_normal",
        "LecunNormal",
        "truncated_normal",
        "variance_scaling",
        "identity",
    ] {
        let init = get(name).unwrap();
        assert_eq!(get(init.name()).unwrap(), init);
    }
    assert!(
        Initializer::VarianceScaling {
            scale: 0.0,
            mode: FanMode::FanIn,
            distribution: FanDistribution::Uniform
        }
        .check()
        .is_err()
    );
    assert!(Initializer::Orthogonal { gain: f32::NAN }.check().is_err());
    // Saved by name and arguments, as layer configurations hold them.
    let json = serde_json::to_string(&Initializer::VarianceScaling {
        scale: 2.0,
        mode: FanMode::FanAvg,
        distribution: FanDistribution::Uniform,
    })
    .unwrap();
    assert_eq!(
        json,
        r#"{"variance_scaling":{"scale":2.0,"mode":"fan_avg","distribution":"uniform"}}"#
    );
}
