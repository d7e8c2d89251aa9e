//! FTRL-Proximal ("Follow The Regularized Leader"), for wide, sparse
//! linear models.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result};

/// FTRL (McMahan et al., 2013), with online L1/L2 and shrinkage-type L2
/// regularization, as Keras writes it. With `p =` `−learning_rate_power`,
/// `λ₂' = λ₂ + β/(2·lr)` and `g' = g + 2·l2_shrinkage·w`:
///
/// ```text
/// n' = n + g²
/// z += g' − (n'^p − n^p)/lr · w
/// w  = (clip(z, −λ₁, λ₁) − z) / (n'^p/lr + 2·λ₂')
/// n  = n'
/// ```
///
/// Keras defaults: `learning_rate=0.001, learning_rate_power=-0.5,
/// initial_accumulator_value=0.1, l1_regularization_strength=0.0,
/// l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
/// beta=0.0`.
///
/// **Keras equivalent:** `keras.optimizers.Ftrl(learning_rate=0.05, l1_regularization_strength=0.01)`
///
/// ```
/// # use kerust::prelude::*;
/// let ftrl = Ftrl::new().learning_rate(0.05).l1_regularization_strength(0.01);
/// assert_eq!(ftrl.config().get::<f32>("learning_rate_power"), Some(-0.5));
/// ```
pub type Ftrl = BaseOptimizer<FtrlRule>;

/// FTRL's update rule (see [`Ftrl`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FtrlRule {
    #[serde(default = "learning_rate_power")]
    learning_rate_power: f32,
    #[serde(default = "initial_accumulator_value")]
    initial_accumulator_value: f32,
    #[serde(default)]
    l1_regularization_strength: f32,
    #[serde(default)]
    l2_regularization_strength: f32,
    #[serde(default)]
    l2_shrinkage_regularization_strength: f32,
    #[serde(default)]
    beta: f32,
}

impl Default for Ftrl {
    fn default() -> Self {
        Self::new()
    }
}

impl Ftrl {
    /// FTRL with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&Ftrl::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            FtrlRule {
                learning_rate_power: learning_rate_power(),
                initial_accumulator_value: initial_accumulator_value(),
                l1_regularization_strength: 0.0,
                l2_regularization_strength: 0.0,
                l2_shrinkage_regularization_strength: 0.0,
                beta: 0.0,
            },
            FtrlRule::DEFAULT_LEARNING_RATE,
        )
    }

    /// How the step shrinks with the summed squared gradients, at most 0
    /// (default −0.5; 0 keeps the rate fixed).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let ftrl = Ftrl::new().learning_rate_power(-0.2);
    /// # let _ = ftrl;
    /// ```
    pub fn learning_rate_power(mut self, power: f32) -> Self {
        self.rule.learning_rate_power = power;
        self
    }

    /// The accumulators' starting value, at least 0 (default 0.1).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let ftrl = Ftrl::new().initial_accumulator_value(0.4);
    /// # let _ = ftrl;
    /// ```
    pub fn initial_accumulator_value(mut self, value: f32) -> Self {
        self.rule.initial_accumulator_value = value;
        self
    }

    /// The L1 strength `λ₁` (default 0): weights whose `|z|` stays below
    /// it are exactly zero.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let ftrl = Ftrl::new().l1_regularization_strength(0.05);
    /// # let _ = ftrl;
    /// ```
    pub fn l1_regularization_strength(mut self, strength: f32) -> Self {
        self.rule.l1_regularization_strength = strength;
        self
    }

    /// The (stabilization) L2 strength `λ₂` (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let ftrl = Ftrl::new().l2_regularization_strength(0.15);
    /// # let _ = ftrl;
    /// ```
    pub fn l2_regularization_strength(mut self, strength: f32) -> Self {
        self.rule.l2_regularization_strength = strength;
        self
    }

    /// The shrinkage-type L2 strength (default 0): a magnitude penalty
    /// added to the gradient as `2·strength·w`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let ftrl = Ftrl::new().l2_shrinkage_regularization_strength(0.01);
    /// # let _ = ftrl;
    /// ```
    pub fn l2_shrinkage_regularization_strength(mut self, strength: f32) -> Self {
        self.rule.l2_shrinkage_regularization_strength = strength;
        self
    }

    /// The paper's `β` (default 0), added to the L2 strength as `β/(2·lr)`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let ftrl = Ftrl::new().beta(0.3);
    /// # let _ = ftrl;
    /// ```
    pub fn beta(mut self, beta: f32) -> Self {
        self.rule.beta = beta;
        self
    }
}

/// What an FTRL step computes once for all weights.
#[derive(Clone, Copy, Debug)]
pub struct FtrlStep {
    /// The learning rate.
    lr: f32,
    /// `λ₂ + β/(2·lr)`.
    l2: f32,
}

impl UpdateRule for FtrlRule {
    const NAME: &'static str = "Ftrl";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    type Step = FtrlStep;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const SLOTS: [SlotSpec; 2] = [SlotSpec::squares("accumulator"), SlotSpec::signed("linear")];
        &SLOTS
    }

    fn slot_init(&self, slot: usize) -> f32 {
        if slot == 0 {
            self.initial_accumulator_value
        } else {
            0.0
        }
    }

    fn validate(&self) -> Result<()> {
        let at_least_zero = [
            ("initial_accumulator_value", self.initial_accumulator_value),
            ("l1_regularization_strength", self.l1_regularization_strength),
            ("l2_regularization_strength", self.l2_regularization_strength),
            (
                "l2_shrinkage_regularization_strength",
                self.l2_shrinkage_regularization_strength,
            ),
            ("beta", self.beta),
        ];
        for (name, value) in at_least_zero {
            crate::error::check_non_negative("Ftrl", name, value)?;
        }
        let power = self.learning_rate_power;
        if power.is_finite() && power <= 0.0 {
            return Ok(());
        }
        Err(Error::invalid(
            "Ftrl",
            "a finite learning_rate_power <= 0",
            format!("learning_rate_power={power}"),
        ))
    }

    fn step(&mut self, learning_rate: f32, _iteration: u64) -> FtrlStep {
        FtrlStep {
            lr: learning_rate,
            l2: self.l2_regularization_strength + self.beta / (2.0 * learning_rate),
        }
    }

    fn update(&self, s: FtrlStep, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let [n, z] = slots else { return Ok(()) };
        let power = -self.learning_rate_power;
        // The usual power, ½, as a square root: exact and several times faster.
        let pow = |x: f32| if power == 0.5 { x.sqrt() } else { x.powf(power) };
        let l1 = self.l1_regularization_strength;
        let shrinkage = 2.0 * self.l2_shrinkage_regularization_strength;
        kernels::split(w, g, &mut [n, z], |w, g, state| {
            if let [n, z] = state {
                for (((w, &g), n), z) in w.iter_mut().zip(g).zip(n.iter_mut()).zip(z.iter_mut()) {
                    let grown = *n + g * g;
                    let (old_p, new_p) = (pow(*n), pow(grown));
                    *z += (g + shrinkage * *w) - (new_p - old_p) / s.lr * *w;
                    let quadratic = new_p / s.lr + 2.0 * s.l2;
                    *w = (z.clamp(-l1, l1) - *z) / quadratic;
                    *n = grown;
                }
            }
        })
    }
}

fn learning_rate_power() -> f32 {
    -0.5
}

fn initial_accumulator_value() -> f32 {
    0.1
}
