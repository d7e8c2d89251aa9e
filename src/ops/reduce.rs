//! Sums and means over every element or along one axis.
//!
//! The backward of a reduction broadcasts the incoming gradient back over
//! the reduced elements (divided by their count for a mean).

use ndarray::Axis;

use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::tensor::{Tensor, normalize_axis};

impl Tape {
    /// Sum of all elements, as a rank-0 tensor.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2, 3]));
    /// let s = tape.sum(x)?;
    /// assert_eq!(tape.value(s)?.item()?, 6.0);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn sum(&mut self, x: Var) -> Result<Var> {
        self.reduce_all("sum", x, 1.0)
    }

    /// Mean of all elements, as a rank-0 tensor (NaN for an empty tensor).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[4], vec![1.0, 2.0, 3.0, 6.0])?);
    /// let m = tape.mean(x)?;
    /// assert_eq!(tape.value(m)?.item()?, 3.0);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn mean(&mut self, x: Var) -> Result<Var> {
        self.check("mean", x)?;
        let n = self.get(x).len() as f32;
        self.reduce_all("mean", x, 1.0 / n)
    }

    /// Sum along `axis` (negative counts from the end); with `keepdims` the
    /// reduced axis stays with length 1, as in NumPy and Keras.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2, 3]));
    /// let s = tape.sum_axis(x, -1, false)?; // per row
    /// assert_eq!(tape.value(s)?.to_vec(), vec![3.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`](crate::Error::AxisOutOfRange) for a bad
    /// axis; [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not
    /// on this tape.
    pub fn sum_axis(&mut self, x: Var, axis: isize, keepdims: bool) -> Result<Var> {
        self.reduce_axis("sum_axis", x, axis, keepdims, false)
    }

    /// Mean along `axis`; see [`sum_axis`](Tape::sum_axis).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2, 2], vec![1.0, 3.0, 2.0, 4.0])?);
    /// let m = tape.mean_axis(x, 0, true)?; // per column, keeping the axis
    /// assert_eq!(tape.value(m)?.shape(), &[1, 2]);
    /// assert_eq!(tape.value(m)?.to_vec(), vec![1.5, 3.5]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`sum_axis`](Tape::sum_axis).
    pub fn mean_axis(&mut self, x: Var, axis: isize, keepdims: bool) -> Result<Var> {
        self.reduce_axis("mean_axis", x, axis, keepdims, true)
    }

    fn reduce_all(&mut self, op: &'static str, x: Var, scale: f32) -> Result<Var> {
        self.check(op, x)?;
        let total = self.get(x).view().sum() * scale;
        Ok(self.record(Tensor::scalar(total), &[x], move |grad, ctx| {
            let g = grad.iter().next().copied().unwrap_or(0.0) * scale;
            let mut dx = ctx.buffer(ctx.value(x).shape());
            dx.fill(g);
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }

    fn reduce_axis(
        &mut self,
        op: &'static str,
        x: Var,
        axis: isize,
        keepdims: bool,
        mean: bool,
    ) -> Result<Var> {
        self.check(op, x)?;
        let xv = self.get(x).view();
        let axis = Axis(normalize_axis(op, axis, xv.ndim())?);
        let len = xv.len_of(axis);
        let scale = if mean { 1.0 / len as f32 } else { 1.0 };
        let mut out = xv.sum_axis(axis);
        if mean {
            out.mapv_inplace(|v| v * scale);
        }
        if keepdims {
            out.insert_axis_inplace(axis);
        }
        Ok(self.record(Tensor::from(out), &[x], move |grad, ctx| {
            let shape = ctx.value(x).shape();
            let grad = if keepdims { grad } else { grad.insert_axis(axis) };
            let mut dx = ctx.buffer(shape);
            dx.zip_mut_with(&grad, |d, &g| *d = g * scale);
            ctx.recycle(grad);
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }
}
