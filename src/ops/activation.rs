//! Activation functions: relu, sigmoid and tanh as ops, and the
//! [`Activation`] a fused layer ([`dense`](crate::autograd::Tape::dense),
//! [`conv2d`](crate::autograd::Tape::conv2d)) applies after its affine map.
//!
//! Most derivatives can be written in terms of the output alone, so a fused
//! op keeps only its result; GELU, SiLU, hard SiLU and Mish need their
//! input, which the fused ops then keep as well ([`Activation::needs_input`]).

use ndarray::{ArrayViewD, ArrayViewMutD, Axis, Zip};
use serde::{Deserialize, Serialize};

pub(crate) use super::activation_math::sigmoid;
use super::activation_math::{SELU_ALPHA, SELU_SCALE, gelu, gelu_tanh, mish, softplus};
use crate::autograd::{Tape, Var};
use crate::error::Result;

/// An activation that a fused layer applies after its affine map, with
/// Keras' names and formulas (`keras.activations`); softmax and log-softmax
/// are taken over the last axis.
///
/// ```
/// use kerust::ops::Activation;
/// assert_eq!(kerust::activations::get("relu")?, Activation::Relu);
/// assert_eq!(kerust::activations::get("swish")?, Activation::Silu);
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
    /// `min(max(x, 0), 6)`.
    Relu6,
    /// `x` for `x ≥ 0`, else `0.2x` (Keras' `leaky_relu` default slope).
    LeakyRelu,
    /// `x` for `x > 0`, else `eˣ − 1` (α = 1).
    Elu,
    /// `scale·elu(x, α)` with Keras' `α ≈ 1.6733`, `scale ≈ 1.0507`.
    Selu,
    /// The exact GELU `x·Φ(x)` (Keras' `gelu`, `approximate=False`).
    Gelu,
    /// GELU's tanh approximation (Keras' `gelu(x, approximate=True)`;
    /// named `gelu_approximate` by kerust, so that it saves as itself).
    GeluApproximate,
    /// `x·sigmoid(x)` (`silu`, also `swish`).
    Silu,
    /// `clip(x/6 + ½, 0, 1)` (Keras 3's `relu6(x + 3)/6`).
    HardSigmoid,
    /// `x·hard_sigmoid(x)` (`hard_silu`, also `hard_swish`).
    HardSilu,
    /// `ln(1 + eˣ)`.
    Softplus,
    /// `x/(1 + |x|)`.
    Softsign,
    /// `x·tanh(softplus(x))`.
    Mish,
    /// `eˣ`.
    Exponential,
    /// `x − ln Σ eˣ` over the last axis.
    LogSoftmax,
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
            Activation::Relu6 => "relu6",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::GeluApproximate => "gelu_approximate",
            Activation::Silu => "silu",
            Activation::HardSigmoid => "hard_sigmoid",
            Activation::HardSilu => "hard_silu",
            Activation::Softplus => "softplus",
            Activation::Softsign => "softsign",
            Activation::Mish => "mish",
            Activation::Exponential => "exponential",
            Activation::LogSoftmax => "log_softmax",
        }
    }

    /// Whether the derivative needs the activation's input, not only its
    /// output (then a fused op keeps the input for its backward).
    ///
    /// ```
    /// use kerust::ops::Activation;
    /// assert!(Activation::Gelu.needs_input());
    /// assert!(!Activation::Relu.needs_input());
    /// ```
    pub fn needs_input(self) -> bool {
        matches!(
            self,
            Activation::Gelu
                | Activation::GeluApproximate
                | Activation::Silu
                | Activation::HardSilu
                | Activation::Mish
        )
    }

    /// The activation of one value (the element-wise activations).
    #[inline]
    fn value(self, x: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax | Activation::LogSoftmax => x,
            Activation::Relu => x.max(0.0),
            Activation::Sigmoid => sigmoid(x),
            Activation::Tanh => x.tanh(),
            Activation::Relu6 => x.clamp(0.0, 6.0),
            Activation::LeakyRelu => {
                if x >= 0.0 {
                    x
                } else {
                    0.2 * x
                }
            }
            Activation::Elu => {
                if x > 0.0 {
                    x
                } else {
                    x.exp_m1()
                }
            }
            Activation::Selu => SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
            Activation::Gelu => gelu(x).0,
            Activation::GeluApproximate => gelu_tanh(x).0,
            Activation::Silu => x * sigmoid(x),
            Activation::HardSigmoid => (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Activation::HardSilu => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Activation::Softplus => softplus(x),
            Activation::Softsign => x / (1.0 + x.abs()),
            Activation::Mish => mish(x).0,
            Activation::Exponential => x.exp(),
        }
    }

    /// The derivative at input `x` with output `y` (the element-wise
    /// activations; `x` is read only where [`needs_input`](Self::needs_input)).
    #[inline]
    fn derivative(self, x: f32, y: f32) -> f32 {
        match self {
            Activation::Linear | Activation::Softmax | Activation::LogSoftmax => 1.0,
            Activation::Relu => f32::from(u8::from(y > 0.0)),
            Activation::Sigmoid => y * (1.0 - y),
            Activation::Tanh => 1.0 - y * y,
            Activation::Relu6 => f32::from(u8::from(y > 0.0 && y < 6.0)),
            Activation::LeakyRelu => {
                if y > 0.0 {
                    1.0
                } else {
                    0.2
                }
            }
            Activation::Elu => {
                if y > 0.0 {
                    1.0
                } else {
                    y + 1.0
                }
            }
            Activation::Selu => {
                if y > 0.0 {
                    SELU_SCALE
                } else {
                    y + SELU_SCALE * SELU_ALPHA
                }
            }
            Activation::Gelu => gelu(x).1,
            Activation::GeluApproximate => gelu_tanh(x).1,
            Activation::Silu => {
                let s = sigmoid(x);
                s + x * s * (1.0 - s)
            }
            Activation::HardSigmoid => f32::from(u8::from(y > 0.0 && y < 1.0)) / 6.0,
            Activation::HardSilu => {
                let h = (x / 6.0 + 0.5).clamp(0.0, 1.0);
                h + if x > -3.0 && x < 3.0 { x / 6.0 } else { 0.0 }
            }
            Activation::Softplus => -(-y).exp_m1(),
            Activation::Softsign => (1.0 - y.abs()) * (1.0 - y.abs()),
            Activation::Mish => mish(x).1,
            Activation::Exponential => y,
        }
    }

    /// Applies the activation in place. Softmax and log-softmax work along
    /// the last axis.
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
            // The softmax of a single number is 1, its log 0.
            Activation::Softmax if z.ndim() == 0 => z.fill(1.0),
            Activation::LogSoftmax if z.ndim() == 0 => z.fill(0.0),
            Activation::Softmax | Activation::LogSoftmax => {
                let last = Axis(z.ndim() - 1);
                for lane in z.lanes_mut(last) {
                    if self == Activation::Softmax {
                        super::softmax::softmax_in_place(lane);
                    } else {
                        super::softmax::log_softmax_in_place(lane);
                    }
                }
            }
            other => z.mapv_inplace(|v| other.value(v)),
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
            Activation::Softmax => super::softmax::softmax_in_place(ndarray::ArrayViewMut1::from(row)),
            Activation::LogSoftmax => super::softmax::log_softmax_in_place(ndarray::ArrayViewMut1::from(row)),
            other => row.iter_mut().for_each(|v| *v = other.value(*v)),
        }
    }

    /// Turns the gradient with respect to the activation's output `y` into
    /// the gradient with respect to its input, in place. `x`, the input,
    /// is needed by the activations of [`needs_input`](Self::needs_input)
    /// (without it they take the output for it, which is wrong for them).
    ///
    /// ```
    /// use kerust::ops::Activation;
    /// // relu: the gradient passes where the output is positive.
    /// let y = ndarray::array![0.0f32, 2.0].into_dyn();
    /// let mut g = ndarray::array![1.0f32, 1.0].into_dyn();
    /// Activation::Relu.backward_in_place(g.view_mut(), y.view(), None);
    /// assert_eq!(g, ndarray::array![0.0f32, 1.0].into_dyn());
    /// ```
    pub fn backward_in_place(
        self,
        mut grad: ArrayViewMutD<'_, f32>,
        y: ArrayViewD<'_, f32>,
        x: Option<&[f32]>,
    ) {
        match self {
            Activation::Linear => {}
            Activation::Softmax | Activation::LogSoftmax if grad.ndim() == 0 => grad.fill(0.0),
            Activation::Softmax | Activation::LogSoftmax => {
                let last = Axis(grad.ndim() - 1);
                let softmax = self == Activation::Softmax;
                Zip::from(grad.lanes_mut(last))
                    .and(y.lanes(last))
                    .for_each(|g, y| {
                        if softmax {
                            super::softmax::softmax_backward_in_place(g, y);
                        } else {
                            super::softmax::log_softmax_backward_in_place(g, y);
                        }
                    });
            }
            other => match (grad.as_slice_mut(), y.as_slice(), x) {
                // Contiguous operands (the usual case): plain loops the
                // compiler vectorises.
                (Some(g), Some(y), Some(x)) if other.needs_input() => g
                    .iter_mut()
                    .zip(y)
                    .zip(x)
                    .for_each(|((g, &y), &x)| *g *= other.derivative(x, y)),
                (Some(g), Some(y), _) if other == Activation::Relu => {
                    g.iter_mut()
                        .zip(y)
                        .for_each(|(g, &y)| *g = if y > 0.0 { *g } else { 0.0 });
                }
                (Some(g), Some(y), _) => g
                    .iter_mut()
                    .zip(y)
                    .for_each(|(g, &y)| *g *= other.derivative(y, y)),
                _ => match x {
                    Some(x) if other.needs_input() => {
                        for ((g, &y), &x) in grad.iter_mut().zip(y.iter()).zip(x) {
                            *g *= other.derivative(x, y);
                        }
                    }
                    _ => Zip::from(&mut grad)
                        .and(&y)
                        .for_each(|g, &y| *g *= other.derivative(y, y)),
                },
            },
        }
    }
}

impl Tape {
    /// Any [`Activation`] as an op of its own (softmax and log-softmax over
    /// the last axis), as Keras' `Activation` layer applies it.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::ops::Activation;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![-1.0, 7.0])?);
    /// let y = tape.activation(x, Activation::Relu6)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![0.0, 6.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn activation(&mut self, x: Var, activation: Activation) -> Result<Var> {
        self.check(activation.name(), x)?;
        let mut y = self.get(x).view().to_owned();
        activation.apply(y.view_mut());
        let input = activation.needs_input().then(|| self.get(x).to_vec());
        Ok(
            self.record(crate::tensor::Tensor::from(y), &[x], move |mut grad, ctx| {
                activation.backward_in_place(grad.view_mut(), ctx.output().view(), input.as_deref());
                ctx.accumulate(x, grad);
                Ok(())
            }),
        )
    }

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

    /// Keras' `relu(x, negative_slope, max_value, threshold)`: `x` above
    /// `threshold` (else 0), clipped to `max_value`, minus
    /// `negative_slope·max(threshold − x, 0)`. The ReLU and LeakyReLU
    /// layers apply it.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[3], vec![-2.0, 0.5, 9.0])?);
    /// let y = tape.relu_with(x, 0.1, Some(6.0), 0.0)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![-0.2, 0.5, 6.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn relu_with(
        &mut self,
        x: Var,
        negative_slope: f32,
        max_value: Option<f32>,
        threshold: f32,
    ) -> Result<Var> {
        let max = max_value.unwrap_or(f32::INFINITY);
        let value = move |x: f32| {
            let kept = if x > threshold { x } else { 0.0 };
            kept.clamp(0.0, max) - negative_slope * (threshold - x).max(0.0)
        };
        let derivative = move |x: f32, _| {
            let kept = x > threshold && x <= max && x >= 0.0;
            f32::from(u8::from(kept)) + if x < threshold { negative_slope } else { 0.0 }
        };
        self.unary("relu", x, value, derivative)
    }

    /// Keras' `elu(x, alpha)`: `x` above 0, else `α(eˣ − 1)`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2], vec![0.0, 3.0])?);
    /// let y = tape.elu_with(x, 2.0)?;
    /// assert_eq!(tape.value(y)?.to_vec(), vec![0.0, 3.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn elu_with(&mut self, x: Var, alpha: f32) -> Result<Var> {
        let value = move |x: f32| if x > 0.0 { x } else { alpha * x.exp_m1() };
        let derivative = move |x: f32, _| if x > 0.0 { 1.0 } else { alpha * x.exp() };
        self.unary("elu", x, value, derivative)
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
