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
