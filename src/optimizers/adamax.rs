//! Adamax: Adam with the infinity norm in place of the second moment.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result, check_non_negative};

/// Adamax: `m += (g − m)(1 − β₁)`, `u = max(β₂u, |g|)`,
/// `w −= lr·m / ((1 − β₁ᵗ)(u + ε))`.
///
/// Keras defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.999,
/// epsilon=1e-7`.
///
/// **Keras equivalent:** `keras.optimizers.Adamax()`
///
/// ```
/// # use kerust::prelude::*;
/// let adamax = Adamax::new().learning_rate(0.002);
/// assert_eq!(Optimizer::learning_rate(&adamax), 0.002);
/// ```
pub type Adamax = BaseOptimizer<AdamaxRule>;

/// Adamax's update rule (see [`Adamax`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdamaxRule {
    #[serde(default = "beta_1")]
    beta_1: f32,
    #[serde(default = "beta_2")]
    beta_2: f32,
    #[serde(default = "epsilon")]
    epsilon: f32,
}

/// The constants of one Adamax step.
#[derive(Clone, Copy, Debug)]
pub struct AdamaxStep {
    /// `lr / (1 − β₁ᵗ)`.
    rate: f32,
    b1: f32,
    b2: f32,
    eps: f32,
}

impl Default for Adamax {
    fn default() -> Self {
        Self::new()
    }
}

impl Adamax {
    /// Adamax with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&Adamax::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            AdamaxRule {
                beta_1: beta_1(),
                beta_2: beta_2(),
                epsilon: epsilon(),
            },
            AdamaxRule::DEFAULT_LEARNING_RATE,
        )
    }

    /// The first-moment decay `β₁` (default 0.9).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamax = Adamax::new().beta_1(0.85);
    /// # let _ = adamax;
    /// ```
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.rule.beta_1 = beta_1;
        self
    }

    /// The infinity-norm decay `β₂` (default 0.999).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamax = Adamax::new().beta_2(0.95);
    /// # let _ = adamax;
    /// ```
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.rule.beta_2 = beta_2;
        self
    }

    /// The fuzz factor `ε` (default 1e-7), added to the norm.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamax = Adamax::new().epsilon(1e-6);
    /// # let _ = adamax;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.epsilon = epsilon;
        self
    }
}

impl UpdateRule for AdamaxRule {
    const NAME: &'static str = "Adamax";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    type Step = AdamaxStep;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const M: SlotSpec = SlotSpec::signed("momentum");
        const U: SlotSpec = SlotSpec::squares("norm");
        &[M, U]
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("Adamax", "epsilon", self.epsilon)?;
        for (name, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(Error::invalid(
                    "Adamax",
                    format!("{name} in [0, 1)"),
                    format!("{name}={beta}"),
                ));
            }
        }
        Ok(())
    }

    fn step(&mut self, learning_rate: f32, iteration: u64) -> AdamaxStep {
        let t = iteration as f32;
        AdamaxStep {
            rate: learning_rate / (1.0 - self.beta_1.powf(t)),
            b1: self.beta_1,
            b2: self.beta_2,
            eps: self.epsilon,
        }
    }

    fn update(&self, s: AdamaxStep, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let [m, u] = slots else { return Ok(()) };
        kernels::split(w, g, &mut [m, u], |w, g, state| {
            if let [m, u] = state {
                for (((w, &g), m), u) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(u.iter_mut()) {
                    *m = kernels::flush(*m + (g - *m) * (1.0 - s.b1));
                    *u = kernels::flush((s.b2 * *u).max(g.abs()));
                    *w -= s.rate * *m / (*u + s.eps);
                }
            }
        })
    }
}

fn beta_1() -> f32 {
    0.9
}

fn beta_2() -> f32 {
    0.999
}

fn epsilon() -> f32 {
    1e-7
}
