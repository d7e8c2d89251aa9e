//! Regression losses: mean squared error and mean absolute error, averaged
//! over every element (Keras' mean over the last axis, then over samples).

use ndarray::Zip;

use super::targets::{Weighting, aligned};
use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;

impl Tape {
    /// `mean((y_true − y_pred)²)`; gradient `2(y_pred − y_true)/n`.
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
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if the shapes
    /// differ (beyond a trailing axis of length 1);
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `y_pred` is not on this tape.
    pub fn mean_squared_error(&mut self, y_true: &Tensor, y_pred: Var) -> Result<Var> {
        self.mean_squared_error_weighted(y_true, y_pred, None)
    }

    /// [`mean_squared_error`](Tape::mean_squared_error) with Keras'
    /// `sample_weight`, spread over each sample's elements.
    pub(crate) fn mean_squared_error_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: Var,
        weights: Option<&[f32]>,
    ) -> Result<Var> {
        self.regression(
            "mean_squared_error",
            y_true,
            y_pred,
            weights,
            |d| d * d,
            |d| 2.0 * d,
        )
    }

    /// `mean(|y_true − y_pred|)`; gradient `sign(y_pred − y_true)/n` (0 where equal).
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
        self.mean_absolute_error_weighted(y_true, y_pred, None)
    }

    /// [`mean_absolute_error`](Tape::mean_absolute_error) with Keras'
    /// `sample_weight`, spread over each sample's elements.
    pub(crate) fn mean_absolute_error_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: Var,
        weights: Option<&[f32]>,
    ) -> Result<Var> {
        self.regression("mean_absolute_error", y_true, y_pred, weights, f32::abs, |d| {
            if d > 0.0 {
                1.0
            } else if d < 0.0 {
                -1.0
            } else {
                0.0
            }
        })
    }

    /// `mean(loss(y_pred − y_true))` with `dloss` the derivative of `loss`.
    fn regression(
        &mut self,
        op: &'static str,
        y_true: &Tensor,
        y_pred: Var,
        weights: Option<&[f32]>,
        loss: impl Fn(f32) -> f32,
        dloss: impl Fn(f32) -> f32 + Send + Sync + 'static,
    ) -> Result<Var> {
        self.check(op, y_pred)?;
        let pred = self.get(y_pred);
        let target = aligned(op, y_true, pred.shape())?.into_owned();
        let w = Weighting::new(op, weights, pred.shape(), 1)?;
        let n = pred.len();
        let mut total = 0.0f64;
        if w.is_weighted() {
            // Weighted inputs have a batch axis (checked by `Weighting`).
            for (s, (p, t)) in pred.view().outer_iter().zip(target.outer_iter()).enumerate() {
                let mut sample = 0.0f64;
                Zip::from(&p)
                    .and(&t)
                    .for_each(|&p, &t| sample += f64::from(loss(p - t)));
                total += f64::from(w.of_sample(s)) * sample;
            }
        } else {
            Zip::from(&pred.view())
                .and(&target)
                .for_each(|&p, &t| total += f64::from(loss(p - t)));
        }
        let value = Tensor::scalar((total / n.max(1) as f64) as f32);
        Ok(self.record(value, &[y_pred], move |grad, ctx| {
            let g = grad.iter().next().copied().unwrap_or(0.0) / n as f32;
            let mut d = ctx.value(y_pred).view().to_owned();
            if w.is_weighted() {
                for (s, (mut d, t)) in d.outer_iter_mut().zip(target.outer_iter()).enumerate() {
                    let gs = g * w.of_sample(s);
                    Zip::from(&mut d)
                        .and(&t)
                        .for_each(|p, &t| *p = gs * dloss(*p - t));
                }
            } else {
                Zip::from(&mut d)
                    .and(&target)
                    .for_each(|p, &t| *p = g * dloss(*p - t));
            }
            ctx.accumulate(y_pred, d);
            Ok(())
        }))
    }
}
