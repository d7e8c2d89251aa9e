//! Lion: the sign of an interpolated momentum, found by program search.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result};

/// Lion: `w −= lr·sign(β₁m + (1 − β₁)g)`, then `m = β₂m + (1 − β₂)g`.
/// Every step moves each weight by exactly the learning rate (or not at
/// all), so Lion takes a learning rate 3–10× smaller than Adam's.
///
/// Keras defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.99`.
///
/// **Keras equivalent:** `keras.optimizers.Lion(learning_rate=1e-4)`
///
/// ```
/// # use kerust::prelude::*;
/// let lion = Lion::new().learning_rate(1e-4);
/// assert_eq!(Optimizer::learning_rate(&lion), 1e-4);
/// ```
pub type Lion = BaseOptimizer<LionRule>;

/// Lion's update rule (see [`Lion`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LionRule {
    #[serde(default = "beta_1")]
    beta_1: f32,
    #[serde(default = "beta_2")]
    beta_2: f32,
}

impl Default for Lion {
    fn default() -> Self {
        Self::new()
    }
}

impl Lion {
    /// Lion with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&Lion::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            LionRule {
                beta_1: beta_1(),
                beta_2: beta_2(),
            },
            LionRule::DEFAULT_LEARNING_RATE,
        )
    }

    /// The interpolation `β₁` of the step's direction (default 0.9).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let lion = Lion::new().beta_1(0.95);
    /// # let _ = lion;
    /// ```
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.rule.beta_1 = beta_1;
        self
    }

    /// The momentum decay `β₂` (default 0.99).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let lion = Lion::new().beta_2(0.98);
    /// # let _ = lion;
    /// ```
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.rule.beta_2 = beta_2;
        self
    }
}

impl UpdateRule for LionRule {
    const NAME: &'static str = "Lion";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    /// The learning rate.
    type Step = f32;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const M: SlotSpec = SlotSpec::signed("momentum");
        &[M]
    }

    fn validate(&self) -> Result<()> {
        // Keras: beta_1 in (0, 1], beta_2 in [0, 1].
        if !(self.beta_1 > 0.0 && self.beta_1 <= 1.0) {
            return Err(Error::invalid(
                "Lion",
                "beta_1 in (0, 1]",
                format!("beta_1={}", self.beta_1),
            ));
        }
        if !(0.0..=1.0).contains(&self.beta_2) {
            return Err(Error::invalid(
                "Lion",
                "beta_2 in [0, 1]",
                format!("beta_2={}", self.beta_2),
            ));
        }
        Ok(())
    }

    fn step(&mut self, learning_rate: f32, _iteration: u64) -> f32 {
        learning_rate
    }

    fn update(&self, lr: f32, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let (b1, b2) = (self.beta_1, self.beta_2);
        let [m] = slots else { return Ok(()) };
        kernels::split(w, g, &mut [m], |w, g, state| {
            if let [m] = state {
                for ((w, &g), m) in w.iter_mut().zip(g).zip(m.iter_mut()) {
                    let c = *m * b1 + g * (1.0 - b1);
                    // NumPy's sign: 0 at 0.
                    let sign = if c > 0.0 {
                        1.0
                    } else if c < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    *w -= lr * sign;
                    *m = kernels::flush(*m * b2 + g * (1.0 - b2));
                }
            }
        })
    }
}

fn beta_1() -> f32 {
    0.9
}

fn beta_2() -> f32 {
    0.99
}
