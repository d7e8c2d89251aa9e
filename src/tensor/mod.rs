//! n-dimensional `f32` storage and the raw kernels the differentiable ops
//! are made of. Nothing here knows about gradients.
//!
//! A [`Tensor`] is a shared, copy-on-write `ndarray` array
//! ([`ArcArray`]): cloning one is a reference-count increment, so a model's
//! weights can be placed on an autograd tape every step without being
//! copied, and updated in place once the tape has let go of them.
//!
//! ```
//! use kerust::tensor::Tensor;
//!
//! let t = Tensor::from_vec(&[2, 3], vec![1., 2., 3., 4., 5., 6.])?;
//! assert_eq!(t.shape(), &[2, 3]);
//! assert_eq!(t.to_vec(), vec![1., 2., 3., 4., 5., 6.]);
//! # Ok::<(), kerust::Error>(())
//! ```

pub(crate) mod background;
mod gemm;
pub(crate) mod layout;
mod shape;
pub(crate) mod threads;

pub use gemm::{PARALLEL_THRESHOLD, gemm, gemm_in_parts, matmul};
pub use shape::{broadcast_shape, normalize_axis, sum_to_shape};
pub use threads::{MAX_THREADS, num_threads, set_num_threads};

use ndarray::{ArcArray, Array, ArrayD, ArrayViewD, ArrayViewMutD, Dimension, IxDyn};

use crate::error::{Error, Result, fmt_shape};

/// An n-dimensional array of `f32`, cheap to clone and copy-on-write.
///
/// `Tensor` is the value type of kerust: inputs, weights, activations and
/// gradients are all tensors. It wraps an `ndarray` [`ArcArray`], so it can
/// hold any strides (a transpose is a view, not a copy) and converts to and
/// from `ndarray` arrays without copying when it is the only owner.
///
/// ```
/// use kerust::tensor::Tensor;
/// let t = Tensor::from_array(ndarray::Array2::<f32>::ones((2, 3)));
/// let shared = t.clone(); // no copy: both see one buffer
/// assert_eq!(shared.shape(), &[2, 3]);
/// assert_eq!(t.view().sum(), 6.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    data: ArcArray<f32, IxDyn>,
}

impl Tensor {
    /// Wraps an `ndarray` array of any dimensionality (no copy).
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::from_array(ndarray::array![[1.0f32, 2.0], [3.0, 4.0]]);
    /// assert_eq!(t.shape(), &[2, 2]);
    /// ```
    pub fn from_array<D: Dimension>(array: Array<f32, D>) -> Self {
        Tensor {
            data: array.into_dyn().into_shared(),
        }
    }

    /// Builds a tensor from a shape and its elements in row-major order.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
    /// assert_eq!(t.shape(), &[2, 3]);
    /// assert!(Tensor::from_vec(&[2, 3], vec![1.0]).is_err()); // 6 values expected
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data.len()` is not the product of `shape`.
    pub fn from_vec(shape: &[usize], data: Vec<f32>) -> Result<Self> {
        let expected: usize = shape.iter().product();
        if expected != data.len() {
            return Err(Error::shape(
                "Tensor::from_vec",
                format!("{expected} elements for shape {}", fmt_shape(shape)),
                format!("{} elements", data.len()),
            ));
        }
        Ok(Self::from_array(ArrayD::from_shape_vec(IxDyn(shape), data)?))
    }

    /// A tensor of zeros.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::zeros(&[2, 2]).to_vec(), vec![0.0; 4]);
    /// ```
    pub fn zeros(shape: &[usize]) -> Self {
        Self::from_array(ArrayD::zeros(IxDyn(shape)))
    }

    /// A tensor of ones.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::ones(&[3]).to_vec(), vec![1.0; 3]);
    /// ```
    pub fn ones(shape: &[usize]) -> Self {
        Self::full(shape, 1.0)
    }

    /// A tensor with every element equal to `value`.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::full(&[2], 0.5).to_vec(), vec![0.5, 0.5]);
    /// ```
    pub fn full(shape: &[usize], value: f32) -> Self {
        Self::from_array(ArrayD::from_elem(IxDyn(shape), value))
    }

    /// A rank-0 tensor holding one number.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::scalar(2.5);
    /// assert_eq!((t.ndim(), t.item()?), (0, 2.5));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn scalar(value: f32) -> Self {
        Self::from_array(ndarray::arr0(value))
    }

    /// The length of each axis.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::zeros(&[60_000, 784]).shape(), &[60_000, 784]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }

    /// The number of axes.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::zeros(&[32, 28, 28, 1]).ndim(), 4);
    /// ```
    pub fn ndim(&self) -> usize {
        self.data.ndim()
    }

    /// The number of elements.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::zeros(&[32, 784]).len(), 25_088);
    /// ```
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor has no elements.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert!(Tensor::zeros(&[0, 784]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// A read-only view of the elements.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::ones(&[2, 2]);
    /// assert_eq!(t.view().sum(), 4.0);
    /// ```
    pub fn view(&self) -> ArrayViewD<'_, f32> {
        self.data.view()
    }

    /// A mutable view of the elements. If the storage is shared with another
    /// tensor it is copied first (copy-on-write), so other holders never see
    /// the change.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let mut t = Tensor::zeros(&[2]);
    /// t.view_mut()[[1]] = 3.0;
    /// assert_eq!(t.to_vec(), vec![0.0, 3.0]);
    /// ```
    pub fn view_mut(&mut self) -> ArrayViewMutD<'_, f32> {
        self.data.view_mut()
    }

    /// The elements as one mutable row-major slice. The storage is first
    /// made unshared (copy-on-write) and row-major if it was not.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let mut t = Tensor::zeros(&[3]);
    /// t.as_slice_mut()[0] = 1.0;
    /// assert_eq!(t.to_vec(), vec![1.0, 0.0, 0.0]);
    /// ```
    pub fn as_slice_mut(&mut self) -> &mut [f32] {
        if !self.data.is_standard_layout() {
            self.data = self.data.as_standard_layout().into_owned().into_shared();
        }
        // Made row-major just above (and unshared by `as_slice_mut` itself).
        #[allow(clippy::expect_used)]
        self.data.as_slice_mut().expect("standard layout")
    }

    /// The elements as one row-major slice, if they are stored that way.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::full(&[2], 7.0);
    /// assert_eq!(t.as_slice(), Some(&[7.0, 7.0][..]));
    /// ```
    pub fn as_slice(&self) -> Option<&[f32]> {
        self.data.as_slice()
    }

    /// Whether no other tensor shares this one's storage (so writing to it,
    /// or converting it to an owned array, copies nothing).
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::zeros(&[2]);
    /// let shared = t.clone(); // cheap: the storage is shared
    /// assert!(!t.is_unique());
    /// drop(shared);
    /// assert!(t.is_unique());
    /// ```
    pub fn is_unique(&self) -> bool {
        self.data.is_unique()
    }

    /// The underlying shared `ndarray` array.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let t = Tensor::ones(&[2, 3]);
    /// assert_eq!(t.as_array().shape(), &[2, 3]);
    /// ```
    pub fn as_array(&self) -> &ArcArray<f32, IxDyn> {
        &self.data
    }

    /// Converts into an owned `ndarray` array; no copy when this tensor is
    /// the only holder of its storage.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// let a: ndarray::ArrayD<f32> = Tensor::ones(&[2]).into_array();
    /// assert_eq!(a.len(), 2);
    /// ```
    pub fn into_array(self) -> ArrayD<f32> {
        self.data.into_owned()
    }

    /// The elements in row-major (logical) order.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::from_vec(&[2], vec![1.0, 2.0])?.to_vec(), vec![1.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn to_vec(&self) -> Vec<f32> {
        self.data.iter().copied().collect()
    }

    /// The single element of a tensor with exactly one element.
    ///
    /// ```
    /// # use kerust::tensor::Tensor;
    /// assert_eq!(Tensor::scalar(4.0).item()?, 4.0);
    /// assert!(Tensor::zeros(&[2]).item().is_err()); // not a single value
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the tensor has more or fewer than one element.
    pub fn item(&self) -> Result<f32> {
        match self.data.iter().next() {
            Some(&v) if self.data.len() == 1 => Ok(v),
            _ => Err(Error::shape(
                "Tensor::item",
                "a tensor with exactly one element",
                format!("shape {}", fmt_shape(self.shape())),
            )),
        }
    }
}

impl<D: Dimension> From<Array<f32, D>> for Tensor {
    fn from(array: Array<f32, D>) -> Self {
        Self::from_array(array)
    }
}

impl From<ArcArray<f32, IxDyn>> for Tensor {
    fn from(data: ArcArray<f32, IxDyn>) -> Self {
        Tensor { data }
    }
}

/// Serialised as `{ shape, data }` with the elements in row-major order.
impl serde::Serialize for Tensor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Tensor", 2)?;
        s.serialize_field("shape", self.shape())?;
        s.serialize_field("data", &self.to_vec())?;
        s.end()
    }
}

impl<'de> serde::Deserialize<'de> for Tensor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            shape: Vec<usize>,
            data: Vec<f32>,
        }
        let raw = Raw::deserialize(deserializer)?;
        Tensor::from_vec(&raw.shape, raw.data).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_the_element_count() {
        let err = Tensor::from_vec(&[2, 3], vec![0.0; 5]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Tensor::from_vec: expected 6 elements for shape (2, 3), found 5 elements"
        );
    }

    #[test]
    fn clones_share_storage_until_written() {
        let a = Tensor::ones(&[2, 2]);
        let mut b = a.clone();
        b.view_mut()[[0, 0]] = 5.0;
        assert_eq!(a.to_vec(), vec![1.0; 4]);
        assert_eq!(b.to_vec(), vec![5.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn item_needs_exactly_one_element() {
        assert_eq!(Tensor::scalar(3.5).item().unwrap(), 3.5);
        assert!(Tensor::zeros(&[2]).item().is_err());
    }

    #[test]
    fn bincode_round_trip_keeps_shape_and_values() {
        let t = Tensor::from_vec(&[2, 1, 3], vec![1.5, -2.0, 0.0, 4.25, 1e-7, -0.5]).unwrap();
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&t, config).unwrap();
        let (back, _): (Tensor, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(back, t);
    }
}
