//! `PReLU`: a leaky ReLU whose negative slope is learned.

use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, Weights, base_builders};
use crate::autograd::Var;
use crate::constraints::Constraint;
use crate::error::{Error, Result, fmt_shape};
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;

/// Keras' `PReLU`: `max(x, 0) + α·min(x, 0)` with `α` a weight of the
/// input's sample shape (one per value, or shared along `shared_axes`),
/// starting at 0.
///
/// **Keras equivalent:** `keras.layers.PReLU(shared_axes=[1, 2])`
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::layers::PReLU;
/// let model = sequential![
///     Conv2D::new(8, 3).input_shape((28, 28, 1)),
///     PReLU::new().shared_axes(&[1, 2]), // one slope per channel
/// ];
/// assert_eq!(model.count_params(), 3 * 3 * 8 + 8 + 8);
/// ```
#[derive(Debug, Default)]
pub struct PReLU {
    options: PreluOptions,
    base: LayerBase,
}

/// PReLU's options, with Keras' defaults.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreluOptions {
    #[serde(default = "super::config::defaults::zeros")]
    alpha_initializer: Initializer,
    #[serde(default)]
    alpha_regularizer: Option<Regularizer>,
    #[serde(default)]
    alpha_constraint: Option<Constraint>,
    /// Axes (counted with the batch axis as 0) along which α is shared.
    #[serde(default)]
    shared_axes: Option<Vec<usize>>,
}

impl PReLU {
    /// A PReLU with one slope per input value, starting at 0.
    ///
    /// ```
    /// let layer = kerust::layers::PReLU::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How `α` starts (Keras' `alpha_initializer`, zeros).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = kerust::layers::PReLU::new().alpha_initializer(Initializer::Constant(0.25));
    /// # let _ = layer;
    /// ```
    pub fn alpha_initializer(mut self, initializer: Initializer) -> Self {
        self.options.alpha_initializer = initializer;
        self
    }

    /// A penalty on `α` (Keras' `alpha_regularizer`).
    ///
    /// ```
    /// use kerust::regularizers::Regularizer;
    /// let layer = kerust::layers::PReLU::new().alpha_regularizer(Regularizer::l2(1e-4));
    /// # let _ = layer;
    /// ```
    pub fn alpha_regularizer(mut self, regularizer: Regularizer) -> Self {
        self.options.alpha_regularizer = Some(regularizer);
        self
    }

    /// A constraint on `α` after each update (Keras' `alpha_constraint`).
    ///
    /// ```
    /// use kerust::constraints::Constraint;
    /// let layer = kerust::layers::PReLU::new().alpha_constraint(Constraint::NonNeg);
    /// # let _ = layer;
    /// ```
    pub fn alpha_constraint(mut self, constraint: Constraint) -> Self {
        self.options.alpha_constraint = Some(constraint);
        self
    }

    /// The axes along which one `α` is shared (Keras' `shared_axes`; the
    /// batch axis is 0, so `[1, 2]` shares over height and width).
    ///
    /// ```
    /// let layer = kerust::layers::PReLU::new().shared_axes(&[1, 2]);
    /// # let _ = layer;
    /// ```
    pub fn shared_axes(mut self, axes: &[usize]) -> Self {
        self.options.shared_axes = Some(axes.to_vec());
        self
    }
}

impl Layer for PReLU {
    fn class_name(&self) -> &'static str {
        "PReLU"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        self.options.alpha_initializer.check()?;
        let mut shape = input_shape.to_vec();
        for &axis in self.options.shared_axes.iter().flatten() {
            if axis == 0 || axis > shape.len() {
                return Err(Error::invalid(
                    "PReLU",
                    format!(
                        "shared axes from 1 to {} for inputs of shape {}",
                        shape.len(),
                        fmt_shape(input_shape)
                    ),
                    format!("shared_axes={:?}", self.options.shared_axes),
                ));
            }
            shape[axis - 1] = 1;
        }
        let mut weights = Weights::default();
        let alpha = weights.add_weight("alpha", &shape, self.options.alpha_initializer, rng, true)?;
        alpha.regularizer = self.options.alpha_regularizer;
        alpha.constraint = self.options.alpha_constraint;
        self.base.weights = weights;
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        let alpha = f.param("alpha")?;
        // relu(x) − α·relu(−x), broadcasting α over the batch (and shared axes).
        let positive = f.tape.relu(x)?;
        let flipped = f.tape.neg(x)?;
        let negative = f.tape.relu(flipped)?;
        let scaled = f.tape.mul(negative, alpha)?;
        f.tape.sub(positive, scaled)
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new("PReLU", &self.options)
    }
}

impl FromConfig for PReLU {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let options: PreluOptions = config.parse()?;
        options.alpha_initializer.check()?;
        if let Some(r) = options.alpha_regularizer {
            r.check()?;
        }
        if let Some(c) = options.alpha_constraint {
            c.check()?;
        }
        Ok(PReLU {
            options,
            base: LayerBase::default(),
        })
    }
}

base_builders!(PReLU, "p_re_lu", kerust::layers::PReLU::new(), 4);
