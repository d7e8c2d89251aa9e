//! 2-D convolution over channels-last images, as Keras' `Conv2D` computes
//! it: input `(N, H, W, C)`, kernel `(kh, kw, C, F)`, output
//! `(N, OH, OW, F)`.
//!
//! The forward gathers every receptive field into one row of a matrix
//! (im2col: `(N·OH·OW, kh·kw·C)`, zeros where the padding is) and
//! multiplies it by the kernel seen as `(kh·kw·C, F)` in one gemm. The
//! backward is two gemms: `dK = colsᵀ·dY`, and `dcols = dY·Kᵀ` scattered
//! back onto the input positions (col2im), skipped for an input batch.

use ndarray::{Array2, Ix2};
use serde::{Deserialize, Serialize};

use super::dense::{accumulate_bias, bias_activation};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::ops::Activation;
use crate::tensor::{Tensor, gemm};

/// How a convolution or pooling window treats the borders, as in Keras.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Padding {
    /// No padding: `out = floor((in − k)/s) + 1`.
    #[default]
    Valid,
    /// Zero padding so that `out = ceil(in/s)`; the extra row or column
    /// (if the total padding is odd) goes at the bottom or right.
    Same,
}

/// Output length and padding before, along one axis, as Keras computes them.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the output would be empty.
pub fn conv_output(
    op: &'static str,
    input: usize,
    window: usize,
    stride: usize,
    padding: Padding,
) -> Result<(usize, usize)> {
    if stride == 0 || window == 0 {
        return Err(Error::invalid(
            op,
            "positive window sizes and strides",
            format!("window {window}, stride {stride}"),
        ));
    }
    match padding {
        Padding::Valid if input >= window => Ok(((input - window) / stride + 1, 0)),
        Padding::Valid => Err(Error::shape(
            op,
            format!("inputs at least as large as the window ({window}) with padding \"valid\""),
            format!("an axis of length {input}"),
        )),
        Padding::Same => {
            let out = input.div_ceil(stride);
            let total = ((out - 1) * stride + window).saturating_sub(input);
            Ok((out, total / 2))
        }
    }
}

/// The geometry of one convolution.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    n: usize,
    h: usize,
    w: usize,
    c: usize,
    kh: usize,
    kw: usize,
    f: usize,
    oh: usize,
    ow: usize,
    sh: usize,
    sw: usize,
    ph: usize,
    pw: usize,
}

impl Geometry {
    fn rows(&self) -> usize {
        self.n * self.oh * self.ow
    }

    fn patch(&self) -> usize {
        self.kh * self.kw * self.c
    }

    /// Calls `f(row, col, input_index)` for every in-bounds pair of an
    /// im2col row/column and the input element it reads.
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        let patch = self.patch();
        for b in 0..self.n {
            for oy in 0..self.oh {
                for ox in 0..self.ow {
                    let row = (b * self.oh + oy) * self.ow + ox;
                    for ky in 0..self.kh {
                        let iy = (oy * self.sh + ky) as isize - self.ph as isize;
                        if iy < 0 || iy >= self.h as isize {
                            continue;
                        }
                        for kx in 0..self.kw {
                            let ix = (ox * self.sw + kx) as isize - self.pw as isize;
                            if ix < 0 || ix >= self.w as isize {
                                continue;
                            }
                            let col = (ky * self.kw + kx) * self.c;
                            let input = ((b * self.h + iy as usize) * self.w + ix as usize) * self.c;
                            for ch in 0..self.c {
                                f(row * patch, col + ch, input + ch);
                            }
                        }
                    }
                }
            }
        }
    }
}

impl Tape {
    /// `activation(conv2d(x, kernel) + bias)` for channels-last `x`
    /// `(N, H, W, C)` and `kernel` `(kh, kw, C, F)`, with `strides`
    /// `(sh, sw)` and Keras' `padding`. The result is `(N, OH, OW, F)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `x` is not rank 4, the kernel not rank 4
    /// with `C` input channels, the bias not `(F,)`, or the output would be
    /// empty; [`Error::ForeignVar`] for a variable of another tape.
    pub fn conv2d(
        &mut self,
        x: Var,
        kernel: Var,
        bias: Option<Var>,
        strides: (usize, usize),
        padding: Padding,
        activation: Activation,
    ) -> Result<Var> {
        const OP: &str = "conv2d";
        self.check(OP, x)?;
        self.check(OP, kernel)?;
        if let Some(b) = bias {
            self.check(OP, b)?;
        }
        let (xt, kt) = (self.get(x).clone(), self.get(kernel).clone());
        let bt = bias.map(|b| self.get(b).clone());
        let (&[n, h, w, c], &[kh, kw, kc, f]) = (xt.shape(), kt.shape()) else {
            return Err(Error::shape(
                OP,
                "an input (N, H, W, C) and a kernel (kh, kw, C, filters)",
                format!(
                    "input {} and kernel {}",
                    fmt_shape(xt.shape()),
                    fmt_shape(kt.shape())
                ),
            ));
        };
        if kc != c {
            return Err(Error::shape(
                OP,
                format!(
                    "a kernel with {c} input channels like the input {}",
                    fmt_shape(xt.shape())
                ),
                format!("kernel {}", fmt_shape(kt.shape())),
            ));
        }
        if let Some(bt) = &bt {
            if bt.shape() != [f] {
                return Err(Error::shape(
                    OP,
                    format!("bias shape {}", fmt_shape(&[f])),
                    format!("bias shape {}", fmt_shape(bt.shape())),
                ));
            }
        }
        let (oh, ph) = conv_output(OP, h, kh, strides.0, padding)?;
        let (ow, pw) = conv_output(OP, w, kw, strides.1, padding)?;
        let g = Geometry {
            n,
            h,
            w,
            c,
            kh,
            kw,
            f,
            oh,
            ow,
            sh: strides.0,
            sw: strides.1,
            ph,
            pw,
        };

        // im2col: every receptive field as one row; padding stays zero.
        let input = xt.as_array().as_standard_layout();
        let input = input.as_slice().expect("standard layout");
        let mut cols = vec![0.0f32; g.rows() * g.patch()];
        g.for_each_tap(|row, col, i| cols[row + col] = input[i]);
        let cols = Array2::from_shape_vec((g.rows(), g.patch()), cols).expect("rows × patch");
        let k2 = kernel_matrix(&kt, g.patch(), f);
        let mut z = self
            .buffer(&[g.rows(), f])
            .into_dimensionality::<Ix2>()
            .expect("rank 2");
        gemm(1.0, cols.view(), k2.view(), 0.0, z.view_mut())?;
        bias_activation(
            z.as_slice_mut().expect("a fresh row-major buffer"),
            f,
            bt.as_ref(),
            activation,
        );
        let y = z
            .into_shape_with_order(ndarray::IxDyn(&[n, oh, ow, f]))
            .expect("same element count");

        let inputs: Vec<Var> = [x, kernel].into_iter().chain(bias).collect();
        Ok(self.record(Tensor::from(y), &inputs, move |mut dz, ctx| {
            activation.backward_in_place(dz.view_mut(), ctx.output().view());
            let dz = dz.into_shape_with_order((g.rows(), g.f)).expect("rows × filters");
            if let Some(b) = bias {
                accumulate_bias(ctx, b, dz.view())?;
            }
            // dK = colsᵀ·dZ, as (kh·kw·C, F) then back to the kernel's shape.
            ctx.accumulate_into(kernel, |dk, beta| {
                let dk = dk
                    .into_shape_with_order((g.patch(), g.f))
                    .expect("kernel elements");
                gemm(1.0, cols.t(), dz.view(), beta, dk)
            })?;
            if ctx.requires_grad(x) {
                let k2 = kernel_matrix(ctx.value(kernel), g.patch(), g.f);
                let mut dcols = Array2::<f32>::zeros((g.rows(), g.patch()));
                gemm(1.0, dz.view(), k2.t(), 0.0, dcols.view_mut())?;
                let dcols = dcols.as_slice().expect("row-major");
                let mut dx = ndarray::ArrayD::<f32>::zeros(ndarray::IxDyn(&[g.n, g.h, g.w, g.c]));
                {
                    let dxs = dx.as_slice_mut().expect("row-major");
                    g.for_each_tap(|row, col, i| dxs[i] += dcols[row + col]);
                }
                ctx.accumulate(x, dx);
            }
            ctx.recycle(dz.into_dyn());
            Ok(())
        }))
    }
}

/// The kernel `(kh, kw, C, F)` seen as a `(kh·kw·C, F)` matrix.
fn kernel_matrix(kernel: &Tensor, patch: usize, filters: usize) -> ndarray::CowArray<'_, f32, Ix2> {
    kernel
        .as_array()
        .as_standard_layout()
        .into_shape_with_order((patch, filters))
        .expect("kernel elements")
}
