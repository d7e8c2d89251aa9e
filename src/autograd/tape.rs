//! The tape: the recorded forward pass and its variables.

use std::sync::atomic::{AtomicU32, Ordering};

use ndarray::ArrayD;

use super::backward::BackwardContext;
use super::pool::Pool;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Source of tape identities, so that a variable can be traced to its tape.
static NEXT_TAPE_ID: AtomicU32 = AtomicU32::new(1);

/// The backward step of one recorded operation: receives (and owns) the
/// gradient of the operation's output and adds its inputs' gradients to
/// the context.
pub(crate) type BackwardFn = Box<dyn Fn(ArrayD<f32>, &mut BackwardContext<'_>) -> Result<()> + Send + Sync>;

/// A handle to a value recorded on a [`Tape`].
///
/// `Var` is a small `Copy` index. It remembers which tape (and which
/// generation of it, see [`Tape::clear`]) created it, so using it anywhere
/// else is an [`Error::ForeignVar`] rather than a silent mix-up.
///
/// ```
/// use kerust::autograd::Tape;
/// use kerust::tensor::Tensor;
/// let mut a = Tape::new();
/// let mut b = Tape::new();
/// let x = a.constant(Tensor::ones(&[1]));
/// assert!(b.exp(x).is_err()); // x belongs to tape a
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    tape: u32,
    generation: u32,
    index: u32,
}

impl Var {
    /// Position of the value on its tape (0 for the first value recorded).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.constant(Tensor::zeros(&[1]));
    /// let b = tape.constant(Tensor::zeros(&[1]));
    /// assert_eq!((a.index(), b.index()), (0, 1));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn index(self) -> usize {
        self.index as usize
    }
}

pub(crate) struct Node {
    pub(crate) value: Tensor,
    pub(crate) requires_grad: bool,
    pub(crate) backward: Option<BackwardFn>,
}

/// The record of a forward pass, and the gradients of its last backward pass.
///
/// Values enter the tape as [`constant`](Tape::constant)s (no gradient) or
/// [`variable`](Tape::variable)s (gradient wanted). Operations
/// (`tape.matmul(a, b)?`, `tape.relu(x)?`, … defined in [`crate::ops`])
/// compute their result immediately and record how to differentiate it.
/// After [`backward`](Tape::backward), [`grad`](Tape::grad) returns the
/// gradient of every variable the result depends on.
///
/// A tape can be reused with [`clear`](Tape::clear), which keeps its
/// allocations; variables created before the clear are then rejected.
///
/// ```
/// use kerust::autograd::Tape;
/// use kerust::tensor::Tensor;
/// let mut tape = Tape::new();
/// let w = tape.variable(Tensor::from_vec(&[2], vec![1.0, -1.0])?);
/// let x = tape.constant(Tensor::from_vec(&[2], vec![3.0, 4.0])?);
/// let y = tape.mul(w, x)?;
/// let loss = tape.sum(y)?;
/// tape.backward(loss)?;
/// assert_eq!(tape.grad(w)?.unwrap().to_vec(), vec![3.0, 4.0]);
/// # Ok::<(), kerust::Error>(())
/// ```
pub struct Tape {
    id: u32,
    generation: u32,
    pub(crate) nodes: Vec<Node>,
    grads: Vec<Option<Tensor>>,
    pub(crate) pool: Pool,
}

impl Default for Tape {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Tape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tape")
            .field("id", &self.id)
            .field("generation", &self.generation)
            .field("len", &self.nodes.len())
            .finish()
    }
}

impl Tape {
    /// An empty tape.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// let tape = Tape::new();
    /// assert!(tape.is_empty());
    /// ```
    pub fn new() -> Self {
        Tape {
            id: NEXT_TAPE_ID.fetch_add(1, Ordering::Relaxed),
            generation: 0,
            nodes: Vec::new(),
            grads: Vec::new(),
            pool: Pool::default(),
        }
    }

    /// Number of values recorded.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let _y = tape.exp(x)?;
    /// assert_eq!(tape.len(), 2);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing has been recorded.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// assert!(tape.is_empty());
    /// let _x = tape.constant(Tensor::ones(&[1]));
    /// assert!(!tape.is_empty());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Forgets every recorded value and gradient but keeps the allocations:
    /// buffers nothing else holds are kept for the next values recorded.
    /// Variables created before the call are rejected afterwards.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// tape.clear();
    /// assert!(tape.is_empty());
    /// assert!(tape.value(x).is_err()); // variables do not survive a clear
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn clear(&mut self) {
        for node in self.nodes.drain(..) {
            // Drop the closure first: it may hold handles on other values.
            drop(node.backward);
            self.pool.give_tensor(node.value);
        }
        for grad in self.grads.drain(..).flatten() {
            self.pool.give_tensor(grad);
        }
        self.generation = self.generation.wrapping_add(1);
    }

    /// Hands a tensor back for reuse once the caller is done with it (for
    /// instance a gradient after the optimizer step). Kept only if nothing
    /// else shares its storage.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let s = tape.sum(x)?;
    /// tape.backward(s)?;
    /// let g = tape.take_grad(x)?.expect("x needs a gradient");
    /// tape.recycle(g); // its buffer serves the next step
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn recycle(&mut self, tensor: Tensor) {
        self.pool.give_tensor(tensor);
    }

    /// An array of `shape` for an op's output, from the recycled buffers.
    /// Its contents are unspecified: the caller overwrites every element.
    pub(crate) fn buffer(&mut self, shape: &[usize]) -> ArrayD<f32> {
        self.pool.array(shape)
    }

    /// Records a value that needs no gradient: an input batch, a target, a
    /// fixed tensor. It costs nothing in the backward pass.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.constant(Tensor::ones(&[2]));
    /// assert!(!tape.requires_grad(x)?);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn constant(&mut self, value: Tensor) -> Var {
        self.push(value, false, None)
    }

    /// Records a value whose gradient [`backward`](Tape::backward) computes,
    /// such as a weight. Passing a clone of a [`Tensor`] shares its storage;
    /// nothing is copied.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let w = tape.variable(Tensor::ones(&[2]));
    /// assert!(tape.requires_grad(w)?);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn variable(&mut self, value: Tensor) -> Var {
        self.push(value, true, None)
    }

    /// The value of `var`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.constant(Tensor::full(&[2], 3.0));
    /// assert_eq!(tape.value(x)?.to_vec(), vec![3.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`] if `var` does not belong to this tape.
    pub fn value(&self, var: Var) -> Result<&Tensor> {
        self.check("Tape::value", var)?;
        Ok(&self.nodes[var.index()].value)
    }

    /// Whether a gradient flows to `var` (it is a variable or depends on one).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.constant(Tensor::ones(&[1]));
    /// let w = tape.variable(Tensor::ones(&[1]));
    /// let y = tape.mul(x, w)?;
    /// assert_eq!((tape.requires_grad(x)?, tape.requires_grad(y)?), (false, true));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`] if `var` does not belong to this tape.
    pub fn requires_grad(&self, var: Var) -> Result<bool> {
        self.check("Tape::requires_grad", var)?;
        Ok(self.nodes[var.index()].requires_grad)
    }

    /// The gradient of the last [`backward`](Tape::backward) root with
    /// respect to the variable `var`, or `None` if the root does not depend
    /// on it. Gradients are kept for variables only; the gradients of
    /// intermediate results are freed as soon as they have been used.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let y = tape.mul(x, x)?;
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![2.0, 4.0]); // d(x²)/dx = 2x
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`] if `var` does not belong to this tape.
    pub fn grad(&self, var: Var) -> Result<Option<Tensor>> {
        self.check("Tape::grad", var)?;
        Ok(self.grads.get(var.index()).cloned().flatten())
    }

    /// Moves the gradient of `var` out of the tape (no copy).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let s = tape.sum(x)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.take_grad(x)?.unwrap().to_vec(), vec![1.0, 1.0]);
    /// assert!(tape.grad(x)?.is_none()); // taken
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`] if `var` does not belong to this tape.
    pub fn take_grad(&mut self, var: Var) -> Result<Option<Tensor>> {
        self.check("Tape::take_grad", var)?;
        Ok(self.grads.get_mut(var.index()).and_then(Option::take))
    }

    /// Computes the gradients of the scalar `root` with respect to every
    /// variable it depends on. Gradients of a previous call are replaced.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[1], vec![3.0])?);
    /// let y = tape.pow(x, 2.0)?;
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![6.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotScalar`] if `root` has more than one element;
    /// [`Error::ForeignVar`] if it does not belong to this tape.
    pub fn backward(&mut self, root: Var) -> Result<()> {
        self.check("backward", root)?;
        let value = &self.nodes[root.index()].value;
        if value.len() != 1 {
            return Err(Error::NotScalar {
                shape: value.shape().to_vec(),
            });
        }
        let seed = Tensor::ones(value.shape());
        self.backward_with(root, seed)
    }

    /// Back-propagates an explicit gradient `seed` of `root` (which must
    /// have `root`'s shape): a vector–Jacobian product. With a seed of ones
    /// on a scalar this is [`backward`](Tape::backward).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let y = tape.mul_scalar(x, 3.0)?;
    /// tape.backward_with(y, Tensor::from_vec(&[2], vec![1.0, 2.0])?)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![3.0, 6.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `seed` and `root` differ in shape;
    /// [`Error::ForeignVar`] if `root` does not belong to this tape.
    pub fn backward_with(&mut self, root: Var, seed: Tensor) -> Result<()> {
        self.check("backward", root)?;
        let root_shape = self.nodes[root.index()].value.shape();
        if seed.shape() != root_shape {
            return Err(Error::shape(
                "backward",
                format!("a seed gradient of shape {}", crate::error::fmt_shape(root_shape)),
                format!("shape {}", crate::error::fmt_shape(seed.shape())),
            ));
        }
        self.grads = super::backward::run(&self.nodes, root.index(), seed, &mut self.pool)?;
        Ok(())
    }

    /// Records the result of a custom operation.
    ///
    /// `value` is the already computed output; `inputs` are the operands it
    /// was computed from. If any of them needs a gradient, `backward` is
    /// stored and will be called with the gradient of the output (which it
    /// owns, and may reuse in place); it must add each input's gradient to
    /// the [`BackwardContext`]. Otherwise nothing but the value is kept. The
    /// inputs must have been checked to belong to this tape (see
    /// [`Tape::value`]).
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    ///
    /// // y = 3x, written as a custom op
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let y_value = Tensor::from(tape.value(x)?.view().mapv(|v| 3.0 * v));
    /// let y = tape.record(y_value, &[x], move |mut grad, ctx| {
    ///     grad.mapv_inplace(|g| 3.0 * g);
    ///     ctx.accumulate(x, grad);
    ///     Ok(())
    /// });
    /// let loss = tape.sum(y)?;
    /// tape.backward(loss)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![3.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn record<F>(&mut self, value: Tensor, inputs: &[Var], backward: F) -> Var
    where
        F: Fn(ArrayD<f32>, &mut BackwardContext<'_>) -> Result<()> + Send + Sync + 'static,
    {
        let requires_grad = inputs
            .iter()
            .any(|v| self.nodes.get(v.index()).is_some_and(|n| n.requires_grad));
        if requires_grad {
            self.push(value, true, Some(Box::new(backward)))
        } else {
            self.push(value, false, None)
        }
    }

    /// Checks that `var` was created by this tape since its last clear.
    #[inline]
    pub(crate) fn check(&self, op: &'static str, var: Var) -> Result<()> {
        if var.tape == self.id && var.generation == self.generation && var.index() < self.nodes.len() {
            Ok(())
        } else {
            Err(self.foreign(op, var))
        }
    }

    #[cold]
    #[inline(never)]
    fn foreign(&self, op: &'static str, var: Var) -> Error {
        Error::ForeignVar {
            op,
            expected_tape: self.id,
            expected_generation: self.generation,
            found_tape: var.tape,
            found_generation: var.generation,
        }
    }

    /// The value of a checked variable.
    #[inline]
    pub(crate) fn get(&self, var: Var) -> &Tensor {
        &self.nodes[var.index()].value
    }

    fn push(&mut self, value: Tensor, requires_grad: bool, backward: Option<BackwardFn>) -> Var {
        // Four billion values on one tape would take hundreds of gigabytes
        // of nodes first.
        #[allow(clippy::expect_used)]
        let index = u32::try_from(self.nodes.len()).expect("a tape holds fewer than 2^32 values");
        self.nodes.push(Node {
            value,
            requires_grad,
            backward,
        });
        Var {
            tape: self.id,
            generation: self.generation,
            index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_of_another_tape_are_rejected() {
        let mut a = Tape::new();
        let mut b = Tape::new();
        let x = a.variable(Tensor::ones(&[2]));
        let _ = b.variable(Tensor::ones(&[2]));
        let err = b.value(x).unwrap_err();
        assert!(matches!(err, Error::ForeignVar { .. }), "{err}");
        assert!(
            err.to_string().contains("cannot be shared between tapes"),
            "{err}"
        );
    }

    #[test]
    fn variables_do_not_survive_a_clear() {
        let mut tape = Tape::new();
        let x = tape.variable(Tensor::ones(&[2]));
        tape.clear();
        let _ = tape.variable(Tensor::ones(&[2]));
        assert!(tape.value(x).is_err());
    }

    #[test]
    fn constants_record_no_backward() {
        let mut tape = Tape::new();
        let x = tape.constant(Tensor::ones(&[2]));
        let y = tape.exp(x).unwrap();
        assert!(!tape.requires_grad(y).unwrap());
        assert!(tape.nodes[y.index()].backward.is_none());
    }

    #[test]
    fn backward_needs_a_scalar() {
        let mut tape = Tape::new();
        let x = tape.variable(Tensor::ones(&[2, 3]));
        let err = tape.backward(x).unwrap_err();
        assert_eq!(
            err.to_string(),
            "backward: expected a scalar (a tensor with one element), found shape (2, 3); \
             reduce it first with `sum` or `mean`"
        );
    }

    #[test]
    fn a_value_used_twice_gets_both_gradients() {
        // y = x*x + x  ⇒  dy/dx = 2x + 1
        let mut tape = Tape::new();
        let x = tape.variable(Tensor::from_vec(&[2], vec![3.0, -1.0]).unwrap());
        let sq = tape.mul(x, x).unwrap();
        let y = tape.add(sq, x).unwrap();
        let s = tape.sum(y).unwrap();
        tape.backward(s).unwrap();
        assert_eq!(tape.grad(x).unwrap().unwrap().to_vec(), vec![7.0, -1.0]);
    }
}
