//! # kerust
//!
//! - **Keras behaviour is the spec**: Keras' names, defaults and results; where kerust differs, the docs say so.
//! - **A real autograd core**: layers are differentiable ops on a tape, every backward checked by finite differences.
//! - **Fast by construction**: fused ops, no input gradients, reused buffers, in-place updates, measured against the gemm floor.
//! - **User errors are values, not panics**: every [`Error`] names what was expected and what was found.
//! - **Works offline, and with the real data**: local copies first (Debian's package), then a verified download.
//!
//! A deep-learning library with the Keras API, in Rust.
//!
//! Under the Keras layer sits a small, real core:
//!
//! - [`tensor`]: `f32` n-d arrays over `ndarray`, with gemm through
//!   `matrixmultiply` (transposes as strides, never copies);
//! - [`autograd`]: a reverse-mode tape;
//! - [`ops`]: the differentiable operations, each with its backward beside
//!   its forward and checked against finite differences;
//! - [`error`]: one [`Error`] type whose messages say what was expected and
//!   what was found.
//!
//! ```
//! use kerust::autograd::Tape;
//! use kerust::ops::Activation;
//! use kerust::tensor::Tensor;
//!
//! // One training step of a softmax classifier on two samples, by hand.
//! let mut tape = Tape::new();
//! let x = tape.constant(Tensor::from_vec(&[2, 3], vec![0.1, 0.5, -0.2, 0.9, -0.3, 0.4])?);
//! let w = tape.variable(Tensor::zeros(&[3, 4]));
//! let b = tape.variable(Tensor::zeros(&[4]));
//! let logits = tape.dense(x, w, Some(b), Activation::Linear)?;
//! let loss = tape.sparse_categorical_crossentropy(&[2, 0], logits, true)?;
//! tape.backward(loss)?;
//! assert!((tape.value(loss)?.item()? - 4f32.ln()).abs() < 1e-6); // uniform over 4 classes
//! assert_eq!(tape.grad(w)?.unwrap().shape(), &[3, 4]);
//! # Ok::<(), kerust::Error>(())
//! ```

#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]
// Library code returns errors instead of panicking. An `expect` that
// remains states an invariant that cannot fail, with an `allow` and a
// comment saying why. (Tests may unwrap.)
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod activations;
pub mod autograd;
pub mod callbacks;
pub mod config;
pub mod constraints;
pub mod datasets;
pub mod error;
pub mod initializers;
pub mod layers;
pub mod losses;
pub mod metrics;
pub mod model_selection;
pub mod models;
pub mod ops;
pub mod optimizers;
#[cfg(feature = "plot")]
pub mod plot;
pub mod prelude;
pub mod regularizers;
pub mod saving;
pub mod tensor;
pub mod utils;

pub use error::{Error, Result};

/// The `ndarray` kerust is built on, for arrays that fit its API exactly
/// (`kerust::ndarray::Array2`), without a second version in the build.
///
/// ```
/// let x = kerust::ndarray::Array2::<f32>::zeros((2, 784));
/// assert_eq!(x.shape(), &[2, 784]);
/// ```
pub use ndarray;
