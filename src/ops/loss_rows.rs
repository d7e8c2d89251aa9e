//! Losses of one value per row (per sample, or per position for longer
//! shapes), before their reduction: element by element and combined along
//! the last axis (Keras' `mean(…, axis=-1)` or `sum(…, axis=-1)`), or a
//! function of whole rows. Mean squared and mean absolute error are
//! defined here; the other losses of [`crate::losses`] go through the same
//! two ops, `elementwise_loss` and `rowwise_loss`.

use super::Reduction;
use super::targets::aligned;
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;
use crate::tensor::layout::{RowMajor, RowMajorMut};
use ndarray::{ArrayD, CowArray, IxDyn};

/// How an element-wise loss combines the values along the last axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Along {
    /// Their mean (most losses).
    Mean,
    /// Their sum (the KL divergence).
    Sum,
}

impl Tape {
    /// `mean((y_true − y_pred)²)` over the batch; gradient `2(y_pred − y_true)/n`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let y_pred = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let y_true = Tensor::from_vec(&[2, 1], vec![0.0, 1.0])?;
    /// let loss = tape.mean_squared_error(&y_true, y_pred)?;
    /// assert_eq!(tape.value(loss)?.item()?, 2.5); // (1 + 4) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes differ (beyond a trailing axis
    /// of length 1); [`Error::ForeignVar`] if `y_pred` is not on this tape.
    pub fn mean_squared_error(&mut self, y_true: &Tensor, y_pred: Var) -> Result<Var> {
        let rows = self.mean_squared_error_rows(y_true, y_pred)?;
        self.reduce_loss(rows, None, None, Reduction::SumOverBatchSize)
    }

    /// Mean squared error per row: `mean((y_pred − y_true)², axis=-1)`.
    pub(crate) fn mean_squared_error_rows(&mut self, y_true: &Tensor, y_pred: Var) -> Result<Var> {
        self.elementwise_loss("mean_squared_error", y_true, y_pred, Along::Mean, |t, p| {
            let d = p - t;
            (d * d, 2.0 * d)
        })
    }

    /// `mean(|y_true − y_pred|)` over the batch; gradient
    /// `sign(y_pred − y_true)/n` (0 where equal).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let y_pred = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let y_true = Tensor::from_vec(&[2, 1], vec![0.0, 1.0])?;
    /// let loss = tape.mean_absolute_error(&y_true, y_pred)?;
    /// assert_eq!(tape.value(loss)?.item()?, 1.5); // (1 + 2) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`mean_squared_error`](Tape::mean_squared_error).
    pub fn mean_absolute_error(&mut self, y_true: &Tensor, y_pred: Var) -> Result<Var> {
        let rows = self.mean_absolute_error_rows(y_true, y_pred)?;
        self.reduce_loss(rows, None, None, Reduction::SumOverBatchSize)
    }

    /// Mean absolute error per row: `mean(|y_pred − y_true|, axis=-1)`.
    pub(crate) fn mean_absolute_error_rows(&mut self, y_true: &Tensor, y_pred: Var) -> Result<Var> {
        self.elementwise_loss("mean_absolute_error", y_true, y_pred, Along::Mean, |t, p| {
            let d = p - t;
            (d.abs(), sign(d))
        })
    }

    /// A loss `f(t, p)` of each element, combined `along` the last axis:
    /// one value per row, the output's shape that of `y_pred` without its
    /// last axis (a rank-1 `y_pred` holds one value per sample). `f`
    /// returns the element's loss and its derivative in `p`, kept for the
    /// backward.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes differ (beyond a trailing
    /// axis of length 1) or the last axis is empty; [`Error::ForeignVar`]
    /// if `y_pred` is not on this tape.
    pub(crate) fn elementwise_loss(
        &mut self,
        op: &'static str,
        y_true: &Tensor,
        y_pred: Var,
        along: Along,
        f: impl Fn(f32, f32) -> (f32, f32),
    ) -> Result<Var> {
        let Rows {
            shape,
            out_shape,
            width,
            pred,
            target,
        } = self.rows(op, y_true, y_pred, true)?;
        let (p, t) = (pred.row_major()?, target.row_major()?);
        let mut derivatives = Vec::with_capacity(p.len());
        let mut rows = Vec::with_capacity(p.len() / width);
        for (prow, trow) in p.chunks_exact(width).zip(t.chunks_exact(width)) {
            let mut sum = 0.0f64;
            for (&p, &t) in prow.iter().zip(trow) {
                let (value, derivative) = f(t, p);
                sum += f64::from(value);
                derivatives.push(derivative);
            }
            rows.push(match along {
                Along::Mean => (sum / width as f64) as f32,
                Along::Sum => sum as f32,
            });
        }
        let value = Tensor::from_vec(&out_shape, rows)?;
        Ok(self.record(value, &[y_pred], move |grad, ctx| {
            let mut d = ctx.buffer(&shape);
            let flat = d.row_major_mut()?;
            for ((chunk, dv), &g) in flat
                .chunks_exact_mut(width)
                .zip(derivatives.chunks_exact(width))
                .zip(grad.iter())
            {
                let g = match along {
                    Along::Mean => g / width as f32,
                    Along::Sum => g,
                };
                chunk.iter_mut().zip(dv).for_each(|(d, &dv)| *d = g * dv);
            }
            ctx.accumulate(y_pred, d);
            Ok(())
        }))
    }

    /// A loss of each row of `y_pred` (its last axis) against the same
    /// row of `y_true`: `f(t, p, d)` returns the row's loss and writes its
    /// derivative in each `p` into `d`, kept for the backward. One value
    /// per row, shaped as `y_pred` without its last axis.
    ///
    /// # Errors
    /// As `elementwise_loss`.
    pub(crate) fn rowwise_loss(
        &mut self,
        op: &'static str,
        y_true: &Tensor,
        y_pred: Var,
        f: impl Fn(&[f32], &[f32], &mut [f32]) -> f32,
    ) -> Result<Var> {
        let Rows {
            shape,
            out_shape,
            width,
            pred,
            target,
        } = self.rows(op, y_true, y_pred, false)?;
        let (p, t) = (pred.row_major()?, target.row_major()?);
        let mut derivatives = vec![0.0f32; p.len()];
        let rows: Vec<f32> = p
            .chunks_exact(width)
            .zip(t.chunks_exact(width))
            .zip(derivatives.chunks_exact_mut(width))
            .map(|((p, t), d)| f(t, p, d))
            .collect();
        let value = Tensor::from_vec(&out_shape, rows)?;
        Ok(self.record(value, &[y_pred], move |grad, ctx| {
            let mut d = ctx.buffer(&shape);
            let flat = d.row_major_mut()?;
            for ((chunk, dv), &g) in flat
                .chunks_exact_mut(width)
                .zip(derivatives.chunks_exact(width))
                .zip(grad.iter())
            {
                chunk.iter_mut().zip(dv).for_each(|(d, &dv)| *d = g * dv);
            }
            ctx.accumulate(y_pred, d);
            Ok(())
        }))
    }
}

/// A loss's operands split into rows of its last axis: what both row ops
/// start from.
struct Rows<'a> {
    /// `y_pred`'s shape.
    shape: Vec<usize>,
    /// The output's: `shape` without its last axis.
    out_shape: Vec<usize>,
    /// Values per row.
    width: usize,
    pred: CowArray<'a, f32, IxDyn>,
    target: ArrayD<f32>,
}

impl Tape {
    /// Checks `y_pred` and aligns `y_true` with it, in rows of its last
    /// axis; with `rank_one_per_sample`, a rank-1 `y_pred` holds one row
    /// per value rather than one row.
    fn rows(
        &self,
        op: &'static str,
        y_true: &Tensor,
        y_pred: Var,
        rank_one_per_sample: bool,
    ) -> Result<Rows<'_>> {
        self.check(op, y_pred)?;
        let pred = self.get(y_pred);
        let shape = pred.shape().to_vec();
        let (out_shape, width) = match shape.as_slice() {
            [] => (vec![], 1),
            &[n] if rank_one_per_sample => (vec![n], 1),
            [rest @ .., last] => (rest.to_vec(), *last),
        };
        if width == 0 {
            return Err(Error::shape(
                op,
                "y_pred with a non-empty last axis",
                format!("y_pred shape {}", fmt_shape(&shape)),
            ));
        }
        let target = aligned(op, y_true, &shape)?.as_standard_layout().into_owned();
        let pred = pred.as_array().as_standard_layout();
        Ok(Rows {
            shape,
            out_shape,
            width,
            pred,
            target,
        })
    }
}

/// The sign of `x`, 0 at 0 (the subgradient Keras' `abs` takes there).
pub(crate) fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
