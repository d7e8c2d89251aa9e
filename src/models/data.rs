//! Turning user arrays into what training needs, and checking them first:
//! inputs are `f32` arrays with samples along axis 0; targets are integer
//! class labels (any integer type) or `f32` arrays.

use ndarray::{ArrayBase, ArrayD, ArrayViewD, Axis, Data, Dimension};

use crate::error::{Error, Result, fmt_shape};
use crate::losses::Targets;
use crate::tensor::Tensor;
use crate::utils::Label;

/// Targets, converted and owned.
///
/// ```
/// use kerust::models::{IntoTargets, TargetData};
/// let labels = ndarray::array![9u8, 0, 0, 3].to_targets()?;
/// assert!(matches!(labels, TargetData::Classes(ref c) if c == &[9, 0, 0, 3]));
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum TargetData {
    /// One class index per sample.
    Classes(Vec<usize>),
    /// Float targets, samples along axis 0.
    Dense(ArrayD<f32>),
}

impl TargetData {
    /// Number of samples.
    ///
    /// ```
    /// use kerust::models::IntoTargets;
    /// assert_eq!(ndarray::array![1u8, 2].to_targets()?.len(), 2);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        match self {
            TargetData::Classes(c) => c.len(),
            TargetData::Dense(d) => d.shape().first().copied().unwrap_or(0),
        }
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// use kerust::models::IntoTargets;
    /// assert!(ndarray::Array1::<u8>::zeros(0).to_targets()?.is_empty());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether these are class labels.
    ///
    /// ```
    /// use kerust::models::IntoTargets;
    /// assert!(ndarray::array![1u8, 2].to_targets()?.is_sparse());
    /// assert!(!ndarray::array![[0.0f32, 1.0]].to_targets()?.is_sparse()); // one-hot
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn is_sparse(&self) -> bool {
        matches!(self, TargetData::Classes(_))
    }

    /// The targets of the samples `rows`, in that order.
    /// The class of sample `i` (Keras' reading for `class_weight`): its
    /// label; for float targets the index of the largest entry of its row,
    /// or its one value rounded when the row has one entry.
    pub(crate) fn class_of(&self, i: usize) -> usize {
        match self {
            TargetData::Classes(c) => c.get(i).copied().unwrap_or(0),
            TargetData::Dense(d) => {
                let row = d.index_axis(Axis(0), i);
                match row.len() {
                    1 => row.iter().next().map_or(0, |v| v.round().max(0.0) as usize),
                    _ => {
                        row.iter()
                            .enumerate()
                            .fold(
                                (0, f32::NEG_INFINITY),
                                |best, (k, &v)| if v > best.1 { (k, v) } else { best },
                            )
                            .0
                    }
                }
            }
        }
    }

    pub(crate) fn gather(&self, rows: &[usize]) -> BatchTargets {
        match self {
            TargetData::Classes(c) => BatchTargets::Classes(rows.iter().map(|&i| c[i]).collect()),
            TargetData::Dense(d) => BatchTargets::Dense(Tensor::from(d.select(Axis(0), rows))),
        }
    }

    /// The samples `range`, for validation splits.
    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> TargetData {
        match self {
            TargetData::Classes(c) => TargetData::Classes(c[range].to_vec()),
            TargetData::Dense(d) => TargetData::Dense(d.slice_axis(Axis(0), range.into()).to_owned()),
        }
    }
}

/// The targets of one batch.
pub(crate) enum BatchTargets {
    Classes(Vec<usize>),
    Dense(Tensor),
}

impl BatchTargets {
    pub(crate) fn as_targets(&self) -> Targets<'_> {
        match self {
            BatchTargets::Classes(c) => Targets::Classes(c),
            BatchTargets::Dense(t) => Targets::Dense(t),
        }
    }
}

/// Arrays usable as targets: integer labels of any type, or `f32` values.
///
/// ```
/// use kerust::models::IntoTargets;
/// assert!(ndarray::array![-1i32].to_targets().is_err()); // a negative label
/// ```
pub trait IntoTargets {
    /// The targets, converted.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for negative labels or a label array of
    /// rank above 2.
    fn to_targets(&self) -> Result<TargetData>;
}

/// An element type of a target array.
///
/// ```
/// use kerust::models::IntoTargets;
/// // u8, i64, usize … as labels; f32 as values.
/// assert!(ndarray::array![3i64].to_targets()?.is_sparse());
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait TargetElement: Copy {
    /// Converts an array of these into targets.
    ///
    /// # Errors
    /// As [`IntoTargets::to_targets`].
    fn convert(array: ArrayViewD<'_, Self>) -> Result<TargetData>;
}

macro_rules! label_targets {
    ($($t:ty),*) => {$(
        impl TargetElement for $t {
            fn convert(array: ArrayViewD<'_, Self>) -> Result<TargetData> {
                labels(array)
            }
        }
    )*};
}
label_targets!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl TargetElement for f32 {
    fn convert(array: ArrayViewD<'_, Self>) -> Result<TargetData> {
        if array.ndim() == 0 {
            return Err(Error::invalid("fit", "targets with a sample axis", "a scalar"));
        }
        Ok(TargetData::Dense(array.as_standard_layout().into_owned()))
    }
}

fn labels<L: Label + std::fmt::Display>(array: ArrayViewD<'_, L>) -> Result<TargetData> {
    let ok_shape = array.ndim() == 1 || (array.ndim() == 2 && array.shape()[1] == 1);
    if !ok_shape {
        return Err(Error::invalid(
            "fit",
            "integer labels of shape (samples,) or (samples, 1); one-hot targets must be f32",
            format!("integer targets of shape {}", fmt_shape(array.shape())),
        ));
    }
    array
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            l.to_index().ok_or_else(|| {
                Error::invalid(
                    "fit",
                    "non-negative class labels",
                    format!("label {l} at row {i}"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(TargetData::Classes)
}

impl<S, D> IntoTargets for ArrayBase<S, D>
where
    S: Data,
    S::Elem: TargetElement,
    D: Dimension,
{
    fn to_targets(&self) -> Result<TargetData> {
        S::Elem::convert(self.view().into_dyn())
    }
}

impl IntoTargets for TargetData {
    fn to_targets(&self) -> Result<TargetData> {
        Ok(self.clone())
    }
}

/// `x` as a row-major view with samples along axis 0, after checking it has
/// samples, the right sample shape (if known) and only finite values.
pub(crate) fn check_inputs<'a>(
    op: &'static str,
    x: ArrayViewD<'a, f32>,
    expected_sample: Option<&[usize]>,
) -> Result<ndarray::CowArray<'a, f32, ndarray::IxDyn>> {
    if x.ndim() < 2 {
        return Err(Error::shape(
            op,
            "x with a batch axis and at least one feature axis, e.g. (samples, 784)",
            format!("x of shape {}", fmt_shape(x.shape())),
        ));
    }
    if x.shape()[0] == 0 {
        return Err(Error::invalid(
            op,
            "at least one sample",
            format!("an empty x of shape {}", fmt_shape(x.shape())),
        ));
    }
    if let Some(sample) = expected_sample
        && &x.shape()[1..] != sample
    {
        return Err(Error::shape(
            op,
            format!(
                "input samples of shape {} (the model's input, {} per sample)",
                fmt_shape(sample),
                sample.iter().product::<usize>()
            ),
            format!("x of shape {}", fmt_shape(x.shape())),
        ));
    }
    let x: ndarray::CowArray<'a, f32, ndarray::IxDyn> = if x.is_standard_layout() {
        x.into()
    } else {
        x.as_standard_layout().into_owned().into()
    };
    let flat = x.as_slice().unwrap_or(&[]);
    if let Some(at) = first_non_finite(flat) {
        let per_row = flat.len() / x.shape()[0];
        return Err(Error::invalid(
            op,
            "finite values in x",
            value_at(flat, per_row, at),
        ));
    }
    Ok(x)
}

/// Element `at` of row-major `flat` with its row and column, for messages.
fn value_at(flat: &[f32], per_row: usize, at: usize) -> String {
    format!("{} at row {}, column {}", flat[at], at / per_row, at % per_row)
}

/// The index of the first NaN or infinity in `values`.
///
/// Inputs are often hundreds of megabytes, read once per `fit`: blocks are
/// scanned without branches (the largest magnitude's bits, a loop the
/// compiler vectorises) on all gemm threads, and only a block that has a
/// non-finite value is searched element by element.
fn first_non_finite(values: &[f32]) -> Option<usize> {
    const BLOCK: usize = 1 << 14;
    // An f32 is NaN or infinite exactly when its bits without the sign are
    // at least those of infinity.
    let clean = |block: &[f32]| {
        block
            .iter()
            .fold(0u32, |most, v| most.max(v.to_bits() & 0x7fff_ffff))
            < f32::INFINITY.to_bits()
    };
    let first = std::sync::atomic::AtomicUsize::new(usize::MAX);
    let blocks = values.len().div_ceil(BLOCK);
    crate::tensor::threads::for_each_chunk(blocks, &|lo, hi| {
        for b in lo..hi {
            let start = b * BLOCK;
            let block = &values[start..values.len().min(start + BLOCK)];
            if !clean(block) {
                if let Some(at) = block.iter().position(|v| !v.is_finite()) {
                    first.fetch_min(start + at, std::sync::atomic::Ordering::Relaxed);
                }
                return;
            }
        }
    });
    Some(first.into_inner()).filter(|&at| at != usize::MAX)
}

/// The targets as `loss` takes them: for a sparse loss, `f32` targets of
/// shape `(samples,)` or `(samples, 1)` holding whole numbers become class
/// labels, as Keras accepts them.
///
/// # Errors
/// [`Error::InvalidArgument`] for a sparse loss given `f32` targets that
/// are not whole, non-negative numbers in one column, naming the first.
pub(crate) fn targets_for(
    op: &'static str,
    targets: TargetData,
    loss: crate::losses::Loss,
) -> Result<TargetData> {
    let TargetData::Dense(d) = &targets else {
        return Ok(targets);
    };
    if !loss.is_sparse() {
        return Ok(targets);
    }
    let one_column = d.ndim() == 1 || (d.ndim() == 2 && d.shape()[1] == 1);
    if !one_column {
        return Err(Error::invalid(
            op,
            format!(
                "integer class labels of shape (samples,) for {} (one-hot targets go with categorical_crossentropy)",
                loss.name()
            ),
            format!("f32 targets of shape {}", fmt_shape(d.shape())),
        ));
    }
    d.iter()
        .enumerate()
        .map(|(row, &v)| {
            if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 2f32.powi(24) {
                Ok(v as usize)
            } else {
                Err(Error::invalid(
                    op,
                    format!("integer class labels for {}", loss.name()),
                    format!("{v} at row {row}"),
                ))
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(TargetData::Classes)
}

/// Checks targets against the model's outputs and the inputs' count
/// (`loss` is `None` for a loss of your own: then only counts and finiteness).
pub(crate) fn check_targets(
    op: &'static str,
    targets: &TargetData,
    samples: usize,
    output: &[usize],
    loss: Option<crate::losses::Loss>,
) -> Result<()> {
    if targets.len() != samples {
        return Err(Error::invalid(
            op,
            format!("one target per sample of x ({samples})"),
            format!("{} targets", targets.len()),
        ));
    }
    let units = output.last().copied().unwrap_or(1);
    match targets {
        TargetData::Classes(c) if loss.is_some_and(crate::losses::Loss::is_sparse) => {
            if let Some((index, &label)) = c.iter().enumerate().find(|&(_, &l)| l >= units) {
                return Err(Error::LabelOutOfRange {
                    op,
                    label,
                    index,
                    num_classes: units,
                });
            }
        }
        TargetData::Classes(c) => {
            if loss == Some(crate::losses::Loss::BinaryCrossentropy)
                && let Some((row, &label)) = c.iter().enumerate().find(|&(_, &l)| l > 1)
            {
                return Err(Error::invalid(
                    op,
                    "targets in [0, 1] for binary_crossentropy",
                    format!("{label} at row {row}"),
                ));
            }
        }
        TargetData::Dense(d) => {
            let flat = d.as_slice().unwrap_or(&[]);
            let per_row = flat.len().checked_div(d.shape()[0]).unwrap_or(1).max(1);
            if let Some(at) = first_non_finite(flat) {
                return Err(Error::invalid(
                    op,
                    "finite values in y",
                    value_at(flat, per_row, at),
                ));
            }
            if loss == Some(crate::losses::Loss::BinaryCrossentropy)
                && let Some(at) = flat.iter().position(|v| !(0.0..=1.0).contains(v))
            {
                return Err(Error::invalid(
                    op,
                    "targets in [0, 1] for binary_crossentropy",
                    value_at(flat, per_row, at),
                ));
            }
            let sample = &d.shape()[1..];
            let fits = sample == output
                || (sample.is_empty() && output == [1])
                || (sample.len() == output.len() + 1
                    && sample.last() == Some(&1)
                    && &sample[..output.len()] == output);
            if !fits {
                let hint = if loss == Some(crate::losses::Loss::CategoricalCrossentropy) {
                    format!(" (one-hot targets must have {units} columns, one per output unit)")
                } else {
                    String::new()
                };
                return Err(Error::shape(
                    op,
                    format!(
                        "targets of shape {} per sample, like the model's output{hint}",
                        fmt_shape(output)
                    ),
                    format!("targets of shape {}", fmt_shape(d.shape())),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::first_non_finite;

    #[test]
    fn the_first_non_finite_value_is_found_in_any_block() {
        // Several blocks, so that each gemm thread scans some.
        let mut values = vec![0.5f32; 5 * (1 << 14) + 7];
        assert_eq!(first_non_finite(&values), None);
        let last = values.len() - 1;
        for (at, bad) in [
            (last, f32::NAN),
            (70_000, f32::NEG_INFINITY),
            (20_000, f32::INFINITY),
            (3, f32::NAN),
        ] {
            values[at] = bad;
            assert_eq!(first_non_finite(&values), Some(at), "{bad} at {at}");
        }
        // The largest finite magnitudes and subnormals are finite.
        let edge = [f32::MAX, f32::MIN, f32::MIN_POSITIVE / 2.0, -0.0];
        assert_eq!(first_non_finite(&edge), None);
        assert_eq!(first_non_finite(&[]), None);
    }
}
