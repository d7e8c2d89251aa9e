//! The backward pass and the context handed to each operation's backward step.

use ndarray::{ArrayD, ArrayViewMutD};

use super::pool::Pool;
use super::tape::{Node, Var};
use crate::error::Result;
use crate::tensor::Tensor;

/// What a recorded backward step sees: the forward values and the gradient
/// accumulators of the inputs.
///
/// Each operation reads its inputs with [`value`](Self::value) and its own
/// result with [`output`](Self::output), checks
/// [`requires_grad`](Self::requires_grad) before computing an input's
/// gradient, and hands the gradient over with [`accumulate`](Self::accumulate)
/// (or writes it in place with [`accumulate_into`](Self::accumulate_into)).
///
/// ```
/// use kerust::autograd::Tape;
/// use kerust::tensor::Tensor;
/// let mut tape = Tape::new();
/// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
/// // y = 3x, with its backward written by hand.
/// let y = tape.record(tape.value(x)?.clone(), &[x], move |grad, ctx| {
///     ctx.accumulate(x, grad.mapv(|g| 3.0 * g));
///     Ok(())
/// });
/// let s = tape.sum(y)?;
/// tape.backward(s)?;
/// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![3.0, 3.0]);
/// # Ok::<(), kerust::Error>(())
/// ```
pub struct BackwardContext<'a> {
    nodes: &'a [Node],
    grads: &'a mut [Option<ArrayD<f32>>],
    output: &'a Tensor,
    pool: &'a mut Pool,
}

impl<'a> BackwardContext<'a> {
    /// The forward value of an input.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// // y = x², whose backward reads x's value.
    /// let y = tape.record(tape.value(x)?.view().mapv(|v| v * v).into(), &[x], move |mut grad, ctx| {
    ///     grad.zip_mut_with(&ctx.value(x).view(), |g, &v| *g *= 2.0 * v);
    ///     ctx.accumulate(x, grad);
    ///     Ok(())
    /// });
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![2.0, 4.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn value(&self, var: Var) -> &'a Tensor {
        &self.nodes[var.index()].value
    }

    /// The forward value of the operation being differentiated.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// // y = exp(x), whose derivative is its own output.
    /// let y = tape.record(tape.value(x)?.view().mapv(f32::exp).into(), &[x], move |mut grad, ctx| {
    ///     grad.zip_mut_with(&ctx.output().view(), |g, &y| *g *= y);
    ///     ctx.accumulate(x, grad);
    ///     Ok(())
    /// });
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert!((tape.grad(x)?.unwrap().to_vec()[0] - 1f32.exp()).abs() < 1e-6);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn output(&self) -> &'a Tensor {
        self.output
    }

    /// Whether `var` needs a gradient. Gradients of other inputs need not be
    /// computed at all.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let c = tape.constant(Tensor::ones(&[1]));
    /// let w = tape.variable(Tensor::ones(&[1]));
    /// let y = tape.record(Tensor::ones(&[1]), &[c, w], move |grad, ctx| {
    ///     assert!(!ctx.requires_grad(c) && ctx.requires_grad(w)); // skip work for c
    ///     ctx.accumulate(w, grad);
    ///     Ok(())
    /// });
    /// tape.backward(y)?;
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn requires_grad(&self, var: Var) -> bool {
        self.nodes[var.index()].requires_grad
    }

    /// A scratch array of `shape` from the recycled buffers; its contents
    /// are unspecified.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let y = tape.record(tape.value(x)?.clone(), &[x], move |grad, ctx| {
    ///     let mut g = ctx.buffer(grad.shape()); // recycled, contents unspecified
    ///     g.assign(&grad);
    ///     ctx.accumulate(x, g);
    ///     ctx.recycle(grad);
    ///     Ok(())
    /// });
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn buffer(&mut self, shape: &[usize]) -> ArrayD<f32> {
        self.pool.array(shape)
    }

    /// Hands an array back for reuse.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let y = tape.record(tape.value(x)?.clone(), &[x], move |grad, ctx| {
    ///     let doubled = grad.mapv(|g| 2.0 * g);
    ///     ctx.recycle(grad); // the next step may reuse this buffer
    ///     ctx.accumulate(x, doubled);
    ///     Ok(())
    /// });
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![2.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn recycle(&mut self, array: ArrayD<f32>) {
        self.pool.give_array(array);
    }

    /// Adds `grad` (which must have `var`'s shape) to the gradient of `var`.
    /// Does nothing if `var` needs no gradient.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// // x used twice: the two contributions add up.
    /// let y = tape.record(tape.value(x)?.clone(), &[x], move |grad, ctx| {
    ///     ctx.accumulate(x, grad.clone());
    ///     ctx.accumulate(x, grad);
    ///     Ok(())
    /// });
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![2.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn accumulate(&mut self, var: Var, grad: ArrayD<f32>) {
        if !self.requires_grad(var) {
            self.pool.give_array(grad);
            return;
        }
        debug_assert_eq!(grad.shape(), self.value(var).shape());
        match &mut self.grads[var.index()] {
            Some(acc) => {
                *acc += &grad;
                self.pool.give_array(grad);
            }
            // Accumulators are kept row-major so in-place writers can reshape them.
            slot @ None if grad.is_standard_layout() => *slot = Some(grad),
            slot @ None => *slot = Some(grad.as_standard_layout().into_owned()),
        }
    }

    /// Lets `write` produce the gradient of `var` in place: it receives the
    /// accumulator and a `beta` of 1.0 when a gradient is already there (add
    /// to it), or a buffer of unspecified contents and a `beta` of 0.0
    /// (overwrite every element). This is how a gemm adds its product
    /// straight into a gradient. Does nothing if `var` needs no gradient.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let y = tape.record(tape.value(x)?.clone(), &[x], move |grad, ctx| {
    ///     ctx.accumulate_into(x, |mut acc, beta| {
    ///         acc.zip_mut_with(&grad, |a, &g| *a = beta * *a + g); // beta 0: overwrite
    ///         Ok(())
    ///     })
    /// });
    /// let s = tape.sum(y)?;
    /// tape.backward(s)?;
    /// assert_eq!(tape.grad(x)?.unwrap().to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn accumulate_into<F>(&mut self, var: Var, write: F) -> Result<()>
    where
        F: FnOnce(ArrayViewMutD<'_, f32>, f32) -> Result<()>,
    {
        if !self.requires_grad(var) {
            return Ok(());
        }
        let shape = self.nodes[var.index()].value.shape();
        match &mut self.grads[var.index()] {
            Some(acc) => write(acc.view_mut(), 1.0),
            slot @ None => {
                let acc = slot.insert(self.pool.array(shape));
                write(acc.view_mut(), 0.0)
            }
        }
    }
}

/// Runs the backward pass from `root` with gradient `seed` and returns the
/// gradients of the variables (leaf nodes); intermediate gradients are
/// dropped as soon as their node has been processed.
pub(super) fn run(nodes: &[Node], root: usize, seed: Tensor, pool: &mut Pool) -> Result<Vec<Option<Tensor>>> {
    let mut grads: Vec<Option<ArrayD<f32>>> = Vec::with_capacity(root + 1);
    grads.resize_with(root + 1, || None);
    if nodes[root].requires_grad {
        grads[root] = Some(seed.into_array());
    }
    for i in (0..=root).rev() {
        let node = &nodes[i];
        let Some(backward) = &node.backward else {
            continue;
        };
        let Some(grad) = grads[i].take() else {
            continue;
        };
        let mut ctx = BackwardContext {
            nodes,
            grads: &mut grads,
            output: &node.value,
            pool,
        };
        backward(grad, &mut ctx)?;
    }
    Ok(grads.into_iter().map(|g| g.map(Tensor::from_array)).collect())
}
