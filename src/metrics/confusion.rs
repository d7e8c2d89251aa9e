//! The confusion matrix: how often each true class was predicted as each
//! class.

use ndarray::{Array1, Array2, ArrayBase, ArrayViewD, Axis, Data, Ix1};

use crate::error::{Error, Result};
use crate::utils::Label;

/// Counts of (true class, predicted class) pairs: entry `[i, j]` is the
/// number of samples of class `i` predicted as class `j`, as scikit-learn's
/// `confusion_matrix` and TensorFlow's `tf.math.confusion_matrix` count
/// them (rows true, columns predicted).
///
/// ```
/// use kerust::metrics::confusion_matrix;
/// use ndarray::array;
///
/// let m = confusion_matrix(&array![0u8, 1, 1, 2], &array![0usize, 2, 1, 2], 3)?;
/// assert_eq!(m, array![[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if the two differ in length, or a label is
/// negative or not below `num_classes`.
pub fn confusion_matrix<S, T, A, B>(
    y_true: &ArrayBase<S, Ix1>,
    y_pred: &ArrayBase<T, Ix1>,
    num_classes: usize,
) -> Result<Array2<usize>>
where
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    A: Label + std::fmt::Display,
    B: Label + std::fmt::Display,
{
    const OP: &str = "confusion_matrix";
    if y_true.len() != y_pred.len() {
        return Err(Error::invalid(
            OP,
            format!("one prediction per true label ({})", y_true.len()),
            format!("{} predictions", y_pred.len()),
        ));
    }
    let mut m = Array2::zeros((num_classes, num_classes));
    for (i, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
        let class = |l: usize, what: &str, shown: String| {
            (l < num_classes).then_some(l).ok_or_else(|| {
                Error::invalid(
                    OP,
                    format!("{what} in 0..{num_classes}"),
                    format!("{what} {shown} at index {i}"),
                )
            })
        };
        let ti = class(t.to_index().unwrap_or(usize::MAX), "true label", t.to_string())?;
        let pi = class(
            p.to_index().unwrap_or(usize::MAX),
            "predicted label",
            p.to_string(),
        )?;
        m[[ti, pi]] += 1;
    }
    Ok(m)
}

/// The predicted class of each sample: the arg-max along the last axis of
/// `predict`'s output (the first on ties), as `np.argmax(pred, axis=-1)`.
///
/// ```
/// use kerust::metrics::predicted_classes;
/// use ndarray::array;
///
/// let probabilities = array![[0.1f32, 0.7, 0.2], [0.5, 0.3, 0.2]].into_dyn();
/// assert_eq!(predicted_classes(probabilities.view()).to_vec(), vec![1, 0]);
/// ```
pub fn predicted_classes(predictions: ArrayViewD<'_, f32>) -> Array1<usize> {
    let last = Axis(predictions.ndim().saturating_sub(1));
    if predictions.ndim() == 0 {
        return Array1::zeros(0);
    }
    predictions
        .lanes(last)
        .into_iter()
        .map(|lane| {
            lane.iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) },
                )
                .0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn counts_every_pair_and_refuses_bad_labels() {
        let t = array![2i32, 0, 2, 2, 0, 1];
        let p = array![0usize, 0, 2, 2, 0, 2];
        // scikit-learn's documented example.
        assert_eq!(
            confusion_matrix(&t, &p, 3).unwrap(),
            array![[2, 0, 0], [0, 0, 1], [1, 0, 2]]
        );
        let err = confusion_matrix(&array![0u8, 3], &array![0u8, 1], 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("true label 3 at index 1"), "{err}");
        let err = confusion_matrix(&array![-1i64], &array![0u8], 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("true label -1 at index 0"), "{err}");
        assert!(confusion_matrix(&array![0u8], &array![0u8, 1], 3).is_err());
    }
}
