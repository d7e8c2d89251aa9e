//! Keras' losses, with their names, formulas and reductions.
//!
//! Every loss averages its per-sample values over the batch (Keras'
//! default `"sum_over_batch_size"` reduction). The formulas are those of
//! [`crate::ops`]: cross-entropies on probabilities clip them to
//! `[1e-7, 1 − 1e-7]`; "from logits" they use a stable log-sum-exp.
//!
//! When a model's last layer ends in a softmax (or sigmoid) and the loss is
//! a categorical (or binary) cross-entropy on probabilities, the model
//! computes the loss from the layer's logits instead, with the fused op.
//! This is what Keras does on its default TensorFlow backend, and it is
//! also faster and exact where clipping would bite.

mod custom;

pub use crate::ops::Reduction;
pub use custom::{LossFunction, custom};

use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

/// A loss function, by Keras name.
///
/// ```
/// use kerust::losses::Loss;
/// assert_eq!("sparse_categorical_crossentropy".parse::<Loss>()?, Loss::SparseCategoricalCrossentropy);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Loss {
    /// `sparse_categorical_crossentropy`: integer class labels against
    /// per-class probabilities.
    SparseCategoricalCrossentropy,
    /// `categorical_crossentropy`: one-hot (or soft) targets.
    CategoricalCrossentropy,
    /// `binary_crossentropy`: targets in `[0, 1]`, one probability each.
    BinaryCrossentropy,
    /// `mean_squared_error` (`mse`).
    MeanSquaredError,
    /// `mean_absolute_error` (`mae`).
    MeanAbsoluteError,
}

impl Loss {
    /// Every loss.
    ///
    /// ```
    /// use kerust::losses::Loss;
    /// assert!(Loss::ALL.contains(&Loss::MeanSquaredError));
    /// ```
    pub const ALL: [Loss; 5] = [
        Loss::SparseCategoricalCrossentropy,
        Loss::CategoricalCrossentropy,
        Loss::BinaryCrossentropy,
        Loss::MeanSquaredError,
        Loss::MeanAbsoluteError,
    ];

    /// Keras' function name, e.g. `"sparse_categorical_crossentropy"`.
    ///
    /// ```
    /// use kerust::losses::Loss;
    /// assert_eq!(Loss::CategoricalCrossentropy.name(), "categorical_crossentropy");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Loss::SparseCategoricalCrossentropy => "sparse_categorical_crossentropy",
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::BinaryCrossentropy => "binary_crossentropy",
            Loss::MeanSquaredError => "mean_squared_error",
            Loss::MeanAbsoluteError => "mean_absolute_error",
        }
    }

    /// Keras' class name, e.g. `"SparseCategoricalCrossentropy"`.
    ///
    /// ```
    /// use kerust::losses::Loss;
    /// assert_eq!(Loss::SparseCategoricalCrossentropy.class_name(), "SparseCategoricalCrossentropy");
    /// ```
    pub fn class_name(self) -> &'static str {
        match self {
            Loss::SparseCategoricalCrossentropy => "SparseCategoricalCrossentropy",
            Loss::CategoricalCrossentropy => "CategoricalCrossentropy",
            Loss::BinaryCrossentropy => "BinaryCrossentropy",
            Loss::MeanSquaredError => "MeanSquaredError",
            Loss::MeanAbsoluteError => "MeanAbsoluteError",
        }
    }

    /// The loss taking logits rather than probabilities (`from_logits=True`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True) after a linear output
    /// let mut model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    /// model.compile(Loss::SparseCategoricalCrossentropy.from_logits(), ["accuracy"])?;
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn from_logits(self) -> LossFn {
        LossFn {
            loss: self,
            from_logits: true,
        }
    }

    /// Whether the loss takes integer class labels.
    ///
    /// ```
    /// use kerust::losses::Loss;
    /// assert!(Loss::SparseCategoricalCrossentropy.is_sparse());
    /// assert!(!Loss::CategoricalCrossentropy.is_sparse());
    /// ```
    pub fn is_sparse(self) -> bool {
        self == Loss::SparseCategoricalCrossentropy
    }
}

impl FromStr for Loss {
    type Err = Error;

    /// Function names, class names and Keras' aliases (`mse`, `mae`, `bce`).
    fn from_str(s: &str) -> Result<Self> {
        let alias = match s {
            "mse" | "MSE" => Some(Loss::MeanSquaredError),
            "mae" | "MAE" => Some(Loss::MeanAbsoluteError),
            "bce" | "BCE" => Some(Loss::BinaryCrossentropy),
            _ => None,
        };
        alias
            .or_else(|| {
                Loss::ALL
                    .into_iter()
                    .find(|l| l.name() == s || l.class_name() == s)
            })
            .ok_or_else(|| {
                Error::invalid(
                    "losses::get",
                    format!("one of {}", Loss::ALL.map(Loss::name).join(", ")),
                    format!("the unknown loss identifier {s:?}"),
                )
            })
    }
}

/// A loss and whether it receives logits.
///
/// ```
/// use kerust::losses::{Loss, LossFn};
/// let f: LossFn = Loss::BinaryCrossentropy.into();
/// assert!(!f.from_logits);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossFn {
    /// Which loss.
    pub loss: Loss,
    /// Whether predictions are logits (`from_logits=True`).
    pub from_logits: bool,
}

impl LossFn {
    /// The final activation whose logits this loss would rather read: a
    /// cross-entropy on probabilities after a softmax (sigmoid) is computed
    /// from the logits before it, as Keras' TensorFlow backend does; a
    /// model leaves that activation out of its output for the loss.
    ///
    /// ```
    /// use kerust::losses::{Loss, LossFn};
    /// use kerust::ops::Activation;
    /// assert_eq!(LossFn::from(Loss::SparseCategoricalCrossentropy).logits_of(), Some(Activation::Softmax));
    /// assert_eq!(LossFn::from(Loss::BinaryCrossentropy).logits_of(), Some(Activation::Sigmoid));
    /// assert_eq!(LossFn::from(Loss::MeanSquaredError).logits_of(), None);
    /// ```
    pub fn logits_of(&self) -> Option<crate::ops::Activation> {
        use crate::ops::Activation;
        match (self.from_logits, self.loss) {
            (true, _) => None,
            (_, Loss::SparseCategoricalCrossentropy | Loss::CategoricalCrossentropy) => {
                Some(Activation::Softmax)
            }
            (_, Loss::BinaryCrossentropy) => Some(Activation::Sigmoid),
            _ => None,
        }
    }
}

impl From<Loss> for LossFn {
    fn from(loss: Loss) -> Self {
        LossFn {
            loss,
            from_logits: false,
        }
    }
}

/// A loss given by value or by Keras name (resolved by `compile`).
///
/// ```
/// use kerust::losses::{Loss, LossArg};
/// let by_name: LossArg = "mse".into();
/// assert_eq!(by_name.resolve()?.loss, Loss::MeanSquaredError);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum LossArg {
    /// A known loss.
    Known(LossFn),
    /// A name to resolve.
    Named(String),
    /// A loss of your own ([`custom`], [`LossFunction`]).
    Custom(Arc<dyn LossFunction>),
}

/// What `compile` settled for an output's loss: a built-in one (which may
/// read logits), or one of your own.
#[derive(Clone, Debug)]
pub(crate) enum SettledLoss {
    Builtin(LossFn),
    Custom(Arc<dyn LossFunction>),
}

impl SettledLoss {
    /// The built-in loss, if it is one.
    pub(crate) fn builtin(&self) -> Option<Loss> {
        match self {
            SettledLoss::Builtin(l) => Some(l.loss),
            SettledLoss::Custom(_) => None,
        }
    }

    /// See [`LossFn::logits_of`]; a loss of your own reads what the model outputs.
    pub(crate) fn logits_of(&self) -> Option<crate::ops::Activation> {
        match self {
            SettledLoss::Builtin(l) => l.logits_of(),
            SettledLoss::Custom(_) => None,
        }
    }

    /// Records the loss, weighted per sample by `weights` if given;
    /// `logits` when the model left out the activation this loss reads the
    /// logits of.
    pub(crate) fn compute(
        &self,
        tape: &mut Tape,
        y_true: Targets<'_>,
        y_pred: Var,
        logits: bool,
        weights: Option<&[f32]>,
    ) -> Result<Var> {
        match self {
            SettledLoss::Builtin(l) => LossFn {
                loss: l.loss,
                from_logits: l.from_logits || logits,
            }
            .compute_weighted(tape, y_true, y_pred, weights),
            SettledLoss::Custom(c) => {
                let value = c.call(tape, y_true, y_pred)?;
                custom::reduce(tape, c.name(), value, weights)
            }
        }
    }

    /// The name it is saved by, and whether it reads logits.
    pub(crate) fn saved_as(&self) -> (String, bool) {
        match self {
            SettledLoss::Builtin(l) => (l.loss.name().to_string(), l.from_logits),
            SettledLoss::Custom(c) => (c.name().to_string(), false),
        }
    }
}

impl LossArg {
    /// The loss `compile` uses.
    pub(crate) fn settle(&self) -> Result<SettledLoss> {
        match self {
            LossArg::Custom(c) => Ok(SettledLoss::Custom(c.clone())),
            other => other.resolve().map(SettledLoss::Builtin),
        }
    }

    /// The loss, resolving a name.
    ///
    /// ```
    /// use kerust::losses::LossArg;
    /// assert!(LossArg::from("hinge").resolve().is_err()); // not a loss kerust knows
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name, or a loss of your own.
    pub fn resolve(&self) -> Result<LossFn> {
        match self {
            LossArg::Known(l) => Ok(*l),
            LossArg::Named(n) => Ok(n.parse::<Loss>()?.into()),
            LossArg::Custom(c) => Err(Error::invalid(
                "loss",
                "a built-in loss",
                format!("the loss of your own {:?}", c.name()),
            )),
        }
    }
}

impl From<Loss> for LossArg {
    fn from(l: Loss) -> Self {
        LossArg::Known(l.into())
    }
}
impl From<LossFn> for LossArg {
    fn from(l: LossFn) -> Self {
        LossArg::Known(l)
    }
}
impl From<&str> for LossArg {
    fn from(n: &str) -> Self {
        LossArg::Named(n.into())
    }
}

/// The targets of one batch: class indices, or a float array.
///
/// ```
/// use kerust::autograd::Tape;
/// use kerust::losses::{Loss, LossFn, Targets};
/// use kerust::tensor::Tensor;
/// let mut tape = Tape::new();
/// let logits = tape.variable(Tensor::zeros(&[2, 4]));
/// let loss = LossFn { loss: Loss::SparseCategoricalCrossentropy, from_logits: true };
/// let value = loss.compute(&mut tape, Targets::Classes(&[1, 3]), logits)?;
/// assert!((tape.value(value)?.item()? - 4f32.ln()).abs() < 1e-6);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a> {
    /// One class index per sample.
    Classes(&'a [usize]),
    /// Float targets (one-hot rows, probabilities, regression values).
    Dense(&'a Tensor),
}

impl LossFn {
    /// Records the loss of `y_pred` against `y_true` on the tape.
    /// `y_pred` holds logits if `self.from_logits`, else probabilities (for
    /// the cross-entropies) or values.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::losses::{Loss, LossFn, Targets};
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let y_pred = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let y_true = Tensor::from_vec(&[2, 1], vec![1.0, 1.0])?;
    /// let mse = LossFn::from(Loss::MeanSquaredError).compute(&mut tape, Targets::Dense(&y_true), y_pred)?;
    /// assert_eq!(tape.value(mse)?.item()?, 2.0); // (0 + 4) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the targets are of the wrong kind
    /// (integer labels for a one-hot loss or the reverse), and the shape
    /// errors of the ops.
    pub fn compute(&self, tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var> {
        self.compute_weighted(tape, y_true, y_pred, None)
    }

    /// [`compute`](LossFn::compute) with Keras' `sample_weight`: one
    /// weight per sample, the loss `Σ wᵢ·lᵢ / N` (Keras'
    /// `"sum_over_batch_size"` reduction: the weighted sum over the batch
    /// size, not over the weights' sum).
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::losses::{Loss, LossFn, Targets};
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let y_pred = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let y_true = Tensor::from_vec(&[2, 1], vec![0.0, 1.0])?;
    /// let mse = LossFn::from(Loss::MeanSquaredError);
    /// let loss = mse.compute_weighted(&mut tape, Targets::Dense(&y_true), y_pred, Some(&[1.0, 0.5]))?;
    /// assert_eq!(tape.value(loss)?.item()?, 1.5); // (1·1 + 0.5·4) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`compute`](LossFn::compute), and weights that are not one
    /// finite, non-negative value per sample.
    pub fn compute_weighted(
        &self,
        tape: &mut Tape,
        y_true: Targets<'_>,
        y_pred: Var,
        weights: Option<&[f32]>,
    ) -> Result<Var> {
        let logits = self.from_logits;
        let rows = match (self.loss, y_true) {
            (Loss::SparseCategoricalCrossentropy, Targets::Classes(c)) => {
                tape.sparse_categorical_crossentropy_rows(c, y_pred, logits)?
            }
            (Loss::SparseCategoricalCrossentropy, Targets::Dense(t)) => {
                return Err(Error::invalid(
                    "sparse_categorical_crossentropy",
                    "integer class labels, one per sample",
                    format!(
                        "float targets of shape {}; for one-hot targets use categorical_crossentropy",
                        fmt_shape(t.shape())
                    ),
                ));
            }
            (Loss::CategoricalCrossentropy, Targets::Dense(t)) => {
                tape.categorical_crossentropy_rows(t, y_pred, logits)?
            }
            (Loss::CategoricalCrossentropy, Targets::Classes(c)) => {
                return Err(Error::invalid(
                    "categorical_crossentropy",
                    "one-hot targets, one row per sample",
                    format!(
                        "{} integer labels; use sparse_categorical_crossentropy, or one-hot encode them with to_categorical",
                        c.len()
                    ),
                ));
            }
            (loss, Targets::Classes(c)) => {
                let t = Tensor::from_vec(&[c.len()], c.iter().map(|&v| v as f32).collect())?;
                return Self {
                    loss,
                    from_logits: logits,
                }
                .compute_weighted(tape, Targets::Dense(&t), y_pred, weights);
            }
            (Loss::BinaryCrossentropy, Targets::Dense(t)) => {
                tape.binary_crossentropy_rows(t, y_pred, logits)?
            }
            (Loss::MeanSquaredError, Targets::Dense(t)) => tape.mean_squared_error_rows(t, y_pred)?,
            (Loss::MeanAbsoluteError, Targets::Dense(t)) => tape.mean_absolute_error_rows(t, y_pred)?,
        };
        tape.reduce_loss(rows, weights, None, crate::ops::Reduction::SumOverBatchSize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_keras() {
        assert_eq!(
            "sparse_categorical_crossentropy".parse::<Loss>().unwrap(),
            Loss::SparseCategoricalCrossentropy
        );
        assert_eq!(
            "CategoricalCrossentropy".parse::<Loss>().unwrap(),
            Loss::CategoricalCrossentropy
        );
        assert_eq!("mse".parse::<Loss>().unwrap(), Loss::MeanSquaredError);
        assert_eq!("BCE".parse::<Loss>().unwrap(), Loss::BinaryCrossentropy);
        assert!(
            "hinge"
                .parse::<Loss>()
                .unwrap_err()
                .to_string()
                .contains("unknown loss identifier \"hinge\"")
        );
    }

    #[test]
    fn the_wrong_kind_of_targets_says_which_loss_to_use() {
        let mut tape = Tape::new();
        let p = tape.variable(Tensor::full(&[2, 3], 1.0 / 3.0));
        let err = LossFn::from(Loss::CategoricalCrossentropy)
            .compute(&mut tape, Targets::Classes(&[0, 2]), p)
            .unwrap_err();
        assert!(
            err.to_string().contains("use sparse_categorical_crossentropy"),
            "{err}"
        );
        let one_hot = Tensor::zeros(&[2, 3]);
        let err = LossFn::from(Loss::SparseCategoricalCrossentropy)
            .compute(&mut tape, Targets::Dense(&one_hot), p)
            .unwrap_err();
        assert!(err.to_string().contains("use categorical_crossentropy"), "{err}");
    }

    #[test]
    fn values_follow_the_keras_formulas() {
        // Uniform probabilities over 3 classes: every cross-entropy is ln 3.
        let mut tape = Tape::new();
        let p = tape.variable(Tensor::full(&[2, 3], 1.0 / 3.0));
        let l = LossFn::from(Loss::SparseCategoricalCrossentropy)
            .compute(&mut tape, Targets::Classes(&[0, 2]), p)
            .unwrap();
        approx::assert_abs_diff_eq!(tape.value(l).unwrap().item().unwrap(), 3f32.ln(), epsilon = 1e-6);
        // Integer labels for mse are cast to float: ((0.5-1)² + (0.5-0)²)/2 = 0.25
        let q = tape.variable(Tensor::full(&[2], 0.5));
        let l = LossFn::from(Loss::MeanSquaredError)
            .compute(&mut tape, Targets::Classes(&[1, 0]), q)
            .unwrap();
        approx::assert_abs_diff_eq!(tape.value(l).unwrap().item().unwrap(), 0.25, epsilon = 1e-7);
    }
}
