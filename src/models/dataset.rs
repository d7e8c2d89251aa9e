//! [`Dataset`]: validated inputs and targets, and the batches gathered
//! from them (row by row, into reused buffers, on helper threads).

use ndarray::{Axis, CowArray, IxDyn};

use super::data::{BatchTargets, TargetData};
use crate::tensor::Tensor;
use crate::tensor::threads::SharedMut;

/// Validated inputs (one array per model input) and targets (one per output).
pub(crate) struct Dataset<'a> {
    /// Inputs in standard layout, samples along axis 0, all of one length.
    pub(crate) xs: Vec<CowArray<'a, f32, IxDyn>>,
    pub(crate) ys: Vec<TargetData>,
    /// One loss weight per sample (Keras' `sample_weight`), if any.
    pub(crate) weights: Option<Vec<f32>>,
}

/// One batch buffer per model input.
pub(crate) type Buffers = Vec<Option<Tensor>>;

impl Dataset<'_> {
    pub(crate) fn len(&self) -> usize {
        self.xs.first().map_or(0, |x| x.shape()[0])
    }

    /// The samples `range` (for validation splits).
    pub(crate) fn slice<'b>(&self, range: std::ops::Range<usize>) -> Dataset<'b> {
        Dataset {
            xs: self
                .xs
                .iter()
                .map(|x| CowArray::from(x.slice_axis(Axis(0), range.clone().into()).to_owned()))
                .collect(),
            ys: self.ys.iter().map(|y| y.slice(range.clone())).collect(),
            weights: self.weights.as_ref().map(|w| w[range].to_vec()),
        }
    }

    /// The loss weights of samples `rows`, if the data has weights.
    pub(crate) fn gather_weights(&self, rows: &[usize]) -> Option<Vec<f32>> {
        self.weights
            .as_ref()
            .map(|w| rows.iter().map(|&r| w[r]).collect())
    }

    /// The targets of samples `rows`, one per output.
    pub(crate) fn gather_y(&self, rows: &[usize]) -> Vec<BatchTargets> {
        self.ys.iter().map(|y| y.gather(rows)).collect()
    }

    /// The inputs of samples `rows`, one batch tensor per input, gathered
    /// into `buffers` where they have the right shape and nothing else
    /// holds them.
    pub(crate) fn gather_x(&self, rows: &[usize], buffers: &mut Buffers) -> Vec<Tensor> {
        let copy = self.row_copier(rows, buffers);
        (0..rows.len()).for_each(copy);
        buffers.iter().flatten().cloned().collect()
    }

    /// Prepares `buffers` for the inputs of samples `rows` (as
    /// [`gather_x`](Self::gather_x)) and returns the copy of sample
    /// `rows[i]` into row `i` of every buffer, which threads may run for
    /// different `i` at once.
    pub(crate) fn row_copier<'s>(
        &'s self,
        rows: &'s [usize],
        buffers: &'s mut Buffers,
    ) -> impl Fn(usize) + Sync + 's {
        buffers.resize(self.xs.len(), None);
        let parts: Vec<(&[f32], usize, SharedMut)> = self
            .xs
            .iter()
            .zip(buffers.iter_mut())
            .map(|(x, buffer)| {
                // `check_inputs` made every `x` row-major with at least one sample.
                let flat = x.as_slice().unwrap_or(&[]);
                let width = flat.len() / x.shape()[0].max(1);
                let out = SharedMut::new(batch_buffer(x.shape(), rows.len(), buffer).as_slice_mut());
                (flat, width, out)
            })
            .collect();
        move |i| {
            for (flat, width, out) in &parts {
                let width = *width;
                // Rows are scattered over memory: ask for one a few ahead
                // now, so that its first and last cache lines (and its
                // page's address translation) are on their way when its
                // turn comes.
                if let Some(&ahead) = rows.get(i + 4) {
                    prefetch(&flat[ahead * width..(ahead + 1) * width]);
                }
                let src = &flat[rows[i] * width..(rows[i] + 1) * width];
                // SAFETY: the buffer holds `rows.len()` rows of `width` (made
                // so by `batch_buffer`) and stays borrowed while this closure
                // lives; each `i` is a different row.
                unsafe { out.slice(i * width, width) }.copy_from_slice(src);
            }
        }
    }
}

/// `buffer`, made a tensor of `samples` samples of `x`'s shape unless it
/// already is one that nothing else holds.
fn batch_buffer<'b>(x_shape: &[usize], samples: usize, buffer: &'b mut Option<Tensor>) -> &'b mut Tensor {
    let mut shape = x_shape.to_vec();
    shape[0] = samples;
    let reusable = buffer
        .as_ref()
        .is_some_and(|b| b.shape() == shape.as_slice() && b.is_unique());
    if !reusable {
        *buffer = None;
    }
    buffer.get_or_insert_with(|| Tensor::zeros(&shape))
}

/// Hints the CPU to start loading the first and last cache lines of `row`.
#[inline]
fn prefetch(row: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        if let (Some(first), Some(last)) = (row.first(), row.last()) {
            // SAFETY: a prefetch is a hint; it never faults or changes memory.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>((first as *const f32).cast());
                _mm_prefetch::<_MM_HINT_T0>((last as *const f32).cast());
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}
