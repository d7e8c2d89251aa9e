//! `Flatten`: one axis per sample.

use rand::rngs::StdRng;

use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, base_builders};
use crate::autograd::Var;
use crate::error::Result;

/// Flattens each sample to one axis: `(N, 28, 28)` → `(N, 784)`, in
/// row-major order. No parameters.
///
/// **Keras equivalent:** `keras.layers.Flatten(input_shape=(28, 28))`
///
/// ```
/// use kerust::prelude::*;
///
/// let model = sequential![
///     Flatten::new().input_shape([28, 28]),
///     Dense::new(10).activation(Softmax),
/// ];
/// assert_eq!(model.count_params(), 7850);
/// ```
#[derive(Debug, Default)]
pub struct Flatten {
    base: LayerBase,
}

impl Flatten {
    /// A flatten layer.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.count_params(), 784 * 10 + 10);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl Layer for Flatten {
    fn class_name(&self) -> &'static str {
        "Flatten"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        let size = super::sample_size("Flatten", input_shape)?;
        Ok(vec![size])
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        f.tape.flatten(x)
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::empty("Flatten")
    }
}

impl FromConfig for Flatten {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        config.parse::<super::config::NoOptions>()?;
        Ok(Flatten::new())
    }
}

base_builders!(Flatten, "flatten", Flatten::new(), [28, 28]);
