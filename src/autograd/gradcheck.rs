//! Finite-difference gradient checking.
//!
//! [`GradCheck::run`] compares the gradients the tape computes with central
//! differences of the forward pass. The output may have any shape: it is
//! reduced to a scalar with a fixed random weight per element,
//! `L = Σ rⱼ·outⱼ`, so every output element contributes a different
//! upstream gradient and mistakes cannot cancel. `L` is accumulated in `f64`,
//! and the step actually taken (`(x+ε) − (x−ε)` after rounding to `f32`) is
//! used as the denominator.
//!
//! ```
//! use kerust::autograd::gradcheck::GradCheck;
//! use kerust::tensor::Tensor;
//!
//! let x = Tensor::from_vec(&[2, 3], vec![0.3, -1.2, 0.8, 1.5, -0.4, 0.1])?;
//! let report = GradCheck::default().run(&[x], |tape, v| tape.tanh(v[0]))?;
//! assert!(report.passed(), "{report}");
//! # Ok::<(), kerust::Error>(())
//! ```

use std::fmt;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{Tape, Var};
use crate::error::Result;
use crate::tensor::Tensor;
use crate::tensor::layout::RowMajor;

/// Settings of a gradient check.
///
/// An element passes when `|analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)`.
///
/// The defaults suit `f32` forward passes on inputs of order 1: the step
/// `ε = 1e-2` keeps the truncation error of central differences near
/// `ε²/6·|f'''| ≈ 2e-5` and the rounding error near `6e-8·|out|/ε ≈ 1e-5`,
/// so errors of the numeric estimate stay below 1e-4, ten times under
/// `atol = 1e-3`. A wrong gradient is off by far more.
///
/// ```
/// use kerust::autograd::gradcheck::GradCheck;
/// use kerust::tensor::Tensor;
/// let x = Tensor::from_vec(&[3], vec![0.5, -1.0, 2.0])?;
/// let report = GradCheck::default().run(&[x], |tape, v| tape.tanh(v[0]))?;
/// assert!(report.passed());
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GradCheck {
    /// Half-width of the central difference.
    pub epsilon: f32,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance.
    pub rtol: f64,
    /// Seed of the output weights `r`.
    pub seed: u64,
}

impl Default for GradCheck {
    fn default() -> Self {
        GradCheck {
            epsilon: 1e-2,
            atol: 1e-3,
            rtol: 1e-2,
            seed: 0,
        }
    }
}

/// The element whose analytic and numeric gradients disagree the most.
///
/// ```
/// use kerust::autograd::gradcheck::GradCheck;
/// use kerust::tensor::Tensor;
/// // A backward that forgets the factor 3 is caught, element by element.
/// let x = Tensor::from_vec(&[2], vec![1.0, 2.0])?;
/// let report = GradCheck::default().run(&[x], |tape, v| {
///     let value = tape.value(v[0])?.view().mapv(|a| 3.0 * a).into();
///     let x = v[0];
///     Ok(tape.record(value, &[x], move |grad, ctx| {
///         ctx.accumulate(x, grad);
///         Ok(())
///     }))
/// })?;
/// assert!(!report.passed());
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Which input (position in the slice passed to [`GradCheck::run`]).
    pub input: usize,
    /// Flat (row-major) index of the element.
    pub element: usize,
    /// Gradient computed by the tape.
    pub analytic: f64,
    /// Central-difference estimate.
    pub numeric: f64,
}

/// Outcome of [`GradCheck::run`].
///
/// ```
/// use kerust::autograd::gradcheck::GradCheck;
/// use kerust::tensor::Tensor;
/// let report = GradCheck::default().run(&[Tensor::ones(&[2])], |tape, v| tape.exp(v[0]))?;
/// assert!(report.passed());
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GradCheckReport {
    /// Number of input elements compared.
    pub checked: usize,
    /// Largest `|analytic − numeric|` seen.
    pub max_abs_error: f64,
    /// Largest ratio of the error to its allowance (`≤ 1` means pass).
    pub worst_ratio: f64,
    /// The element with the largest ratio, if any element was checked.
    pub worst: Option<Mismatch>,
}

impl GradCheckReport {
    /// Whether every element was within tolerance.
    ///
    /// ```
    /// use kerust::autograd::gradcheck::GradCheck;
    /// use kerust::tensor::Tensor;
    /// let report = GradCheck::default().run(&[Tensor::ones(&[2, 2])], |tape, v| tape.softmax(v[0], -1))?;
    /// assert!(report.passed());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn passed(&self) -> bool {
        self.worst_ratio <= 1.0 && self.worst_ratio.is_finite()
    }
}

impl fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} elements, max abs error {:.3e}, worst error/allowance {:.3}",
            self.checked, self.max_abs_error, self.worst_ratio
        )?;
        if let Some(m) = &self.worst {
            write!(
                f,
                " at input {} element {}: analytic {:.6e}, numeric {:.6e}",
                m.input, m.element, m.analytic, m.numeric
            )?;
        }
        Ok(())
    }
}

impl GradCheck {
    /// Checks the gradients of `f` with respect to each of `inputs`.
    ///
    /// `f` receives a fresh tape and the inputs recorded on it as variables,
    /// and returns the output to differentiate. It is called once for the
    /// analytic gradients and twice per input element for the numeric ones.
    ///
    /// ```
    /// use kerust::autograd::gradcheck::GradCheck;
    /// use kerust::tensor::Tensor;
    /// let a = Tensor::from_vec(&[2, 2], vec![1.0, 2.0, 3.0, 4.0])?;
    /// let b = Tensor::from_vec(&[2, 1], vec![0.5, -0.5])?;
    /// let report = GradCheck::default().run(&[a, b], |tape, v| tape.matmul(v[0], v[1]))?;
    /// assert!(report.passed());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// Whatever `f` returns.
    pub fn run<F>(&self, inputs: &[Tensor], f: F) -> Result<GradCheckReport>
    where
        F: Fn(&mut Tape, &[Var]) -> Result<Var>,
    {
        // Analytic gradients with weights r as the upstream gradient.
        let mut tape = Tape::new();
        let vars: Vec<Var> = inputs.iter().map(|t| tape.variable(t.clone())).collect();
        let out = f(&mut tape, &vars)?;
        let out_shape = tape.value(out)?.shape().to_vec();
        let mut rng = StdRng::seed_from_u64(self.seed);
        let weights: Vec<f32> = (0..out_shape.iter().product::<usize>())
            .map(|_| {
                let m: f32 = rng.random_range(0.5..1.5);
                if rng.random::<bool>() { m } else { -m }
            })
            .collect();
        let seed = Tensor::from_vec(&out_shape, weights.clone())?;
        tape.backward_with(out, seed)?;
        let analytic: Vec<Vec<f32>> = vars
            .iter()
            .zip(inputs)
            .map(|(&v, t)| Ok(tape.grad(v)?.map_or_else(|| vec![0.0; t.len()], |g| g.to_vec())))
            .collect::<Result<_>>()?;

        // Numeric gradients, one element at a time.
        let objective = |values: &[Tensor]| -> Result<f64> {
            let mut tape = Tape::new();
            let vars: Vec<Var> = values.iter().map(|t| tape.variable(t.clone())).collect();
            let out = f(&mut tape, &vars)?;
            Ok(tape
                .value(out)?
                .view()
                .iter()
                .zip(&weights)
                .map(|(&o, &r)| f64::from(o) * f64::from(r))
                .sum())
        };
        let mut report = GradCheckReport {
            checked: 0,
            max_abs_error: 0.0,
            worst_ratio: 0.0,
            worst: None,
        };
        let mut values: Vec<Tensor> = inputs
            .iter()
            .map(|t| Tensor::from(t.view().as_standard_layout().into_owned()))
            .collect();
        for input in 0..inputs.len() {
            for element in 0..inputs[input].len() {
                let original = flat(&values[input])?[element];
                let plus = original + self.epsilon;
                let minus = original - self.epsilon;
                set_flat(&mut values[input], element, plus);
                let l_plus = objective(&values)?;
                set_flat(&mut values[input], element, minus);
                let l_minus = objective(&values)?;
                set_flat(&mut values[input], element, original);
                let numeric = (l_plus - l_minus) / (f64::from(plus) - f64::from(minus));
                let analytic = f64::from(analytic[input][element]);
                let error = (analytic - numeric).abs();
                let allowance = self.atol + self.rtol * analytic.abs().max(numeric.abs());
                let ratio = if error.is_nan() {
                    f64::INFINITY
                } else {
                    error / allowance
                };
                report.checked += 1;
                report.max_abs_error = report.max_abs_error.max(error);
                if report.worst.is_none() || ratio > report.worst_ratio {
                    report.worst_ratio = ratio;
                    report.worst = Some(Mismatch {
                        input,
                        element,
                        analytic,
                        numeric,
                    });
                }
            }
        }
        Ok(report)
    }
}

fn flat(t: &Tensor) -> Result<&[f32]> {
    t.as_array().row_major()
}

fn set_flat(t: &mut Tensor, element: usize, value: f32) {
    t.as_slice_mut()[element] = value;
}
