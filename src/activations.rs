//! Keras' activations by name: `"linear"`, `"relu"`, `"sigmoid"`, `"tanh"`,
//! `"softmax"`, `"relu6"`, `"leaky_relu"`, `"elu"`, `"selu"`, `"gelu"`,
//! `"silu"` (`"swish"`), `"hard_sigmoid"`, `"hard_silu"` (`"hard_swish"`),
//! `"softplus"`, `"softsign"`, `"mish"`, `"exponential"`, `"log_softmax"`,
//! and kerust's `"gelu_approximate"` (Keras' `gelu(x, approximate=True)`).
//!
//! The variants are re-exported bare through [`crate::prelude`], so
//! `Dense::new(10).activation(Softmax)` reads as in Keras; a string works
//! too: `Dense::new(10).activation("softmax")`.
//!
//! ```
//! use kerust::activations::{self, Activation};
//!
//! assert_eq!(activations::get("relu")?, Activation::Relu);
//! assert_eq!(
//!     activations::get("relux").unwrap_err().to_string(),
//!     "activations::get: expected one of linear, relu, sigmoid, tanh, softmax, relu6, \
//!      leaky_relu, elu, selu, gelu, gelu_approximate, silu, hard_sigmoid, hard_silu, softplus, \
//!      softsign, mish, exponential, log_softmax, found the unknown activation identifier \"relux\""
//! );
//! # Ok::<(), kerust::Error>(())
//! ```

use crate::error::{Error, Result};
pub use crate::ops::Activation;

/// Every activation, in the order they are listed in messages.
///
/// ```
/// assert_eq!(kerust::activations::ALL.len(), 19);
/// ```
pub const ALL: [Activation; 19] = [
    Activation::Linear,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Softmax,
    Activation::Relu6,
    Activation::LeakyRelu,
    Activation::Elu,
    Activation::Selu,
    Activation::Gelu,
    Activation::GeluApproximate,
    Activation::Silu,
    Activation::HardSigmoid,
    Activation::HardSilu,
    Activation::Softplus,
    Activation::Softsign,
    Activation::Mish,
    Activation::Exponential,
    Activation::LogSoftmax,
];

/// Keras' other names for some activations.
const ALIASES: [(&str, Activation); 2] = [("swish", Activation::Silu), ("hard_swish", Activation::HardSilu)];

/// The activation with Keras' name `name` (`None` in Keras is `"linear"`).
///
/// ```
/// use kerust::activations::{Activation, get};
/// assert_eq!(get("relu")?, Activation::Relu);
/// assert!(get("swishy").is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] listing the known names.
pub fn get(name: &str) -> Result<Activation> {
    let alias = ALIASES.iter().find(|(n, _)| *n == name).map(|&(_, a)| a);
    alias
        .or_else(|| ALL.into_iter().find(|a| a.name() == name))
        .ok_or_else(|| {
            Error::invalid(
                "activations::get",
                format!("one of {}", ALL.map(Activation::name).join(", ")),
                format!("the unknown activation identifier {name:?}"),
            )
        })
}

/// An activation given by value or by Keras name; names are resolved when
/// the layer is built, where an unknown one is an error.
///
/// ```
/// # use kerust::prelude::*;
/// let by_value = Dense::new(10).activation(Softmax);
/// let by_name = Dense::new(10).activation("softmax");
/// # let _ = (by_value, by_name);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ActivationArg {
    /// A known activation.
    Known(Activation),
    /// A Keras name still to resolve.
    Named(String),
}

impl ActivationArg {
    /// Keras' name of the activation, as given.
    ///
    /// ```
    /// use kerust::activations::{Activation, ActivationArg};
    /// assert_eq!(ActivationArg::from(Activation::Relu).name(), "relu");
    /// assert_eq!(ActivationArg::from("tanh").name(), "tanh");
    /// ```
    pub fn name(&self) -> &str {
        match self {
            ActivationArg::Known(a) => a.name(),
            ActivationArg::Named(n) => n,
        }
    }

    /// The activation, resolving a name.
    ///
    /// ```
    /// use kerust::activations::{Activation, ActivationArg};
    /// assert_eq!(ActivationArg::from("tanh").resolve()?, Activation::Tanh);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`get`].
    pub fn resolve(&self) -> Result<Activation> {
        match self {
            ActivationArg::Known(a) => Ok(*a),
            ActivationArg::Named(n) => get(n),
        }
    }
}

impl From<Activation> for ActivationArg {
    fn from(a: Activation) -> Self {
        ActivationArg::Known(a)
    }
}

impl From<&str> for ActivationArg {
    fn from(name: &str) -> Self {
        ActivationArg::Named(name.to_string())
    }
}

impl From<String> for ActivationArg {
    fn from(name: String) -> Self {
        ActivationArg::Named(name)
    }
}
