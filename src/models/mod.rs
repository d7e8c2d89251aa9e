//! Models: [`Model`] (any graph of layers, Keras' functional API) and
//! [`Sequential`] (a chain), with `compile`, `fit`, `evaluate`, `predict`
//! and `summary` from one trainer.

mod arrays;
mod compile;
mod data;
mod dataset;
pub(crate) mod functional;
mod model;
mod options;
mod predict;
mod sequential;
mod summary;
mod tracker;
mod trainer;

pub use crate::saving::load_model;
pub use arrays::{InputArray, IntoInputs, IntoTargetList};
pub use compile::Objective;
pub(crate) use compile::{Compiled, Settled};
pub use data::{IntoTargets, TargetData, TargetElement};
pub use functional::{CallLayer, Input, KerasTensor, LayerRef, Tensors};
pub use model::Model;
pub use options::{EvaluateOptions, FitOptions};
pub use sequential::Sequential;
