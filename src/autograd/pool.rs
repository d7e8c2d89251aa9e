//! Recycled buffers: the tape hands out `f32` buffers for op outputs and
//! gradients and takes them back when a step is cleared, so a training
//! loop allocates no tensor buffer in its steady state.

use ndarray::{ArrayD, IxDyn};

use crate::tensor::Tensor;

/// At most this many spare buffers are kept.
const MAX_SPARES: usize = 64;

/// Spare `f32` buffers, reused by size.
#[derive(Default)]
pub(crate) struct Pool {
    spares: Vec<Vec<f32>>,
}

impl Pool {
    /// A buffer of exactly `len` elements with unspecified contents.
    pub(crate) fn take(&mut self, len: usize) -> Vec<f32> {
        // Prefer the smallest spare that is large enough.
        let best = self
            .spares
            .iter()
            .enumerate()
            .filter(|(_, v)| v.capacity() >= len)
            .min_by_key(|(_, v)| v.capacity())
            .map(|(i, _)| i);
        match best {
            Some(i) => {
                let mut v = self.spares.swap_remove(i);
                // Spares keep their length; only a grown tail is written.
                if v.len() >= len {
                    v.truncate(len);
                } else {
                    v.resize(len, 0.0);
                }
                v
            }
            None => vec![0.0; len],
        }
    }

    /// An array of `shape` with unspecified contents.
    pub(crate) fn array(&mut self, shape: &[usize]) -> ArrayD<f32> {
        let v = self.take(shape.iter().product());
        // `take` returns exactly as many elements as the shape holds.
        #[allow(clippy::expect_used)]
        ArrayD::from_shape_vec(IxDyn(shape), v).expect("buffer has the shape's size")
    }

    /// Keeps `v` for reuse.
    pub(crate) fn give(&mut self, v: Vec<f32>) {
        if v.capacity() >= 64 && self.spares.len() < MAX_SPARES {
            self.spares.push(v);
        }
    }

    /// Keeps the storage of `a` if it is contiguous.
    pub(crate) fn give_array(&mut self, a: ArrayD<f32>) {
        if a.is_standard_layout() {
            let (v, offset) = a.into_raw_vec_and_offset();
            if offset == Some(0) || offset.is_none() {
                self.give(v);
            }
        }
    }

    /// Keeps the storage of `t` if nothing else shares it.
    pub(crate) fn give_tensor(&mut self, t: Tensor) {
        let array = t.as_array();
        if array.is_standard_layout() && t.is_unique() {
            self.give_array(t.into_array());
        }
    }
}
