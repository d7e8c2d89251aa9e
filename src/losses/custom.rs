//! Losses of your own: a type implementing [`LossFunction`], or a closure
//! through [`custom`], usable in `compile` next to the built-in names.

use std::sync::Arc;

use super::{LossArg, Reduction, Targets};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};

/// A loss of your own: records the batch's loss on the tape with
/// differentiable ops, so its gradient comes from the tape. Return one
/// value per sample (shape `(batch,)`, as a Keras loss function does) and
/// kerust averages them, weighted by `sample_weight` when `fit` has one;
/// or return the batch's mean yourself (one value), which trains the same
/// without sample weights.
///
/// ```
/// use kerust::autograd::{Tape, Var};
/// use kerust::losses::{LossFunction, Targets};
/// use kerust::prelude::*;
/// use std::sync::Arc;
///
/// /// The mean of |y − ŷ|³.
/// struct MeanCubedError;
///
/// impl LossFunction for MeanCubedError {
///     fn name(&self) -> &str { "mean_cubed_error" }
///     fn call(&self, tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var> {
///         let Targets::Dense(t) = y_true else {
///             return Err(Error::InvalidArgument { op: "mean_cubed_error", expected: "float targets".into(), found: "labels".into() });
///         };
///         let t = tape.constant(t.clone());
///         let d = tape.sub(y_pred, t)?;
///         let d2 = tape.mul(d, d)?;
///         let d3 = tape.sqrt(d2)?;
///         let cube = tape.pow(d3, 3.0)?;
///         tape.mean(cube)
///     }
/// }
///
/// let mut model = Sequential::new(vec![Dense::new(1).input_shape(2)]);
/// model.compile(Arc::new(MeanCubedError) as Arc<dyn LossFunction>, ())?;
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait LossFunction: Send + Sync {
    /// The name it is known and saved by.
    fn name(&self) -> &str;

    /// Records the loss of `y_pred` against `y_true` on `tape`: a scalar.
    ///
    /// # Errors
    /// Whatever the ops it records return (shape mismatches, wrong targets).
    fn call(&self, tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var>;
}

impl std::fmt::Debug for dyn LossFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.name())
    }
}

/// A closure as a [`LossFunction`], made by [`custom`].
struct FnLoss<F> {
    name: String,
    f: F,
}

impl<F> LossFunction for FnLoss<F>
where
    F: Fn(&mut Tape, Targets<'_>, Var) -> Result<Var> + Send + Sync,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn call(&self, tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var> {
        (self.f)(tape, y_true, y_pred)
    }
}

/// A loss from a closure that records it on the tape (Keras' custom loss
/// function `def loss(y_true, y_pred)`), named `name`.
///
/// ```
/// use kerust::losses::{self, Targets};
/// use kerust::prelude::*;
///
/// // Mean squared error, written by hand.
/// let my_mse = losses::custom("my_mse", |tape, y_true, y_pred| {
///     let Targets::Dense(t) = y_true else { unreachable!("float targets") };
///     let t = tape.constant(t.clone());
///     let d = tape.sub(y_pred, t)?;
///     let sq = tape.mul(d, d)?;
///     tape.mean(sq)
/// });
/// let mut model = Sequential::new(vec![Dense::new(1).input_shape(2)]);
/// model.compile(my_mse, ())?;
/// let x = ndarray::Array2::<f32>::ones((4, 2));
/// let y = ndarray::Array2::<f32>::zeros((4, 1));
/// assert_eq!(model.evaluate(&x, &y, EvaluateOptions::default().verbose(0))?.len(), 1);
/// # Ok::<(), kerust::Error>(())
/// ```
pub fn custom<F>(name: impl Into<String>, f: F) -> LossArg
where
    F: Fn(&mut Tape, Targets<'_>, Var) -> Result<Var> + Send + Sync + 'static,
{
    LossArg::Custom(Arc::new(FnLoss { name: name.into(), f }))
}

impl From<Arc<dyn LossFunction>> for LossArg {
    fn from(f: Arc<dyn LossFunction>) -> Self {
        LossArg::Custom(f)
    }
}

/// The batch loss of a loss of your own: its per-sample `value` averaged
/// (weighted by `weights`, Keras' `Σ wᵢ·lᵢ / N`) by the reduction every
/// loss goes through, or its one value as it is.
pub(crate) fn reduce(tape: &mut Tape, name: &str, value: Var, weights: Option<&[f32]>) -> Result<Var> {
    let shape = tape.value(value)?.shape().to_vec();
    if let Some(w) = weights
        && shape != [w.len()]
    {
        return Err(Error::shape(
            "loss",
            format!(
                "one value per sample ({}) from the loss {name:?}, to weight by sample_weight",
                w.len()
            ),
            format!("a loss of shape {}", fmt_shape(&shape)),
        ));
    }
    tape.reduce_loss(value, weights, None, Reduction::SumOverBatchSize)
}
