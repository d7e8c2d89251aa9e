//! `BatchNormalization`: normalise each channel, by the batch in training
//! and by moving averages in inference.

use rand::rngs::StdRng;

use serde::{Deserialize, Serialize};

use super::config::defaults;
use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, Weights, base_builders};
use crate::autograd::Var;
use crate::error::{Error, Result, fmt_shape};
use crate::initializers::Initializer;
use crate::tensor::Tensor;

/// Normalises the last axis (channels): in training with the batch's mean
/// and biased variance (over every other axis), updating moving averages
/// `moving = moving·momentum + batch·(1 − momentum)`; in `evaluate` and
/// `predict` with those moving averages. Then `γ·x̂ + β`.
///
/// Keras defaults: `momentum=0.99`, `epsilon=1e-3`, `center=True` (β),
/// `scale=True` (γ); γ starts at ones, β and the moving mean at zeros, the
/// moving variance at ones. γ and β are trained; the moving statistics are
/// not (they count as non-trainable parameters: 2 per channel).
///
/// **Keras equivalent:** `keras.layers.BatchNormalization()`
///
/// ```
/// use kerust::prelude::*;
///
/// let model = sequential![Dense::new(8).input_shape(4), BatchNormalization::new()];
/// assert_eq!(model.count_params(), 4 * 8 + 8 + 4 * 8);
/// ```
#[derive(Debug)]
pub struct BatchNormalization {
    momentum: f32,
    epsilon: f32,
    center: bool,
    scale: bool,
    base: LayerBase,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchNormalization {
    /// Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Dense::new(100).input_shape(784), BatchNormalization::new()];
    /// // gamma and beta train; the moving mean and variance do not.
    /// assert_eq!(model.count_params(), 78_500 + 4 * 100);
    /// ```
    pub fn new() -> Self {
        BatchNormalization {
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            base: LayerBase::default(),
        }
    }

    /// Weight of the old value in the moving averages (default 0.99).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = BatchNormalization::new().momentum(0.9);
    /// # let _ = layer;
    /// ```
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }

    /// Added to the variance before the square root (default 1e-3).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = BatchNormalization::new().epsilon(1e-5);
    /// # let _ = layer;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Whether to add the learned offset β (default true).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![BatchNormalization::new().center(false).input_shape(10)]);
    /// assert_eq!(model.count_params(), 3 * 10); // no beta
    /// ```
    pub fn center(mut self, center: bool) -> Self {
        self.center = center;
        self
    }

    /// Whether to multiply by the learned scale γ (default true).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![BatchNormalization::new().scale(false).input_shape(10)]);
    /// assert_eq!(model.count_params(), 3 * 10); // no gamma
    /// ```
    pub fn scale(mut self, scale: bool) -> Self {
        self.scale = scale;
        self
    }
}

impl Layer for BatchNormalization {
    fn class_name(&self) -> &'static str {
        "BatchNormalization"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        let Some(&c) = input_shape.last() else {
            return Err(Error::shape(
                "BatchNormalization",
                "inputs with a channel axis after the batch axis",
                format!("input sample shape {}", fmt_shape(input_shape)),
            ));
        };
        self.check()?;
        let mut weights = Weights::default();
        if self.scale {
            weights.add_weight("gamma", &[c], Initializer::Ones, rng, true)?;
        }
        if self.center {
            weights.add_weight("beta", &[c], Initializer::Zeros, rng, true)?;
        }
        weights.add_weight("moving_mean", &[c], Initializer::Zeros, rng, false)?;
        weights.add_weight("moving_variance", &[c], Initializer::Ones, rng, false)?;
        self.base.weights = weights;
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        let (gamma, beta) = (f.param_opt("gamma"), f.param_opt("beta"));
        // A frozen layer normalises with its moving statistics even in
        // training, as Keras 3's BatchNormalization does.
        if f.training && f.trainable {
            let (y, mean, var) = f.tape.batch_norm(x, gamma, beta, self.epsilon)?;
            let m = self.momentum;
            for (name, batch) in [("moving_mean", mean), ("moving_variance", var)] {
                let Some(moving) = self.base.weights.get_mut(name).map(|p| &mut p.value) else {
                    continue;
                };
                let mut updated = moving.view().to_owned();
                updated.zip_mut_with(&batch.view(), |old, &new| *old = *old * m + new * (1.0 - m));
                *moving = Tensor::from(updated);
            }
            return Ok(y);
        }
        // Inference: y = x·s + t with s = γ/√(moving_variance + ε) and
        // t = β − moving_mean·s, composed from differentiable ops.
        let mean = f.tape.value(f.param("moving_mean")?)?.clone();
        let var = f.tape.value(f.param("moving_variance")?)?.clone();
        let inv = f
            .tape
            .constant(Tensor::from(var.view().mapv(|v| 1.0 / (v + self.epsilon).sqrt())));
        let s = match gamma {
            Some(g) => f.tape.mul(g, inv)?,
            None => inv,
        };
        let neg_mean = f.tape.constant(Tensor::from(mean.view().mapv(|v| -v)));
        let shift = f.tape.mul(neg_mean, s)?;
        let t = match beta {
            Some(b) => f.tape.add(b, shift)?,
            None => shift,
        };
        let scaled = f.tape.mul(x, s)?;
        f.tape.add(scaled, t)
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new(
            "BatchNormalization",
            &BatchNormalizationConfig {
                momentum: self.momentum,
                epsilon: self.epsilon,
                center: self.center,
                scale: self.scale,
            },
        )
    }
}

impl BatchNormalization {
    /// Checks the options that no input shape changes.
    fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "BatchNormalization",
                "momentum in [0, 1]",
                format!("momentum={}", self.momentum),
            ));
        }
        crate::error::check_non_negative("BatchNormalization", "epsilon", self.epsilon)
    }
}

/// BatchNormalization's options, with Keras' defaults.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchNormalizationConfig {
    #[serde(default = "default_momentum")]
    momentum: f32,
    #[serde(default = "default_epsilon")]
    epsilon: f32,
    #[serde(default = "defaults::yes")]
    center: bool,
    #[serde(default = "defaults::yes")]
    scale: bool,
}

fn default_momentum() -> f32 {
    0.99
}

fn default_epsilon() -> f32 {
    1e-3
}

impl FromConfig for BatchNormalization {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let c: BatchNormalizationConfig = config.parse()?;
        let layer = BatchNormalization::new()
            .momentum(c.momentum)
            .epsilon(c.epsilon)
            .center(c.center)
            .scale(c.scale);
        layer.check()?;
        Ok(layer)
    }
}

base_builders!(
    BatchNormalization,
    "batch_normalization",
    BatchNormalization::new(),
    4
);
