//! A loss's reduction (Keras' `reduce_weighted_values`): per-sample loss
//! values, weighted by `sample_weight` and a mask, summed and divided as
//! the [`Reduction`] says.

use ndarray::ArrayD;
use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

/// How a loss turns its per-sample values into the batch's loss (Keras'
/// `reduction` argument). Sample weights multiply the values first.
///
/// ```
/// use kerust::losses::Reduction;
/// let r: Reduction = serde_json::from_str("\"mean_with_sample_weight\"")?;
/// assert_eq!(r, Reduction::MeanWithSampleWeight);
/// assert_eq!(Reduction::default(), Reduction::SumOverBatchSize);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reduction {
    /// The sum over the number of values (Keras' default): with sample
    /// weights, `Σ wᵢ·lᵢ / N`, not over the weights' sum.
    #[default]
    SumOverBatchSize,
    /// The sum.
    Sum,
    /// As `SumOverBatchSize` (Keras keeps both names).
    Mean,
    /// `Σ wᵢ·lᵢ / Σ wᵢ` (the number of values without weights).
    MeanWithSampleWeight,
    /// No reduction: the weighted values themselves.
    None,
}

impl Reduction {
    /// Keras' name, e.g. `"sum_over_batch_size"`.
    ///
    /// ```
    /// assert_eq!(kerust::losses::Reduction::Sum.name(), "sum");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Reduction::SumOverBatchSize => "sum_over_batch_size",
            Reduction::Sum => "sum",
            Reduction::Mean => "mean",
            Reduction::MeanWithSampleWeight => "mean_with_sample_weight",
            Reduction::None => "none",
        }
    }
}

impl Tape {
    /// Reduces per-sample loss `values` (shape `(batch, …)`) as Keras'
    /// `Loss.__call__` does: each value times its sample's weight
    /// (`weights`, one per sample) and, where `mask` (one flag per value)
    /// is false, zero — with the `SumOverBatchSize` and `Mean` reductions
    /// the kept values then weigh `N / kept`, so the result is their mean —
    /// then summed and divided as `reduction` says (a zero divisor gives 0).
    /// A scalar without weights or mask is returned as it is.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::losses::Reduction;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let v = tape.variable(Tensor::from_vec(&[3], vec![1.0, 2.0, 3.0])?);
    /// let w = [1.0, 0.5, 0.0];
    /// let mean = tape.reduce_loss(v, Some(&w), None, Reduction::SumOverBatchSize)?;
    /// assert_eq!(tape.value(mean)?.item()?, 2.0 / 3.0); // (1 + 1 + 0) / 3
    /// let by_weight = tape.reduce_loss(v, Some(&w), None, Reduction::MeanWithSampleWeight)?;
    /// assert_eq!(tape.value(by_weight)?.item()?, 2.0 / 1.5);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless there is one weight per sample and
    /// one mask flag per value; [`Error::InvalidArgument`] for a weight
    /// that is negative or not finite.
    pub fn reduce_loss(
        &mut self,
        values: Var,
        weights: Option<&[f32]>,
        mask: Option<&[bool]>,
        reduction: Reduction,
    ) -> Result<Var> {
        const OP: &str = "loss reduction";
        self.check(OP, values)?;
        let shape = self.get(values).shape().to_vec();
        let len: usize = shape.iter().product();
        if shape.is_empty() && weights.is_none() && mask.is_none() {
            return Ok(values);
        }
        let factors = factors(OP, &shape, weights, mask, reduction)?;
        let v = self.get(values).view();
        let total: f64 = match &factors {
            Some(f) => v.iter().zip(f).map(|(&v, &f)| f64::from(f) * f64::from(v)).sum(),
            None => v.iter().map(|&v| f64::from(v)).sum(),
        };
        let divisor = match reduction {
            Reduction::Sum | Reduction::None => 1.0,
            Reduction::SumOverBatchSize | Reduction::Mean => len as f64,
            Reduction::MeanWithSampleWeight => match (&factors, weights) {
                (Some(f), Some(_)) => f.iter().map(|&f| f64::from(f)).sum(),
                _ => len as f64,
            },
        };
        if reduction == Reduction::None {
            let weighted: Vec<f32> = match &factors {
                Some(f) => v.iter().zip(f).map(|(&v, &f)| f * v).collect(),
                None => v.iter().copied().collect(),
            };
            let out = Tensor::from_vec(&shape, weighted)?;
            return Ok(self.record(out, &[values], move |mut grad, ctx| {
                if let Some(f) = &factors {
                    grad.iter_mut().zip(f).for_each(|(g, &f)| *g *= f);
                }
                ctx.accumulate(values, grad);
                Ok(())
            }));
        }
        // divide_no_nan: an empty batch, or weights summing to 0, give 0.
        let loss = if divisor == 0.0 {
            0.0
        } else {
            (total / divisor) as f32
        };
        let divisor = divisor as f32;
        Ok(self.record(Tensor::scalar(loss), &[values], move |grad, ctx| {
            let upstream = grad.iter().next().copied().unwrap_or(0.0);
            let g_all = if divisor == 0.0 { 0.0 } else { upstream / divisor };
            let shape = ctx.value(values).shape().to_vec();
            let mut d: ArrayD<f32> = ctx.buffer(&shape);
            match &factors {
                Some(f) => d.iter_mut().zip(f).for_each(|(d, &f)| *d = g_all * f),
                None => d.fill(g_all),
            }
            ctx.accumulate(values, d);
            Ok(())
        }))
    }
}

/// Each value's factor: its sample's weight times its mask weight; `None`
/// when every factor is 1.
fn factors(
    op: &'static str,
    shape: &[usize],
    weights: Option<&[f32]>,
    mask: Option<&[bool]>,
    reduction: Reduction,
) -> Result<Option<Vec<f32>>> {
    let len: usize = shape.iter().product();
    if weights.is_none() && mask.is_none() {
        return Ok(None);
    }
    let mut f = vec![1.0f32; len];
    if let Some(w) = weights {
        let batch = match shape.first() {
            Some(&b) => b,
            None => {
                return Err(Error::shape(
                    op,
                    "one loss value per sample, to weight by sample_weight",
                    "a single loss value for the batch",
                ));
            }
        };
        if w.len() != batch {
            return Err(Error::shape(
                op,
                format!(
                    "one sample weight per sample of the loss values {}",
                    fmt_shape(shape)
                ),
                format!("{} sample weights", w.len()),
            ));
        }
        if let Some((i, v)) = w.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
            return Err(Error::invalid(
                op,
                "finite, non-negative sample weights",
                format!("sample weight {v} at index {i}"),
            ));
        }
        let per_sample = len / batch.max(1);
        for (k, f) in f.iter_mut().enumerate() {
            *f = w[k / per_sample.max(1)];
        }
    }
    if let Some(m) = mask {
        if m.len() != len {
            return Err(Error::shape(
                op,
                format!("one mask flag per loss value ({len})"),
                format!("{} flags", m.len()),
            ));
        }
        let kept = m.iter().filter(|&&k| k).count();
        let scale = match reduction {
            Reduction::SumOverBatchSize | Reduction::Mean if kept > 0 => len as f32 / kept as f32,
            Reduction::SumOverBatchSize | Reduction::Mean => 0.0,
            _ => 1.0,
        };
        f.iter_mut()
            .zip(m)
            .for_each(|(f, &keep)| *f = if keep { *f * scale } else { 0.0 });
    }
    Ok(Some(f))
}
