//! What `fit`, `evaluate` and `predict` accept: one array for a model with
//! one input (output), or a list of arrays, one per input (output), in the
//! order of `model.inputs()` (`model.outputs()`), as Keras accepts lists.

use ndarray::{ArrayBase, ArrayViewD, Data, Dimension};

use super::data::{IntoTargets, TargetData, TargetElement};
use crate::error::Result;

/// One input array: an `f32` array (or a reference to one) with samples
/// along axis 0.
///
/// ```
/// use kerust::models::InputArray;
/// let x = ndarray::Array2::<f32>::zeros((3, 4));
/// assert_eq!(x.input_view().shape(), &[3, 4]);
/// ```
pub trait InputArray {
    /// The array as a dynamic-rank view.
    fn input_view(&self) -> ArrayViewD<'_, f32>;
}

impl<S: Data<Elem = f32>, D: Dimension> InputArray for ArrayBase<S, D> {
    fn input_view(&self) -> ArrayViewD<'_, f32> {
        self.view().into_dyn()
    }
}

impl<T: InputArray + ?Sized> InputArray for &T {
    fn input_view(&self) -> ArrayViewD<'_, f32> {
        (**self).input_view()
    }
}

/// The inputs of a model: one array, or one per input (`[&images, &meta]`).
///
/// ```
/// use kerust::models::IntoInputs;
/// let (a, b) = (ndarray::Array2::<f32>::zeros((3, 4)), ndarray::Array2::<f32>::zeros((3, 2)));
/// assert_eq!(a.input_views().len(), 1);
/// assert_eq!([&a, &b].input_views().len(), 2);
/// ```
pub trait IntoInputs {
    /// One view per model input.
    fn input_views(&self) -> Vec<ArrayViewD<'_, f32>>;
}

impl<S: Data<Elem = f32>, D: Dimension> IntoInputs for ArrayBase<S, D> {
    fn input_views(&self) -> Vec<ArrayViewD<'_, f32>> {
        vec![self.view().into_dyn()]
    }
}

impl<T: InputArray> IntoInputs for [T] {
    fn input_views(&self) -> Vec<ArrayViewD<'_, f32>> {
        self.iter().map(InputArray::input_view).collect()
    }
}

impl<T: InputArray, const N: usize> IntoInputs for [T; N] {
    fn input_views(&self) -> Vec<ArrayViewD<'_, f32>> {
        self.iter().map(InputArray::input_view).collect()
    }
}

impl<T: InputArray> IntoInputs for Vec<T> {
    fn input_views(&self) -> Vec<ArrayViewD<'_, f32>> {
        self.iter().map(InputArray::input_view).collect()
    }
}

/// The targets of a model: one array, or one per output (`[&classes, &flags]`).
///
/// ```
/// use kerust::models::IntoTargetList;
/// let (a, b) = (ndarray::array![1u8, 0], ndarray::array![0.0f32, 1.0]);
/// assert_eq!(a.target_list()?.len(), 1);
/// assert_eq!([&a].target_list()?.len(), 1);
/// # let _ = b;
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait IntoTargetList {
    /// One set of targets per model output.
    ///
    /// # Errors
    /// As [`IntoTargets::to_targets`].
    fn target_list(&self) -> Result<Vec<TargetData>>;
}

impl<S, D> IntoTargetList for ArrayBase<S, D>
where
    S: Data,
    S::Elem: TargetElement,
    D: Dimension,
{
    fn target_list(&self) -> Result<Vec<TargetData>> {
        Ok(vec![self.to_targets()?])
    }
}

impl IntoTargetList for TargetData {
    fn target_list(&self) -> Result<Vec<TargetData>> {
        Ok(vec![self.clone()])
    }
}

impl<T: IntoTargets + ?Sized> IntoTargets for &T {
    fn to_targets(&self) -> Result<TargetData> {
        (**self).to_targets()
    }
}

impl<T: IntoTargets> IntoTargetList for [T] {
    fn target_list(&self) -> Result<Vec<TargetData>> {
        self.iter().map(IntoTargets::to_targets).collect()
    }
}

impl<T: IntoTargets, const N: usize> IntoTargetList for [T; N] {
    fn target_list(&self) -> Result<Vec<TargetData>> {
        self.iter().map(IntoTargets::to_targets).collect()
    }
}

impl<T: IntoTargets> IntoTargetList for Vec<T> {
    fn target_list(&self) -> Result<Vec<TargetData>> {
        self.iter().map(IntoTargets::to_targets).collect()
    }
}

/// Tuples mix array types, one per input or output:
/// `model.fit(&(&images, &meta), &(&labels, &flags), …)`.
macro_rules! tuple_lists {
    ($(($($t:ident . $i:tt),+)),+) => {$(
        impl<$($t: InputArray),+> IntoInputs for ($($t,)+) {
            fn input_views(&self) -> Vec<ArrayViewD<'_, f32>> {
                vec![$(self.$i.input_view()),+]
            }
        }

        impl<$($t: IntoTargets),+> IntoTargetList for ($($t,)+) {
            fn target_list(&self) -> Result<Vec<TargetData>> {
                Ok(vec![$(self.$i.to_targets()?),+])
            }
        }
    )+};
}
tuple_lists!((A.0, B.1), (A.0, B.1, C.2), (A.0, B.1, C.2, D.3));
