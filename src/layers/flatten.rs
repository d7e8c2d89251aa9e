//! `Flatten`: one axis per sample.

use rand::rngs::StdRng;

use super::dense::unbuilt;
use super::{Forward, FromConfig, Layer, LayerConfig, Param, Shape, check_input};
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
    input_shape: Option<Vec<usize>>,
    name: Option<String>,
    built_for: Option<Vec<usize>>,
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

    /// The shape of one input sample, for the first layer of a model.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Flatten::new().input_shape((7, 7, 64))]);
    /// assert_eq!(model.output_shape(), Some(&[3136][..]));
    /// ```
    pub fn input_shape(mut self, shape: impl Into<Shape>) -> Self {
        self.input_shape = Some(shape.into().0);
        self
    }

    /// A name instead of the automatic `flatten`, `flatten_1`, ….
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Flatten::new().name("pixels").input_shape([28, 28])]);
    /// assert_eq!(model.layers()[0].name(), "pixels");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl Layer for Flatten {
    fn class_name(&self) -> &'static str {
        "Flatten"
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
        let size = super::sample_size("Flatten", input_shape)?;
        self.built_for = Some(input_shape.to_vec());
        Ok(vec![size])
    }

    fn is_built(&self) -> bool {
        self.built_for.is_some()
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        let built = self.built_for.as_deref().ok_or_else(|| unbuilt(self))?;
        check_input(self, built, f.tape.value(x)?.shape())?;
        f.tape.flatten(x)
    }

    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
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
