//! Max and average pooling over channels-last images `(N, H, W, C)`, with
//! Keras' pool sizes, strides (defaulting to the pool size in the layers)
//! and padding rules. Padded cells never win a max and are not counted in
//! an average.

use ndarray::{ArrayD, IxDyn};

use super::conv::{Padding, conv_output};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

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
        let input = xt.as_array().as_standard_layout();
        let input = input.as_slice().expect("standard layout");
        // For each output cell: the input cells of its window (flat indices).
        let window = move |b: usize, oy: usize, ox: usize, ch: usize| {
            let ys = (oy * strides.0) as isize - ph as isize;
            let xs = (ox * strides.1) as isize - pw as isize;
            (0..pool.0 as isize).flat_map(move |dy| {
                (0..pool.1 as isize).filter_map(move |dx| {
                    let (iy, ix) = (ys + dy, xs + dx);
                    (iy >= 0 && iy < h as isize && ix >= 0 && ix < w as isize)
                        .then(|| ((b * h + iy as usize) * w + ix as usize) * c + ch)
                })
            })
        };
        let cells = n * oh * ow * c;
        let mut out = Vec::with_capacity(cells);
        // Max: the winning input of each cell; average: the count of real inputs.
        let mut routes = Vec::with_capacity(cells);
        for b in 0..n {
            for oy in 0..oh {
                for ox in 0..ow {
                    for ch in 0..c {
                        match kind {
                            Kind::Max => {
                                let best = window(b, oy, ox, ch)
                                    .reduce(|best, i| if input[i] > input[best] { i } else { best })
                                    .expect("every window holds a real cell");
                                out.push(input[best]);
                                routes.push(best);
                            }
                            Kind::Average => {
                                let (sum, count) = window(b, oy, ox, ch)
                                    .fold((0.0f32, 0usize), |(s, k), i| (s + input[i], k + 1));
                                out.push(sum / count as f32);
                                routes.push(count);
                            }
                        }
                    }
                }
            }
        }
        let y = Tensor::from_vec(&[n, oh, ow, c], out)?;
        let shape = [n, h, w, c];
        Ok(self.record(y, &[x], move |grad, ctx| {
            let g = grad.as_standard_layout();
            let g = g.as_slice().expect("standard layout");
            let mut dx = ArrayD::<f32>::zeros(IxDyn(&shape));
            let dxs = dx.as_slice_mut().expect("row-major");
            match kind {
                Kind::Max => routes.iter().zip(g).for_each(|(&i, &g)| dxs[i] += g),
                Kind::Average => {
                    let mut cell = 0;
                    for b in 0..n {
                        for oy in 0..oh {
                            for ox in 0..ow {
                                for ch in 0..c {
                                    let share = g[cell] / routes[cell] as f32;
                                    window(b, oy, ox, ch).for_each(|i| dxs[i] += share);
                                    cell += 1;
                                }
                            }
                        }
                    }
                }
            }
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }
}
