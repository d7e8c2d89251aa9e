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
    /// `U(−l, l)` with `l = √(3/fan_in)`.
    LecunUniform,
    /// Truncated normal with `σ = √(1/fan_in)`, cut at 2σ.
    LecunNormal,
    /// `N(mean, stddev)` redrawn outside two standard deviations.
    TruncatedNormal {
        /// Mean.
        mean: f32,
        /// Standard deviation (before truncation).
        stddev: f32,
    },
    /// Keras' `VarianceScaling`: `scale / n` as the variance, `n` the
    /// fan-in, fan-out or their mean; the Glorot, He and LeCun
    /// initializers are its special cases.
    VarianceScaling {
        /// The variance before division by the fan.
        scale: f32,
        /// Which fan divides it.
        mode: FanMode,
        /// Which distribution is drawn from.
        distribution: FanDistribution,
    },
    /// A random orthogonal matrix (the kernel's leading axes flattened
    /// into rows) times `gain`: orthonormal rows or columns, whichever are
    /// fewer (Keras' `Orthogonal`).
    Orthogonal {
        /// The factor applied to the matrix.
        gain: f32,
    },
    /// `gain` times the identity matrix (2-D weights only).
    Identity {
        /// The factor on the diagonal.
        gain: f32,
    },
}

/// Which fan [`Initializer::VarianceScaling`] divides by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FanMode {
    /// The number of inputs (Keras' default).
    #[default]
    FanIn,
    /// The number of outputs.
    FanOut,
    /// Their mean.
    FanAvg,
}

/// Which distribution [`Initializer::VarianceScaling`] draws from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FanDistribution {
    /// A normal cut at two standard deviations, its σ divided by
    /// 0.8796… so the variance is `scale / n` (Keras' default).
    #[default]
    TruncatedNormal,
    /// A normal, uncut.
    UntruncatedNormal,
    /// `U(−l, l)` with `l = √(3·scale/n)`.
    Uniform,
}

/// Resolves Keras' initializer names to an initializer with Keras'
/// default arguments (`random_normal`: N(0, 0.05); `random_uniform`:
/// U(−0.05, 0.05); `truncated_normal`: σ 0.05; `variance_scaling`: scale
/// 1, fan-in, truncated normal; `orthogonal` and `identity`: gain 1).
///
/// ```
/// use kerust::initializers::{self, Initializer};
/// assert_eq!(initializers::get("he_normal")?, Initializer::HeNormal);
/// assert_eq!(initializers::get("Orthogonal")?, Initializer::Orthogonal { gain: 1.0 });
/// assert!(initializers::get("xavier").is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown name.
pub fn get(name: &str) -> Result<Initializer> {
    const ALL: [Initializer; 15] = [
        Initializer::GlorotUniform,
        Initializer::GlorotNormal,
        Initializer::HeUniform,
        Initializer::HeNormal,
        Initializer::LecunUniform,
        Initializer::LecunNormal,
        Initializer::Zeros,
        Initializer::Ones,
        Initializer::Constant(0.0),
        Initializer::RandomUniform {
            min: -0.05,
            max: 0.05,
        },
        Initializer::RandomNormal {
            mean: 0.0,
            stddev: 0.05,
        },
        Initializer::TruncatedNormal {
            mean: 0.0,
            stddev: 0.05,
        },
        Initializer::VarianceScaling {
            scale: 1.0,
            mode: FanMode::FanIn,
            distribution: FanDistribution::TruncatedNormal,
        },
        Initializer::Orthogonal { gain: 1.0 },
        Initializer::Identity { gain: 1.0 },
    ];
    // Keras accepts class names too: "GlorotUniform" is "glorot_uniform".
    let snake = crate::models::functional::snake_case(name);
    ALL.into_iter()
        .find(|i| i.name() == name || i.name() == snake)
        .ok_or_else(|| {
            Error::invalid(
                "initializers::get",
                format!("one of {}", ALL.map(Initializer::name).join(", ")),
                format!("the unknown initializer identifier {name:?}"),
            )
        })
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
            Initializer::LecunUniform => "lecun_uniform",
            Initializer::LecunNormal => "lecun_normal",
            Initializer::TruncatedNormal { .. } => "truncated_normal",
            Initializer::VarianceScaling { .. } => "variance_scaling",
            Initializer::Orthogonal { .. } => "orthogonal",
            Initializer::Identity { .. } => "identity",
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
        let truncated_around = |rng: &mut StdRng, mean: f32, stddev: f32| -> Result<Vec<f32>> {
            let d = Normal::new(0.0f32, stddev).map_err(|e| bad(&e))?;
            Ok((0..n)
                .map(|_| {
                    loop {
                        let v = d.sample(rng);
                        if v.abs() <= 2.0 * stddev {
                            break mean + v;
                        }
                    }
                })
                .collect())
        };
        let truncated = |rng: &mut StdRng, stddev: f32| truncated_around(rng, 0.0, stddev);
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
            Initializer::LecunUniform => uniform(rng, (3.0 / fan_in.max(1.0)).sqrt())?,
            Initializer::LecunNormal => truncated(rng, (1.0 / fan_in.max(1.0)).sqrt() / 0.879_625_7)?,
            Initializer::TruncatedNormal { mean, stddev } => truncated_around(rng, mean, stddev.abs())?,
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
            } => {
                let fan = match mode {
                    FanMode::FanIn => fan_in,
                    FanMode::FanOut => fan_out,
                    FanMode::FanAvg => (fan_in + fan_out) / 2.0,
                };
                let variance = scale / fan.max(1.0);
                match distribution {
                    FanDistribution::TruncatedNormal => truncated(rng, variance.sqrt() / 0.879_625_7)?,
                    FanDistribution::UntruncatedNormal => {
                        let d = Normal::new(0.0, variance.sqrt()).map_err(|e| bad(&e))?;
                        (0..n).map(|_| d.sample(rng)).collect()
                    }
                    FanDistribution::Uniform => uniform(rng, (3.0 * variance).sqrt())?,
                }
            }
            Initializer::Orthogonal { gain } => orthogonal(shape, gain, rng)?,
            Initializer::Identity { gain } => {
                let &[rows, cols] = shape else {
                    return Err(Error::invalid(
                        "Identity",
                        "a 2-D weight",
                        format!("a weight of shape {}", fmt_shape(shape)),
                    ));
                };
                (0..n)
                    .map(|i| {
                        if i / cols == i % cols && i / cols < rows {
                            gain
                        } else {
                            0.0
                        }
                    })
                    .collect()
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
            Initializer::RandomNormal { mean, stddev } | Initializer::TruncatedNormal { mean, stddev }
                if !(mean.is_finite() && stddev.is_finite()) =>
            {
                bad(
                    "a finite mean and stddev",
                    format!("mean={mean}, stddev={stddev}"),
                )
            }
            Initializer::VarianceScaling { scale, .. } if !(scale.is_finite() && scale > 0.0) => {
                bad("a finite scale > 0", format!("scale={scale}"))
            }
            Initializer::Orthogonal { gain } | Initializer::Identity { gain } if !gain.is_finite() => {
                bad("a finite gain", format!("gain={gain}"))
            }
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

/// Keras' `Orthogonal`: a normal `(max(r, c), min(r, c))` matrix made
/// orthonormal by Gram–Schmidt (the Q of its QR with R's diagonal
/// positive), transposed when there are fewer rows than columns, times
/// `gain`; `r` is the product of the leading axes, `c` the last.
fn orthogonal(shape: &[usize], gain: f32, rng: &mut StdRng) -> Result<Vec<f32>> {
    let (&cols, lead) = shape
        .split_last()
        .filter(|(_, lead)| !lead.is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "Orthogonal",
                "a weight of at least 2 axes",
                format!("a weight of shape {}", fmt_shape(shape)),
            )
        })?;
    let rows: usize = lead.iter().product();
    let (m, k) = (rows.max(cols), rows.min(cols));
    let normal =
        Normal::new(0.0f64, 1.0).map_err(|e| Error::invalid("Orthogonal", "a normal", e.to_string()))?;
    // Column-major: column j is a[j·m .. (j+1)·m].
    let mut a: Vec<f64> = (0..m * k).map(|_| normal.sample(rng)).collect();
    for j in 0..k {
        let (done, rest) = a.split_at_mut(j * m);
        let column = &mut rest[..m];
        for q in done.chunks_exact(m) {
            let dot: f64 = q.iter().zip(column.iter()).map(|(a, b)| a * b).sum();
            column.iter_mut().zip(q).for_each(|(c, q)| *c -= dot * q);
        }
        let norm = column.iter().map(|c| c * c).sum::<f64>().sqrt();
        if norm > 0.0 {
            column.iter_mut().for_each(|c| *c /= norm);
        }
    }
    let gain = f64::from(gain);
    // Row-major (rows × cols): q[i][j] when rows ≥ cols, else qᵀ.
    Ok((0..rows * cols)
        .map(|idx| {
            let (i, j) = (idx / cols, idx % cols);
            let v = if rows >= cols { a[j * m + i] } else { a[i * m + j] };
            (gain * v) as f32
        })
        .collect())
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
mod tests;
