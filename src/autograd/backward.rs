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
pub struct BackwardContext<'a> {
    nodes: &'a [Node],
    grads: &'a mut [Option<ArrayD<f32>>],
    output: &'a Tensor,
    pool: &'a mut Pool,
}

impl<'a> BackwardContext<'a> {
    /// The forward value of an input.
    pub fn value(&self, var: Var) -> &'a Tensor {
        &self.nodes[var.index()].value
    }

    /// The forward value of the operation being differentiated.
    pub fn output(&self) -> &'a Tensor {
        self.output
    }

    /// Whether `var` needs a gradient. Gradients of other inputs need not be
    /// computed at all.
    pub fn requires_grad(&self, var: Var) -> bool {
        self.nodes[var.index()].requires_grad
    }

    /// A scratch array of `shape` from the recycled buffers; its contents
    /// are unspecified.
    pub fn buffer(&mut self, shape: &[usize]) -> ArrayD<f32> {
        self.pool.array(shape)
    }

    /// Hands an array back for reuse.
    pub fn recycle(&mut self, array: ArrayD<f32>) {
        self.pool.give_array(array);
    }

    /// Adds `grad` (which must have `var`'s shape) to the gradient of `var`.
    /// Does nothing if `var` needs no gradient.
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
