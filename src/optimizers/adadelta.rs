//! Adadelta: steps scaled by the ratio of running update and gradient sizes.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result, check_non_negative};

/// Adadelta: `a = ρa + (1−ρ)g²`, `Δ = −√(d + ε)·g/√(a + ε)`,
/// `d = ρd + (1−ρ)Δ²`, `w += lr·Δ`.
///
/// Keras defaults: `learning_rate=0.001, rho=0.95, epsilon=1e-7`.
///
/// **Keras equivalent:** `keras.optimizers.Adadelta(learning_rate=1.0)`
///
/// ```
/// # use kerust::prelude::*;
/// let adadelta = Adadelta::new().learning_rate(1.0).rho(0.9);
/// assert_eq!(Optimizer::learning_rate(&adadelta), 1.0);
/// ```
pub type Adadelta = BaseOptimizer<AdadeltaRule>;

/// Adadelta's update rule (see [`Adadelta`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdadeltaRule {
    #[serde(default = "rho")]
    rho: f32,
    #[serde(default = "epsilon")]
    epsilon: f32,
}

impl Default for Adadelta {
    fn default() -> Self {
        Self::new()
    }
}

impl Adadelta {
    /// Adadelta with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&Adadelta::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            AdadeltaRule {
                rho: rho(),
                epsilon: epsilon(),
            },
            AdadeltaRule::DEFAULT_LEARNING_RATE,
        )
    }

    /// The decay `ρ` of both running averages (default 0.95).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adadelta = Adadelta::new().rho(0.8);
    /// # let _ = adadelta;
    /// ```
    pub fn rho(mut self, rho: f32) -> Self {
        self.rule.rho = rho;
        self
    }

    /// The fuzz factor `ε` (default 1e-7), inside both square roots.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adadelta = Adadelta::new().epsilon(1e-6);
    /// # let _ = adadelta;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.epsilon = epsilon;
        self
    }
}

impl UpdateRule for AdadeltaRule {
    const NAME: &'static str = "Adadelta";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    /// The learning rate.
    type Step = f32;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const GRADS: SlotSpec = SlotSpec::squares("accumulated_grad");
        const DELTAS: SlotSpec = SlotSpec::squares("accumulated_delta_var");
        &[GRADS, DELTAS]
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("Adadelta", "epsilon", self.epsilon)?;
        if (0.0..=1.0).contains(&self.rho) {
            return Ok(());
        }
        Err(Error::invalid(
            "Adadelta",
            "rho in [0, 1]",
            format!("rho={}", self.rho),
        ))
    }

    fn step(&mut self, learning_rate: f32, _iteration: u64) -> f32 {
        learning_rate
    }

    fn update(&self, lr: f32, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let (rho, eps) = (self.rho, self.epsilon);
        let [a, d] = slots else { return Ok(()) };
        kernels::split(w, g, &mut [a, d], |w, g, state| {
            if let [a, d] = state {
                for (((w, &g), a), d) in w.iter_mut().zip(g).zip(a.iter_mut()).zip(d.iter_mut()) {
                    *a = kernels::flush(rho * *a + (1.0 - rho) * g * g);
                    let delta = -((*d + eps).sqrt() * g) / (*a + eps).sqrt();
                    *d = kernels::flush(rho * *d + (1.0 - rho) * delta * delta);
                    *w += lr * delta;
                }
            }
        })
    }
}

fn rho() -> f32 {
    0.95
}

fn epsilon() -> f32 {
    1e-7
}
