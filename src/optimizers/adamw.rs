//! AdamW: Adam with decoupled weight decay on by default.

use serde::{Deserialize, Serialize};

use super::adam::AdamRule;
use super::{Adam, AdamStep, BaseOptimizer, SlotSpec, UpdateRule};
use crate::error::Result;

/// AdamW: [`Adam`]'s update after Keras' decoupled weight decay
/// `w −= w·weight_decay·lr` (which every kerust optimizer offers; AdamW
/// has it on, at 0.004, and requires it).
///
/// Keras defaults: `learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
/// beta_2=0.999, epsilon=1e-7, amsgrad=False`.
///
/// **Keras equivalent:** `keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.004)`
///
/// ```
/// # use kerust::prelude::*;
/// let adamw = AdamW::new().learning_rate(3e-4).weight_decay(0.01);
/// assert_eq!(adamw.config().get::<f32>("weight_decay"), Some(0.01));
/// assert_eq!(AdamW::new().config().get::<f32>("weight_decay"), Some(0.004));
/// ```
pub type AdamW = BaseOptimizer<AdamWRule>;

/// AdamW's update rule: Adam's (see [`AdamW`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AdamWRule(AdamRule);

impl Default for AdamW {
    fn default() -> Self {
        Self::new()
    }
}

impl AdamW {
    /// AdamW with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&AdamW::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(AdamWRule(Adam::new().rule), AdamWRule::DEFAULT_LEARNING_RATE)
    }

    /// The first-moment decay `β₁` (default 0.9).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamw = AdamW::new().beta_1(0.85);
    /// # let _ = adamw;
    /// ```
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.rule.0.beta_1 = beta_1;
        self
    }

    /// The second-moment decay `β₂` (default 0.999).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamw = AdamW::new().beta_2(0.99);
    /// # let _ = adamw;
    /// ```
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.rule.0.beta_2 = beta_2;
        self
    }

    /// The fuzz factor `ε` (default 1e-7), added to `√v`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamw = AdamW::new().epsilon(1e-6);
    /// # let _ = adamw;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.0.epsilon = epsilon;
        self
    }

    /// Whether to use AMSGrad (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamw = AdamW::new().amsgrad(true);
    /// # let _ = adamw;
    /// ```
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.rule.0.amsgrad = amsgrad;
        self
    }
}

impl UpdateRule for AdamWRule {
    const NAME: &'static str = "AdamW";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    const DEFAULT_WEIGHT_DECAY: Option<f32> = Some(0.004);
    type Step = AdamStep;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        self.0.slot_specs()
    }

    fn validate(&self) -> Result<()> {
        self.0.validate()
    }

    fn step(&mut self, learning_rate: f32, iteration: u64) -> AdamStep {
        self.0.step(learning_rate, iteration)
    }

    fn update(&self, step: AdamStep, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        self.0.update(step, w, g, slots)
    }
}
