//! Models: [`Sequential`], with `compile`, `fit`, `evaluate`, `predict` and
//! `summary`.

mod data;
mod options;
mod sequential;
mod summary;
mod trainer;

pub use crate::saving::load_model;
pub use data::{IntoTargets, TargetData, TargetElement};
pub use options::{EvaluateOptions, FitOptions};
pub use sequential::Sequential;
pub(crate) use sequential::compiled as sequential_compiled;
