//! 2-D convolution over channels-last images, as Keras' `Conv2D` computes
//! it: input `(N, H, W, C)`, kernel `(kh, kw, C, F)`, output
//! `(N, OH, OW, F)`.
//!
//! The forward gathers every receptive field into one row of a matrix
//! (im2col: `(N·OH·OW, kh·kw·C)`, zeros where the padding is) and
//! multiplies it by the kernel seen as `(kh·kw·C, F)` in one gemm. The
//! backward is two gemms: `dK = colsᵀ·dY`, and `dcols = dY·Kᵀ` scattered
//! back onto the input positions (col2im), skipped for an input batch.

use ndarray::Ix2;
use serde::{Deserialize, Serialize};

use super::dense::{accumulate_bias, bias_activation};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::ops::Activation;
use crate::tensor::layout::{RowMajor, RowMajorMut};
use crate::tensor::threads::for_each_items_mut;
use crate::tensor::{Tensor, gemm};

/// How a convolution or pooling window treats the borders, as in Keras.
///
/// ```
/// use kerust::ops::{Padding, conv_output};
/// assert_eq!(conv_output("doc", 28, 3, 1, Padding::Valid)?, (26, 0));
/// assert_eq!(conv_output("doc", 28, 3, 1, Padding::Same)?, (28, 1));
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
/// ```
/// use kerust::ops::{Padding, conv_output};
/// // Keras: "same" with stride 2 gives ceil(7 / 2) = 4, padding split 1 before.
/// assert_eq!(conv_output("doc", 7, 3, 2, Padding::Same)?, (4, 1));
/// # Ok::<(), kerust::Error>(())
/// ```
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
            let total = ((out - 1) * stride).saturating_add(window).saturating_sub(input);
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

    /// Calls `f(col, input, len)` for every run of one im2col row of image
    /// position `(oy, ox)` that reads the input: `len` values starting at
    /// column `col` of the row and at element `input` of the image (both
    /// contiguous, since channels are last). Columns not covered are
    /// padding.
    #[inline]
    fn for_each_run(&self, oy: usize, ox: usize, mut f: impl FnMut(usize, usize, usize)) {
        let x0 = (ox * self.sw) as isize - self.pw as isize;
        // The kernel columns whose input column is inside the image.
        let kx_lo = (-x0).clamp(0, self.kw as isize) as usize;
        let kx_hi = (self.w as isize - x0).clamp(0, self.kw as isize) as usize;
        if kx_lo >= kx_hi {
            return;
        }
        for ky in 0..self.kh {
            let iy = (oy * self.sh + ky) as isize - self.ph as isize;
            if iy < 0 || iy >= self.h as isize {
                continue;
            }
            let ix = (x0 + kx_lo as isize) as usize;
            f(
                (ky * self.kw + kx_lo) * self.c,
                (iy as usize * self.w + ix) * self.c,
                (kx_hi - kx_lo) * self.c,
            );
        }
    }

    /// im2col: writes every receptive field of `input` (the whole batch) as
    /// one row of `cols`, zeros where the padding is. Images are spread
    /// over the threads.
    fn im2col(&self, input: &[f32], cols: &mut [f32]) {
        let per_image = self.oh * self.ow * self.patch();
        let image_len = self.h * self.w * self.c;
        for_each_items_mut(cols, per_image, &|first, images| {
            for (i, rows) in images.chunks_exact_mut(per_image).enumerate() {
                let image = &input[(first + i) * image_len..][..image_len];
                for (r, row) in rows.chunks_exact_mut(self.patch()).enumerate() {
                    let (oy, ox) = (r / self.ow, r % self.ow);
                    let mut written = 0;
                    self.for_each_run(oy, ox, |col, at, len| {
                        row[written..col].fill(0.0);
                        row[col..col + len].copy_from_slice(&image[at..at + len]);
                        written = col + len;
                    });
                    row[written..].fill(0.0);
                }
            }
        });
    }

    /// col2im: adds every row of `dcols` back onto the input positions it
    /// was read from, into `dx` (the whole batch). Images are spread over
    /// the threads.
    fn col2im(&self, dcols: &[f32], dx: &mut [f32]) {
        let per_image = self.oh * self.ow * self.patch();
        let image_len = self.h * self.w * self.c;
        for_each_items_mut(dx, image_len, &|first, images| {
            for (i, image) in images.chunks_exact_mut(image_len).enumerate() {
                let rows = &dcols[(first + i) * per_image..][..per_image];
                for (r, row) in rows.chunks_exact(self.patch()).enumerate() {
                    let (oy, ox) = (r / self.ow, r % self.ow);
                    self.for_each_run(oy, ox, |col, at, len| {
                        image[at..at + len]
                            .iter_mut()
                            .zip(&row[col..col + len])
                            .for_each(|(d, g)| *d += g);
                    });
                }
            }
        });
    }
}

impl Tape {
    /// `activation(conv2d(x, kernel) + bias)` for channels-last `x`
    /// `(N, H, W, C)` and `kernel` `(kh, kw, C, F)`, with `strides`
    /// `(sh, sw)` and Keras' `padding`. The result is `(N, OH, OW, F)`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// use kerust::ops::{Activation, Padding};
    /// // A 3×3 image of ones through a 2×2 kernel of ones: every output sums 4 inputs.
    /// let x = tape.constant(Tensor::ones(&[1, 3, 3, 1]));
    /// let k = tape.variable(Tensor::ones(&[2, 2, 1, 1]));
    /// let y = tape.conv2d(x, k, None, (1, 1), Padding::Valid, Activation::Linear)?;
    /// assert_eq!(tape.value(y)?.shape(), &[1, 2, 2, 1]);
    /// assert_eq!(tape.value(y)?.to_vec(), vec![4.0; 4]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
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
        if let Some(bt) = &bt
            && bt.shape() != [f]
        {
            return Err(Error::shape(
                OP,
                format!("bias shape {}", fmt_shape(&[f])),
                format!("bias shape {}", fmt_shape(bt.shape())),
            ));
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

        // im2col into a recycled buffer, kept on the tape (which recycles it
        // again when cleared) for the kernel's gradient.
        let input = xt.as_array().as_standard_layout();
        let mut cols = self.buffer(&[g.rows(), g.patch()]).into_dimensionality::<Ix2>()?;
        g.im2col(input.row_major()?, cols.row_major_mut()?);
        drop(input);
        let k2 = kernel_matrix(&kt, g.patch(), f)?;
        let mut z = self.buffer(&[g.rows(), f]).into_dimensionality::<Ix2>()?;
        gemm(1.0, cols.view(), k2.view(), 0.0, z.view_mut())?;
        drop(k2);
        let cols = self.constant(Tensor::from(cols.into_dyn()));
        let input = bias_activation(z.row_major_mut()?, f, bt.as_ref(), activation);
        let y = z.into_shape_with_order(ndarray::IxDyn(&[n, oh, ow, f]))?;

        let inputs: Vec<Var> = [x, kernel].into_iter().chain(bias).collect();
        Ok(self.record(Tensor::from(y), &inputs, move |mut dz, ctx| {
            activation.backward_in_place(dz.view_mut(), ctx.output().view(), input.as_deref());
            let dz = dz.into_shape_with_order((g.rows(), g.f))?;
            if let Some(b) = bias {
                accumulate_bias(ctx, b, dz.view())?;
            }
            // dK = colsᵀ·dZ, as (kh·kw·C, F) then back to the kernel's shape.
            let cols = ctx.value(cols).view();
            let cols = cols.into_shape_with_order((g.rows(), g.patch()))?;
            ctx.accumulate_into(kernel, |dk, beta| {
                let dk = dk.into_shape_with_order((g.patch(), g.f))?;
                gemm(1.0, cols.t(), dz.view(), beta, dk)
            })?;
            if ctx.requires_grad(x) {
                let k2 = kernel_matrix(ctx.value(kernel), g.patch(), g.f)?;
                let mut dcols = ctx.buffer(&[g.rows(), g.patch()]).into_dimensionality::<Ix2>()?;
                gemm(1.0, dz.view(), k2.t(), 0.0, dcols.view_mut())?;
                ctx.accumulate_into(x, |mut dx, beta| {
                    let dx = dx.row_major_mut()?;
                    if beta == 0.0 {
                        dx.fill(0.0);
                    }
                    g.col2im(dcols.row_major()?, dx);
                    Ok(())
                })?;
                ctx.recycle(dcols.into_dyn());
            }
            ctx.recycle(dz.into_dyn());
            Ok(())
        }))
    }
}

/// The kernel `(kh, kw, C, F)` seen as a `(kh·kw·C, F)` matrix.
fn kernel_matrix(kernel: &Tensor, patch: usize, filters: usize) -> Result<ndarray::CowArray<'_, f32, Ix2>> {
    Ok(kernel
        .as_array()
        .as_standard_layout()
        .into_shape_with_order((patch, filters))?)
}
