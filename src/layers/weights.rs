//! [`Weights`]: a layer's weights, created and found by name (Keras'
//! `layer.add_weight(name=…)`), and the lookup of their tape variables by
//! name in [`Forward`].

use super::{Forward, Param};
use crate::autograd::Var;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// A layer's weights, each created with a name and found by it: a layer
/// holds one `Weights`, adds to it in `build`, and hands it out from
/// [`Layer::params`](super::Layer::params).
///
/// ```
/// use kerust::layers::Weights;
/// use kerust::tensor::Tensor;
/// let mut weights = Weights::default();
/// weights.add_weight("kernel", Tensor::zeros(&[3, 2]), true);
/// weights.add_weight("moving_mean", Tensor::zeros(&[2]), false);
/// assert_eq!(weights.get("kernel").map(|p| p.value.shape()), Some(&[3, 2][..]));
/// assert!(weights.get("bias").is_none());
/// assert_eq!(weights.params().len(), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Weights {
    params: Vec<Param>,
}

impl Weights {
    /// Adds a weight named `name` with its initial `value`; `trainable`
    /// says whether the optimizer updates it (moving statistics do not).
    /// Adding a name again replaces that weight.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// use kerust::tensor::Tensor;
    /// let mut weights = Weights::default();
    /// weights.add_weight("scale", Tensor::ones(&[4]), true);
    /// weights.add_weight("scale", Tensor::ones(&[8]), true); // rebuilt
    /// assert_eq!(weights.params().len(), 1);
    /// ```
    pub fn add_weight(&mut self, name: &'static str, value: Tensor, trainable: bool) {
        let param = Param {
            name,
            value,
            trainable,
        };
        match self.params.iter_mut().find(|p| p.name == name) {
            Some(old) => *old = param,
            None => self.params.push(param),
        }
    }

    /// The weight named `name`.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(Weights::default().get("kernel").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The weight named `name`, mutably.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// use kerust::tensor::Tensor;
    /// let mut weights = Weights::default();
    /// weights.add_weight("bias", Tensor::zeros(&[2]), true);
    /// if let Some(bias) = weights.get_mut("bias") {
    ///     bias.value = Tensor::ones(&[2]);
    /// }
    /// assert_eq!(weights.get("bias").map(|p| p.value.to_vec()), Some(vec![1.0, 1.0]));
    /// ```
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Param> {
        self.params.iter_mut().find(|p| p.name == name)
    }

    /// Every weight, in the order added.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(Weights::default().params().is_empty());
    /// ```
    pub fn params(&self) -> Vec<&Param> {
        self.params.iter().collect()
    }

    /// Every weight, mutably.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(Weights::default().params_mut().is_empty());
    /// ```
    pub fn params_mut(&mut self) -> Vec<&mut Param> {
        self.params.iter_mut().collect()
    }
}

impl Forward<'_> {
    /// The tape variable of the layer's weight named `name`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // Inside Layer::forward: let kernel = f.param("kernel")?;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert_eq!(model.layers()[0].params()[0].name, "kernel");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the weights the layer has.
    pub fn param(&self, name: &str) -> Result<Var> {
        self.param_opt(name).ok_or_else(|| {
            Error::invalid(
                "forward",
                format!(
                    "a weight named {name:?} (the layer has {})",
                    self.names.join(", ")
                ),
                "none",
            )
        })
    }

    /// The tape variable of the weight named `name`, if the layer has one
    /// (an optional bias, γ or β).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // Inside Layer::forward: let bias = f.param_opt("bias");
    /// let model = Sequential::new(vec![Dense::new(2).use_bias(false).input_shape(3)]);
    /// assert_eq!(model.layers()[0].params().len(), 1);
    /// ```
    pub fn param_opt(&self, name: &str) -> Option<Var> {
        self.names
            .iter()
            .position(|&n| n == name)
            .and_then(|i| self.params.get(i).copied())
    }
}
