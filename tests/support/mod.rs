//! What the model-level tests share: the real Fashion-MNIST (or a skip),
//! and the walk-through's CNN.
#![allow(dead_code)]

use kerust::datasets::{Lookup, TrainTest, fashion_mnist};
use kerust::prelude::*;

/// The real Fashion-MNIST from local copies only (a test must not download
/// 30 MB). Required when `KERUST_REQUIRE_DATA=1` (CI, after installing
/// Debian's package); otherwise `None`, and the caller skips.
pub fn fashion_mnist_or_skip() -> Option<TrainTest> {
    match fashion_mnist::load_data_with(&Lookup::new().download(false)) {
        Ok(data) => Some(data),
        Err(e) if std::env::var("KERUST_REQUIRE_DATA").as_deref() == Ok("1") => {
            panic!("KERUST_REQUIRE_DATA=1 but Fashion-MNIST is unavailable:\n{e}")
        }
        Err(e) => {
            eprintln!("skipping: Fashion-MNIST is not installed here ({e})");
            None
        }
    }
}

/// The walk-through's CNN, uncompiled.
pub fn book_cnn() -> Sequential {
    sequential![
        Conv2D::new(32, 3)
            .activation(Relu)
            .padding(Padding::Same)
            .input_shape((28, 28, 1)),
        MaxPooling2D::new(2),
        Conv2D::new(64, 3).activation(Relu).padding(Padding::Same),
        MaxPooling2D::new(2),
        Flatten::new(),
        Dense::new(100).activation(Relu),
        Dropout::new(0.4),
        Dense::new(10).activation(Softmax),
    ]
}
