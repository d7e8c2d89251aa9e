//! Optimizers with Keras' names, defaults and update formulas: [`SGD`],
//! [`RMSprop`] (the default of `compile`), [`Adam`], [`AdamW`],
//! [`Adagrad`], [`Adadelta`], [`Adamax`], [`Nadam`], [`Lion`] and
//! [`Ftrl`], each a [`BaseOptimizer`] (learning rate, step count, state,
//! clipping, weight decay, moving average, gradient accumulation) around
//! its [`UpdateRule`].
//!
//! An optimizer updates every trainable weight in place, in one pass over
//! its elements, from the weight's gradient and the per-weight state it
//! keeps (momentum, moving averages). The state is created on the first
//! step, sized like the weights.
//!
//! State that decays is set to zero once it falls below the smallest normal
//! `f32` (about 1.2e-38) instead of becoming a subnormal number: Keras on
//! TensorFlow runs its kernels in the processor's flush-to-zero mode, which
//! gives the same values, and subnormal arithmetic is several times slower
//! on common CPUs. The weights of a pixel that is blank in every image, or
//! of a ReLU unit that never fires, get zero gradients, and their moments
//! would otherwise decay into that range within a few hundred steps.

mod adadelta;
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod arg;
mod base;
mod ftrl;
mod kernels;
mod lion;
mod nadam;
mod rmsprop;
pub mod schedules;
mod sgd;
mod state;

pub use adadelta::{Adadelta, AdadeltaRule};
pub use adagrad::{Adagrad, AdagradRule};
pub use adam::{Adam, AdamRule};
pub use adamax::{Adamax, AdamaxRule, AdamaxStep};
pub use adamw::{AdamW, AdamWRule};
pub use arg::OptimizerArg;
pub use base::{BaseOptimizer, UpdateRule};
pub use ftrl::{Ftrl, FtrlRule, FtrlStep};
pub use kernels::AdamStep;
pub use lion::{Lion, LionRule};
pub use nadam::{Nadam, NadamRule, NadamStep};
pub use rmsprop::{RMSprop, RmspropRule};
pub use sgd::{SGD, SgdRule};
pub use state::{OptimizerState, SlotSpec};
pub(crate) use state::{Slots, next_iteration};

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Updates weights from their gradients.
///
/// ```
/// # use kerust::prelude::*;
/// let mut opt = RMSprop::new();
/// opt.set_learning_rate(0.01); // what ReduceLROnPlateau does
/// assert_eq!((opt.name(), Optimizer::learning_rate(&opt), opt.iterations()), ("RMSprop", 0.01, 0));
/// ```
pub trait Optimizer: Send + std::fmt::Debug {
    /// Keras' class name, e.g. `"RMSprop"`.
    fn name(&self) -> &'static str;

    /// The current learning rate.
    fn learning_rate(&self) -> f32;

    /// Changes the learning rate (schedulers and callbacks do this).
    fn set_learning_rate(&mut self, learning_rate: f32);

    /// Steps taken so far (Keras' `iterations`).
    fn iterations(&self) -> u64;

    /// Checks the hyperparameters (called by `compile`, by `load_model`,
    /// and at every step, since callbacks may change the learning rate):
    /// a finite, non-negative learning rate and fuzz factor, decay rates
    /// within their ranges.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the bad hyperparameter.
    fn validate(&self) -> Result<()>;

    /// Applies one step: `params[i]` moves against `grads[i]`. Weights
    /// without a gradient (`None`) are left alone.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if a gradient's size differs from its
    /// weight's, or the weights differ from those of earlier steps (or of
    /// a restored state); [`Error::InvalidArgument`] if a hyperparameter is
    /// out of range (a NaN learning rate, say) or the step count cannot
    /// grow. The weights are then unchanged.
    fn apply(&mut self, params: &mut [&mut Tensor], grads: &[Option<Tensor>]) -> Result<()>;

    /// Learns the names of the weights that [`apply`](Optimizer::apply)
    /// will update, in its order (Keras' `optimizer.build(variables)`);
    /// `fit` and `train_on_batch` call it. Weight decay uses them to leave
    /// out the weights named in `exclude_from_weight_decay`.
    fn build(&mut self, names: &[&str]) {
        let _ = names;
    }

    /// Ends training (Keras' `finalize_variable_values`, which `fit` calls
    /// after its last epoch): an optimizer that keeps a moving average of
    /// the weights (`use_ema`) writes it into them.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `params` are not the weights of the
    /// earlier steps.
    fn finalize(&mut self, params: &mut [&mut Tensor]) -> Result<()> {
        let _ = params;
        Ok(())
    }

    /// The configuration, for saving.
    fn config(&self) -> OptimizerConfig;

    /// Whether the learning rate follows a schedule (then `fit` logs it
    /// as `learning_rate` each epoch).
    fn has_schedule(&self) -> bool {
        false
    }

    /// The buffers kept for each weight, in the order of
    /// [`OptimizerState::slots`]: the update rule's, then the moving
    /// average (`use_ema`) and the accumulated gradient
    /// (`gradient_accumulation_steps`) when they are on.
    fn slot_specs(&self) -> Vec<SlotSpec>;

    /// What the optimizer carries from step to step (for saving).
    fn state(&self) -> OptimizerState;

    /// Restores a [`state`](Optimizer::state) saved earlier, after checking
    /// it with [`OptimizerState::check`] against this optimizer's
    /// [`slot_specs`](Optimizer::slot_specs) (the weights' sizes are
    /// checked at the next step).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the state does not fit; the optimizer
    /// is then unchanged.
    fn set_state(&mut self, state: OptimizerState) -> Result<()>;
}

/// A boxed optimizer is an optimizer: `compile_with` takes what
/// [`get`] or [`from_config`] returns (Keras' `optimizer="adam"`).
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
/// model.compile_with(kerust::optimizers::get("adamw")?, "mse", ())?;
/// assert_eq!(model.optimizer().map(|o| o.name()), Some("AdamW"));
/// # Ok::<(), kerust::Error>(())
/// ```
impl<O: Optimizer + ?Sized> Optimizer for Box<O> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn learning_rate(&self) -> f32 {
        (**self).learning_rate()
    }
    fn set_learning_rate(&mut self, learning_rate: f32) {
        (**self).set_learning_rate(learning_rate);
    }
    fn iterations(&self) -> u64 {
        (**self).iterations()
    }
    fn validate(&self) -> Result<()> {
        (**self).validate()
    }
    fn build(&mut self, names: &[&str]) {
        (**self).build(names);
    }
    fn apply(&mut self, params: &mut [&mut Tensor], grads: &[Option<Tensor>]) -> Result<()> {
        (**self).apply(params, grads)
    }
    fn finalize(&mut self, params: &mut [&mut Tensor]) -> Result<()> {
        (**self).finalize(params)
    }
    fn config(&self) -> OptimizerConfig {
        (**self).config()
    }
    fn has_schedule(&self) -> bool {
        (**self).has_schedule()
    }
    fn slot_specs(&self) -> Vec<SlotSpec> {
        (**self).slot_specs()
    }
    fn state(&self) -> OptimizerState {
        (**self).state()
    }
    fn set_state(&mut self, state: OptimizerState) -> Result<()> {
        (**self).set_state(state)
    }
}

/// An optimizer's class name and hyperparameters (Keras' `get_config()`):
/// a [`Config`](crate::config::Config). [`from_config`] makes the
/// optimizer again.
///
/// ```
/// # use kerust::prelude::*;
/// let config = SGD::new().momentum(0.9).clipnorm(1.0).config();
/// assert_eq!(config.class_name(), "SGD");
/// assert_eq!(config.get::<f32>("momentum"), Some(0.9));
/// assert_eq!(config.get::<f32>("clipnorm"), Some(1.0));
/// let again = kerust::optimizers::from_config(&config)?;
/// assert_eq!(again.config(), config);
/// # Ok::<(), kerust::Error>(())
/// ```
pub type OptimizerConfig = crate::config::Config;

/// kerust's optimizers by Keras class name: a new optimizer is its file,
/// its `mod` and `pub use` lines above, and one line here.
const BUILTIN: &[(&str, base::Constructor)] = &[
    ("SGD", base::from_config::<SgdRule>),
    ("RMSprop", base::from_config::<RmspropRule>),
    ("Adam", base::from_config::<AdamRule>),
    ("AdamW", base::from_config::<AdamWRule>),
    ("Adagrad", base::from_config::<AdagradRule>),
    ("Adadelta", base::from_config::<AdadeltaRule>),
    ("Adamax", base::from_config::<AdamaxRule>),
    ("Nadam", base::from_config::<NadamRule>),
    ("Lion", base::from_config::<LionRule>),
    ("Ftrl", base::from_config::<FtrlRule>),
];

/// The optimizer `config` describes, with a fresh state.
///
/// ```
/// use kerust::config::Config;
/// let adam = kerust::optimizers::from_config(&Config::from_json("Adam", r#"{"learning_rate": 0.01}"#)?)?;
/// assert_eq!(adam.learning_rate(), 0.01);
/// assert!(kerust::optimizers::from_config(&Config::from_json("Adam", r#"{"beta_3": 0.5}"#)?).is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown class, an unknown option, or
/// a value out of range.
pub fn from_config(config: &OptimizerConfig) -> Result<Box<dyn Optimizer>> {
    let (_, make) = BUILTIN
        .iter()
        .find(|(name, _)| *name == config.class_name())
        .ok_or_else(|| unknown(config.class_name()))?;
    make(config)
}

#[cold]
fn unknown(name: &str) -> Error {
    Error::invalid(
        "optimizers::get",
        format!(
            "one of {}",
            BUILTIN
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("the unknown optimizer identifier {name:?}"),
    )
}

/// Resolves Keras' optimizer strings (case-insensitive class names) to an
/// optimizer with default arguments.
///
/// ```
/// let rmsprop = kerust::optimizers::get("rmsprop")?;
/// assert_eq!(rmsprop.learning_rate(), 0.001);
/// assert_eq!(kerust::optimizers::get("adamw")?.name(), "AdamW");
/// assert!(kerust::optimizers::get("adafactor").is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown name.
pub fn get(name: &str) -> Result<Box<dyn Optimizer>> {
    let (class, _) = BUILTIN
        .iter()
        .find(|(class, _)| class.eq_ignore_ascii_case(name))
        .ok_or_else(|| unknown(name))?;
    from_config(&OptimizerConfig::empty(class))
}

/// Checks every gradient against its weight before any weight moves, so a
/// failed step leaves all of them unchanged.
pub(crate) fn check_grads(
    name: &'static str,
    params: &[&mut Tensor],
    grads: &[Option<Tensor>],
) -> Result<()> {
    if params.len() != grads.len() {
        return Err(Error::shape(
            name,
            format!("one gradient (or None) per weight ({})", params.len()),
            format!("{} gradients", grads.len()),
        ));
    }
    for (i, (p, g)) in params.iter().zip(grads).enumerate() {
        if let Some(g) = g
            && g.len() != p.len()
        {
            return Err(Error::shape(
                name,
                format!("a gradient of {} elements like weight {i}", p.len()),
                format!("{} elements", g.len()),
            ));
        }
    }
    Ok(())
}

/// A gradient as one flat slice (copied into `scratch` when it is not
/// contiguous).
pub(crate) fn flat<'a>(grad: &'a Tensor, scratch: &'a mut Vec<f32>) -> &'a [f32] {
    match grad.as_slice() {
        Some(g) => g,
        None => {
            *scratch = grad.to_vec();
            scratch.as_slice()
        }
    }
}
