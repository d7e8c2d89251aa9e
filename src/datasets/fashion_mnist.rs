//! Fashion-MNIST: 70,000 grey 28×28 images of clothing in 10 classes
//! (Zalando Research, MIT licence), as `keras.datasets.fashion_mnist`.
//!
//! ```no_run
//! use kerust::datasets::fashion_mnist::{self, CLASS_NAMES};
//!
//! let ((x_train, y_train), (x_test, y_test)) = fashion_mnist::load_data()?;
//! assert_eq!(x_train.shape(), &[60000, 28, 28]);
//! assert_eq!(y_train.shape(), &[60000]);
//! assert_eq!(x_test.shape(), &[10000, 28, 28]);
//! assert_eq!(y_test.shape(), &[10000]);
//! println!("first image is a {}", CLASS_NAMES[y_train[0] as usize]); // Ankle boot
//! # Ok::<(), kerust::Error>(())
//! ```

use std::path::Path;

use super::{Dataset, Lookup, TrainTest, data_file::mnist_style_files, into_train_test};
use crate::error::Result;

/// The ten classes, indexed by label.
///
/// ```
/// use kerust::datasets::fashion_mnist::CLASS_NAMES;
/// assert_eq!(CLASS_NAMES[9], "Ankle boot");
/// ```
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// Where Debian's `dataset-fashion-mnist` package installs the files.
///
/// ```
/// assert_eq!(kerust::datasets::fashion_mnist::SYSTEM_DIR, "/usr/share/datasets/fashion-mnist");
/// ```
pub const SYSTEM_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The environment variable that may name a folder holding the files.
///
/// ```
/// // KERUST_FASHION_MNIST_DIR=/data/fashion cargo run --example fashion_mnist
/// assert_eq!(kerust::datasets::fashion_mnist::ENV_VAR, "KERUST_FASHION_MNIST_DIR");
/// ```
pub const ENV_VAR: &str = "KERUST_FASHION_MNIST_DIR";

/// The published files, their decompressed SHA-256, and where to find them.
///
/// ```
/// let dataset = kerust::datasets::fashion_mnist::dataset();
/// # let _ = dataset;
/// ```
pub fn dataset() -> Dataset {
    Dataset {
        name: "fashion-mnist".into(),
        title: "Fashion-MNIST".into(),
        files: mnist_style_files(
            60_000,
            10_000,
            [
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ],
        ),
        mirrors: vec![
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/".into(),
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/".into(),
        ],
        env_var: Some(ENV_VAR.into()),
        system_dir: Some(SYSTEM_DIR.into()),
        install_hint: Some(
            "install Debian's package (apt-get install dataset-fashion-mnist), which puts the files in \
             /usr/share/datasets/fashion-mnist"
                .into(),
        ),
    }
}

/// Loads Fashion-MNIST as Keras does: `((x_train, y_train), (x_test,
/// y_test))`, `u8` arrays of shapes `(60000, 28, 28)`, `(60000,)`,
/// `(10000, 28, 28)`, `(10000,)`. See [`crate::datasets`] for where the
/// files are looked for.
///
/// ```no_run
/// use kerust::datasets::fashion_mnist;
/// let ((train_input, train_target), (test_input, test_target)) = fashion_mnist::load_data()?;
/// assert_eq!(train_input.shape(), &[60_000, 28, 28]);
/// # let _ = (train_target, test_input, test_target);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::DatasetUnavailable`](crate::Error::DatasetUnavailable) listing
/// every place tried when a file cannot be had.
pub fn load_data() -> Result<TrainTest> {
    load_data_with(&Lookup::new())
}

/// Loads Fashion-MNIST from the files in `dir` only (gzip-compressed or not).
///
/// ```no_run
/// let ((x, y), _) = kerust::datasets::fashion_mnist::load_data_from("/data/fashion-mnist")?;
/// # let _ = (x, y);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`load_data`].
pub fn load_data_from(dir: impl AsRef<Path>) -> Result<TrainTest> {
    load_data_with(&Lookup::only_dir(dir.as_ref()))
}

/// Loads Fashion-MNIST with an explicit search.
///
/// ```no_run
/// use kerust::datasets::{Lookup, fashion_mnist};
/// // Local copies only, never the network.
/// let data = fashion_mnist::load_data_with(&Lookup::new().download(false))?;
/// # let _ = data;
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`load_data`].
pub fn load_data_with(lookup: &Lookup) -> Result<TrainTest> {
    let files = dataset().load(lookup)?;
    into_train_test(files, "Fashion-MNIST")
}

/// The sample shipped inside kerust: 2,000 training images (200 per class)
/// and 500 test images (50 per class) of the real Fashion-MNIST, in their
/// original order (see `data/fashion-mnist-sample/README.md` for how they
/// were drawn). It needs no file, network or package, so tests and examples
/// can run on real images anywhere; shapes are `(2000, 28, 28)`, `(2000,)`,
/// `(500, 28, 28)`, `(500,)`.
///
/// ```
/// use kerust::datasets::fashion_mnist;
///
/// let ((x_train, y_train), (x_test, _)) = fashion_mnist::load_sample()?;
/// assert_eq!(x_train.shape(), &[2000, 28, 28]);
/// assert_eq!(x_test.shape(), &[500, 28, 28]);
/// assert_eq!(y_train.iter().take(10).copied().collect::<Vec<_>>(), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// None in practice: the embedded files are checked like any other.
pub fn load_sample() -> Result<TrainTest> {
    const BYTES: [&[u8]; 4] = [
        include_bytes!("../../data/fashion-mnist-sample/train-images-idx3-ubyte.gz"),
        include_bytes!("../../data/fashion-mnist-sample/train-labels-idx1-ubyte.gz"),
        include_bytes!("../../data/fashion-mnist-sample/t10k-images-idx3-ubyte.gz"),
        include_bytes!("../../data/fashion-mnist-sample/t10k-labels-idx1-ubyte.gz"),
    ];
    let expected = mnist_style_files(
        2_000,
        500,
        [
            "a724cd72799a6b1c3a81c4263865a75a73bb6473673b3394e34adf222930f19e",
            "4738fd437c0f8d6498ae7f6f5c86f1cc3c878d4116ff169fc5635bd6847899cc",
            "8fdf02ada67d92f4db5ba3c2f6c5b1cc6186ba6e0efd4914661e4389e103b81e",
            "9c71808b3a0ebfc091442c0009a7aa35be2d9622bf6aaf6891ce9a0088e96c07",
        ],
    );
    let files = expected
        .iter()
        .zip(BYTES)
        .map(|(file, bytes)| {
            let origin = format!("the embedded Fashion-MNIST sample {}", file.name);
            let idx = super::idx::parse_as(bytes, &origin, &file.shape)?;
            super::data_file::verify(file, idx, &origin)
        })
        .collect::<Result<Vec<_>>>()?;
    into_train_test(files, "the Fashion-MNIST sample")
}
