//! MNIST: 70,000 grey 28×28 images of handwritten digits (LeCun, Cortes and
//! Burges), as `keras.datasets.mnist`.
//!
//! Keras downloads MNIST as one `mnist.npz`; kerust reads the four original
//! IDX files (the same images and labels), so both datasets share one
//! loader. Labels are the digits 0–9.
//!
//! ```no_run
//! use kerust::datasets::mnist;
//!
//! let ((x_train, _y_train), (_x_test, _y_test)) = mnist::load_data()?;
//! assert_eq!(x_train.shape(), &[60000, 28, 28]);
//! # Ok::<(), kerust::Error>(())
//! ```

use std::path::Path;

use super::{Dataset, Lookup, TrainTest, data_file::mnist_style_files, into_train_test};
use crate::error::Result;

/// The environment variable that may name a folder holding the files.
///
/// ```
/// assert_eq!(kerust::datasets::mnist::ENV_VAR, "KERUST_MNIST_DIR");
/// ```
pub const ENV_VAR: &str = "KERUST_MNIST_DIR";

/// The published files, their decompressed SHA-256, and where to find them.
///
/// ```
/// let dataset = kerust::datasets::mnist::dataset();
/// # let _ = dataset;
/// ```
pub fn dataset() -> Dataset {
    Dataset {
        name: "mnist".into(),
        title: "MNIST".into(),
        files: mnist_style_files(
            60_000,
            10_000,
            [
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ],
        ),
        mirrors: vec![
            "https://storage.googleapis.com/cvdf-datasets/mnist/".into(),
            "https://ossci-datasets.s3.amazonaws.com/mnist/".into(),
        ],
        env_var: Some(ENV_VAR.into()),
        system_dir: None,
        install_hint: None,
    }
}

/// Loads MNIST: `((x_train, y_train), (x_test, y_test))`, `u8` arrays of
/// shapes `(60000, 28, 28)`, `(60000,)`, `(10000, 28, 28)`, `(10000,)`.
///
/// ```no_run
/// let ((train_input, _), _) = kerust::datasets::mnist::load_data()?;
/// assert_eq!(train_input.shape(), &[60_000, 28, 28]);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::DatasetUnavailable`](crate::Error::DatasetUnavailable) listing
/// every place tried when a file cannot be had.
pub fn load_data() -> Result<TrainTest> {
    load_data_with(&Lookup::new())
}

/// Loads MNIST from the files in `dir` only.
///
/// ```no_run
/// let data = kerust::datasets::mnist::load_data_from("/data/mnist")?;
/// # let _ = data;
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`load_data`].
pub fn load_data_from(dir: impl AsRef<Path>) -> Result<TrainTest> {
    load_data_with(&Lookup::only_dir(dir.as_ref()))
}

/// Loads MNIST with an explicit search.
///
/// ```no_run
/// use kerust::datasets::{Lookup, mnist};
/// let data = mnist::load_data_with(&Lookup::new().download(false))?;
/// # let _ = data;
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`load_data`].
pub fn load_data_with(lookup: &Lookup) -> Result<TrainTest> {
    let files = dataset().load(lookup)?;
    into_train_test(files, "MNIST")
}
