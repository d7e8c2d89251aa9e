//! Matrix product of two rank-2 tensors.
//!
//! Forward `C = A·B`; backward `dA = dC·Bᵀ`, `dB = Aᵀ·dC`, the transposes
//! being strided views, and each product added straight into the gradient.

use ndarray::{Array2, Ix2};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::{Tensor, gemm};

impl Tape {
    /// The matrix product `a·b` of an `m×k` and a `k×n` tensor.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::from_vec(&[1, 2], vec![1.0, 2.0])?);
    /// let b = tape.variable(Tensor::from_vec(&[2, 1], vec![3.0, 4.0])?);
    /// let c = tape.matmul(a, b)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![11.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if either
    /// operand is not rank 2 or the inner dimensions differ;
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) for a variable of
    /// another tape.
    pub fn matmul(&mut self, a: Var, b: Var) -> Result<Var> {
        self.check("matmul", a)?;
        self.check("matmul", b)?;
        let (av, bv) = (self.get(a), self.get(b));
        for (side, t) in [("lhs", av), ("rhs", bv)] {
            if t.ndim() != 2 {
                return Err(Error::shape(
                    "matmul",
                    format!("a rank-2 {side}"),
                    format!("{side} shape {}", fmt_shape(t.shape())),
                ));
            }
        }
        let (m, k) = (av.shape()[0], av.shape()[1]);
        let (k2, n) = (bv.shape()[0], bv.shape()[1]);
        if k != k2 {
            return Err(Error::shape(
                "matmul",
                format!("rhs with {k} rows to match lhs shape {}", fmt_shape(av.shape())),
                format!("rhs shape {}", fmt_shape(bv.shape())),
            ));
        }
        let mut c = Array2::<f32>::zeros((m, n));
        gemm(1.0, as2(av)?, as2(bv)?, 0.0, c.view_mut())?;
        Ok(self.record(Tensor::from(c), &[a, b], move |grad, ctx| {
            let g = grad.view().into_dimensionality::<Ix2>()?;
            let (av, bv) = (as2(ctx.value(a))?, as2(ctx.value(b))?);
            ctx.accumulate_into(a, |da, beta| gemm(1.0, g, bv.t(), beta, into2(da)?))?;
            ctx.accumulate_into(b, |db, beta| gemm(1.0, av.t(), g, beta, into2(db)?))?;
            ctx.recycle(grad);
            Ok(())
        }))
    }
}

/// A rank-2 view of a tensor already checked to be rank 2.
pub(crate) fn as2(t: &Tensor) -> Result<ndarray::ArrayView2<'_, f32>> {
    Ok(t.view().into_dimensionality::<Ix2>()?)
}

/// A rank-2 mutable view of an accumulator already known to be rank 2.
pub(crate) fn into2(v: ndarray::ArrayViewMutD<'_, f32>) -> Result<ndarray::ArrayViewMut2<'_, f32>> {
    Ok(v.into_dimensionality::<Ix2>()?)
}
