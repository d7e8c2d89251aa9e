//! `Reshape`: a new shape for each sample.

use rand::rngs::StdRng;

use serde::{Deserialize, Serialize};

use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, Shape, base_builders};
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
    base: LayerBase,
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
            base: LayerBase::default(),
        }
    }
}

impl Layer for Reshape {
    fn class_name(&self) -> &'static str {
        "Reshape"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
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
        Ok(self.target.clone())
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        let shape = f.tape.value(x)?.shape().to_vec();
        let target: Vec<usize> = std::iter::once(shape[0])
            .chain(self.target.iter().copied())
            .collect();
        f.tape.reshape(x, &target)
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

base_builders!(Reshape, "reshape", Reshape::new(vec![28, 28, 1]), 784);
