//! The crate-wide [`Error`] type and [`Result`] alias.
//!
//! Every mistake a user can make (shapes that do not fit, an axis that does
//! not exist, a label outside the class range, a variable from another tape)
//! comes back as an [`Error`] whose message says what was expected and what
//! was found, in the spirit of Keras' `ValueError`s:
//!
//! ```
//! use kerust::autograd::Tape;
//! use kerust::tensor::Tensor;
//!
//! let mut tape = Tape::new();
//! let a = tape.constant(Tensor::zeros(&[32, 784]));
//! let b = tape.constant(Tensor::zeros(&[100, 10]));
//! let err = tape.matmul(a, b).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "matmul: expected rhs with 784 rows to match lhs shape (32, 784), found rhs shape (100, 10)"
//! );
//! ```

use std::fmt::Write as _;

/// Result type of every fallible kerust function.
///
/// ```
/// fn scaled(x: &[u8]) -> kerust::Result<Vec<f32>> {
///     Ok(x.iter().map(|&p| f32::from(p) / 255.0).collect())
/// }
/// assert_eq!(scaled(&[255])?, vec![1.0]);
/// # Ok::<(), kerust::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in kerust.
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// let err = model.fit(&ndarray::Array2::<f32>::zeros((2, 784)), &ndarray::Array1::<u8>::zeros(2), FitOptions::default())
///     .unwrap_err();
/// assert!(err.to_string().starts_with("fit:")); // not compiled yet: says what was expected
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operation received a tensor whose shape it cannot accept.
    #[error("{op}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// The operation or layer that refused the input.
        op: &'static str,
        /// What the operation needed.
        expected: String,
        /// What it received.
        found: String,
    },

    /// Two shapes cannot be broadcast together under NumPy's rules.
    #[error(
        "{op}: shapes {} and {} cannot be broadcast together \
         (trailing dimensions must be equal or 1)",
        fmt_shape(lhs),
        fmt_shape(rhs)
    )]
    Broadcast {
        /// The operation that tried to broadcast.
        op: &'static str,
        /// Shape of the left operand.
        lhs: Vec<usize>,
        /// Shape of the right operand.
        rhs: Vec<usize>,
    },

    /// An axis index does not exist for a tensor of the given rank.
    #[error(
        "{op}: axis {axis} is out of range for a tensor of rank {ndim} \
         (expected -{ndim} <= axis < {ndim})"
    )]
    AxisOutOfRange {
        /// The operation that received the axis.
        op: &'static str,
        /// The axis as given (negative axes count from the end).
        axis: isize,
        /// Rank of the tensor.
        ndim: usize,
    },

    /// `backward` was called on a value with more than one element.
    #[error(
        "backward: expected a scalar (a tensor with one element), found shape {}; \
         reduce it first with `sum` or `mean`",
        fmt_shape(shape)
    )]
    NotScalar {
        /// Shape of the value `backward` was called on.
        shape: Vec<usize>,
    },

    /// A variable was used with a tape that did not create it, or after the
    /// tape that created it was cleared.
    #[error(
        "{op}: expected a variable of this tape (tape {expected_tape}, generation \
         {expected_generation}), found one of tape {found_tape}, generation {found_generation}; \
         variables cannot be shared between tapes or kept across `Tape::clear`"
    )]
    ForeignVar {
        /// The operation that received the variable.
        op: &'static str,
        /// Identity of the tape that was used.
        expected_tape: u32,
        /// Generation of the tape that was used.
        expected_generation: u32,
        /// Identity of the tape that created the variable.
        found_tape: u32,
        /// Generation in which the variable was created.
        found_generation: u32,
    },

    /// A class label is not in `0..num_classes`.
    #[error(
        "{op}: expected labels in 0..{num_classes} (one per class of the prediction), \
         found label {label} at index {index}"
    )]
    LabelOutOfRange {
        /// The operation that received the labels.
        op: &'static str,
        /// The offending label.
        label: usize,
        /// Its position in the label array.
        index: usize,
        /// Number of classes the prediction has.
        num_classes: usize,
    },

    /// An argument has a value the operation cannot use.
    #[error("{op}: expected {expected}, found {found}")]
    InvalidArgument {
        /// The operation or function that refused the argument.
        op: &'static str,
        /// What was expected.
        expected: String,
        /// What was received.
        found: String,
    },

    /// A layer of a model cannot take the input it is given.
    #[error("layer \"{layer}\" ({class}) given inputs of shape {input}: {source}")]
    Layer {
        /// The layer's name in the model.
        layer: String,
        /// Its Keras class name.
        class: &'static str,
        /// The input shape it was given, with the batch axis as `None`.
        input: String,
        /// What the layer refused.
        source: Box<Error>,
    },

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: std::path::PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A file or download does not hold what it should: a bad header, a
    /// wrong length, a corrupt compressed stream, a checksum that differs.
    #[error("{origin}: expected {expected}, found {found}")]
    InvalidData {
        /// Where the data came from (a path or a URL).
        origin: String,
        /// What the data should have been.
        expected: String,
        /// What it was.
        found: String,
    },

    /// A download failed.
    #[error("download of {url} failed: {reason}")]
    Download {
        /// The address tried.
        url: String,
        /// What went wrong.
        reason: String,
    },

    /// An `ndarray` reshape or construction failed.
    #[error("ndarray: {0}")]
    Ndarray(#[from] ndarray::ShapeError),

    /// A dataset could not be found or fetched anywhere.
    #[error(
        "could not load the {dataset} file {file}; tried:\n{}\n{help}",
        tried.iter().map(|t| format!("  - {t}")).collect::<Vec<_>>().join("\n")
    )]
    DatasetUnavailable {
        /// The dataset's name.
        dataset: String,
        /// The file that could not be had.
        file: String,
        /// Every place tried, each with the reason it failed.
        tried: Vec<String>,
        /// How to make the data available.
        help: String,
    },
}

/// Formats a shape the way Keras prints one: `(32, 784)`, `(10,)`, `()`.
///
/// ```
/// assert_eq!(kerust::error::fmt_shape(&[60000, 784]), "(60000, 784)");
/// assert_eq!(kerust::error::fmt_shape(&[10]), "(10,)"); // as Python writes a 1-tuple
/// ```
pub fn fmt_shape(shape: &[usize]) -> String {
    let mut s = String::from("(");
    for (i, d) in shape.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    if shape.len() == 1 {
        s.push(',');
    }
    s.push(')');
    s
}

/// The readable message, as [`Display`](std::fmt::Display) gives it: what
/// `fn main() -> kerust::Result<()>` prints when it returns an error, and
/// what `unwrap` shows. Match on the variant to inspect its fields.
///
/// ```
/// let err = kerust::datasets::idx::parse(&[1, 2], "labels").unwrap_err();
/// assert_eq!(format!("{err:?}"), err.to_string());
/// assert_eq!(format!("{err:?}"), "labels: expected an IDX header of at least 4 bytes, found a file of 2 bytes");
/// ```
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Checks a hyperparameter that must be a finite number, not negative
/// (a learning rate, a fuzz factor).
///
/// # Errors
/// [`Error::InvalidArgument`] naming it and its value:
/// `expected a finite learning_rate >= 0, found learning_rate=NaN`.
pub(crate) fn check_non_negative(op: &'static str, name: &str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        return Ok(());
    }
    Err(Error::invalid(
        op,
        format!("a finite {name} >= 0"),
        format!("{name}={value}"),
    ))
}

impl Error {
    /// Builds an [`Error::ShapeMismatch`]; kept out of line because it is the
    /// cold path of every shape check.
    #[cold]
    #[inline(never)]
    pub(crate) fn shape(op: &'static str, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::ShapeMismatch {
            op,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// Builds an [`Error::Io`] for `path`.
    #[cold]
    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Builds an [`Error::InvalidData`].
    #[cold]
    #[inline(never)]
    pub(crate) fn data(
        origin: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        Error::InvalidData {
            origin: origin.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// Builds an [`Error::InvalidArgument`].
    #[cold]
    #[inline(never)]
    pub(crate) fn invalid(op: &'static str, expected: impl Into<String>, found: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_print_like_python_tuples() {
        assert_eq!(fmt_shape(&[]), "()");
        assert_eq!(fmt_shape(&[10]), "(10,)");
        assert_eq!(fmt_shape(&[32, 784]), "(32, 784)");
    }
}
