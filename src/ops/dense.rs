//! The fused dense op: `y = activation(x·W + b)` in one node.
//!
//! One gemm writes `x·W`, the bias is added and the activation applied in
//! the same buffer, and only the output is kept. The backward turns the
//! output gradient into `dZ` with the activation's derivative (written in
//! terms of the output), then `dW += xᵀ·dZ` and `dx += dZ·Wᵀ` (skipped when
//! `x` is an input batch) as gemms into the gradients, and `db += Σ dZ`.

use std::borrow::Cow;

use ndarray::{ArrayView2, Ix2, IxDyn};

use super::matmul::{as2, into2};
use crate::autograd::{BackwardContext, Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::ops::Activation;
use crate::tensor::layout::RowMajorMut;
use crate::tensor::{Tensor, gemm};

impl Tape {
    /// `activation(x·kernel + bias)` for `x` of shape `(..., in)`, `kernel`
    /// `(in, units)` and `bias` `(units,)`; the result has shape
    /// `(..., units)`. This is what Keras' `Dense` computes.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `x` has rank
    /// below 2, its last axis differs from the kernel's rows, the kernel is
    /// not rank 2, or the bias is not `(units,)`;
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) for a variable of
    /// another tape.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::ops::Activation;
    /// use kerust::tensor::Tensor;
    ///
    /// // Keras' dense_test: kernel [[1,-2],[3,-4]], bias [5,-6], x [[-1,2]], relu → [[10, 0]]
    /// let mut tape = Tape::new();
    /// let x = tape.constant(Tensor::from_vec(&[1, 2], vec![-1.0, 2.0])?);
    /// let w = tape.variable(Tensor::from_vec(&[2, 2], vec![1.0, -2.0, 3.0, -4.0])?);
    /// let b = tape.variable(Tensor::from_vec(&[2], vec![5.0, -6.0])?);
    /// let y = tape.dense(x, w, Some(b), Activation::Relu)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![10.0, 0.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn dense(&mut self, x: Var, kernel: Var, bias: Option<Var>, activation: Activation) -> Result<Var> {
        self.check("dense", x)?;
        self.check("dense", kernel)?;
        if let Some(b) = bias {
            self.check("dense", b)?;
        }
        // Cheap handles (shared storage), so the tape can be borrowed for a buffer below.
        let (xt, wt) = (self.get(x).clone(), self.get(kernel).clone());
        let bt = bias.map(|b| self.get(b).clone());
        let (xt, wt) = (&xt, &wt);
        if wt.ndim() != 2 {
            return Err(Error::shape(
                "dense",
                "a rank-2 kernel (in, units)",
                format!("kernel shape {}", fmt_shape(wt.shape())),
            ));
        }
        let (fan_in, units) = (wt.shape()[0], wt.shape()[1]);
        if xt.ndim() < 2 || xt.shape()[xt.ndim() - 1] != fan_in {
            return Err(Error::shape(
                "dense",
                format!("input of rank >= 2 with last axis {fan_in} (the kernel's rows)"),
                format!("input shape {}", fmt_shape(xt.shape())),
            ));
        }
        if let Some(bt) = &bt
            && bt.shape() != [units]
        {
            return Err(Error::shape(
                "dense",
                format!("bias shape {}", fmt_shape(&[units])),
                format!("bias shape {}", fmt_shape(bt.shape())),
            ));
        }
        let rows = xt.len() / fan_in;
        let mut out_shape = xt.shape().to_vec();
        if let Some(last) = out_shape.last_mut() {
            *last = units;
        }

        let x2 = rows_view(xt, rows, fan_in)?;
        // The gemm overwrites every element (beta = 0): a recycled buffer will do.
        let mut z = self.buffer(&[rows, units]).into_dimensionality::<Ix2>()?;
        gemm(1.0, x2.view(), as2(wt)?, 0.0, z.view_mut())?;
        let input = bias_activation(z.row_major_mut()?, units, bt.as_ref(), activation);
        let y = z.into_shape_with_order(IxDyn(&out_shape))?;

        let inputs: Vec<Var> = [x, kernel].into_iter().chain(bias).collect();
        Ok(self.record(Tensor::from(y), &inputs, move |mut dz, ctx| {
            activation.backward_in_place(dz.view_mut(), ctx.output().view(), input.as_deref());
            let dz = dz.into_shape_with_order((rows, units))?;
            if let Some(b) = bias {
                accumulate_bias(ctx, b, dz.view())?;
            }
            let x2 = rows_view(ctx.value(x), rows, fan_in)?;
            ctx.accumulate_into(kernel, |dw, beta| gemm(1.0, x2.t(), dz.view(), beta, into2(dw)?))?;
            if ctx.requires_grad(x) {
                let w = as2(ctx.value(kernel))?;
                ctx.accumulate_into(x, |dx, beta| {
                    let dx = dx.into_shape_with_order((rows, fan_in))?;
                    gemm(1.0, dz.view(), w.t(), beta, dx)
                })?;
            }
            ctx.recycle(dz.into_dyn());
            Ok(())
        }))
    }
}

/// Adds `bias` to every row of `z` (row-major rows of `units` values) and
/// applies `activation` to each row, in one pass; returns the values
/// before the activation when its derivative needs them
/// ([`Activation::needs_input`]).
pub(crate) fn bias_activation(
    z: &mut [f32],
    units: usize,
    bias: Option<&Tensor>,
    activation: Activation,
) -> Option<Vec<f32>> {
    // Weights are stored row-major, so this borrows rather than copies.
    let bias = bias.map(|b| b.as_slice().map_or_else(|| Cow::Owned(b.to_vec()), Cow::Borrowed));
    let (now, later) = match activation.needs_input() {
        true => (Activation::Linear, Some(activation)),
        false => (activation, None),
    };
    for row in z.chunks_exact_mut(units) {
        if let Some(b) = &bias {
            row.iter_mut().zip(b.iter()).for_each(|(v, b)| *v += b);
        }
        now.apply_row(row);
    }
    let activation = later?;
    let input = z.to_vec();
    z.chunks_exact_mut(units)
        .for_each(|row| activation.apply_row(row));
    Some(input)
}

/// Adds the column sums of `dz` (the bias gradient) straight into the
/// gradient of the bias `b`.
pub(crate) fn accumulate_bias(ctx: &mut BackwardContext<'_>, b: Var, dz: ArrayView2<'_, f32>) -> Result<()> {
    ctx.accumulate_into(b, |mut db, beta| {
        let db = db.row_major_mut()?;
        if beta == 0.0 {
            db.fill(0.0);
        }
        match dz.as_slice() {
            // Row-major (the usual case): plain loops over the rows.
            Some(flat) if !db.is_empty() => {
                for row in flat.chunks_exact(db.len()) {
                    db.iter_mut().zip(row).for_each(|(d, g)| *d += g);
                }
            }
            _ => {
                for row in dz.rows() {
                    db.iter_mut().zip(row).for_each(|(d, g)| *d += g);
                }
            }
        }
        Ok(())
    })
}

/// `x` seen as a `(rows, in)` matrix; a copy only if `x` is rank > 2 and not
/// contiguous.
fn rows_view(x: &Tensor, rows: usize, fan_in: usize) -> Result<ndarray::CowArray<'_, f32, Ix2>> {
    Ok(x.as_array()
        .as_standard_layout()
        .into_shape_with_order((rows, fan_in))?)
}
