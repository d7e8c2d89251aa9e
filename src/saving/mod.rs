//! Saving and loading whole models.
//!
//! [`Model::save`](crate::models::Model::save) writes one file
//! holding the architecture (every layer's configuration), the weights, what
//! `compile` set (loss, metrics, optimizer and its hyperparameters) and the
//! optimizer's state; [`load_model`] reads it back. A loaded model predicts
//! exactly what the saved one did, and `fit` continues from where it was.
//!
//! ```
//! use kerust::prelude::*;
//!
//! let dir = std::env::temp_dir().join(format!("kerust-doc-save-{}", std::process::id()));
//! let path = dir.join("model.kerust");
//! let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
//! model.compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])?;
//! model.save(&path)?;
//! let loaded = kerust::saving::load_model(&path)?;
//! assert_eq!(loaded.get_weights(), model.get_weights());
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), kerust::Error>(())
//! ```
//!
//! The file is written atomically (a temporary file in the same folder,
//! synced, then renamed over the target), so a crash leaves either the old
//! file or the new one. Its format is versioned and checksummed; see
//! `format.rs` for the layout.
//!
//! [`Model::save_weights`](crate::models::Model::save_weights) and
//! [`load_weights`](crate::models::Model::load_weights) move the weights
//! alone in the safetensors format, named `dense/kernel`, `dense/bias`, …,
//! for exchange with other tools.

mod atomic;
mod convert;
mod format;
mod source;
mod v1;
mod weights;

pub use atomic::write_atomic;
pub use format::FORMAT_VERSION;
pub use weights::MAX_HEADER_BYTES;

use std::path::Path;

use crate::error::Result;
use crate::models::Model;

impl Model {
    /// Saves the whole model to `path` (see [`crate::saving`]).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let path = std::env::temp_dir().join("kerust-doc-save.kerust");
    /// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// model.compile("sparse_categorical_crossentropy", ["accuracy"])?;
    /// model.save(&path)?;
    /// let loaded = load_model(&path)?;
    /// assert_eq!(loaded.get_weights()[0].to_vec(), model.get_weights()[0].to_vec());
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) if the file cannot be written; the old file, if any,
    /// is then left untouched.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes = format::encode(&convert::to_file(self)?)?;
        write_atomic(path.as_ref(), &bytes)
    }
}

/// Loads a model saved by [`Model::save`].
///
/// ```no_run
/// use kerust::prelude::*;
/// let model = load_model("best-model.kerust")?; // compiled, with its optimizer state
/// let _ = model.summary_string();
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// The file is read header first: a file that is not a model file, or
/// whose length differs from what its header announces, fails before its
/// payload is read, and no more than the announced payload (at most
/// 4 GiB) is ever read, whatever the file is (a device, a pipe, a sparse
/// file). Every value in it is then validated as if hostile.
///
/// # Errors
/// [`Error::Io`](crate::Error::Io) if the file cannot be read; [`Error::InvalidData`](crate::Error::InvalidData) if it
/// is not a kerust model file, was written by a newer format version, is
/// truncated or corrupted, or describes weights, layers or optimizer state
/// that do not fit together.
pub fn load_model(path: impl AsRef<Path>) -> Result<Model> {
    let mut src = source::Source::open(path.as_ref())?;
    let file = format::read(&mut src)?;
    convert::from_file(file, &src.origin)
}

/// Loads a model from the bytes of a saved file; `origin` names it in errors.
///
/// ```
/// # use kerust::prelude::*;
/// let path = std::env::temp_dir().join("kerust-doc-bytes.kerust");
/// let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
/// model.compile("mse", ())?;
/// model.save(&path)?;
/// let bytes = std::fs::read(&path).expect("just written");
/// let copy = kerust::saving::load_model_from_bytes(&bytes, "a download")?;
/// assert_eq!(copy.count_params(), 8);
/// assert!(kerust::saving::load_model_from_bytes(&bytes[..10], "a truncated file").is_err());
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`load_model`], without the I/O errors.
pub fn load_model_from_bytes(bytes: &[u8], origin: &str) -> Result<Model> {
    convert::from_file(format::read(&mut source::Source::bytes(bytes, origin))?, origin)
}

#[cfg(test)]
mod tests;
