//! Class labels: the integer types a label array may hold, and one-hot
//! encoding.

use ndarray::{Array2, ArrayBase, Data, Ix1};

use crate::error::{Error, Result};

/// An integer class label (`u8` as the datasets return them, or any other
/// integer type). Negative values are not labels.
///
/// ```
/// use kerust::utils::Label;
/// assert_eq!(9u8.to_index(), Some(9));
/// assert_eq!((-1i32).to_index(), None);
/// ```
pub trait Label: Copy {
    /// The label as an index, or `None` if it is negative or too large.
    fn to_index(self) -> Option<usize>;
}

macro_rules! label_for {
    ($($t:ty),*) => {$(
        impl Label for $t {
            #[inline]
            fn to_index(self) -> Option<usize> {
                usize::try_from(self).ok()
            }
        }
    )*};
}
label_for!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

/// Turns integer labels into one-hot rows, as `keras.utils.to_categorical`:
/// row `i` has a 1 in column `labels[i]`. `num_classes` defaults to the
/// largest label plus one.
///
/// Keras 3 returns float64; kerust's tensors are `f32`, so the rows are
/// `f32` (as in tf.keras 2).
///
/// ```
/// use kerust::utils::to_categorical;
/// use ndarray::array;
///
/// let one_hot = to_categorical(&array![2u8, 0, 1], None)?;
/// assert_eq!(one_hot, array![[0., 0., 1.], [1., 0., 0.], [0., 1., 0.]]);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::LabelOutOfRange`] if a label is negative or not below
/// `num_classes`.
pub fn to_categorical<S, L>(labels: &ArrayBase<S, Ix1>, num_classes: Option<usize>) -> Result<Array2<f32>>
where
    S: Data<Elem = L>,
    L: Label + std::fmt::Display,
{
    const OP: &str = "to_categorical";
    let mut indices = Vec::with_capacity(labels.len());
    for (i, &label) in labels.iter().enumerate() {
        match label.to_index() {
            Some(ix) => indices.push(ix),
            None => {
                return Err(Error::invalid(
                    OP,
                    "non-negative integer labels",
                    format!("{label} at index {i}"),
                ));
            }
        }
    }
    let classes = num_classes.unwrap_or_else(|| indices.iter().max().map_or(0, |m| m + 1));
    let mut out = Array2::zeros((indices.len(), classes));
    for (i, &ix) in indices.iter().enumerate() {
        if ix >= classes {
            return Err(Error::LabelOutOfRange {
                op: OP,
                label: ix,
                index: i,
                num_classes: classes,
            });
        }
        out[[i, ix]] = 1.0;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn explicit_class_count_and_errors() {
        let y = array![1i64, 3];
        assert_eq!(
            to_categorical(&y, Some(5)).unwrap(),
            array![[0., 1., 0., 0., 0.], [0., 0., 0., 1., 0.]]
        );
        assert_eq!(
            to_categorical(&y, Some(3)).unwrap_err().to_string(),
            "to_categorical: expected labels in 0..3 (one per class of the prediction), found label 3 at index 1"
        );
        assert_eq!(
            to_categorical(&array![0i32, -1], None).unwrap_err().to_string(),
            "to_categorical: expected non-negative integer labels, found -1 at index 1"
        );
        assert_eq!(
            to_categorical(&ndarray::Array1::<u8>::zeros(0), None)
                .unwrap()
                .shape(),
            &[0, 0]
        );
    }
}
