//! Arithmetic of two operands with NumPy broadcasting: add, sub, mul, div,
//! maximum, minimum.
//!
//! The forward broadcasts both operands to a common shape; the backward
//! computes each operand's gradient at that shape and sums it back down to
//! the operand's own shape with [`sum_to_shape`].

use ndarray::{ArrayD, ArrayViewD, Zip};

use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::tensor::{Tensor, broadcast_shape, sum_to_shape};

/// Which operation, with its forward and partial derivatives.
#[derive(Clone, Copy)]
enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
}

impl BinaryOp {
    fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }

    #[inline]
    fn forward(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryOp::Add => a + b,
            BinaryOp::Sub => a - b,
            BinaryOp::Mul => a * b,
            BinaryOp::Div => a / b,
            BinaryOp::Maximum => a.max(b),
            BinaryOp::Minimum => a.min(b),
        }
    }

    /// `∂(a ∘ b)/∂a`. At a tie of maximum (minimum) the gradient goes to
    /// `a`, as TensorFlow's gradient of `maximum` gives it to `x >= y`.
    #[inline]
    fn d_lhs(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryOp::Add | BinaryOp::Sub => 1.0,
            BinaryOp::Mul => b,
            BinaryOp::Div => 1.0 / b,
            BinaryOp::Maximum => f32::from(u8::from(a >= b)),
            BinaryOp::Minimum => f32::from(u8::from(a <= b)),
        }
    }

    /// `∂(a ∘ b)/∂b`.
    #[inline]
    fn d_rhs(self, a: f32, b: f32) -> f32 {
        match self {
            BinaryOp::Add => 1.0,
            BinaryOp::Sub => -1.0,
            BinaryOp::Mul => a,
            BinaryOp::Div => -a / (b * b),
            BinaryOp::Maximum => f32::from(u8::from(a < b)),
            BinaryOp::Minimum => f32::from(u8::from(a > b)),
        }
    }
}

/// `grad ⊙ d(a, b)` at the broadcast shape, summed down to `shape`.
fn partial(
    grad: &ArrayViewD<'_, f32>,
    a: &ArrayViewD<'_, f32>,
    b: &ArrayViewD<'_, f32>,
    shape: &[usize],
    d: impl Fn(f32, f32) -> f32,
) -> ArrayD<f32> {
    let mut full = grad.to_owned();
    Zip::from(&mut full)
        .and_broadcast(a)
        .and_broadcast(b)
        .for_each(|g, &a, &b| *g *= d(a, b));
    sum_to_shape(full.view(), shape)
}

impl Tape {
    fn binary(&mut self, op: BinaryOp, a: Var, b: Var) -> Result<Var> {
        self.check(op.name(), a)?;
        self.check(op.name(), b)?;
        let (av, bv) = (self.get(a).view(), self.get(b).view());
        let shape = broadcast_shape(op.name(), av.shape(), bv.shape())?;
        let mut out = ArrayD::<f32>::zeros(shape);
        Zip::from(&mut out)
            .and_broadcast(&av)
            .and_broadcast(&bv)
            .for_each(|o, &x, &y| *o = op.forward(x, y));
        Ok(self.record(Tensor::from(out), &[a, b], move |grad, ctx| {
            let (av, bv) = (ctx.value(a).view(), ctx.value(b).view());
            let g = grad.view();
            if ctx.requires_grad(a) {
                let da = partial(&g, &av, &bv, av.shape(), |x, y| op.d_lhs(x, y));
                ctx.accumulate(a, da);
            }
            if ctx.requires_grad(b) {
                let db = partial(&g, &av, &bv, bv.shape(), |x, y| op.d_rhs(x, y));
                ctx.accumulate(b, db);
            }
            ctx.recycle(grad);
            Ok(())
        }))
    }

    /// `a + b`, broadcasting.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// // Broadcasting as NumPy does: (2, 2) + (2,)
    /// let a = tape.variable(Tensor::ones(&[2, 2]));
    /// let b = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let c = tape.add(a, b)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![2.0, 3.0, 2.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Broadcast`](crate::Error::Broadcast) if the shapes do not
    /// broadcast; [`Error::ForeignVar`](crate::Error::ForeignVar) for a
    /// variable of another tape.
    pub fn add(&mut self, a: Var, b: Var) -> Result<Var> {
        self.binary(BinaryOp::Add, a, b)
    }

    /// `a − b`, broadcasting.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::full(&[2], 5.0));
    /// let b = tape.variable(Tensor::from_vec(&[2], vec![1.0, 2.0])?);
    /// let c = tape.sub(a, b)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![4.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`add`](Tape::add).
    pub fn sub(&mut self, a: Var, b: Var) -> Result<Var> {
        self.binary(BinaryOp::Sub, a, b)
    }

    /// `a ⊙ b` (elementwise), broadcasting.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::from_vec(&[2], vec![2.0, 3.0])?);
    /// let c = tape.mul(a, a)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![4.0, 9.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`add`](Tape::add).
    pub fn mul(&mut self, a: Var, b: Var) -> Result<Var> {
        self.binary(BinaryOp::Mul, a, b)
    }

    /// `a / b` (elementwise), broadcasting.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::from_vec(&[2], vec![1.0, 3.0])?);
    /// let b = tape.variable(Tensor::full(&[2], 2.0));
    /// let c = tape.div(a, b)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![0.5, 1.5]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`add`](Tape::add).
    pub fn div(&mut self, a: Var, b: Var) -> Result<Var> {
        self.binary(BinaryOp::Div, a, b)
    }

    /// The elementwise maximum of `a` and `b`, broadcasting.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::from_vec(&[3], vec![1.0, 5.0, 2.0])?);
    /// let b = tape.variable(Tensor::full(&[3], 2.0));
    /// let c = tape.maximum(a, b)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![2.0, 5.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`add`](Tape::add).
    pub fn maximum(&mut self, a: Var, b: Var) -> Result<Var> {
        self.binary(BinaryOp::Maximum, a, b)
    }

    /// The elementwise minimum of `a` and `b`, broadcasting.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let a = tape.variable(Tensor::from_vec(&[3], vec![1.0, 5.0, 2.0])?);
    /// let b = tape.variable(Tensor::full(&[3], 2.0));
    /// let c = tape.minimum(a, b)?;
    /// assert_eq!(tape.value(c)?.to_vec(), vec![1.0, 2.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`add`](Tape::add).
    pub fn minimum(&mut self, a: Var, b: Var) -> Result<Var> {
        self.binary(BinaryOp::Minimum, a, b)
    }
}
