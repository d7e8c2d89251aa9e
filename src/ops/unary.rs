//! Elementwise operations of one operand: neg, exp, log, sqrt, pow and the
//! scalar shifts and scalings.
//!
//! Each is a forward function `f` and its derivative `df(x, y)` (written in
//! terms of the input `x` and/or the output `y = f(x)`, whichever is cheaper)
//! side by side; [`Tape::unary`] turns the pair into a recorded op.

use ndarray::Zip;

use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;

impl Tape {
    /// Records `y = f(x)` elementwise, with `dy/dx = df(x, y)`.
    pub(crate) fn unary<F, D>(&mut self, op: &'static str, x: Var, f: F, df: D) -> Result<Var>
    where
        F: Fn(f32) -> f32,
        D: Fn(f32, f32) -> f32 + Send + Sync + 'static,
    {
        self.check(op, x)?;
        let y = Tensor::from(self.get(x).view().mapv(f));
        Ok(self.record(y, &[x], move |mut dx, ctx| {
            Zip::from(&mut dx)
                .and(&ctx.value(x).view())
                .and(&ctx.output().view())
                .for_each(|d, &x, &y| *d *= df(x, y));
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }

    /// `-x`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, -2.0])?);
    /// let y = tape.neg(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![-1.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn neg(&mut self, x: Var) -> Result<Var> {
        self.unary("neg", x, |x| -x, |_, _| -1.0)
    }

    /// `eˣ`; its derivative is the output itself.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[2]));
    /// let y = tape.exp(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn exp(&mut self, x: Var) -> Result<Var> {
        self.unary("exp", x, f32::exp, |_, y| y)
    }

    /// Natural logarithm `ln x` (`-inf` at 0, NaN below); derivative `1/x`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let y = tape.log(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![0.0, 0.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn log(&mut self, x: Var) -> Result<Var> {
        self.unary("log", x, f32::ln, |x, _| 1.0 / x)
    }

    /// `√x`; derivative `1/(2√x)`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![1.0, 4.0])?);
    /// let y = tape.sqrt(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![1.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn sqrt(&mut self, x: Var) -> Result<Var> {
        self.unary("sqrt", x, f32::sqrt, |_, y| 0.5 / y)
    }

    /// `xᵖ` for a constant exponent `p`; derivative `p·xᵖ⁻¹`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![2.0, 3.0])?);
    /// let y = tape.pow(x, 2.0)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![4.0, 9.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn pow(&mut self, x: Var, p: f32) -> Result<Var> {
        self.unary("pow", x, move |x| x.powf(p), move |x, _| p * x.powf(p - 1.0))
    }

    /// `x + c` for a constant `c`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let y = tape.add_scalar(x, 0.5)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![1.5, 1.5]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn add_scalar(&mut self, x: Var, c: f32) -> Result<Var> {
        self.unary("add_scalar", x, move |x| x + c, |_, _| 1.0)
    }

    /// `|x|`; derivative the sign of `x` (0 at 0).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[3], vec![-2.0, 0.0, 3.0])?);
    /// let y = tape.abs(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![2.0, 0.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn abs(&mut self, x: Var) -> Result<Var> {
        self.unary("abs", x, f32::abs, |x, _| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        })
    }

    /// `c·x` for a constant `c`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[2]));
    /// let y = tape.mul_scalar(x, 3.0)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![3.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn mul_scalar(&mut self, x: Var, c: f32) -> Result<Var> {
        self.unary("mul_scalar", x, move |x| c * x, move |_, _| c)
    }
}
