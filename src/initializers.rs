//! Weight initializers with Keras' names and formulas.
//!
//! Fans follow Keras: for a kernel of shape `(…, in, out)` (a dense kernel
//! `(in, out)`, a convolution kernel `(kh, kw, in, out)`),
//! `fan_in = receptive · in` and `fan_out = receptive · out`, where
//! `receptive` is the product of the leading dimensions.

use rand::RngExt;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

/// How a weight is filled when its layer is built.
///
/// ```
/// # use kerust::prelude::*;
/// let layer = Dense::new(10).kernel_initializer(Initializer::HeNormal).bias_initializer(Initializer::Zeros);
/// # let _ = layer;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Initializer {
    /// `U(−l, l)` with `l = √(6/(fan_in+fan_out))` (Keras' default kernel).
    #[default]
    GlorotUniform,
    /// Truncated normal with `σ = √(2/(fan_in+fan_out))`, cut at 2σ.
    GlorotNormal,
    /// `U(−l, l)` with `l = √(6/fan_in)`.
    HeUniform,
    /// Truncated normal with `σ = √(2/fan_in)`, cut at 2σ.
    HeNormal,
    /// All zeros (Keras' default bias).
    Zeros,
    /// All ones.
    Ones,
    /// Every element equal to the value.
    Constant(f32),
    /// `U(min, max)`.
    RandomUniform {
        /// Lower bound.
        min: f32,
        /// Upper bound.
        max: f32,
    },
    /// `N(mean, stddev)`.
    RandomNormal {
        /// Mean.
        mean: f32,
        /// Standard deviation.
        stddev: f32,
    },
}

impl Initializer {
    /// Keras' name.
    ///
    /// ```
    /// use kerust::initializers::Initializer;
    /// assert_eq!(Initializer::GlorotUniform.name(), "glorot_uniform");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Initializer::GlorotUniform => "glorot_uniform",
            Initializer::GlorotNormal => "glorot_normal",
            Initializer::HeUniform => "he_uniform",
            Initializer::HeNormal => "he_normal",
            Initializer::Zeros => "zeros",
            Initializer::Ones => "ones",
            Initializer::Constant(_) => "constant",
            Initializer::RandomUniform { .. } => "random_uniform",
            Initializer::RandomNormal { .. } => "random_normal",
        }
    }

    /// A new tensor of `shape` drawn from `rng`.
    ///
    /// ```
    /// use kerust::initializers::Initializer;
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// let w = Initializer::GlorotUniform.initialize(&[784, 10], &mut rng)?;
    /// let limit = (6.0f32 / (784.0 + 10.0)).sqrt();
    /// assert!(w.to_vec().iter().all(|v| v.abs() <= limit));
    /// // A weight larger than MAX_WEIGHT_ELEMENTS is an error, not an abort.
    /// assert!(Initializer::Zeros.initialize(&[1 << 20, 1 << 20], &mut rng).is_err());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the shape holds more than
    /// [`MAX_WEIGHT_ELEMENTS`] elements, or the initializer's own arguments
    /// are not finite (or `min > max`).
    pub fn initialize(self, shape: &[usize], rng: &mut StdRng) -> Result<Tensor> {
        let n = weight_elements(shape)?;
        self.check()?;
        let (fan_in, fan_out) = fans(shape);
        let bad = |e: &dyn std::fmt::Display| {
            Error::invalid(
                "Initializer",
                "a distribution with finite parameters",
                e.to_string(),
            )
        };
        let uniform = |rng: &mut StdRng, limit: f32| -> Result<Vec<f32>> {
            let d = Uniform::new_inclusive(-limit, limit).map_err(|e| bad(&e))?;
            Ok((0..n).map(|_| d.sample(rng)).collect())
        };
        let truncated = |rng: &mut StdRng, stddev: f32| -> Result<Vec<f32>> {
            let d = Normal::new(0.0f32, stddev).map_err(|e| bad(&e))?;
            Ok((0..n)
                .map(|_| {
                    loop {
                        let v = d.sample(rng);
                        if v.abs() <= 2.0 * stddev {
                            break v;
                        }
                    }
                })
                .collect())
        };
        let data = match self {
            Initializer::GlorotUniform => uniform(rng, (6.0 / (fan_in + fan_out).max(1.0)).sqrt())?,
            Initializer::HeUniform => uniform(rng, (6.0 / fan_in.max(1.0)).sqrt())?,
            // Keras divides by the standard deviation of N(0,1) truncated at ±2.
            Initializer::GlorotNormal => {
                truncated(rng, (2.0 / (fan_in + fan_out).max(1.0)).sqrt() / 0.879_625_7)?
            }
            Initializer::HeNormal => truncated(rng, (2.0 / fan_in.max(1.0)).sqrt() / 0.879_625_7)?,
            Initializer::Zeros => vec![0.0; n],
            Initializer::Ones => vec![1.0; n],
            Initializer::Constant(v) => vec![v; n],
            // `check` made sure that min <= max, both finite.
            Initializer::RandomUniform { min, max } => (0..n).map(|_| rng.random_range(min..=max)).collect(),
            Initializer::RandomNormal { mean, stddev } => {
                let d = Normal::new(mean, stddev.abs()).map_err(|e| bad(&e))?;
                (0..n).map(|_| d.sample(rng)).collect()
            }
        };
        Tensor::from_vec(shape, data)
    }

    /// Checks the initializer's own arguments: finite numbers, and
    /// `min <= max`.
    ///
    /// ```
    /// use kerust::initializers::Initializer;
    /// assert!(Initializer::RandomUniform { min: -0.1, max: 0.1 }.check().is_ok());
    /// assert!(Initializer::RandomUniform { min: 1.0, max: 0.0 }.check().is_err());
    /// assert!(Initializer::Constant(f32::NAN).check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the argument.
    pub fn check(self) -> Result<()> {
        let bad = |expected: &str, found: String| Err(Error::invalid(self.name(), expected, found));
        match self {
            Initializer::Constant(v) if !v.is_finite() => bad("a finite value", format!("value={v}")),
            Initializer::RandomUniform { min, max }
                if !(min.is_finite() && max.is_finite() && min <= max) =>
            {
                bad("finite bounds with min <= max", format!("min={min}, max={max}"))
            }
            Initializer::RandomNormal { mean, stddev } if !(mean.is_finite() && stddev.is_finite()) => bad(
                "a finite mean and stddev",
                format!("mean={mean}, stddev={stddev}"),
            ),
            _ => Ok(()),
        }
    }
}

/// The most elements one weight may have: 2^31 (8 GiB of `f32`). Layers
/// check their weights' shapes against it when they are built, so a huge
/// unit count (from code or from a file) is an error, not an abort.
///
/// ```
/// assert_eq!(kerust::initializers::MAX_WEIGHT_ELEMENTS, 1 << 31);
/// ```
pub const MAX_WEIGHT_ELEMENTS: usize = 1 << 31;

/// The element count of `shape` if it is at most [`MAX_WEIGHT_ELEMENTS`]
/// (the bound on weights and on samples alike), computed without overflow.
pub(crate) fn bounded_elements(shape: &[usize]) -> Option<usize> {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_WEIGHT_ELEMENTS)
}

/// The element count of a weight of `shape`.
///
/// # Errors
/// [`Error::InvalidArgument`] above [`MAX_WEIGHT_ELEMENTS`].
pub(crate) fn weight_elements(shape: &[usize]) -> Result<usize> {
    bounded_elements(shape).ok_or_else(|| {
        Error::invalid(
            "build",
            format!("a weight of at most {MAX_WEIGHT_ELEMENTS} elements"),
            format!("a weight of shape {}", fmt_shape(shape)),
        )
    })
}

/// Keras' `compute_fans`.
fn fans(shape: &[usize]) -> (f32, f32) {
    match shape {
        [] => (1.0, 1.0),
        [n] => (*n as f32, *n as f32),
        [i, o] => (*i as f32, *o as f32),
        [lead @ .., i, o] => {
            // In f32: the shape is bounded, but a product of sizes need not fit usize.
            let receptive: f32 = lead.iter().map(|&d| d as f32).product();
            (receptive * *i as f32, receptive * *o as f32)
        }
    }
}

#[cfg(test)]
mod tests {
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
}
