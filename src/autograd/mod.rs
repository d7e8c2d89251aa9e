//! Reverse-mode automatic differentiation.
//!
//! A [`Tape`] records every differentiable operation of a forward pass, in
//! order, as a node holding its value and (only when some input needs a
//! gradient) a closure that maps the gradient of its output to gradients of
//! its inputs. [`Tape::backward`] walks the nodes in reverse and
//! accumulates gradients with `+=`, so a value used twice receives the sum
//! of both contributions.
//!
//! Inputs that need no gradient ([`Tape::constant`]: input batches, labels,
//! fixed tensors) are free in the backward pass: an operation whose inputs
//! are all constants records no closure at all, and operations skip the
//! gradient of any constant operand.
//!
//! ```
//! use kerust::autograd::Tape;
//! use kerust::tensor::Tensor;
//!
//! // f(x) = sum(x * x), so df/dx = 2x
//! let mut tape = Tape::new();
//! let x = tape.variable(Tensor::from_vec(&[3], vec![1.0, -2.0, 0.5])?);
//! let y = tape.mul(x, x)?;
//! let loss = tape.sum(y)?;
//! tape.backward(loss)?;
//! assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![2.0, -4.0, 1.0]);
//! # Ok::<(), kerust::Error>(())
//! ```

mod backward;
pub mod gradcheck;
mod pool;
mod tape;

pub use backward::BackwardContext;
pub use tape::{Tape, Var};
