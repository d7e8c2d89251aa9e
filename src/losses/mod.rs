//! Keras' losses (`keras.losses`), with their names, options, formulas
//! and reductions: the 17 of [`Loss`], each set up as a [`LossFn`]
//! (`Loss::Huber.delta(2.0)`, `Loss::CategoricalCrossentropy.label_smoothing(0.1)`).
//!
//! A loss first computes one value per sample (`compute.rs`, Keras'
//! `call`), then reduces them with the sample weights as its
//! [`Reduction`] says (by default their sum over the batch size). The
//! formulas are Keras 3's: cross-entropies on probabilities clip them to
//! `[1e-7, 1 − 1e-7]`; "from logits" they use a stable log-sum-exp.
//! Where kerust differs, the loss's documentation says so.
//!
//! When a model's last layer ends in a softmax (or sigmoid) and the loss is
//! a categorical (or binary) cross-entropy on probabilities, the model
//! computes the loss from the layer's logits instead, with the fused op.
//! This is what Keras does on its default TensorFlow backend, and it is
//! also faster and exact where clipping would bite.

mod compute;
mod custom;
mod options;

pub use crate::ops::Reduction;
pub use custom::{LossFunction, custom};
pub use options::LossFn;

use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// A loss function, by Keras name: the catalogue of `keras.losses`. Its
/// options (`from_logits`, `label_smoothing`, `delta`, …) are set on a
/// [`LossFn`], e.g. `Loss::Huber.delta(2.0)`.
///
/// ```
/// use kerust::losses::Loss;
/// assert_eq!("sparse_categorical_crossentropy".parse::<Loss>()?, Loss::SparseCategoricalCrossentropy);
/// assert_eq!("kld".parse::<Loss>()?, Loss::KLDivergence);
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
    /// `mean_absolute_percentage_error` (`mape`): `100·|t − p| / max(|t|, ε)`.
    MeanAbsolutePercentageError,
    /// `mean_squared_logarithmic_error` (`msle`):
    /// `(ln(max(p, ε) + 1) − ln(max(t, ε) + 1))²`.
    MeanSquaredLogarithmicError,
    /// `huber`: `½e²` where `|e| ≤ δ`, else `δ|e| − ½δ²` (`e = p − t`).
    Huber,
    /// `log_cosh`: `ln cosh(p − t)`, computed as `x + softplus(−2x) − ln 2`.
    LogCosh,
    /// `poisson`: `p − t·ln(p + ε)`.
    Poisson,
    /// `kl_divergence` (`kld`): `Σ t·ln(t/p)` over the last axis, both
    /// clipped to `[ε, 1]`.
    KLDivergence,
    /// `cosine_similarity`: `−Σ t̂·p̂` of the unit-length rows (so −1 is
    /// the best value).
    CosineSimilarity,
    /// `hinge`: `max(1 − t·p, 0)`, labels 0/1 turned into −1/1.
    Hinge,
    /// `squared_hinge`: `max(1 − t·p, 0)²`, labels 0/1 turned into −1/1.
    SquaredHinge,
    /// `categorical_hinge`: `max(max((1 − t)·p) − Σ t·p + 1, 0)` per row.
    CategoricalHinge,
    /// `binary_focal_crossentropy`: the binary cross-entropy scaled by
    /// `(1 − p_t)^γ` (and `α` class balancing when asked).
    BinaryFocalCrossentropy,
    /// `categorical_focal_crossentropy`: `Σ α·(1 − p)^γ·(−t·ln p)` per row.
    CategoricalFocalCrossentropy,
}

impl Loss {
    /// Every loss.
    ///
    /// ```
    /// use kerust::losses::Loss;
    /// assert!(Loss::ALL.contains(&Loss::MeanSquaredError));
    /// assert_eq!(Loss::ALL.len(), 17);
    /// ```
    pub const ALL: [Loss; 17] = [
        Loss::SparseCategoricalCrossentropy,
        Loss::CategoricalCrossentropy,
        Loss::BinaryCrossentropy,
        Loss::MeanSquaredError,
        Loss::MeanAbsoluteError,
        Loss::MeanAbsolutePercentageError,
        Loss::MeanSquaredLogarithmicError,
        Loss::Huber,
        Loss::LogCosh,
        Loss::Poisson,
        Loss::KLDivergence,
        Loss::CosineSimilarity,
        Loss::Hinge,
        Loss::SquaredHinge,
        Loss::CategoricalHinge,
        Loss::BinaryFocalCrossentropy,
        Loss::CategoricalFocalCrossentropy,
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
            Loss::MeanAbsolutePercentageError => "mean_absolute_percentage_error",
            Loss::MeanSquaredLogarithmicError => "mean_squared_logarithmic_error",
            Loss::Huber => "huber",
            Loss::LogCosh => "log_cosh",
            Loss::Poisson => "poisson",
            Loss::KLDivergence => "kl_divergence",
            Loss::CosineSimilarity => "cosine_similarity",
            Loss::Hinge => "hinge",
            Loss::SquaredHinge => "squared_hinge",
            Loss::CategoricalHinge => "categorical_hinge",
            Loss::BinaryFocalCrossentropy => "binary_focal_crossentropy",
            Loss::CategoricalFocalCrossentropy => "categorical_focal_crossentropy",
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
            Loss::MeanAbsolutePercentageError => "MeanAbsolutePercentageError",
            Loss::MeanSquaredLogarithmicError => "MeanSquaredLogarithmicError",
            Loss::Huber => "Huber",
            Loss::LogCosh => "LogCosh",
            Loss::Poisson => "Poisson",
            Loss::KLDivergence => "KLDivergence",
            Loss::CosineSimilarity => "CosineSimilarity",
            Loss::Hinge => "Hinge",
            Loss::SquaredHinge => "SquaredHinge",
            Loss::CategoricalHinge => "CategoricalHinge",
            Loss::BinaryFocalCrossentropy => "BinaryFocalCrossentropy",
            Loss::CategoricalFocalCrossentropy => "CategoricalFocalCrossentropy",
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

    /// Function names, class names and Keras' aliases (`mse`, `mae`,
    /// `mape`, `msle`, `bce`, `kld`, `logcosh`).
    fn from_str(s: &str) -> Result<Self> {
        let alias = match s {
            "mse" | "MSE" => Some(Loss::MeanSquaredError),
            "mae" | "MAE" => Some(Loss::MeanAbsoluteError),
            "mape" | "MAPE" => Some(Loss::MeanAbsolutePercentageError),
            "msle" | "MSLE" => Some(Loss::MeanSquaredLogarithmicError),
            "bce" | "BCE" => Some(Loss::BinaryCrossentropy),
            "kld" | "KLD" | "kullback_leibler_divergence" => Some(Loss::KLDivergence),
            "logcosh" => Some(Loss::LogCosh),
            "huber_loss" => Some(Loss::Huber),
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
                from_logits: l.from_logits || logits,
                ..*l
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
            SettledLoss::Builtin(l) => (l.identifier(), l.from_logits),
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
    /// assert!(LossArg::from("hinge_loss").resolve().is_err()); // not a loss kerust knows
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name, or a loss of your own.
    pub fn resolve(&self) -> Result<LossFn> {
        match self {
            LossArg::Known(l) => Ok(*l),
            LossArg::Named(n) => LossFn::from_identifier(n),
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
/// use kerust::losses::{Loss, Targets};
/// use kerust::tensor::Tensor;
/// let mut tape = Tape::new();
/// let logits = tape.variable(Tensor::zeros(&[2, 4]));
/// let loss = Loss::SparseCategoricalCrossentropy.from_logits(true);
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
            "hinge_loss"
                .parse::<Loss>()
                .unwrap_err()
                .to_string()
                .contains("unknown loss identifier \"hinge_loss\"")
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
