//! `concatenate`: tensors joined along one axis; the backward hands each
//! input its slice of the gradient.

use ndarray::{ArrayViewD, Axis, Slice};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

impl Tape {
    /// Joins `inputs` along `axis` (negative counts from the end, as
    /// NumPy's `concatenate`); every other axis must agree.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 2.0])?);
    /// let b = tape.variable(Tensor::from_vec(&[2, 2], vec![3.0, 4.0, 5.0, 6.0])?);
    /// let c = tape.concatenate(&[a, b], -1)?;
    /// assert_eq!(tape.value(c)?.shape(), &[2, 3]);
    /// assert_eq!(tape.value(c)?.to_vec(), vec![1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for no inputs, an axis out of range, or
    /// shapes that differ off the axis.
    pub fn concatenate(&mut self, inputs: &[Var], axis: isize) -> Result<Var> {
        const OP: &str = "concatenate";
        for &v in inputs {
            self.check(OP, v)?;
        }
        let Some(&first) = inputs.first() else {
            return Err(Error::shape(OP, "at least one tensor", "none"));
        };
        let rank = self.get(first).shape().len();
        let axis = resolve_axis(OP, axis, rank)?;
        let views: Vec<ArrayViewD<'_, f32>> = inputs.iter().map(|&v| self.get(v).view()).collect();
        let reference = views[0].shape();
        if let Some(bad) = views.iter().find(|v| {
            v.ndim() != rank
                || v.shape()
                    .iter()
                    .zip(reference)
                    .enumerate()
                    .any(|(i, (a, b))| i != axis && a != b)
        }) {
            return Err(Error::shape(
                OP,
                format!("tensors of shape {} off axis {axis}", fmt_shape(reference)),
                format!("a tensor of shape {}", fmt_shape(bad.shape())),
            ));
        }
        let widths: Vec<usize> = views.iter().map(|v| v.shape()[axis]).collect();
        let out = ndarray::concatenate(Axis(axis), &views)?;
        let parts = inputs.to_vec();
        Ok(self.record(Tensor::from(out), inputs, move |grad, ctx| {
            let mut start = 0;
            for (&v, &w) in parts.iter().zip(&widths) {
                if ctx.requires_grad(v) {
                    let piece = grad
                        .slice_axis(Axis(axis), Slice::from(start..start + w))
                        .to_owned();
                    ctx.accumulate(v, piece);
                }
                start += w;
            }
            ctx.recycle(grad);
            Ok(())
        }))
    }
}

/// `axis` in `-rank..rank` as an index.
pub(crate) fn resolve_axis(op: &'static str, axis: isize, rank: usize) -> Result<usize> {
    let resolved = if axis < 0 { axis + rank as isize } else { axis };
    if (0..rank as isize).contains(&resolved) {
        Ok(resolved as usize)
    } else {
        Err(Error::shape(
            op,
            format!("an axis in [-{rank}, {rank})"),
            format!("axis {axis}"),
        ))
    }
}
