//! Max and average pooling over channels-last images `(N, H, W, C)`, with
//! Keras' pool sizes, strides (defaulting to the pool size in the layers)
//! and padding rules. Padded cells never win a max and are not counted in
//! an average.

use super::conv::{Padding, conv_output};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;
use crate::tensor::layout::{RowMajor, RowMajorMut};
use crate::tensor::threads::for_each_items_mut;

/// Max or average.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Max,
    Average,
}

impl Tape {
    /// Max pooling: each output cell is the largest input in its window;
    /// the gradient goes to that input (the first one on ties).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// use kerust::ops::Padding;
    /// let x = tape.variable(Tensor::from_vec(&[1, 2, 2, 1], vec![1.0, 5.0, 3.0, 2.0])?);
    /// let y = tape.max_pool2d(x, (2, 2), (2, 2), Padding::Valid)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![5.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `x` is not `(N, H, W, C)` or the output
    /// would be empty; [`Error::ForeignVar`] if `x` is not on this tape.
    pub fn max_pool2d(
        &mut self,
        x: Var,
        pool: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<Var> {
        self.pool2d("max_pool2d", Kind::Max, x, pool, strides, padding)
    }

    /// Average pooling: each output cell is the mean of the real (unpadded)
    /// inputs in its window, which share its gradient equally.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// use kerust::ops::Padding;
    /// let x = tape.variable(Tensor::from_vec(&[1, 2, 2, 1], vec![1.0, 5.0, 3.0, 3.0])?);
    /// let y = tape.average_pool2d(x, (2, 2), (2, 2), Padding::Valid)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`max_pool2d`](Tape::max_pool2d).
    pub fn average_pool2d(
        &mut self,
        x: Var,
        pool: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<Var> {
        self.pool2d("average_pool2d", Kind::Average, x, pool, strides, padding)
    }

    fn pool2d(
        &mut self,
        op: &'static str,
        kind: Kind,
        x: Var,
        pool: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<Var> {
        self.check(op, x)?;
        let xt = self.get(x).clone();
        let &[n, h, w, c] = xt.shape() else {
            return Err(Error::shape(
                op,
                "an input (N, H, W, C)",
                format!("input {}", fmt_shape(xt.shape())),
            ));
        };
        let (oh, ph) = conv_output(op, h, pool.0, strides.0, padding)?;
        let (ow, pw) = conv_output(op, w, pool.1, strides.1, padding)?;
        let g = Windows {
            h,
            w,
            c,
            oh,
            ow,
            pool,
            strides,
            pad: (ph, pw),
        };
        let input = xt.as_array().as_standard_layout();
        let input = input.row_major()?;
        let mut y = self.buffer(&[n, oh, ow, c]);
        let (image_len, out_len) = (h * w * c, oh * ow * c);
        for_each_items_mut(y.row_major_mut()?, out_len, &|first, out| {
            for (i, out) in out.chunks_exact_mut(out_len).enumerate() {
                let image = &input[(first + i) * image_len..][..image_len];
                match kind {
                    Kind::Max => g.max_forward(image, out),
                    Kind::Average => g.average_forward(image, out),
                }
            }
        });
        Ok(self.record(Tensor::from(y), &[x], move |grad, ctx| {
            let grad = grad.as_standard_layout();
            let grad = grad.row_major()?;
            let input = ctx.value(x).as_array().as_standard_layout();
            let input = input.row_major()?;
            let output = ctx.output().as_array().as_standard_layout();
            let output = output.row_major()?;
            ctx.accumulate_into(x, |mut dx, beta| {
                let dx = dx.row_major_mut()?;
                if beta == 0.0 {
                    dx.fill(0.0);
                }
                for_each_items_mut(dx, image_len, &|first, dx| {
                    for (i, dx) in dx.chunks_exact_mut(image_len).enumerate() {
                        let b = first + i;
                        let grad = &grad[b * out_len..][..out_len];
                        match kind {
                            Kind::Max => {
                                let image = &input[b * image_len..][..image_len];
                                let out = &output[b * out_len..][..out_len];
                                g.max_backward(image, out, grad, dx);
                            }
                            Kind::Average => g.average_backward(grad, dx),
                        }
                    }
                });
                Ok(())
            })
        }))
    }
}

/// The windows of one pooling op over an image `(H, W, C)`.
#[derive(Clone, Copy)]
struct Windows {
    h: usize,
    w: usize,
    c: usize,
    oh: usize,
    ow: usize,
    pool: (usize, usize),
    strides: (usize, usize),
    pad: (usize, usize),
}

impl Windows {
    /// The input rows and columns of output cell `(oy, ox)`'s window that
    /// lie inside the image.
    #[inline]
    fn window(&self, oy: usize, ox: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let clip = |o: usize, stride: usize, pad: usize, size: usize, len: usize| {
            let start = (o * stride) as isize - pad as isize;
            let lo = start.clamp(0, len as isize) as usize;
            let hi = (start + size as isize).clamp(0, len as isize) as usize;
            lo..hi
        };
        (
            clip(oy, self.strides.0, self.pad.0, self.pool.0, self.h),
            clip(ox, self.strides.1, self.pad.1, self.pool.1, self.w),
        )
    }

    /// Calls `f(output_cell, input_cell)` for the first channel of every
    /// output cell and every input cell of its window, in window order.
    #[inline]
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize)) {
        for oy in 0..self.oh {
            for ox in 0..self.ow {
                let (ys, xs) = self.window(oy, ox);
                let cell = (oy * self.ow + ox) * self.c;
                for iy in ys {
                    for ix in xs.clone() {
                        f(cell, (iy * self.w + ix) * self.c);
                    }
                }
            }
        }
    }

    /// Each output cell: the largest input of its window (the first one on
    /// ties). Every window holds at least one real cell.
    fn max_forward(&self, image: &[f32], out: &mut [f32]) {
        out.fill(f32::NEG_INFINITY);
        let c = self.c;
        self.for_each_tap(|o, i| {
            for (best, &v) in out[o..o + c].iter_mut().zip(&image[i..i + c]) {
                *best = if v > *best { v } else { *best };
            }
        });
    }

    /// The gradient of each output cell goes to the first input of its
    /// window equal to the output (the one the forward chose).
    fn max_backward(&self, image: &[f32], out: &[f32], grad: &[f32], dx: &mut [f32]) {
        let c = self.c;
        // Per output value: its gradient until it has been routed, then 0.
        let mut pending = grad.to_vec();
        self.for_each_tap(|o, i| {
            let taps = dx[i..i + c].iter_mut().zip(&image[i..i + c]);
            for ((d, &v), (p, &y)) in taps.zip(pending[o..o + c].iter_mut().zip(&out[o..o + c])) {
                let hit = v == y;
                *d += if hit { *p } else { 0.0 };
                *p = if hit { 0.0 } else { *p };
            }
        });
    }

    /// The number of real cells in output cell `(oy, ox)`'s window.
    fn count(&self, cell: usize) -> f32 {
        let (ys, xs) = self.window(cell / self.ow, cell % self.ow);
        (ys.len() * xs.len()) as f32
    }

    /// Each output cell: the mean of the real inputs of its window.
    fn average_forward(&self, image: &[f32], out: &mut [f32]) {
        out.fill(0.0);
        let c = self.c;
        self.for_each_tap(|o, i| {
            for (sum, &v) in out[o..o + c].iter_mut().zip(&image[i..i + c]) {
                *sum += v;
            }
        });
        for (cell, sums) in out.chunks_exact_mut(c).enumerate() {
            let count = self.count(cell);
            sums.iter_mut().for_each(|s| *s /= count);
        }
    }

    /// Each output cell's gradient, shared equally by its window's inputs.
    fn average_backward(&self, grad: &[f32], dx: &mut [f32]) {
        let c = self.c;
        self.for_each_tap(|o, i| {
            let count = self.count(o / c);
            for (d, &g) in dx[i..i + c].iter_mut().zip(&grad[o..o + c]) {
                *d += g / count;
            }
        });
    }
}
