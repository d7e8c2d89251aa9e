//! Arrays as flat row-major slices, for the loops of the ops.
//!
//! The ops make their operands row-major (`as_standard_layout`) or
//! allocate them so before taking their elements as slices; should that
//! ever not hold, the op fails with an error naming it instead of
//! panicking.

use ndarray::{ArrayBase, Data, DataMut, Dimension};

use crate::error::{Error, Result, fmt_shape};

/// The elements of a row-major array as one slice.
pub(crate) trait RowMajor {
    /// The elements in row-major order.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the array is not stored that way.
    fn row_major(&self) -> Result<&[f32]>;
}

/// The elements of a row-major array as one mutable slice.
pub(crate) trait RowMajorMut {
    /// The elements in row-major order, to write.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the array is not stored that way.
    fn row_major_mut(&mut self) -> Result<&mut [f32]>;
}

#[cold]
fn not_row_major(shape: &[usize]) -> Error {
    Error::shape(
        "row_major",
        "an array stored in row-major order",
        format!("another layout of shape {}", fmt_shape(shape)),
    )
}

impl<S: Data<Elem = f32>, D: Dimension> RowMajor for ArrayBase<S, D> {
    fn row_major(&self) -> Result<&[f32]> {
        self.as_slice().ok_or_else(|| not_row_major(self.shape()))
    }
}

impl<S: DataMut<Elem = f32>, D: Dimension> RowMajorMut for ArrayBase<S, D> {
    fn row_major_mut(&mut self) -> Result<&mut [f32]> {
        let shape = self.shape().to_vec();
        self.as_slice_mut().ok_or_else(|| not_row_major(&shape))
    }
}
