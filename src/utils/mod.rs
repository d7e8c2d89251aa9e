//! Utilities: the Keras progress bar, class labels and one-hot encoding,
//! and the global random seed.

mod labels;
pub mod progbar;
mod random;
pub(crate) mod temp_file;

pub use labels::{Label, to_categorical};
pub(crate) use random::model_rng;
pub use random::{seeded_rng, set_random_seed};
