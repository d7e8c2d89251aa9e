//! [`BaseOptimizer`]: what every optimizer shares (Keras'
//! `BaseOptimizer`) — the learning rate, the step count, the per-weight
//! state, its checks on restore, gradient clipping, decoupled weight
//! decay, the weights' moving average and gradient accumulation — around
//! an [`UpdateRule`], which is all an optimizer's own file holds.
//!
//! The options are in `options.rs`, their saving in `saved.rs`.

mod options;
mod saved;

pub(crate) use saved::{Constructor, from_config};

use serde::Serialize;
use serde::de::DeserializeOwned;

use std::sync::Arc;

use super::schedules::LearningRateSchedule;
use super::{Optimizer, OptimizerConfig, OptimizerState, SlotSpec, Slots, check_grads, flat, next_iteration};
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

    /// The value buffer `slot` starts at (Keras' Adagrad starts its
    /// accumulators at 0.1; most buffers start at 0).
    fn slot_init(&self, slot: usize) -> f32 {
        let _ = slot;
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
/// [`SGD`](super::SGD), [`Adam`](super::Adam) and the others are
/// `BaseOptimizer`s of their rules, so the options below work on each.
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
    /// Calls to `apply` so far (Keras' `_iterations`: with gradient
    /// accumulation, batches rather than updates).
    iterations: u64,
    /// Per weight: the rule's buffers, then the base's own
    /// ([`BaseOptimizer::own_specs`]).
    slots: Slots,
    weight_decay: Option<f32>,
    exclude_from_weight_decay: Vec<String>,
    clipnorm: Option<f32>,
    clipvalue: Option<f32>,
    global_clipnorm: Option<f32>,
    use_ema: bool,
    ema_momentum: f32,
    ema_overwrite_frequency: Option<u64>,
    gradient_accumulation_steps: Option<u64>,
    /// The weights' names, in `apply`'s order (from `build`).
    names: Vec<String>,
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

/// The buffer of the weights' moving average (Keras' `average`).
const AVERAGE: SlotSpec = SlotSpec::signed("average");
/// The buffer of the summed gradients (Keras' `gradient_accumulator`).
const ACCUMULATOR: SlotSpec = SlotSpec::signed("gradient_accumulator");

impl<R: UpdateRule> BaseOptimizer<R> {
    /// The optimizer of `rule` at `learning_rate`, with Keras' defaults
    /// for the rest.
    pub(super) fn with_rule(rule: R, learning_rate: f32) -> Self {
        BaseOptimizer {
            rule,
            learning_rate,
            schedule: None,
            iterations: 0,
            slots: Slots::default(),
            weight_decay: R::DEFAULT_WEIGHT_DECAY,
            exclude_from_weight_decay: Vec::new(),
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            use_ema: false,
            ema_momentum: 0.99,
            ema_overwrite_frequency: None,
            gradient_accumulation_steps: None,
            names: Vec::new(),
            scratch: Vec::new(),
            clipped: Vec::new(),
        }
    }

    /// The rate of the next step (a schedule sees `_iterations`, as in Keras).
    fn current_rate(&self) -> f32 {
        match &self.schedule {
            Some(schedule) => schedule.rate(self.iterations),
            None => self.learning_rate,
        }
    }

    /// Updates so far (Keras' `iterations`): with gradient accumulation,
    /// one per `gradient_accumulation_steps` calls.
    fn updates(&self) -> u64 {
        self.iterations / self.gradient_accumulation_steps.unwrap_or(1)
    }

    /// The base's own buffers, kept after the rule's for each weight.
    fn own_specs(&self) -> impl Iterator<Item = SlotSpec> {
        let ema = self.use_ema.then_some(AVERAGE);
        let accumulator = self.gradient_accumulation_steps.map(|_| ACCUMULATOR);
        ema.into_iter().chain(accumulator)
    }

    /// Where the moving average and the accumulated gradient sit among a
    /// weight's buffers.
    fn own_indices(&self) -> (Option<usize>, Option<usize>) {
        let first = self.rule.slot_specs().len();
        let ema = self.use_ema.then_some(first);
        let accumulator = self
            .gradient_accumulation_steps
            .map(|_| first + usize::from(self.use_ema));
        (ema, accumulator)
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

    /// Whether weight `i` decays (Keras' `_use_weight_decay`): not when its
    /// name contains one of `exclude_from_weight_decay`.
    fn decays(&self, i: usize) -> bool {
        match self.names.get(i) {
            Some(name) => !self
                .exclude_from_weight_decay
                .iter()
                .any(|x| name.contains(x.as_str())),
            None => true,
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

    /// Adds this batch's gradients to the accumulators (buffer `k`); on
    /// the last batch of a group, leaves their mean there instead (Keras:
    /// `(g + acc) / steps`). Returns whether this call updates.
    fn accumulate(&mut self, grads: &[Option<Tensor>], k: usize, steps: u64, next: u64) -> bool {
        let update = next.is_multiple_of(steps);
        let n = steps as f32;
        for (i, grad) in grads.iter().enumerate() {
            let Some(grad) = grad else { continue };
            let g = flat(grad, &mut self.scratch);
            let acc = &mut self.slots.of(i)[k];
            if update {
                acc.iter_mut().zip(g).for_each(|(a, &g)| *a = (g + *a) / n);
            } else {
                acc.iter_mut().zip(g).for_each(|(a, &g)| *a += g);
            }
        }
        update
    }

    /// One update of every weight with a gradient: clipping, decay, the
    /// rule. With accumulation the gradients are the means in buffer `k`,
    /// which then restart from zero.
    fn update(
        &mut self,
        params: &mut [&mut Tensor],
        grads: &[Option<Tensor>],
        accumulated: Option<usize>,
    ) -> Result<()> {
        let learning_rate = self.current_rate();
        let step = self.rule.step(learning_rate, self.updates() + 1);
        let clip = self.clip();
        let global_scale = match clip {
            Clip::GlobalNorm(c) => {
                let mut squares = 0.0f64;
                for (i, grad) in grads.iter().enumerate() {
                    let Some(grad) = grad else { continue };
                    let g = match accumulated {
                        Some(k) => &self.slots.of(i)[k][..],
                        None => flat(grad, &mut self.scratch),
                    };
                    squares += g.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>();
                }
                let norm = squares.sqrt() as f32;
                if norm > c { c / norm } else { 1.0 }
            }
            _ => 1.0,
        };
        let decay = self
            .weight_decay
            .filter(|&wd| wd > 0.0)
            .map(|wd| wd * learning_rate);
        let own = self.rule.slot_specs().len();
        for (i, (param, grad)) in params.iter_mut().zip(grads).enumerate() {
            let Some(grad) = grad else { continue };
            let decay = decay.filter(|_| self.decays(i));
            let (rule_slots, own_slots) = self.slots.of(i).split_at_mut(own);
            let g = match accumulated {
                Some(k) => &own_slots[k - own][..],
                None => flat(grad, &mut self.scratch),
            };
            let g = Self::clipped(clip, global_scale, g, &mut self.clipped);
            let w = param.as_slice_mut();
            if let Some(decay) = decay {
                // Keras: variable.assign(variable - variable * wd * lr).
                w.iter_mut().for_each(|w| *w -= *w * decay);
            }
            self.rule.update(step, w, g, rule_slots)?;
        }
        if let Some(k) = accumulated {
            // Keras resets every accumulator, with a gradient this time or not.
            (0..params.len()).for_each(|i| self.slots.of(i)[k].fill(0.0));
        }
        Ok(())
    }

    /// Moves the averages (buffer `k`) towards the weights, and writes
    /// them into the weights every `ema_overwrite_frequency` updates.
    fn average(&mut self, params: &mut [&mut Tensor], k: usize) {
        let updates = self.updates();
        // Keras: the first step copies the weights.
        let m = if updates == 0 { 0.0 } else { self.ema_momentum };
        let overwrite = self
            .ema_overwrite_frequency
            .is_some_and(|f| (updates + 1).is_multiple_of(f));
        for (i, param) in params.iter_mut().enumerate() {
            let average = &mut self.slots.of(i)[k];
            let w = param.as_slice_mut();
            average
                .iter_mut()
                .zip(w.iter())
                .for_each(|(a, &w)| *a = m * *a + (1.0 - m) * w);
            if overwrite {
                w.copy_from_slice(average);
            }
        }
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
        self.updates()
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
        if self.use_ema && !(0.0..=1.0).contains(&self.ema_momentum) {
            return Err(Error::invalid(
                R::NAME,
                "an ema_momentum in [0, 1]",
                format!("ema_momentum={}", self.ema_momentum),
            ));
        }
        if let Some(steps @ (0 | 1)) = self.gradient_accumulation_steps {
            return Err(Error::invalid(
                R::NAME,
                "gradient_accumulation_steps >= 2 (or 0, off)",
                format!("gradient_accumulation_steps={steps}"),
            ));
        }
        if let Some(blank) = self.exclude_from_weight_decay.iter().find(|n| n.is_empty()) {
            return Err(Error::invalid(
                R::NAME,
                "names of weights to leave out of weight decay",
                format!("the empty name {blank:?}, which every weight contains"),
            ));
        }
        self.rule.validate()
    }

    fn build(&mut self, names: &[&str]) {
        self.names = names.iter().map(|n| n.to_string()).collect();
    }

    fn apply(&mut self, params: &mut [&mut Tensor], grads: &[Option<Tensor>]) -> Result<()> {
        self.validate()?;
        check_grads(R::NAME, params, grads)?;
        // Keras: nothing to update is a no-op (the step is not counted);
        // weights none of which has a gradient are an error.
        if grads.is_empty() {
            return Ok(());
        }
        if grads.iter().all(Option::is_none) {
            return Err(Error::invalid(
                R::NAME,
                "a gradient for at least one weight",
                format!("no gradients provided for any of the {} weights", grads.len()),
            ));
        }
        if !self.exclude_from_weight_decay.is_empty() && self.names.len() != params.len() {
            return Err(Error::invalid(
                R::NAME,
                format!(
                    "the names of the {} weights, from build(), to leave some out of weight decay",
                    params.len()
                ),
                format!("{} names", self.names.len()),
            ));
        }
        let next = next_iteration(R::NAME, self.iterations)?;
        let own = self.rule.slot_specs().len();
        let count = own + self.own_specs().count();
        let rule = &self.rule;
        self.slots.prepare(R::NAME, params, count, |slot| {
            if slot < own { rule.slot_init(slot) } else { 0.0 }
        })?;
        let (ema, accumulator) = self.own_indices();
        let update = match (accumulator, self.gradient_accumulation_steps) {
            (Some(k), Some(steps)) => self.accumulate(grads, k, steps, next),
            _ => true,
        };
        if update {
            self.update(params, grads, accumulator)?;
        }
        if let Some(k) = ema {
            self.average(params, k);
        }
        self.iterations = next;
        Ok(())
    }

    fn finalize(&mut self, params: &mut [&mut Tensor]) -> Result<()> {
        let (Some(k), false) = (self.own_indices().0, self.slots.is_empty()) else {
            return Ok(());
        };
        let count = self.rule.slot_specs().len() + self.own_specs().count();
        let rule = &self.rule;
        self.slots
            .prepare(R::NAME, params, count, |slot| rule.slot_init(slot))?;
        for (i, param) in params.iter_mut().enumerate() {
            param.as_slice_mut().copy_from_slice(&self.slots.of(i)[k]);
        }
        Ok(())
    }

    fn config(&self) -> OptimizerConfig {
        self.saved_config()
    }

    fn slot_specs(&self) -> Vec<SlotSpec> {
        let mut specs = self.rule.slot_specs().to_vec();
        specs.extend(self.own_specs());
        specs
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            iterations: self.iterations,
            slots: self.slots.snapshot(),
        }
    }

    fn set_state(&mut self, state: OptimizerState) -> Result<()> {
        state.check(R::NAME, &self.slot_specs(), None)?;
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
