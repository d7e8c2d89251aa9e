//! One published file of a dataset: its name, the dimensions its header
//! must declare, and its checksum, and the check of a copy against them.

use super::idx::Idx;
use crate::error::{Error, Result};

/// One file of a dataset: its published name (without `.gz`), the
/// dimensions its header declares, and the SHA-256 of its decompressed
/// content.
///
/// The dimensions bound everything read for the file: a copy whose header
/// declares others fails before its payload is read or inflated, and a
/// download may not be longer than the file could be compressed.
///
/// ```
/// let dataset = kerust::datasets::fashion_mnist::dataset();
/// assert_eq!(dataset.files.len(), 4);
/// assert_eq!(dataset.files[0].shape, [60000, 28, 28]);
/// assert_eq!(dataset.files[0].sha256.len(), 64);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataFile {
    /// The file name without the `.gz` suffix, e.g. `train-images-idx3-ubyte`.
    pub name: String,
    /// The dimensions in its IDX header, e.g. `[60000, 28, 28]`.
    pub shape: Vec<usize>,
    /// Lowercase hex SHA-256 of the decompressed file.
    pub sha256: String,
}

impl DataFile {
    /// The decompressed file's length in bytes: its header and its payload.
    ///
    /// ```
    /// let labels = &kerust::datasets::fashion_mnist::dataset().files[1];
    /// assert_eq!(labels.decompressed_len(), 8 + 60_000);
    /// ```
    pub fn decompressed_len(&self) -> u64 {
        let payload = self
            .shape
            .iter()
            .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
            .unwrap_or(u64::MAX);
        payload.saturating_add(4 + 4 * self.shape.len() as u64)
    }
}

/// The four files of an MNIST-style dataset (`train`/`t10k` images of
/// 28×28 and labels), with `train` and `test` samples and these SHA-256s.
pub(crate) fn mnist_style_files(train: usize, test: usize, sha256: [&str; 4]) -> Vec<DataFile> {
    let shapes = [vec![train, 28, 28], vec![train], vec![test, 28, 28], vec![test]];
    let names = [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ];
    names
        .into_iter()
        .zip(shapes)
        .zip(sha256)
        .map(|((name, shape), sha256)| DataFile {
            name: name.into(),
            shape,
            sha256: sha256.into(),
        })
        .collect()
}

/// Checks a file's SHA-256 against the published one.
pub(super) fn verify(file: &DataFile, idx: Idx, origin: &str) -> Result<Idx> {
    if idx.sha256 != file.sha256 {
        return Err(Error::data(
            origin,
            format!("the published {} (SHA-256 {})", file.name, file.sha256),
            format!("a file with SHA-256 {}", idx.sha256),
        ));
    }
    Ok(idx)
}
