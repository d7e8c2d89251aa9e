//! `Dropout`: inverted dropout in training, identity in inference.

use rand::rngs::StdRng;

use serde::{Deserialize, Serialize};

use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, base_builders};
use crate::autograd::Var;
use crate::error::{Error, Result};

/// Zeroes a fraction `rate` of its inputs in training and scales the rest by
/// `1/(1 − rate)`; passes inputs through unchanged in `evaluate` and
/// `predict`. No parameters.
///
/// **Keras equivalent:** `keras.layers.Dropout(0.3)`
///
/// ```
/// # use kerust::prelude::*;
/// let model = sequential![Dense::new(100).activation(Relu).input_shape(784), Dropout::new(0.3), Dense::new(10)];
/// assert_eq!(model.output_shape(), Some(&[10][..]));
/// ```
#[derive(Debug)]
pub struct Dropout {
    rate: f32,
    base: LayerBase,
}

impl Dropout {
    /// Drops a fraction `rate` (in `[0, 1)`) of the inputs during training.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = Dropout::new(0.4); // drops 40 % of its inputs while training
    /// # let _ = layer;
    /// ```
    pub fn new(rate: f32) -> Self {
        Dropout {
            rate,
            base: LayerBase::default(),
        }
    }
}

impl Layer for Dropout {
    fn class_name(&self) -> &'static str {
        "Dropout"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        self.check()?;
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        if f.training {
            f.tape.dropout(x, self.rate, f.rng)
        } else {
            Ok(x)
        }
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new("Dropout", &DropoutConfig { rate: self.rate })
    }
}

/// Dropout's options.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DropoutConfig {
    rate: f32,
}

impl FromConfig for Dropout {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let c: DropoutConfig = config.parse()?;
        let layer = Dropout::new(c.rate);
        layer.check()?;
        Ok(layer)
    }
}

impl Dropout {
    fn check(&self) -> Result<()> {
        if (0.0..1.0).contains(&self.rate) {
            return Ok(());
        }
        Err(Error::invalid(
            "Dropout",
            "a rate in [0, 1)",
            format!("rate={}", self.rate),
        ))
    }
}

base_builders!(Dropout, "dropout", Dropout::new(0.2), 784);
