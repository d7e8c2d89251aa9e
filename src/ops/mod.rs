//! The differentiable operations, each recorded on a [`Tape`](crate::autograd::Tape)
//! with its forward and backward side by side in one file.
//!
//! | file | operations |
//! | --- | --- |
//! | `binary.rs` | [`add`](crate::autograd::Tape::add), [`sub`](crate::autograd::Tape::sub), [`mul`](crate::autograd::Tape::mul), [`div`](crate::autograd::Tape::div), [`maximum`](crate::autograd::Tape::maximum), [`minimum`](crate::autograd::Tape::minimum) with NumPy broadcasting |
//! | `concat.rs` | [`concatenate`](crate::autograd::Tape::concatenate) along an axis |
//! | `unary.rs` | [`neg`](crate::autograd::Tape::neg), [`exp`](crate::autograd::Tape::exp), [`log`](crate::autograd::Tape::log), [`sqrt`](crate::autograd::Tape::sqrt), [`pow`](crate::autograd::Tape::pow), [`add_scalar`](crate::autograd::Tape::add_scalar), [`mul_scalar`](crate::autograd::Tape::mul_scalar) |
//! | `activation.rs` | [`relu`](crate::autograd::Tape::relu), [`sigmoid`](crate::autograd::Tape::sigmoid), [`tanh`](crate::autograd::Tape::tanh), and the [`Activation`] of fused layers |
//! | `softmax.rs` | [`softmax`](crate::autograd::Tape::softmax), [`log_softmax`](crate::autograd::Tape::log_softmax) along an axis |
//! | `reduce.rs` | [`sum`](crate::autograd::Tape::sum), [`mean`](crate::autograd::Tape::mean), [`sum_axis`](crate::autograd::Tape::sum_axis), [`mean_axis`](crate::autograd::Tape::mean_axis) |
//! | `shape.rs` | [`reshape`](crate::autograd::Tape::reshape), [`flatten`](crate::autograd::Tape::flatten), [`transpose`](crate::autograd::Tape::transpose), [`permute`](crate::autograd::Tape::permute) |
//! | `matmul.rs` | [`matmul`](crate::autograd::Tape::matmul) |
//! | `conv.rs` | [`conv2d`](crate::autograd::Tape::conv2d): channels-last 2-D convolution (im2col + gemm), bias and activation fused |
//! | `pool.rs` | [`max_pool2d`](crate::autograd::Tape::max_pool2d), [`average_pool2d`](crate::autograd::Tape::average_pool2d) |
//! | `batch_norm.rs` | [`batch_norm`](crate::autograd::Tape::batch_norm): per-channel normalisation with the batch's statistics |
//! | `dense.rs` | [`dense`](crate::autograd::Tape::dense): `activation(x·W + b)` fused |
//! | `crossentropy.rs` | [`sparse_categorical_crossentropy`](crate::autograd::Tape::sparse_categorical_crossentropy) (fused with softmax from logits), [`categorical_crossentropy`](crate::autograd::Tape::categorical_crossentropy), [`binary_crossentropy`](crate::autograd::Tape::binary_crossentropy) |
//! | `dropout.rs` | [`dropout`](crate::autograd::Tape::dropout): inverted dropout |
//! | `loss_rows.rs` | [`mean_squared_error`](crate::autograd::Tape::mean_squared_error), [`mean_absolute_error`](crate::autograd::Tape::mean_absolute_error), and the element-wise losses' common op |
//! | `loss_reduce.rs` | [`reduce_loss`](crate::autograd::Tape::reduce_loss): sample weights, masks and Keras' [`Reduction`]s |
//!
//! `exp.rs` holds the vectorised exponential that softmax and the
//! cross-entropy share.
//!
//! Every operation checks its operands before computing and returns an
//! [`Error`](crate::Error) naming itself and the shapes involved. Every
//! backward is verified against central finite differences in
//! `tests/gradcheck_*.rs`.

mod activation;
mod activation_math;
mod batch_norm;
mod binary;
mod concat;
mod conv;
mod crossentropy;
mod dense;
mod dropout;
mod exp;
mod loss_reduce;
mod loss_rows;
mod matmul;
mod pool;
mod reduce;
mod shape;
mod softmax;
mod targets;
mod unary;

pub use activation::Activation;
pub(crate) use activation::sigmoid;
pub(crate) use activation_math::softplus;
pub(crate) use concat::resolve_axis;
pub use conv::{Padding, conv_output};
pub use crossentropy::EPSILON;
pub(crate) use crossentropy::binary_crossentropy;
pub use loss_reduce::Reduction;
pub(crate) use loss_rows::{Along, sign};
