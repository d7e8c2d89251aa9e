//! Activation functions: relu, sigmoid and tanh as ops, and the
//! [`Activation`] a fused [`dense`](crate::autograd::Tape::dense) layer applies.
//!
//! Every activation here has a derivative that can be written in terms of
//! its output alone, so a fused op needs to keep only its result.

use ndarray::{ArrayViewMutD, Axis, Zip};
use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::Result;

/// The logistic function `1/(1+e⁻ˣ)`, evaluated without overflow for large |x|.
#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// An activation that a fused layer applies after its affine map.
///
/// The names are Keras' (`"linear"`, `"relu"`, `"sigmoid"`, `"tanh"`,
/// `"softmax"`); softmax is taken over the last axis.
///
/// ```
/// use kerust::ops::Activation;
/// assert_eq!(kerust::activations::get("relu")?, Activation::Relu);
/// assert_eq!(Activation::default(), Activation::Linear);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Activation {
    /// Identity, `f(x) = x` (Keras' default, `activation=None`).
    #[default]
    Linear,
    /// `max(x, 0)`.
    Relu,
    /// `1/(1+e⁻ˣ)`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `exp(x − max)/Σ exp(x − max)` over the last axis.
    Softmax,
}

impl Activation {
    /// Keras' name for the activation.
    ///
    /// ```
    /// use kerust::ops::Activation;
    /// assert_eq!(Activation::Softmax.name(), "softmax");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
        }
    }

    /// Applies the activation in place. Softmax works along the last axis.
    ///
    /// ```
    /// use kerust::ops::Activation;
    /// let mut z = ndarray::array![[-1.0f32, 2.0]].into_dyn();
    /// Activation::Relu.apply(z.view_mut());
    /// assert_eq!(z, ndarray::array![[0.0f32, 2.0]].into_dyn());
    /// ```
    pub fn apply(self, mut z: ArrayViewMutD<'_, f32>) {
        match self {
            Activation::Linear => {}
            Activation::Relu => z.mapv_inplace(|v| v.max(0.0)),
            Activation::Sigmoid => z.mapv_inplace(sigmoid),
            Activation::Tanh => z.mapv_inplace(f32::tanh),
            // The softmax of a single number is 1.
            Activation::Softmax if z.ndim() == 0 => z.fill(1.0),
            Activation::Softmax => {
                let last = Axis(z.ndim() - 1);
                for lane in z.lanes_mut(last) {
                    super::softmax::softmax_in_place(lane);
                }
            }
        }
    }

    /// Applies the activation to one row (the last axis) of a layer's output.
    ///
    /// ```
    /// use kerust::ops::Activation;
    /// let mut row = [1.0f32, 1.0];
    /// Activation::Softmax.apply_row(&mut row);
    /// assert_eq!(row, [0.5, 0.5]);
    /// ```
    pub fn apply_row(self, row: &mut [f32]) {
        match self {
            Activation::Linear => {}
            Activation::Relu => row.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Sigmoid => row.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Tanh => row.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Softmax => super::softmax::softmax_in_place(ndarray::ArrayViewMut1::from(row)),
        }
    }

    /// Turns the gradient with respect to the activation's output `y` into
    /// the gradient with respect to its input, in place.
    ///
    /// ```
    /// use kerust::ops::Activation;
    /// // relu: the gradient passes where the output is positive.
    /// let y = ndarray::array![0.0f32, 2.0].into_dyn();
    /// let mut g = ndarray::array![1.0f32, 1.0].into_dyn();
    /// Activation::Relu.backward_in_place(g.view_mut(), y.view());
    /// assert_eq!(g, ndarray::array![0.0f32, 1.0].into_dyn());
    /// ```
    pub fn backward_in_place(self, mut grad: ArrayViewMutD<'_, f32>, y: ndarray::ArrayViewD<'_, f32>) {
        // Contiguous operands (the usual case): plain loops the compiler
        // vectorises.
        if let (Some(g), Some(y)) = (grad.as_slice_mut(), y.as_slice()) {
            let pairs = g.iter_mut().zip(y);
            match self {
                Activation::Linear => return,
                Activation::Relu => return pairs.for_each(|(g, &y)| *g = if y > 0.0 { *g } else { 0.0 }),
                Activation::Sigmoid => return pairs.for_each(|(g, &y)| *g *= y * (1.0 - y)),
                Activation::Tanh => return pairs.for_each(|(g, &y)| *g *= 1.0 - y * y),
                Activation::Softmax => {}
            }
        }
        match self {
            Activation::Linear => {}
            Activation::Relu => Zip::from(&mut grad).and(&y).for_each(|g, &y| {
                if y <= 0.0 {
                    *g = 0.0;
                }
            }),
            Activation::Sigmoid => Zip::from(&mut grad).and(&y).for_each(|g, &y| *g *= y * (1.0 - y)),
            Activation::Tanh => Zip::from(&mut grad).and(&y).for_each(|g, &y| *g *= 1.0 - y * y),
            Activation::Softmax if grad.ndim() == 0 => grad.fill(0.0),
            Activation::Softmax => {
                let last = Axis(grad.ndim() - 1);
                Zip::from(grad.lanes_mut(last))
                    .and(y.lanes(last))
                    .for_each(|g, y| super::softmax::softmax_backward_in_place(g, y));
            }
        }
    }
}

impl Tape {
    /// Rectified linear unit `max(x, 0)`; its derivative is taken as 0 at 0.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![-1.0, 2.0])?);
    /// let y = tape.relu(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![0.0, 2.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn relu(&mut self, x: Var) -> Result<Var> {
        self.unary("relu", x, |x| x.max(0.0), |x, _| if x > 0.0 { 1.0 } else { 0.0 })
    }

    /// Logistic sigmoid `1/(1+e⁻ˣ)`; derivative `y(1−y)`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[1]));
    /// let y = tape.sigmoid(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![0.5]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn sigmoid(&mut self, x: Var) -> Result<Var> {
        self.unary("sigmoid", x, sigmoid, |_, y| y * (1.0 - y))
    }

    /// Hyperbolic tangent; derivative `1 − y²`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[1]));
    /// let y = tape.tanh(x)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![0.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn tanh(&mut self, x: Var) -> Result<Var> {
        self.unary("tanh", x, f32::tanh, |_, y| 1.0 - y * y)
    }
}
