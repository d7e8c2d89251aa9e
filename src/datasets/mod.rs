//! Datasets: Fashion-MNIST and MNIST as Keras returns them, from wherever
//! they can be had, never wrong.
//!
//! ```no_run
//! use kerust::datasets::fashion_mnist;
//!
//! let ((x_train, _y_train), (_x_test, y_test)) = fashion_mnist::load_data()?;
//! assert_eq!(x_train.shape(), &[60000, 28, 28]);
//! assert_eq!(y_test.len(), 10000);
//! # Ok::<(), kerust::Error>(())
//! ```
//!
//! # Where the files are looked for
//!
//! [`load_data`](fashion_mnist::load_data) tries, file by file and in order:
//!
//! 1. the folder named by an environment variable
//!    (`KERUST_FASHION_MNIST_DIR`, `KERUST_MNIST_DIR`);
//! 2. the user cache, `~/.kerust/datasets/<name>` (`$KERUST_HOME` replaces
//!    `~/.kerust`, as `$KERAS_HOME` does for `~/.keras`);
//! 3. the system copy — Debian's package `dataset-fashion-mnist` installs the
//!    files in `/usr/share/datasets/fashion-mnist`;
//! 4. a download from the upstream mirrors into the user cache (with the
//!    default `download` feature): a progress bar on standard error, a
//!    timeout on every connection and read (30 s, `KERUST_DOWNLOAD_TIMEOUT`
//!    or [`Lookup::timeout`]), a deadline on the whole download of each
//!    file (600 s, `KERUST_DOWNLOAD_DEADLINE` or [`Lookup::deadline`]), a
//!    body no longer than the file could be compressed to, the SHA-256 of
//!    the decompressed file checked, and the file written atomically (a
//!    temporary file, removed on any failure, renamed into place once
//!    verified).
//!
//! [`load_data_from(dir)`](fashion_mnist::load_data_from) reads only `dir`.
//! In every folder a file may be gzip-compressed (`….gz`, as published) or
//! not. Every file read from anywhere must have the published SHA-256 (of
//! its decompressed content), so a damaged or different file is never
//! returned: a damaged file in the cache is deleted and downloaded again.
//! When nothing works, the error lists every place tried and what went
//! wrong there, and how to make the data available.
//!
//! Each file's header must declare the published dimensions
//! ([`DataFile::shape`]) before anything else of it is read, so a hostile
//! file (a gzip bomb, a header claiming gigabytes) fails at once: the
//! reader never inflates more than the published file's length plus one
//! byte.

pub mod fashion_mnist;
pub mod idx;
pub mod mnist;

mod data_file;
#[cfg(feature = "download")]
mod download;
mod lookup;

pub use data_file::DataFile;
pub use lookup::{DEFAULT_DEADLINE_SECS, Dataset, Lookup, default_cache_dir};

use ndarray::{Array1, Array3, Ix1, Ix3};

use crate::error::{Error, Result, fmt_shape};

/// Images `(n, rows, cols)` and their labels `(n,)`.
///
/// ```no_run
/// let ((x_train, y_train), _test): kerust::datasets::TrainTest = kerust::datasets::fashion_mnist::load_data()?;
/// assert_eq!(x_train.shape()[0], y_train.len());
/// # Ok::<(), kerust::Error>(())
/// ```
pub type Split = (Array3<u8>, Array1<u8>);

/// `((x_train, y_train), (x_test, y_test))`, as Keras' `load_data()` returns.
///
/// ```
/// let (train, test): kerust::datasets::TrainTest = kerust::datasets::fashion_mnist::load_sample()?;
/// assert_eq!((train.0.shape()[0], test.0.shape()[0]), (2_000, 500));
/// # Ok::<(), kerust::Error>(())
/// ```
pub type TrainTest = (Split, Split);

/// Turns the four IDX files of an MNIST-style dataset (train images, train
/// labels, test images, test labels) into Keras' nested tuples.
fn into_train_test(files: Vec<idx::Idx>, origin: &str) -> Result<TrainTest> {
    let mut arrays = files.into_iter().map(|f| f.array);
    let mut next = || {
        arrays
            .next()
            .ok_or_else(|| Error::data(origin, "four IDX files", "fewer"))
    };
    let images = |a: ndarray::ArrayD<u8>| {
        let shape = a.shape().to_vec();
        a.into_dimensionality::<Ix3>().map_err(|_| {
            Error::data(
                origin,
                "images of rank 3 (n, rows, cols)",
                format!("shape {}", fmt_shape(&shape)),
            )
        })
    };
    let labels = |a: ndarray::ArrayD<u8>| {
        let shape = a.shape().to_vec();
        a.into_dimensionality::<Ix1>().map_err(|_| {
            Error::data(
                origin,
                "labels of rank 1 (n,)",
                format!("shape {}", fmt_shape(&shape)),
            )
        })
    };
    let train = (images(next()?)?, labels(next()?)?);
    let test = (images(next()?)?, labels(next()?)?);
    for (which, (x, y)) in [("train", &train), ("test", &test)] {
        if x.shape()[0] != y.len() {
            return Err(Error::data(
                origin,
                format!("as many {which} labels as {which} images ({})", x.shape()[0]),
                format!("{} labels", y.len()),
            ));
        }
    }
    Ok((train, test))
}
