//! Utilities: the Keras progress bar, class labels and one-hot encoding.

mod labels;
pub mod progbar;

pub use labels::{Label, to_categorical};
