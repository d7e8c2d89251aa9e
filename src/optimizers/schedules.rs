//! Learning-rate schedules (`keras.optimizers.schedules`): the learning
//! rate as a function of the optimizer's step count, given to an optimizer
//! with [`learning_rate_schedule`](super::BaseOptimizer::learning_rate_schedule).
//!
//! Each follows Keras 3's formula, computed in `f64` from the step count
//! before the step (0 at the first step, as Keras passes
//! `optimizer.iterations`), and saves by class name.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};

/// A learning rate that changes with the step count.
///
/// ```
/// use kerust::optimizers::schedules::{ExponentialDecay, LearningRateSchedule};
/// let decay = ExponentialDecay::new(0.1, 100, 0.5);
/// assert!((decay.rate(100) - 0.05).abs() < 1e-7);
/// ```
pub trait LearningRateSchedule: Send + Sync + std::fmt::Debug {
    /// The learning rate at step `step` (0 before the first update).
    fn rate(&self, step: u64) -> f32;

    /// The configuration to save, or `None` for a schedule that cannot be
    /// saved (a closure).
    fn config(&self) -> Option<Config> {
        None
    }
}

/// `initial_learning_rate · decay_rate^(step / decay_steps)`, the exponent
/// floored with `staircase`.
///
/// **Keras equivalent:** `keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96)`
///
/// ```
/// use kerust::optimizers::schedules::{ExponentialDecay, LearningRateSchedule};
/// let stairs = ExponentialDecay::new(1.0, 10, 0.5).staircase(true);
/// assert_eq!((stairs.rate(9), stairs.rate(10)), (1.0, 0.5));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExponentialDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    decay_rate: f64,
    #[serde(default)]
    staircase: bool,
}

impl ExponentialDecay {
    /// Decays by `decay_rate` every `decay_steps` steps.
    ///
    /// ```
    /// use kerust::optimizers::schedules::{ExponentialDecay, LearningRateSchedule};
    /// assert_eq!(ExponentialDecay::new(0.1, 1000, 0.9).rate(0), 0.1);
    /// ```
    pub fn new(initial_learning_rate: f64, decay_steps: u64, decay_rate: f64) -> Self {
        ExponentialDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            decay_rate,
            staircase: false,
        }
    }

    /// Decays in whole steps of `decay_steps` (default false).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{ExponentialDecay, LearningRateSchedule};
    /// assert_eq!(ExponentialDecay::new(1.0, 10, 0.5).staircase(true).rate(15), 0.5);
    /// ```
    pub fn staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for ExponentialDecay {
    fn rate(&self, step: u64) -> f32 {
        let mut p = step as f64 / self.decay_steps;
        if self.staircase {
            p = p.floor();
        }
        (self.initial_learning_rate * self.decay_rate.powf(p)) as f32
    }

    fn config(&self) -> Option<Config> {
        Some(Config::new("ExponentialDecay", self))
    }
}

/// `values[i]` for steps in `(boundaries[i−1], boundaries[i]]`:
/// `values[0]` up to and including `boundaries[0]`, the last value after
/// the last boundary.
///
/// **Keras equivalent:** `keras.optimizers.schedules.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])`
///
/// ```
/// use kerust::optimizers::schedules::{LearningRateSchedule, PiecewiseConstantDecay};
/// let steps = PiecewiseConstantDecay::new(vec![100, 200], vec![1.0, 0.5, 0.1])?;
/// assert_eq!([steps.rate(100), steps.rate(101), steps.rate(201)], [1.0, 0.5, 0.1]);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PiecewiseConstantDecay {
    boundaries: Vec<u64>,
    values: Vec<f64>,
}

impl PiecewiseConstantDecay {
    /// The schedule of `values` (one more than `boundaries`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless there is one value more than
    /// boundaries, and the boundaries increase.
    pub fn new(boundaries: Vec<u64>, values: Vec<f64>) -> Result<Self> {
        let schedule = PiecewiseConstantDecay { boundaries, values };
        schedule.check()?;
        Ok(schedule)
    }

    fn check(&self) -> Result<()> {
        if self.values.len() != self.boundaries.len() + 1 {
            return Err(Error::invalid(
                "PiecewiseConstantDecay",
                format!("one value more than the {} boundaries", self.boundaries.len()),
                format!("{} values", self.values.len()),
            ));
        }
        if self.boundaries.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid(
                "PiecewiseConstantDecay",
                "increasing boundaries",
                format!("{:?}", self.boundaries),
            ));
        }
        Ok(())
    }
}

impl LearningRateSchedule for PiecewiseConstantDecay {
    fn rate(&self, step: u64) -> f32 {
        let i = self.boundaries.partition_point(|&b| b < step);
        self.values.get(i).copied().unwrap_or(0.0) as f32
    }

    fn config(&self) -> Option<Config> {
        Some(Config::new("PiecewiseConstantDecay", self))
    }
}

/// `(initial − end)·(1 − step/decay_steps)^power + end`, the step held at
/// `decay_steps`; with `cycle`, `decay_steps` grows to the next multiple
/// above the step instead.
///
/// **Keras equivalent:** `keras.optimizers.schedules.PolynomialDecay(0.1, 10000, end_learning_rate=0.01, power=0.5)`
///
/// ```
/// use kerust::optimizers::schedules::{LearningRateSchedule, PolynomialDecay};
/// let linear = PolynomialDecay::new(1.0, 10).end_learning_rate(0.0);
/// assert_eq!([linear.rate(0), linear.rate(5), linear.rate(20)], [1.0, 0.5, 0.0]);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolynomialDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    #[serde(default = "end_learning_rate")]
    end_learning_rate: f64,
    #[serde(default = "one")]
    power: f64,
    #[serde(default)]
    cycle: bool,
}

impl PolynomialDecay {
    /// Decays to `end_learning_rate` (default 0.0001) over `decay_steps`
    /// steps, linearly (power 1) by default.
    ///
    /// ```
    /// use kerust::optimizers::schedules::{LearningRateSchedule, PolynomialDecay};
    /// assert!((PolynomialDecay::new(0.1, 100).rate(100) - 1e-4).abs() < 1e-9);
    /// ```
    pub fn new(initial_learning_rate: f64, decay_steps: u64) -> Self {
        PolynomialDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            end_learning_rate: end_learning_rate(),
            power: 1.0,
            cycle: false,
        }
    }

    /// The rate reached at `decay_steps` (default 0.0001).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{LearningRateSchedule, PolynomialDecay};
    /// assert_eq!(PolynomialDecay::new(1.0, 10).end_learning_rate(0.5).rate(10), 0.5);
    /// ```
    pub fn end_learning_rate(mut self, rate: f64) -> Self {
        self.end_learning_rate = rate;
        self
    }

    /// The power of the polynomial (default 1).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{LearningRateSchedule, PolynomialDecay};
    /// let square = PolynomialDecay::new(1.0, 10).end_learning_rate(0.0).power(2.0);
    /// assert_eq!(square.rate(5), 0.25);
    /// ```
    pub fn power(mut self, power: f64) -> Self {
        self.power = power;
        self
    }

    /// Whether to restart the decay after `decay_steps` (default false).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{LearningRateSchedule, PolynomialDecay};
    /// let cycled = PolynomialDecay::new(1.0, 10).end_learning_rate(0.0).cycle(true);
    /// assert_eq!(cycled.rate(15), 0.25); // decay_steps 20: 1 − 15/20
    /// ```
    pub fn cycle(mut self, cycle: bool) -> Self {
        self.cycle = cycle;
        self
    }
}

impl LearningRateSchedule for PolynomialDecay {
    fn rate(&self, step: u64) -> f32 {
        let mut step = step as f64;
        let mut decay_steps = self.decay_steps;
        if self.cycle {
            let multiplier = if step == 0.0 {
                1.0
            } else {
                (step / decay_steps).ceil()
            };
            decay_steps *= multiplier;
        } else {
            step = step.min(decay_steps);
        }
        let p = step / decay_steps;
        ((self.initial_learning_rate - self.end_learning_rate) * (1.0 - p).powf(self.power)
            + self.end_learning_rate) as f32
    }

    fn config(&self) -> Option<Config> {
        Some(Config::new("PolynomialDecay", self))
    }
}

/// `initial_learning_rate / (1 + decay_rate·step/decay_steps)`, the ratio
/// floored with `staircase`.
///
/// **Keras equivalent:** `keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)`
///
/// ```
/// use kerust::optimizers::schedules::{InverseTimeDecay, LearningRateSchedule};
/// assert_eq!(InverseTimeDecay::new(1.0, 10, 1.0).rate(10), 0.5);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InverseTimeDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    decay_rate: f64,
    #[serde(default)]
    staircase: bool,
}

impl InverseTimeDecay {
    /// Halves (with `decay_rate` 1) after `decay_steps`, a third after twice that, ….
    ///
    /// ```
    /// use kerust::optimizers::schedules::{InverseTimeDecay, LearningRateSchedule};
    /// assert_eq!(InverseTimeDecay::new(1.0, 1, 1.0).rate(2), 1.0 / 3.0);
    /// ```
    pub fn new(initial_learning_rate: f64, decay_steps: u64, decay_rate: f64) -> Self {
        InverseTimeDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            decay_rate,
            staircase: false,
        }
    }

    /// Decays in whole steps of `decay_steps` (default false).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{InverseTimeDecay, LearningRateSchedule};
    /// assert_eq!(InverseTimeDecay::new(1.0, 10, 1.0).staircase(true).rate(9), 1.0);
    /// ```
    pub fn staircase(mut self, staircase: bool) -> Self {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for InverseTimeDecay {
    fn rate(&self, step: u64) -> f32 {
        let mut p = step as f64 / self.decay_steps;
        if self.staircase {
            p = p.floor();
        }
        (self.initial_learning_rate / (1.0 + self.decay_rate * p)) as f32
    }

    fn config(&self) -> Option<Config> {
        Some(Config::new("InverseTimeDecay", self))
    }
}

/// Cosine decay from the initial rate (or, with a warmup, from
/// `warmup_target` after rising linearly to it over `warmup_steps`) to
/// `alpha` times it over `decay_steps`:
/// `rate·((1 − α)·½(1 + cos(π·step/decay_steps)) + α)`.
///
/// **Keras equivalent:** `keras.optimizers.schedules.CosineDecay(0.1, decay_steps=1000, warmup_target=1.0, warmup_steps=100)`
///
/// ```
/// use kerust::optimizers::schedules::{CosineDecay, LearningRateSchedule};
/// let cosine = CosineDecay::new(1.0, 100);
/// assert_eq!(cosine.rate(0), 1.0);
/// assert!((cosine.rate(50) - 0.5).abs() < 1e-6);
/// assert_eq!(cosine.rate(100), 0.0);
/// let warm = CosineDecay::new(0.0, 100).warmup(1.0, 10);
/// assert!((warm.rate(5) - 0.5).abs() < 1e-7);
/// assert_eq!(warm.rate(10), 1.0);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CosineDecay {
    initial_learning_rate: f64,
    decay_steps: f64,
    #[serde(default)]
    alpha: f64,
    #[serde(default)]
    warmup_target: Option<f64>,
    #[serde(default)]
    warmup_steps: f64,
}

impl CosineDecay {
    /// Decays from `initial_learning_rate` to 0 over `decay_steps` steps.
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecay, LearningRateSchedule};
    /// assert_eq!(CosineDecay::new(0.1, 10).rate(10), 0.0);
    /// ```
    pub fn new(initial_learning_rate: f64, decay_steps: u64) -> Self {
        CosineDecay {
            initial_learning_rate,
            decay_steps: decay_steps as f64,
            alpha: 0.0,
            warmup_target: None,
            warmup_steps: 0.0,
        }
    }

    /// The floor, as a fraction of the rate decayed from (default 0).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecay, LearningRateSchedule};
    /// assert_eq!(CosineDecay::new(1.0, 10).alpha(0.1).rate(10), 0.1);
    /// ```
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// A linear warmup from the initial rate to `target` over `steps`
    /// steps, before the decay (Keras' `warmup_target`, `warmup_steps`).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecay, LearningRateSchedule};
    /// assert_eq!(CosineDecay::new(0.0, 10).warmup(1.0, 4).rate(2), 0.5);
    /// ```
    pub fn warmup(mut self, target: f64, steps: u64) -> Self {
        self.warmup_target = Some(target);
        self.warmup_steps = steps as f64;
        self
    }

    fn decay(&self, step: f64, from: f64) -> f64 {
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * step / self.decay_steps).cos());
        from * ((1.0 - self.alpha) * cosine + self.alpha)
    }
}

impl LearningRateSchedule for CosineDecay {
    fn rate(&self, step: u64) -> f32 {
        let step = step as f64;
        let Some(target) = self.warmup_target else {
            return self.decay(step.min(self.decay_steps), self.initial_learning_rate) as f32;
        };
        let step = step.min(self.decay_steps + self.warmup_steps);
        if step < self.warmup_steps {
            let fraction = step / self.warmup_steps;
            return ((target - self.initial_learning_rate) * fraction + self.initial_learning_rate) as f32;
        }
        self.decay(step - self.warmup_steps, target) as f32
    }

    fn config(&self) -> Option<Config> {
        Some(Config::new("CosineDecay", self))
    }
}

/// Cosine decay with warm restarts (SGDR): periods of `first_decay_steps`,
/// each `t_mul` times longer than the one before and starting `m_mul` times
/// lower, each decaying to `alpha` times the initial rate.
///
/// **Keras equivalent:** `keras.optimizers.schedules.CosineDecayRestarts(0.1, first_decay_steps=1000)`
///
/// ```
/// use kerust::optimizers::schedules::{CosineDecayRestarts, LearningRateSchedule};
/// let sgdr = CosineDecayRestarts::new(1.0, 10); // t_mul 2: periods of 10, 20, 40, …
/// assert!((sgdr.rate(5) - 0.5).abs() < 1e-6);
/// assert_eq!(sgdr.rate(10), 1.0); // restarted
/// assert!((sgdr.rate(20) - 0.5).abs() < 1e-6); // halfway through the second period
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CosineDecayRestarts {
    initial_learning_rate: f64,
    first_decay_steps: f64,
    #[serde(default = "two")]
    t_mul: f64,
    #[serde(default = "one")]
    m_mul: f64,
    #[serde(default)]
    alpha: f64,
}

impl CosineDecayRestarts {
    /// Restarts after `first_decay_steps`, then after periods twice as long.
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecayRestarts, LearningRateSchedule};
    /// assert_eq!(CosineDecayRestarts::new(0.1, 100).rate(0), 0.1);
    /// ```
    pub fn new(initial_learning_rate: f64, first_decay_steps: u64) -> Self {
        CosineDecayRestarts {
            initial_learning_rate,
            first_decay_steps: first_decay_steps as f64,
            t_mul: 2.0,
            m_mul: 1.0,
            alpha: 0.0,
        }
    }

    /// How much longer each period is than the one before (default 2).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecayRestarts, LearningRateSchedule};
    /// assert_eq!(CosineDecayRestarts::new(1.0, 10).t_mul(1.0).rate(20), 1.0);
    /// ```
    pub fn t_mul(mut self, t_mul: f64) -> Self {
        self.t_mul = t_mul;
        self
    }

    /// How much lower each period starts than the one before (default 1).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecayRestarts, LearningRateSchedule};
    /// assert_eq!(CosineDecayRestarts::new(1.0, 10).m_mul(0.5).rate(10), 0.5);
    /// ```
    pub fn m_mul(mut self, m_mul: f64) -> Self {
        self.m_mul = m_mul;
        self
    }

    /// The floor, as a fraction of the initial rate (default 0).
    ///
    /// ```
    /// use kerust::optimizers::schedules::{CosineDecayRestarts, LearningRateSchedule};
    /// let sgdr = CosineDecayRestarts::new(1.0, 10).alpha(0.5);
    /// assert!((sgdr.rate(5) - 0.75).abs() < 1e-6);
    /// ```
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
}

impl LearningRateSchedule for CosineDecayRestarts {
    fn rate(&self, step: u64) -> f32 {
        let mut fraction = step as f64 / self.first_decay_steps;
        let restart = if self.t_mul == 1.0 {
            let i = fraction.floor();
            fraction -= i;
            i
        } else {
            let i = ((1.0 - fraction * (1.0 - self.t_mul)).ln() / self.t_mul.ln()).floor();
            let sum = (1.0 - self.t_mul.powf(i)) / (1.0 - self.t_mul);
            fraction = (fraction - sum) / self.t_mul.powf(i);
            i
        };
        let m = self.m_mul.powf(restart);
        let cosine = 0.5 * m * (1.0 + (std::f64::consts::PI * fraction).cos());
        (self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)) as f32
    }

    fn config(&self) -> Option<Config> {
        Some(Config::new("CosineDecayRestarts", self))
    }
}

/// A schedule of your own from a closure of the step (not saved with the
/// model: saving names it).
///
/// ```
/// use kerust::optimizers::schedules::{LearningRateSchedule, custom};
/// let halving = custom("halving", |step| 0.1 * 0.5f32.powi((step / 10) as i32));
/// assert_eq!(halving.rate(25), 0.025);
/// ```
pub fn custom<F>(name: &str, f: F) -> Closure<F>
where
    F: Fn(u64) -> f32 + Send + Sync,
{
    Closure {
        name: name.to_string(),
        f,
    }
}

/// A schedule made by [`custom`].
pub struct Closure<F> {
    name: String,
    f: F,
}

impl<F> std::fmt::Debug for Closure<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "schedule {:?}", self.name)
    }
}

impl<F: Fn(u64) -> f32 + Send + Sync> LearningRateSchedule for Closure<F> {
    fn rate(&self, step: u64) -> f32 {
        (self.f)(step)
    }
}

/// The schedule a saved configuration describes.
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown class, or options it cannot take.
pub(crate) fn from_config(config: &Config) -> Result<Arc<dyn LearningRateSchedule>> {
    let positive = |name: &str, steps: f64| -> Result<()> {
        if steps.is_finite() && steps > 0.0 {
            return Ok(());
        }
        Err(Error::invalid(
            "learning rate schedule",
            format!("{name} > 0"),
            format!("{name}={steps}"),
        ))
    };
    Ok(match config.class_name() {
        "ExponentialDecay" => {
            let s: ExponentialDecay = config.parse()?;
            positive("decay_steps", s.decay_steps)?;
            Arc::new(s)
        }
        "PiecewiseConstantDecay" => {
            let s: PiecewiseConstantDecay = config.parse()?;
            s.check()?;
            Arc::new(s)
        }
        "PolynomialDecay" => {
            let s: PolynomialDecay = config.parse()?;
            positive("decay_steps", s.decay_steps)?;
            Arc::new(s)
        }
        "InverseTimeDecay" => {
            let s: InverseTimeDecay = config.parse()?;
            positive("decay_steps", s.decay_steps)?;
            Arc::new(s)
        }
        "CosineDecay" => {
            let s: CosineDecay = config.parse()?;
            positive("decay_steps", s.decay_steps)?;
            Arc::new(s)
        }
        "CosineDecayRestarts" => {
            let s: CosineDecayRestarts = config.parse()?;
            positive("first_decay_steps", s.first_decay_steps)?;
            Arc::new(s)
        }
        other => {
            return Err(Error::invalid(
                "learning rate schedule",
                "ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay, CosineDecay \
                 or CosineDecayRestarts",
                other.to_string(),
            ));
        }
    })
}

fn end_learning_rate() -> f64 {
    1e-4
}

fn one() -> f64 {
    1.0
}

fn two() -> f64 {
    2.0
}
