//! Shape arithmetic: NumPy broadcasting, negative axes, and the reduction
//! that undoes a broadcast (used by every broadcasting op's backward).

use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};

use crate::error::{Error, Result};

/// The shape two operands broadcast to under NumPy's rules: shapes are
/// aligned at their trailing axes, and each pair of lengths must be equal or
/// contain a 1.
///
/// # Errors
/// [`Error::Broadcast`] naming `op` and both shapes when they do not fit.
///
/// ```
/// use kerust::tensor::broadcast_shape;
/// assert_eq!(broadcast_shape("add", &[32, 10], &[10]).unwrap(), vec![32, 10]);
/// assert!(broadcast_shape("add", &[32, 10], &[3]).is_err());
/// ```
pub fn broadcast_shape(op: &'static str, lhs: &[usize], rhs: &[usize]) -> Result<Vec<usize>> {
    let ndim = lhs.len().max(rhs.len());
    let mut out = vec![0; ndim];
    for i in 0..ndim {
        let l = if i < ndim - lhs.len() {
            1
        } else {
            lhs[i - (ndim - lhs.len())]
        };
        let r = if i < ndim - rhs.len() {
            1
        } else {
            rhs[i - (ndim - rhs.len())]
        };
        out[i] = match (l, r) {
            (l, r) if l == r => l,
            (1, r) => r,
            (l, 1) => l,
            _ => {
                return Err(Error::Broadcast {
                    op,
                    lhs: lhs.to_vec(),
                    rhs: rhs.to_vec(),
                });
            }
        };
    }
    Ok(out)
}

/// Turns a possibly negative axis (`-1` = last) into an index below `ndim`.
///
/// # Errors
/// [`Error::AxisOutOfRange`] if `axis` is not in `-ndim..ndim`.
///
/// ```
/// use kerust::tensor::normalize_axis;
/// assert_eq!(normalize_axis("sum", -1, 3).unwrap(), 2);
/// assert!(normalize_axis("sum", 3, 3).is_err());
/// ```
pub fn normalize_axis(op: &'static str, axis: isize, ndim: usize) -> Result<usize> {
    let n = ndim as isize;
    if axis < -n || axis >= n {
        return Err(Error::AxisOutOfRange { op, axis, ndim });
    }
    Ok(if axis < 0 {
        (axis + n) as usize
    } else {
        axis as usize
    })
}

/// Sums `grad` (which has a broadcast shape) down to `shape`, the shape of
/// an operand before broadcasting: leading axes that broadcasting added are
/// summed away, and axes where the operand had length 1 are summed with the
/// length kept.
///
/// The caller guarantees that `shape` broadcasts to `grad`'s shape.
///
/// ```
/// use kerust::tensor::sum_to_shape;
/// use ndarray::ArrayD;
/// let g = ArrayD::<f32>::ones(ndarray::IxDyn(&[4, 3]));
/// assert_eq!(sum_to_shape(g.view(), &[3]).into_raw_vec_and_offset().0, vec![4.0; 3]);
/// ```
pub fn sum_to_shape(grad: ArrayViewD<'_, f32>, shape: &[usize]) -> ArrayD<f32> {
    if grad.shape() == shape {
        return grad.to_owned();
    }
    let lead = grad.ndim() - shape.len();
    let mut out: Option<ArrayD<f32>> = None;
    // Sum the added leading axes; axis 0 each time, since each sum removes it.
    for _ in 0..lead {
        out = Some(match out {
            None => grad.sum_axis(Axis(0)),
            Some(a) => a.sum_axis(Axis(0)),
        });
    }
    let mut out = out.unwrap_or_else(|| grad.to_owned());
    for (axis, &len) in shape.iter().enumerate() {
        if len == 1 && out.shape()[axis] != 1 {
            out = out.sum_axis(Axis(axis)).insert_axis(Axis(axis));
        }
    }
    debug_assert_eq!(out.shape(), shape);
    // Every axis above was summed down to the operand's length (1 or its
    // own), so the result has the operand's shape.
    #[allow(clippy::expect_used)]
    out.into_shape_with_order(IxDyn(shape))
        .expect("reduced gradient has the operand's shape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shape("t", &[2, 1, 3], &[4, 1]).unwrap(), vec![2, 4, 3]);
        assert_eq!(broadcast_shape("t", &[], &[5]).unwrap(), vec![5]);
        let err = broadcast_shape("add", &[2, 3], &[4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "add: shapes (2, 3) and (4,) cannot be broadcast together \
             (trailing dimensions must be equal or 1)"
        );
    }

    #[test]
    fn sum_to_shape_undoes_broadcasting() {
        let g = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1., 2., 3., 4., 5., 6.]).unwrap();
        assert_eq!(
            sum_to_shape(g.view(), &[3]).into_raw_vec_and_offset().0,
            vec![5., 7., 9.]
        );
        assert_eq!(
            sum_to_shape(g.view(), &[2, 1]).into_raw_vec_and_offset().0,
            vec![6., 15.]
        );
        assert_eq!(sum_to_shape(g.view(), &[]).into_raw_vec_and_offset().0, vec![21.]);
        assert_eq!(sum_to_shape(g.view(), &[1, 1]).shape(), &[1, 1]);
    }

    #[test]
    fn axes_count_from_the_end_when_negative() {
        assert_eq!(normalize_axis("t", -3, 3).unwrap(), 0);
        let err = normalize_axis("softmax", -4, 3).unwrap_err();
        assert_eq!(
            err.to_string(),
            "softmax: axis -4 is out of range for a tensor of rank 3 (expected -3 <= axis < 3)"
        );
    }
}
