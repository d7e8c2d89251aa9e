//! `Reshape`: a new shape for each sample.

use rand::rngs::StdRng;

use super::dense::unbuilt;
use serde::{Deserialize, Serialize};

use super::{Forward, FromConfig, Layer, LayerConfig, Param, Shape, check_input};
use crate::autograd::Var;
use crate::error::{Error, Result, fmt_shape};

/// Gives each sample the shape `target` (same number of values, row-major
/// order), e.g. 784 pixels back into `(28, 28, 1)` for a `Conv2D`. No
/// parameters.
///
/// **Keras equivalent:** `keras.layers.Reshape((28, 28, 1))`
///
/// ```
/// use kerust::prelude::*;
///
/// let model = sequential![Reshape::new((28, 28, 1)).input_shape(784), Conv2D::new(8, 3)];
/// assert_eq!(model.output_shape(), Some(&[26, 26, 8][..]));
/// ```
#[derive(Debug)]
pub struct Reshape {
    target: Vec<usize>,
    input_shape: Option<Vec<usize>>,
    name: Option<String>,
    built_for: Option<Vec<usize>>,
}

impl Reshape {
    /// Samples reshaped to `target`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Reshape::new((28, 28, 1)).input_shape(784)]);
    /// assert_eq!(model.output_shape(), Some(&[28, 28, 1][..]));
    /// ```
    pub fn new(target: impl Into<Shape>) -> Self {
        Reshape {
            target: target.into().0,
            input_shape: None,
            name: None,
            built_for: None,
        }
    }

    /// The shape of one input sample, for the first layer of a model.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Reshape::new([4, 4]).input_shape(16)]);
    /// assert!(model.is_built());
    /// ```
    pub fn input_shape(mut self, shape: impl Into<Shape>) -> Self {
        self.input_shape = Some(shape.into().0);
        self
    }

    /// A name instead of the automatic `reshape`, `reshape_1`, ….
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Reshape::new([2, 2]).name("square").input_shape(4)]);
    /// assert_eq!(model.layers()[0].name(), "square");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl Layer for Reshape {
    fn class_name(&self) -> &'static str {
        "Reshape"
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
        let (have, want) = (
            super::sample_size("Reshape", input_shape)?,
            super::sample_size("Reshape", &self.target)?,
        );
        if have != want {
            return Err(Error::shape(
                "Reshape",
                format!(
                    "a target shape with {have} values like the input sample {}",
                    fmt_shape(input_shape)
                ),
                format!("target shape {} with {want}", fmt_shape(&self.target)),
            ));
        }
        self.built_for = Some(input_shape.to_vec());
        Ok(self.target.clone())
    }

    fn is_built(&self) -> bool {
        self.built_for.is_some()
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        let built = self.built_for.as_deref().ok_or_else(|| unbuilt(self))?;
        let shape = f.tape.value(x)?.shape().to_vec();
        check_input(self, built, &shape)?;
        let target: Vec<usize> = std::iter::once(shape[0])
            .chain(self.target.iter().copied())
            .collect();
        f.tape.reshape(x, &target)
    }

    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new(
            "Reshape",
            &ReshapeConfig {
                target_shape: self.target.clone(),
            },
        )
    }
}

/// Reshape's options.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReshapeConfig {
    target_shape: Vec<usize>,
}

impl FromConfig for Reshape {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let c: ReshapeConfig = config.parse()?;
        super::sample_size("Reshape", &c.target_shape)?;
        for &d in &c.target_shape {
            super::config::check_count("Reshape", "each target dimension", d)?;
        }
        Ok(Reshape::new(c.target_shape))
    }
}
