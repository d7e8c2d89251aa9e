//! What `compile` takes as its optimizer: one made in code, or Keras'
//! string (`"adam"`, `"sgd"`, …).

use super::Optimizer;
use crate::error::Result;

/// An optimizer for `compile_with`: an optimizer value, or its Keras name
/// resolved by [`get`](super::get) when the model compiles (Keras'
/// `optimizer="adam"`).
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile_with("adam", "sparse_categorical_crossentropy", ["accuracy"])?;
/// assert_eq!(model.optimizer().map(|o| o.name()), Some("Adam"));
/// assert!(model.compile_with("adamx", "mse", ()).is_err());
/// model.compile_with(SGD::new().momentum(0.9), "mse", ())?;
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Debug)]
pub enum OptimizerArg {
    /// A Keras name, e.g. `"rmsprop"` (case-insensitive).
    Named(String),
    /// An optimizer made in code.
    Given(Box<dyn Optimizer>),
}

impl OptimizerArg {
    /// The optimizer: the given one, or the named one with Keras' defaults.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an
    /// unknown name.
    pub fn resolve(self) -> Result<Box<dyn Optimizer>> {
        match self {
            OptimizerArg::Named(name) => super::get(&name),
            OptimizerArg::Given(optimizer) => Ok(optimizer),
        }
    }
}

impl<O: Optimizer + 'static> From<O> for OptimizerArg {
    fn from(optimizer: O) -> Self {
        OptimizerArg::Given(Box::new(optimizer))
    }
}

impl From<&str> for OptimizerArg {
    fn from(name: &str) -> Self {
        OptimizerArg::Named(name.to_string())
    }
}

impl From<String> for OptimizerArg {
    fn from(name: String) -> Self {
        OptimizerArg::Named(name)
    }
}
