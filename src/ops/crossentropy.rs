//! Cross-entropy losses: one value per row (`*_rows`, reduced by the
//! loss's [`Reduction`]), and their means over the batch (Keras' default
//! `"sum_over_batch_size"` reduction) as public tape ops.
//!
//! On probabilities, Keras first renormalises each row (`p = y/Σy`, for the
//! categorical forms), clips to `[ε, 1 − ε]` with `ε = 1e-7`, then takes
//! logs; the clip's gradient is zero outside the interval. From logits, the
//! losses are computed with a max-subtracted log-sum-exp (categorical) or
//! `max(z, 0) − z·t + ln(1 + e^(−|z|))` (binary), which are finite for
//! logits of any size. `sparse_categorical_crossentropy(.., from_logits =
//! true)` is the fused softmax + cross-entropy: one pass computes the loss
//! and keeps the probabilities, and the backward is `(softmax − one_hot)/N`.

use ndarray::{ArrayD, IxDyn};

use super::Reduction;
use super::activation::sigmoid;
use super::exp::exp;
use super::loss_rows::Along;
use super::softmax::{lane_max, log_sum_exp, softmax_rows};
use super::targets::{aligned, rows_and_classes};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::tensor::layout::{RowMajor, RowMajorMut};

/// Keras' fuzz factor, `keras.config.epsilon()`.
///
/// ```
/// assert_eq!(kerust::ops::EPSILON, 1e-7); // Keras' backend.epsilon()
/// ```
pub const EPSILON: f32 = 1e-7;

/// `x` clipped to `[ε, 1 − ε]`, and whether it was inside (gradient passes).
#[inline]
fn clip(x: f32) -> (f32, bool) {
    if x < EPSILON {
        (EPSILON, false)
    } else if x > 1.0 - EPSILON {
        (1.0 - EPSILON, false)
    } else {
        (x, true)
    }
}

impl Tape {
    /// Sparse categorical cross-entropy of integer labels `y_true` (one per
    /// row) against `y_pred` of shape `(..., classes)`, averaged over rows.
    ///
    /// With `from_logits` this is the fused, stable softmax + cross-entropy
    /// `ln Σ exp(z) − z[y]`; otherwise `y_pred` holds probabilities and the
    /// loss is `−ln clip(p[y]/Σp)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if there is not one label per row;
    /// [`Error::LabelOutOfRange`] if a label is not below the class count;
    /// [`Error::ForeignVar`] if `y_pred` is not on this tape.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::tensor::Tensor;
    ///
    /// // Keras' docstring example: [[.05, .95, 0], [.1, .8, .1]] with labels [1, 2] → 1.177
    /// let mut tape = Tape::new();
    /// let p = tape.variable(Tensor::from_vec(&[2, 3], vec![0.05, 0.95, 0.0, 0.1, 0.8, 0.1])?);
    /// let loss = tape.sparse_categorical_crossentropy(&[1, 2], p, false)?;
    /// assert!((tape.value(loss)?.item()? - 1.177).abs() < 1e-3);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn sparse_categorical_crossentropy(
        &mut self,
        y_true: &[usize],
        y_pred: Var,
        from_logits: bool,
    ) -> Result<Var> {
        let rows = self.sparse_categorical_crossentropy_rows(y_true, y_pred, from_logits)?;
        self.reduce_loss(rows, None, None, Reduction::SumOverBatchSize)
    }

    /// [`sparse_categorical_crossentropy`](Tape::sparse_categorical_crossentropy)
    /// of each row: shape `y_pred`'s without the class axis.
    pub(crate) fn sparse_categorical_crossentropy_rows(
        &mut self,
        y_true: &[usize],
        y_pred: Var,
        from_logits: bool,
    ) -> Result<Var> {
        const OP: &str = "sparse_categorical_crossentropy";
        self.check(OP, y_pred)?;
        let pred = self.get(y_pred);
        let (rows, classes) = rows_and_classes(OP, pred.shape())?;
        let out_shape = pred.shape()[..pred.shape().len() - 1].to_vec();
        if y_true.len() != rows {
            return Err(Error::shape(
                OP,
                format!(
                    "{rows} labels, one per row of y_pred {}",
                    crate::error::fmt_shape(pred.shape())
                ),
                format!("{} labels", y_true.len()),
            ));
        }
        if let Some((index, &label)) = y_true.iter().enumerate().find(|&(_, &l)| l >= classes) {
            return Err(Error::LabelOutOfRange {
                op: OP,
                label,
                index,
                num_classes: classes,
            });
        }
        let labels = y_true.to_vec();
        let z = pred.as_array().as_standard_layout();
        let z = z.row_major()?;

        if from_logits {
            // Fused: keep the softmax probabilities for the backward; the
            // loss of a row is ln Σ exp(z) − z[label] = max + ln Σ exp(z − max) − z[label].
            let mut probs = z.to_vec();
            let mut losses = vec![0.0f32; rows];
            softmax_rows(&mut probs, classes, |i, sum| {
                let row = &z[i * classes..(i + 1) * classes];
                losses[i] = lane_max(row) + sum.ln() - row[labels[i]];
            });
            let loss = Tensor::from_vec(&out_shape, losses)?;
            return Ok(self.record(loss, &[y_pred], move |grad, ctx| {
                let shape = ctx.value(y_pred).shape();
                let mut dz = ctx.buffer(shape);
                let flat = dz.row_major_mut()?;
                for ((d, p), (&label, &g)) in flat
                    .chunks_exact_mut(classes)
                    .zip(probs.chunks_exact(classes))
                    .zip(labels.iter().zip(grad.iter()))
                {
                    // (p − one_hot)·g in one pass (no store to d[label]
                    // just before reading it back).
                    for (k, (d, &p)) in d.iter_mut().zip(p).enumerate() {
                        *d = if k == label { (p - 1.0) * g } else { p * g };
                    }
                }
                ctx.accumulate(y_pred, dz);
                Ok(())
            }));
        }

        let losses: Vec<f32> = z
            .chunks_exact(classes)
            .zip(&labels)
            .map(|(row, &label)| {
                let sum: f32 = row.iter().sum();
                -clip(row[label] / sum).0.ln()
            })
            .collect();
        let loss = Tensor::from_vec(&out_shape, losses)?;
        Ok(self.record(loss, &[y_pred], move |grad, ctx| {
            let pred = ctx.value(y_pred).as_array().as_standard_layout();
            let y = pred.row_major()?;
            let mut dy = vec![0.0f32; y.len()];
            for ((row, d), (&label, &g)) in y
                .chunks_exact(classes)
                .zip(dy.chunks_exact_mut(classes))
                .zip(labels.iter().zip(grad.iter()))
            {
                let sum: f32 = row.iter().sum();
                let p_label = row[label] / sum;
                let (pc, inside) = clip(p_label);
                if !inside {
                    continue;
                }
                // dl/dp_label = -1/p; through p = y/Σy: dl/dy_k = dl/dp·(δ_k,label − p_label)/Σy
                let dp = -g / pc;
                for (k, dk) in d.iter_mut().enumerate() {
                    let delta = if k == label { 1.0 } else { 0.0 };
                    *dk = dp * (delta - p_label) / sum;
                }
            }
            let shape = ctx.value(y_pred).shape();
            ctx.accumulate(y_pred, ArrayD::from_shape_vec(IxDyn(shape), dy)?);
            Ok(())
        }))
    }

    /// Categorical cross-entropy of one-hot (or soft) targets `y_true`
    /// against `y_pred`, both `(..., classes)`, averaged over rows:
    /// `−Σ t·ln clip(p/Σp)` on probabilities, `−Σ t·log_softmax(z)` from logits.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let probs = tape.variable(Tensor::from_vec(&[1, 2], vec![0.5, 0.5])?);
    /// let one_hot = Tensor::from_vec(&[1, 2], vec![0.0, 1.0])?;
    /// let loss = tape.categorical_crossentropy(&one_hot, probs, false)?;
    /// assert!((tape.value(loss)?.item()? - 2f32.ln()).abs() < 1e-6);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes differ;
    /// [`Error::ForeignVar`] if `y_pred` is not on this tape.
    pub fn categorical_crossentropy(
        &mut self,
        y_true: &Tensor,
        y_pred: Var,
        from_logits: bool,
    ) -> Result<Var> {
        let rows = self.categorical_crossentropy_rows(y_true, y_pred, from_logits)?;
        self.reduce_loss(rows, None, None, Reduction::SumOverBatchSize)
    }

    /// [`categorical_crossentropy`](Tape::categorical_crossentropy) of
    /// each row: shape `y_pred`'s without the class axis.
    pub(crate) fn categorical_crossentropy_rows(
        &mut self,
        y_true: &Tensor,
        y_pred: Var,
        from_logits: bool,
    ) -> Result<Var> {
        const OP: &str = "categorical_crossentropy";
        self.check(OP, y_pred)?;
        let pred = self.get(y_pred);
        let (_, classes) = rows_and_classes(OP, pred.shape())?;
        let out_shape = pred.shape()[..pred.shape().len() - 1].to_vec();
        let target = aligned(OP, y_true, pred.shape())?
            .as_standard_layout()
            .into_owned();
        let z = pred.as_array().as_standard_layout();
        let z = z.row_major()?;
        let t = target.row_major()?;

        let mut losses = Vec::with_capacity(z.len() / classes);
        for (row, trow) in z.chunks_exact(classes).zip(t.chunks_exact(classes)) {
            let row_loss = if from_logits {
                let lse = log_sum_exp(row);
                row.iter()
                    .zip(trow)
                    .map(|(&v, &t)| f64::from(t * (v - lse)))
                    .sum::<f64>()
            } else {
                let sum: f32 = row.iter().sum();
                row.iter()
                    .zip(trow)
                    .map(|(&v, &t)| f64::from(t * clip(v / sum).0.ln()))
                    .sum::<f64>()
            };
            losses.push(-row_loss as f32);
        }
        let loss = Tensor::from_vec(&out_shape, losses)?;
        Ok(self.record(loss, &[y_pred], move |grad, ctx| {
            let pred = ctx.value(y_pred).as_array().as_standard_layout();
            let z = pred.row_major()?;
            let t = target.row_major()?;
            let mut dz = vec![0.0f32; z.len()];
            for (((row, trow), d), &g) in z
                .chunks_exact(classes)
                .zip(t.chunks_exact(classes))
                .zip(dz.chunks_exact_mut(classes))
                .zip(grad.iter())
            {
                if from_logits {
                    // d/dz_k = softmax_k·Σt − t_k
                    let lse = log_sum_exp(row);
                    let t_sum: f32 = trow.iter().sum();
                    for ((dk, &v), &tk) in d.iter_mut().zip(row).zip(trow) {
                        *dk = g * (exp(v - lse) * t_sum - tk);
                    }
                } else {
                    // dl/dp_j = −t_j/clip(p_j) where not clipped; through p = y/Σy:
                    // dl/dy_k = (dl/dp_k − Σ_j dl/dp_j·p_j)/Σy
                    let sum: f32 = row.iter().sum();
                    let mut weighted = 0.0;
                    for ((dk, &v), &tk) in d.iter_mut().zip(row).zip(trow) {
                        let p = v / sum;
                        let (pc, inside) = clip(p);
                        *dk = if inside { -tk / pc } else { 0.0 };
                        weighted += *dk * p;
                    }
                    d.iter_mut().for_each(|dk| *dk = g * (*dk - weighted) / sum);
                }
            }
            let shape = ctx.value(y_pred).shape();
            ctx.accumulate(y_pred, ArrayD::from_shape_vec(IxDyn(shape), dz)?);
            Ok(())
        }))
    }

    /// Binary cross-entropy of targets `y_true` in `[0, 1]` against `y_pred`
    /// of the same shape, averaged over every element (Keras' mean over the
    /// last axis, then over samples):
    /// `−(t·ln clip(p) + (1−t)·ln(1−clip(p)))` on probabilities, and the
    /// stable `max(z,0) − z·t + ln(1+e^(−|z|))` from logits.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let logits = tape.variable(Tensor::zeros(&[2, 1]));
    /// let targets = Tensor::from_vec(&[2, 1], vec![0.0, 1.0])?;
    /// let loss = tape.binary_crossentropy(&targets, logits, true)?;
    /// assert!((tape.value(loss)?.item()? - 2f32.ln()).abs() < 1e-6);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes differ (beyond a trailing axis
    /// of length 1); [`Error::ForeignVar`] if `y_pred` is not on this tape.
    pub fn binary_crossentropy(&mut self, y_true: &Tensor, y_pred: Var, from_logits: bool) -> Result<Var> {
        let rows = self.binary_crossentropy_rows(y_true, y_pred, from_logits)?;
        self.reduce_loss(rows, None, None, Reduction::SumOverBatchSize)
    }

    /// [`binary_crossentropy`](Tape::binary_crossentropy) of each row:
    /// the mean over the last axis.
    pub(crate) fn binary_crossentropy_rows(
        &mut self,
        y_true: &Tensor,
        y_pred: Var,
        from_logits: bool,
    ) -> Result<Var> {
        self.elementwise_loss("binary_crossentropy", y_true, y_pred, Along::Mean, |t, v| {
            binary_crossentropy(t, v, from_logits)
        })
    }
}

/// The binary cross-entropy of target `t` and prediction `v` (a logit
/// when `from_logits`), and its derivative in `v`.
pub(crate) fn binary_crossentropy(t: f32, v: f32, from_logits: bool) -> (f32, f32) {
    if from_logits {
        (v.max(0.0) - v * t + (-v.abs()).exp().ln_1p(), sigmoid(v) - t)
    } else {
        match clip(v) {
            (p, true) => (
                -(t * p.ln() + (1.0 - t) * (1.0 - p).ln()),
                (1.0 - t) / (1.0 - p) - t / p,
            ),
            (p, false) => (-(t * p.ln() + (1.0 - t) * (1.0 - p).ln()), 0.0),
        }
    }
}
