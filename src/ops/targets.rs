//! Checking and aligning targets (`y_true`) against predictions (`y_pred`)
//! for the loss ops.

use ndarray::{ArrayViewD, CowArray, IxDyn};

use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

/// `y_true` as an array of `y_pred`'s shape.
///
/// The shapes must be equal, or differ only by a trailing axis of length 1
/// on either side (`(N,)` against `(N, 1)`), which Keras squeezes or expands.
pub(crate) fn aligned<'a>(
    op: &'static str,
    y_true: &'a Tensor,
    pred_shape: &[usize],
) -> Result<CowArray<'a, f32, IxDyn>> {
    let t = y_true.shape();
    let fits = t == pred_shape
        || (t.len() + 1 == pred_shape.len() && pred_shape.last() == Some(&1) && t == &pred_shape[..t.len()])
        || (pred_shape.len() + 1 == t.len() && t.last() == Some(&1) && &t[..pred_shape.len()] == pred_shape);
    if !fits {
        return Err(Error::shape(
            op,
            format!("y_true of the same shape as y_pred {}", fmt_shape(pred_shape)),
            format!("y_true shape {}", fmt_shape(t)),
        ));
    }
    let view: ArrayViewD<'a, f32> = y_true.view();
    if t == pred_shape {
        return Ok(view.into());
    }
    Ok(y_true
        .as_array()
        .as_standard_layout()
        .into_shape_with_order(IxDyn(pred_shape))?)
}

/// Splits a prediction shape `(..., classes)` into `(rows, classes)`.
pub(crate) fn rows_and_classes(op: &'static str, pred_shape: &[usize]) -> Result<(usize, usize)> {
    match pred_shape.last() {
        Some(&classes) if classes > 0 => Ok((pred_shape.iter().product::<usize>() / classes, classes)),
        _ => Err(Error::shape(
            op,
            "y_pred with a last axis of one entry per class",
            format!("y_pred shape {}", fmt_shape(pred_shape)),
        )),
    }
}

/// Keras' `sample_weight` inside a loss op: one weight per sample (the
/// first axis of `y_pred`), applied to every row or element of that sample.
/// Without weights every factor is exactly 1, so the unweighted loss and
/// gradient are unchanged bit for bit.
#[derive(Clone, Debug)]
pub(crate) struct Weighting {
    weights: Option<Vec<f32>>,
    /// Rows (or elements) per sample.
    per_sample: usize,
}

impl Weighting {
    /// Weights for predictions of `pred_shape` read in units of `unit`
    /// values (the class count for the row-wise losses, 1 for the
    /// element-wise ones).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless there is one finite, non-negative
    /// weight per sample.
    pub(crate) fn new(
        op: &'static str,
        weights: Option<&[f32]>,
        pred_shape: &[usize],
        unit: usize,
    ) -> Result<Self> {
        let batch = pred_shape.first().copied().unwrap_or(1);
        let units = pred_shape.iter().product::<usize>() / unit.max(1);
        let per_sample = (units / batch.max(1)).max(1);
        let Some(w) = weights else {
            return Ok(Weighting {
                weights: None,
                per_sample,
            });
        };
        if pred_shape.is_empty() {
            return Err(Error::shape(
                op,
                "y_pred with a batch axis, for sample weights",
                "a scalar y_pred",
            ));
        }
        if w.len() != batch {
            return Err(Error::shape(
                op,
                format!("one sample weight per sample of y_pred {}", fmt_shape(pred_shape)),
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
        Ok(Weighting {
            weights: Some(w.to_vec()),
            per_sample,
        })
    }

    /// Whether there are weights (else every factor is 1).
    pub(crate) fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// The weight of sample `sample`.
    #[inline]
    pub(crate) fn of_sample(&self, sample: usize) -> f32 {
        match &self.weights {
            None => 1.0,
            Some(w) => w.get(sample).copied().unwrap_or(0.0),
        }
    }

    /// The weight of row (or element) `unit`, in row-major order.
    #[inline]
    pub(crate) fn at(&self, unit: usize) -> f32 {
        match &self.weights {
            None => 1.0,
            Some(w) => w.get(unit / self.per_sample).copied().unwrap_or(0.0),
        }
    }
}
