//! [`BaseOptimizer`]: what every optimizer shares (Keras'
//! `BaseOptimizer`) — the learning rate, the step count, the per-weight
//! state, its checks on restore, gradient clipping and decoupled weight
//! decay — around an [`UpdateRule`], which is all an optimizer's own file
//! holds.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::schedules::{self, LearningRateSchedule};
use super::{Optimizer, OptimizerConfig, OptimizerState, SlotSpec, Slots, check_grads, next_iteration, pair};
use crate::error::{Error, Result, check_non_negative};
use crate::tensor::Tensor;

/// An optimizer's update rule: its hyperparameters (a serde struct with
/// Keras' defaults, saved by name), its state buffers and how one weight
/// moves given its gradient (Keras' `update_step`). The base runs it for
/// every weight with a gradient, after clipping and weight decay.
pub trait UpdateRule: Clone + std::fmt::Debug + Send + Serialize + DeserializeOwned + 'static {
    /// Keras' class name, e.g. `"Adam"`.
    const NAME: &'static str;

    /// Keras' default learning rate for this optimizer.
    const DEFAULT_LEARNING_RATE: f32;

    /// Keras' default weight decay (AdamW decays by default, and must).
    const DEFAULT_WEIGHT_DECAY: Option<f32> = None;

    /// What a step computes once for all weights (bias corrections, say).
    type Step: Copy;

    /// The state buffers kept per weight, in order.
    fn slot_specs(&self) -> &'static [SlotSpec];

    /// The value the state buffers start at (Keras' Adagrad starts its
    /// accumulators at 0.1; most rules at 0).
    fn slot_init(&self) -> f32 {
        0.0
    }

    /// Checks the rule's own hyperparameters.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the value out of range.
    fn validate(&self) -> Result<()>;

    /// The constants of step `iteration` (counted from 1) at `learning_rate`
    /// (a rule may cache what it carries from step to step, as Nadam's
    /// momentum schedule product; it must give the same constants for an
    /// iteration whatever steps came before, so that a restored state
    /// resumes exactly).
    fn step(&mut self, learning_rate: f32, iteration: u64) -> Self::Step;

    /// Moves weight `w` given its gradient `g` and its state buffers
    /// (as many as [`slot_specs`](UpdateRule::slot_specs), each as long as `w`).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if a buffer does not fit the weight.
    fn update(&self, step: Self::Step, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()>;
}

/// An optimizer: an [`UpdateRule`] with what every optimizer shares.
/// [`SGD`](super::SGD), [`RMSprop`](super::RMSprop) and
/// [`Adam`](super::Adam) are `BaseOptimizer`s of their rules, so the
/// options below work on each.
///
/// ```
/// # use kerust::prelude::*;
/// let adam = Adam::new().learning_rate(3e-4).clipnorm(1.0).weight_decay(0.01);
/// assert_eq!(Optimizer::learning_rate(&adam), 3e-4);
/// ```
#[derive(Clone, Debug)]
pub struct BaseOptimizer<R> {
    pub(super) rule: R,
    learning_rate: f32,
    /// A schedule, when the learning rate follows one (it then gives the
    /// rate of each step, and `learning_rate` is not used).
    schedule: Option<Arc<dyn LearningRateSchedule>>,
    iterations: u64,
    slots: Slots,
    weight_decay: Option<f32>,
    clipnorm: Option<f32>,
    clipvalue: Option<f32>,
    global_clipnorm: Option<f32>,
    /// A gradient that is not one contiguous slice, copied.
    scratch: Vec<f32>,
    /// A gradient clipped.
    clipped: Vec<f32>,
}

/// The gradient clipping in effect (Keras allows one kind at a time).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Clip {
    None,
    /// Each gradient scaled to an L2 norm of at most this.
    Norm(f32),
    /// Each element clipped to `[−v, v]`.
    Value(f32),
    /// All gradients scaled together to a global L2 norm of at most this.
    GlobalNorm(f32),
}

impl<R: UpdateRule> BaseOptimizer<R> {
    /// The optimizer of `rule` at `learning_rate`, without clipping or decay.
    pub(super) fn with_rule(rule: R, learning_rate: f32) -> Self {
        BaseOptimizer {
            rule,
            learning_rate,
            schedule: None,
            iterations: 0,
            slots: Slots::default(),
            weight_decay: R::DEFAULT_WEIGHT_DECAY,
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            scratch: Vec::new(),
            clipped: Vec::new(),
        }
    }

    /// The learning rate.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&SGD::new().learning_rate(0.1)), 0.1);
    /// ```
    pub fn learning_rate(mut self, learning_rate: f32) -> Self {
        self.learning_rate = learning_rate;
        self.schedule = None;
        self
    }

    /// A learning rate that follows `schedule` (Keras'
    /// `learning_rate=keras.optimizers.schedules.…`): each step's rate is
    /// the schedule at the step count before it.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::optimizers::schedules::CosineDecay;
    /// let adamw = AdamW::new().learning_rate_schedule(CosineDecay::new(1e-3, 10_000));
    /// assert_eq!(Optimizer::learning_rate(&adamw), 1e-3);
    /// ```
    pub fn learning_rate_schedule(mut self, schedule: impl LearningRateSchedule + 'static) -> Self {
        self.schedule = Some(Arc::new(schedule));
        self
    }

    /// The rate of the next step.
    fn current_rate(&self) -> f32 {
        match &self.schedule {
            Some(schedule) => schedule.rate(self.iterations),
            None => self.learning_rate,
        }
    }

    /// Decoupled weight decay (Keras' `weight_decay`): before each update,
    /// every weight that trains becomes `w − w·weight_decay·learning_rate`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().weight_decay(1e-4);
    /// # let _ = sgd;
    /// ```
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }

    /// Scales each weight's gradient to an L2 norm of at most `clipnorm`
    /// (Keras' `clipnorm`). At most one of `clipnorm`, `clipvalue` and
    /// `global_clipnorm` may be set, as in Keras.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().clipnorm(1.0);
    /// # let _ = adam;
    /// ```
    pub fn clipnorm(mut self, clipnorm: f32) -> Self {
        self.clipnorm = Some(clipnorm);
        self
    }

    /// Clips each gradient element to `[−clipvalue, clipvalue]` (Keras'
    /// `clipvalue`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().clipvalue(0.5);
    /// # let _ = sgd;
    /// ```
    pub fn clipvalue(mut self, clipvalue: f32) -> Self {
        self.clipvalue = Some(clipvalue);
        self
    }

    /// Scales all gradients together so that their global L2 norm is at
    /// most `global_clipnorm` (Keras' `global_clipnorm`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let rmsprop = RMSprop::new().global_clipnorm(5.0);
    /// # let _ = rmsprop;
    /// ```
    pub fn global_clipnorm(mut self, global_clipnorm: f32) -> Self {
        self.global_clipnorm = Some(global_clipnorm);
        self
    }

    /// The clipping in effect (checked by `validate` to be one kind).
    fn clip(&self) -> Clip {
        match (self.clipnorm, self.clipvalue, self.global_clipnorm) {
            (Some(c), _, _) => Clip::Norm(c),
            (_, Some(c), _) => Clip::Value(c),
            (_, _, Some(c)) => Clip::GlobalNorm(c),
            _ => Clip::None,
        }
    }

    /// The gradient `g` after per-weight clipping, with the global scale.
    fn clipped<'a>(clip: Clip, global_scale: f32, g: &'a [f32], buffer: &'a mut Vec<f32>) -> &'a [f32] {
        let scale = match clip {
            Clip::None => 1.0,
            Clip::GlobalNorm(_) => global_scale,
            Clip::Norm(c) => {
                let norm = l2_norm(g);
                if norm > c { c / norm } else { 1.0 }
            }
            Clip::Value(v) => {
                if g.iter().all(|x| x.abs() <= v) {
                    return g;
                }
                buffer.clear();
                buffer.extend(g.iter().map(|x| x.clamp(-v, v)));
                return buffer;
            }
        };
        if scale == 1.0 {
            return g;
        }
        buffer.clear();
        buffer.extend(g.iter().map(|x| x * scale));
        buffer
    }
}

/// `√Σx²`, accumulated in `f64`.
fn l2_norm(g: &[f32]) -> f32 {
    g.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt() as f32
}

impl<R: UpdateRule> Optimizer for BaseOptimizer<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn learning_rate(&self) -> f32 {
        self.current_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
        self.schedule = None;
    }

    fn has_schedule(&self) -> bool {
        self.schedule.is_some()
    }

    fn iterations(&self) -> u64 {
        self.iterations
    }

    fn validate(&self) -> Result<()> {
        check_non_negative(R::NAME, "learning_rate", self.current_rate())?;
        match self.weight_decay {
            Some(wd) => check_non_negative(R::NAME, "weight_decay", wd)?,
            None if R::DEFAULT_WEIGHT_DECAY.is_some() => {
                return Err(Error::invalid(R::NAME, "a weight_decay", "none"));
            }
            None => {}
        }
        let set: Vec<String> = [
            ("clipnorm", self.clipnorm),
            ("clipvalue", self.clipvalue),
            ("global_clipnorm", self.global_clipnorm),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
        .collect();
        if set.len() > 1 {
            return Err(Error::invalid(
                R::NAME,
                "only one of clipnorm, clipvalue and global_clipnorm",
                set.join(", "),
            ));
        }
        match self.clip() {
            Clip::Norm(c) => positive(R::NAME, "clipnorm", c)?,
            Clip::Value(c) => positive(R::NAME, "clipvalue", c)?,
            Clip::GlobalNorm(c) => positive(R::NAME, "global_clipnorm", c)?,
            Clip::None => {}
        }
        self.rule.validate()
    }

    fn apply(&mut self, params: &mut [&mut Tensor], grads: &[Option<Tensor>]) -> Result<()> {
        self.validate()?;
        check_grads(R::NAME, params, grads)?;
        let next = next_iteration(R::NAME, self.iterations)?;
        let learning_rate = self.current_rate();
        let step = self.rule.step(learning_rate, next);
        self.slots.prepare(
            R::NAME,
            params,
            self.rule.slot_specs().len(),
            self.rule.slot_init(),
        )?;
        let clip = self.clip();
        let global_scale = match clip {
            Clip::GlobalNorm(c) => {
                let norm = grads
                    .iter()
                    .flatten()
                    .map(|g| g.view().iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>())
                    .sum::<f64>()
                    .sqrt() as f32;
                if norm > c { c / norm } else { 1.0 }
            }
            _ => 1.0,
        };
        let decay = self
            .weight_decay
            .filter(|&wd| wd > 0.0)
            .map(|wd| wd * learning_rate);
        for (i, (param, grad)) in params.iter_mut().zip(grads).enumerate() {
            let Some(grad) = grad else { continue };
            let (w, g) = pair(param, grad, &mut self.scratch);
            let g = Self::clipped(clip, global_scale, g, &mut self.clipped);
            if let Some(decay) = decay {
                // Keras: variable.assign(variable - variable * wd * lr).
                w.iter_mut().for_each(|w| *w -= *w * decay);
            }
            self.rule.update(step, w, g, self.slots.of(i))?;
        }
        self.iterations = next;
        Ok(())
    }

    fn config(&self) -> OptimizerConfig {
        let learning_rate = match &self.schedule {
            None => SavedRate::Constant(self.learning_rate),
            Some(schedule) => match schedule.config() {
                Some(config) => SavedRate::Schedule {
                    class_name: config.class_name().to_string(),
                    config: config.values().clone(),
                },
                // Not saveable: recorded as such, refused when loaded.
                None => SavedRate::Unsaved {
                    unsaved: format!("{schedule:?}"),
                },
            },
        };
        OptimizerConfig::new(
            R::NAME,
            &Saved {
                learning_rate: Some(learning_rate),
                weight_decay: self.weight_decay,
                clipnorm: self.clipnorm,
                clipvalue: self.clipvalue,
                global_clipnorm: self.global_clipnorm,
                rule: self.rule.clone(),
            },
        )
    }

    fn slot_specs(&self) -> &'static [SlotSpec] {
        self.rule.slot_specs()
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            iterations: self.iterations,
            slots: self.slots.snapshot(),
        }
    }

    fn set_state(&mut self, state: OptimizerState) -> Result<()> {
        state.check(R::NAME, self.rule.slot_specs(), None)?;
        self.iterations = state.iterations;
        self.slots.restore(state.slots);
        Ok(())
    }
}

/// Checks a clipping threshold: a finite number above zero.
fn positive(op: &'static str, name: &str, value: f32) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        return Ok(());
    }
    Err(Error::invalid(
        op,
        format!("a finite {name} > 0"),
        format!("{name}={value}"),
    ))
}

/// An optimizer's configuration: the base's options and the rule's own, in
/// one object (as Keras' `get_config()` lists them).
#[derive(Serialize, Deserialize)]
struct Saved<R> {
    #[serde(default)]
    learning_rate: Option<SavedRate>,
    #[serde(default)]
    weight_decay: Option<f32>,
    #[serde(default)]
    clipnorm: Option<f32>,
    #[serde(default)]
    clipvalue: Option<f32>,
    #[serde(default)]
    global_clipnorm: Option<f32>,
    #[serde(flatten)]
    rule: R,
}

/// A saved learning rate: a number, a schedule as Keras writes one
/// (`{"class_name": …, "config": {…}}`), or the name of one that could not
/// be saved.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum SavedRate {
    Constant(f32),
    Schedule {
        class_name: String,
        config: serde_json::Map<String, serde_json::Value>,
    },
    Unsaved {
        unsaved: String,
    },
}

/// Makes an optimizer from its configuration.
pub(super) type Constructor = fn(&OptimizerConfig) -> Result<Box<dyn Optimizer>>;

/// The optimizer of rule `R` that `config` describes: every option known
/// (none ignored), every value in range.
pub(super) fn from_config<R: UpdateRule>(config: &OptimizerConfig) -> Result<Box<dyn Optimizer>> {
    let saved: Saved<R> = config.parse()?;
    // Missing, the learning rate is the class's default; null is no rate.
    if config.contains("learning_rate") && saved.learning_rate.is_none() {
        return Err(Error::invalid(R::NAME, "a learning_rate", "null"));
    }
    // Flattened fields cannot deny unknown ones: an option the parsed
    // optimizer does not write back was not one of its own.
    let known = OptimizerConfig::new(R::NAME, &saved);
    if let Some(key) = config.keys().find(|k| !known.contains(k)) {
        return Err(Error::invalid(
            R::NAME,
            format!(
                "the options of {} ({})",
                R::NAME,
                known.keys().collect::<Vec<_>>().join(", ")
            ),
            format!("the unknown option {key:?}"),
        ));
    }
    let weight_decay = match config.contains("weight_decay") {
        true => saved.weight_decay,
        false => R::DEFAULT_WEIGHT_DECAY,
    };
    let (learning_rate, schedule) = match saved.learning_rate {
        None => (R::DEFAULT_LEARNING_RATE, None),
        Some(SavedRate::Constant(rate)) => (rate, None),
        Some(SavedRate::Schedule { class_name, config }) => {
            let config = OptimizerConfig::from_values(&class_name, config);
            (R::DEFAULT_LEARNING_RATE, Some(schedules::from_config(&config)?))
        }
        Some(SavedRate::Unsaved { unsaved: what }) => {
            return Err(Error::invalid(
                R::NAME,
                "a learning rate or a saved schedule",
                format!("the {what}, which cannot be saved"),
            ));
        }
    };
    let optimizer = BaseOptimizer {
        schedule,
        weight_decay,
        clipnorm: saved.clipnorm,
        clipvalue: saved.clipvalue,
        global_clipnorm: saved.global_clipnorm,
        ..BaseOptimizer::with_rule(saved.rule, learning_rate)
    };
    optimizer.validate()?;
    Ok(Box::new(optimizer))
}
