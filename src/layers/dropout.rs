//! `Dropout`: inverted dropout in training, identity in inference.

use rand::rngs::StdRng;

use super::dense::unbuilt;
use serde::{Deserialize, Serialize};

use super::{Forward, FromConfig, Layer, LayerConfig, Param, Shape, check_input};
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
    input_shape: Option<Vec<usize>>,
    name: Option<String>,
    built_for: Option<Vec<usize>>,
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
            input_shape: None,
            name: None,
            built_for: None,
        }
    }

    /// The shape of one input sample, for the first layer of a model.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dropout::new(0.2).input_shape(784)]);
    /// assert!(model.is_built());
    /// ```
    pub fn input_shape(mut self, shape: impl Into<Shape>) -> Self {
        self.input_shape = Some(shape.into().0);
        self
    }

    /// A name instead of the automatic `dropout`, `dropout_1`, ….
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dropout::new(0.2).name("drop").input_shape(4)]);
    /// assert_eq!(model.layers()[0].name(), "drop");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl Layer for Dropout {
    fn class_name(&self) -> &'static str {
        "Dropout"
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn set_name(&mut self, name: String) {
        self.name = Some(name);
    }

    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }

    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        self.check()?;
        self.built_for = Some(input_shape.to_vec());
        Ok(input_shape.to_vec())
    }

    fn is_built(&self) -> bool {
        self.built_for.is_some()
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        let built = self.built_for.as_deref().ok_or_else(|| unbuilt(self))?;
        check_input(self, built, f.tape.value(x)?.shape())?;
        if f.training {
            f.tape.dropout(x, self.rate, f.rng)
        } else {
            Ok(x)
        }
    }

    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
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
