//! Matrix products through `matrixmultiply::sgemm`.
//!
//! `sgemm` accepts arbitrary row and column strides, so a transposed operand
//! is passed as a view with swapped strides and never copied.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use matrixmultiply::sgemm;

use crate::error::{Error, Result, fmt_shape};

/// `c ← alpha·a·b + beta·c` for 2-D views of any strides.
///
/// With `beta == 0` the old contents of `c` are not read (they may be
/// uninitialised garbage or NaN). With `beta == 1` the product is added to
/// `c`, which is how gradients accumulate without a temporary.
///
/// # Errors
/// [`Error::ShapeMismatch`] if `a` is `m×k`, `b` is not `k×n`, or `c` is not `m×n`.
///
/// ```
/// use kerust::tensor::gemm;
/// use ndarray::{array, Array2};
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// let mut c = Array2::<f32>::zeros((2, 2));
/// // a · aᵀ, the transpose being a strided view
/// gemm(1.0, a.view(), a.t(), 0.0, c.view_mut())?;
/// assert_eq!(c, array![[5.0, 11.0], [11.0, 25.0]]);
/// # Ok::<(), kerust::Error>(())
/// ```
pub fn gemm(
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
) -> Result<()> {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    if k != k2 {
        return Err(Error::shape(
            "gemm",
            format!("rhs with {k} rows to match lhs shape {}", fmt_shape(a.shape())),
            format!("rhs shape {}", fmt_shape(b.shape())),
        ));
    }
    if c.dim() != (m, n) {
        return Err(Error::shape(
            "gemm",
            format!("output shape {}", fmt_shape(&[m, n])),
            format!("output shape {}", fmt_shape(c.shape())),
        ));
    }
    split_gemm(parts_for(m, k, n), alpha, a, b, beta, c);
    Ok(())
}

/// [`gemm`] split over exactly `parts` threads whatever the sizes (at
/// least 1, at most the longer output side): for measuring where
/// splitting starts to pay, as `cargo bench --bench gemm_threads` does.
///
/// ```
/// use ndarray::array;
/// let a = array![[1.0f32, 2.0], [3.0, 4.0]];
/// let mut c = ndarray::Array2::<f32>::zeros((2, 2));
/// kerust::tensor::gemm_in_parts(2, 1.0, a.view(), a.t(), 0.0, c.view_mut())?; // a·aᵀ on two threads
/// assert_eq!(c, array![[5.0, 11.0], [11.0, 25.0]]);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`gemm`].
pub fn gemm_in_parts(
    parts: usize,
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
) -> Result<()> {
    let (m, n) = (a.nrows(), b.ncols());
    if a.ncols() != b.nrows() || c.dim() != (m, n) {
        return gemm(alpha, a, b, beta, c);
    }
    split_gemm(parts.clamp(1, m.max(n).max(1)), alpha, a, b, beta, c);
    Ok(())
}

/// The product on checked shapes, in `parts` pieces.
fn split_gemm(
    parts: usize,
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let (rsa, csa) = (a.strides()[0], a.strides()[1]);
    let (rsb, csb) = (b.strides()[0], b.strides()[1]);
    let (rsc, csc) = (c.strides()[0], c.strides()[1]);
    let raw = Raw {
        a: a.as_ptr(),
        b: b.as_ptr(),
        c: c.as_mut_ptr(),
    };
    if parts <= 1 {
        // SAFETY: the three views are valid for the shapes checked above,
        // their strides are taken from the views themselves, and `c` is
        // borrowed mutably so it cannot alias `a` or `b`.
        unsafe {
            sgemm(
                m, k, n, alpha, raw.a, rsa, csa, raw.b, rsb, csb, beta, raw.c, rsc, csc,
            )
        };
        return;
    }
    if k >= 4 * m.max(n) {
        split_inner(parts, alpha, &raw, (m, k, n), (rsa, csa, rsb, csb), beta, c);
        return;
    }
    // Split the longer of the output's two sides; each part packs its own
    // slice of one operand and all of the other, so duplicate the smaller.
    let split_rows = m >= n;
    let len = if split_rows { m } else { n };
    let job = |part: usize| {
        let (lo, hi) = (len * part / parts, len * (part + 1) / parts);
        let raw = &raw;
        // SAFETY: as above; each part writes a disjoint block of rows (or
        // columns) of `c`, and reads `a` and `b` only.
        unsafe {
            if split_rows {
                sgemm(
                    hi - lo,
                    k,
                    n,
                    alpha,
                    raw.a.offset(lo as isize * rsa),
                    rsa,
                    csa,
                    raw.b,
                    rsb,
                    csb,
                    beta,
                    raw.c.offset(lo as isize * rsc),
                    rsc,
                    csc,
                );
            } else {
                sgemm(
                    m,
                    k,
                    hi - lo,
                    alpha,
                    raw.a,
                    rsa,
                    csa,
                    raw.b.offset(lo as isize * csb),
                    rsb,
                    csb,
                    beta,
                    raw.c.offset(lo as isize * csc),
                    rsc,
                    csc,
                );
            }
        }
    };
    super::threads::run_parts(parts, &job);
}

/// A product with a long inner dimension and a small output (a batch of a
/// few samples through a narrow layer): each part multiplies a slice of
/// the inner dimension into its own small output, and the parts are summed.
fn split_inner(
    parts: usize,
    alpha: f32,
    raw: &Raw,
    (m, k, n): (usize, usize, usize),
    (rsa, csa, rsb, csb): (isize, isize, isize, isize),
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
) {
    let mut partial = vec![0.0f32; (parts - 1) * m * n];
    let out = Raw {
        a: raw.a,
        b: raw.b,
        c: partial.as_mut_ptr(),
    };
    let job = |part: usize| {
        let (lo, hi) = (k * part / parts, k * (part + 1) / parts);
        let (out, raw) = (&out, raw);
        // SAFETY: part 0 computes into a separate buffer below; parts ≥ 1
        // write disjoint m×n blocks of `partial`; `a` and `b` are only read.
        unsafe {
            if part > 0 {
                let c = out.c.add((part - 1) * m * n);
                let (a, b) = (raw.a.offset(lo as isize * csa), raw.b.offset(lo as isize * rsb));
                sgemm(
                    m,
                    hi - lo,
                    n,
                    alpha,
                    a,
                    rsa,
                    csa,
                    b,
                    rsb,
                    csb,
                    0.0,
                    c,
                    n as isize,
                    1,
                );
            }
        }
    };
    // Part 0 goes straight into `c` (with beta), the others into `partial`.
    let (rsc, csc) = (c.strides()[0], c.strides()[1]);
    let target = Raw {
        a: raw.a,
        b: raw.b,
        c: c.as_mut_ptr(),
    };
    let first = |part: usize| {
        if part == 0 {
            let target = &target;
            // SAFETY: only part 0 writes `c`, which this function borrows mutably.
            unsafe {
                sgemm(
                    m,
                    k / parts,
                    n,
                    alpha,
                    target.a,
                    rsa,
                    csa,
                    target.b,
                    rsb,
                    csb,
                    beta,
                    target.c,
                    rsc,
                    csc,
                )
            };
        } else {
            job(part);
        }
    };
    super::threads::run_parts(parts, &first);
    for block in partial.chunks_exact(m * n) {
        for (i, mut row) in c.rows_mut().into_iter().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v += block[i * n + j];
            }
        }
    }
}

/// Below this many multiply-adds a product stays on one thread: handing a
/// part to the second core costs more than it saves. Above it a product is
/// split into one part per started multiple of it, up to the thread count
/// (measured with `cargo bench --bench gemm_threads`).
///
/// ```
/// // A batch-32 product through a 784→10 layer is split; a 32×100×10 one is not.
/// assert!(32 * 784 * 10 >= kerust::tensor::PARALLEL_THRESHOLD);
/// assert!(32 * 100 * 10 < kerust::tensor::PARALLEL_THRESHOLD);
/// ```
pub const PARALLEL_THRESHOLD: usize = 1 << 17;

/// How many threads a product of these sizes uses.
fn parts_for(m: usize, k: usize, n: usize) -> usize {
    let threads = super::threads::num_threads();
    let work = m.saturating_mul(k).saturating_mul(n);
    if threads <= 1 || work < PARALLEL_THRESHOLD {
        return 1;
    }
    // Every part keeps at least a full block of rows or columns.
    threads
        .min(work.div_ceil(PARALLEL_THRESHOLD))
        .min(m.max(n) / 8)
        .max(1)
}

/// The operands' base pointers, shared with the helper threads.
struct Raw {
    a: *const f32,
    b: *const f32,
    c: *mut f32,
}

// SAFETY: the pointers are only used inside `gemm`, which outlives every
// part, and the parts write disjoint regions of `c`.
unsafe impl Sync for Raw {}

/// The matrix product `a·b` into a new array.
///
/// ```
/// let a = ndarray::array![[1.0f32, 2.0]];
/// let b = ndarray::array![[3.0f32], [4.0]];
/// assert_eq!(kerust::tensor::matmul(a.view(), b.view())?, ndarray::array![[11.0]]);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`] if the inner dimensions differ.
pub fn matmul(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
    let mut c = Array2::zeros((a.nrows(), b.ncols()));
    gemm(1.0, a, b, 0.0, c.view_mut())?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn transposed_operands_need_no_copy() {
        let a = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let b = array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]];
        // aᵀ·a through strides
        let c = matmul(a.t(), a.view()).unwrap();
        assert_eq!(
            c,
            array![[17.0, 22.0, 27.0], [22.0, 29.0, 36.0], [27.0, 36.0, 45.0]]
        );
        let c = matmul(a.view(), b.view()).unwrap();
        assert_eq!(c, array![[4.0, 5.0], [10.0, 11.0]]);
    }

    #[test]
    fn beta_one_accumulates() {
        let a = array![[1.0f32, 2.0]];
        let b = array![[3.0f32], [4.0]];
        let mut c = array![[10.0f32]];
        gemm(1.0, a.view(), b.view(), 1.0, c.view_mut()).unwrap();
        assert_eq!(c, array![[21.0]]);
    }

    #[test]
    fn every_split_gives_the_single_thread_result() {
        // Row split (m ≥ n), column split (n > m), inner split (k ≫ m, n),
        // with beta = 1 accumulation and a transposed operand.
        for &(m, k, n) in &[(64, 20, 8), (8, 20, 64), (6, 500, 5), (33, 17, 1)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
            let bt = Array2::from_shape_fn((n, k), |(i, j)| ((i * 5 + j) % 7) as f32 * 0.5);
            let c0 = Array2::from_shape_fn((m, n), |(i, j)| (i + j) as f32);
            let mut expected = c0.clone();
            gemm_in_parts(1, 0.5, a.view(), bt.t(), 1.0, expected.view_mut()).unwrap();
            for parts in [2, 3, 4] {
                let mut c = c0.clone();
                gemm_in_parts(parts, 0.5, a.view(), bt.t(), 1.0, c.view_mut()).unwrap();
                for (x, y) in c.iter().zip(&expected) {
                    assert!(
                        (x - y).abs() <= 1e-3 * y.abs().max(1.0),
                        "{m}×{k}×{n} in {parts} parts"
                    );
                }
            }
        }
    }

    #[test]
    fn mismatched_output_is_an_error() {
        let a = array![[1.0f32, 2.0]];
        let mut c = Array2::<f32>::zeros((2, 2));
        let err = gemm(1.0, a.view(), a.t(), 0.0, c.view_mut()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "gemm: expected output shape (1, 1), found output shape (2, 2)"
        );
    }
}
