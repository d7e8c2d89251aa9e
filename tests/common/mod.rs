//! Helpers shared by the integration tests: seeded random tensors and a
//! gradient-check assertion.
#![allow(dead_code)]

use kerust::Result;
use kerust::autograd::gradcheck::GradCheck;
use kerust::autograd::{Tape, Var};
use kerust::tensor::Tensor;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A deterministic generator for test inputs.
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Elements drawn uniformly from `[lo, hi)`.
pub fn uniform(rng: &mut StdRng, shape: &[usize], lo: f32, hi: f32) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_vec(shape, (0..n).map(|_| rng.random_range(lo..hi)).collect()).unwrap()
}

/// Elements with magnitude in `[lo, hi)` and a random sign: keeps inputs
/// away from kinks at 0 (relu, abs) by more than the difference step.
pub fn away_from_zero(rng: &mut StdRng, shape: &[usize], lo: f32, hi: f32) -> Tensor {
    let n = shape.iter().product();
    let data = (0..n)
        .map(|_| {
            let m: f32 = rng.random_range(lo..hi);
            if rng.random::<bool>() { m } else { -m }
        })
        .collect();
    Tensor::from_vec(shape, data).unwrap()
}

/// Batch sizes to test: always 1, plus a random one from 2 to 6.
pub fn batch_sizes(rng: &mut StdRng) -> [usize; 2] {
    [1, rng.random_range(2..=6)]
}

/// A random feature width from 1 to 6.
pub fn width(rng: &mut StdRng) -> usize {
    rng.random_range(1..=6)
}

/// Asserts that the tape's gradients of `f` match central differences
/// under the default [`GradCheck`] tolerances.
pub fn assert_grads<F>(what: &str, inputs: &[&Tensor], f: F)
where
    F: Fn(&mut Tape, &[Var]) -> Result<Var>,
{
    assert_grads_with(&GradCheck::default(), what, inputs, f);
}

/// As [`assert_grads`], with explicit settings.
pub fn assert_grads_with<F>(check: &GradCheck, what: &str, inputs: &[&Tensor], f: F)
where
    F: Fn(&mut Tape, &[Var]) -> Result<Var>,
{
    let shapes: Vec<_> = inputs.iter().map(|t| t.shape().to_vec()).collect();
    let owned: Vec<Tensor> = inputs.iter().map(|&t| t.clone()).collect();
    let report = check
        .run(&owned, f)
        .unwrap_or_else(|e| panic!("{what} {shapes:?}: {e}"));
    assert!(
        report.checked > 0 || inputs.iter().all(|t| t.is_empty()),
        "{what}: nothing checked"
    );
    assert!(report.passed(), "{what} {shapes:?}: {report}");
    if std::env::var_os("KERUST_GRADCHECK_REPORT").is_some() {
        eprintln!("{what:<40} {:<24} {report}", format!("{shapes:?}"));
    }
}
pub mod hostile;
pub mod idx_server;
