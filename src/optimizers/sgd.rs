//! Stochastic gradient descent, with optional (Nesterov) momentum.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result};

/// Gradient descent: `w −= lr·g`; with momentum `μ`, `m = μm − lr·g` and
/// `w += m` (Nesterov: `w += μm − lr·g`).
///
/// Keras defaults: `learning_rate=0.01, momentum=0.0, nesterov=False`.
///
/// **Keras equivalent:** `keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)`
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile_with(SGD::new().momentum(0.9).nesterov(true), "sparse_categorical_crossentropy", ["accuracy"])?;
/// # Ok::<(), kerust::Error>(())
/// ```
pub type SGD = BaseOptimizer<SgdRule>;

/// SGD's update rule (see [`SGD`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SgdRule {
    #[serde(default)]
    momentum: f32,
    #[serde(default)]
    nesterov: bool,
}

impl Default for SGD {
    fn default() -> Self {
        Self::new()
    }
}

impl SGD {
    /// SGD with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&SGD::new()), 0.01);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            SgdRule {
                momentum: 0.0,
                nesterov: false,
            },
            0.01,
        )
    }

    /// The momentum, in `[0, 1]` (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().momentum(0.9);
    /// # let _ = sgd;
    /// ```
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.rule.momentum = momentum;
        self
    }

    /// Whether to use Nesterov momentum (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().momentum(0.9).nesterov(true);
    /// # let _ = sgd;
    /// ```
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.rule.nesterov = nesterov;
        self
    }
}

impl UpdateRule for SgdRule {
    const NAME: &'static str = "SGD";
    const DEFAULT_LEARNING_RATE: f32 = 0.01;
    /// The learning rate.
    type Step = f32;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const MOMENTUM: SlotSpec = SlotSpec::signed("momentum");
        if self.momentum > 0.0 { &[MOMENTUM] } else { &[] }
    }

    fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "SGD",
                "momentum in [0, 1]",
                format!("momentum={}", self.momentum),
            ));
        }
        Ok(())
    }

    fn step(&mut self, learning_rate: f32, _iteration: u64) -> f32 {
        learning_rate
    }

    fn update(&self, lr: f32, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let (mu, nesterov) = (self.momentum, self.nesterov);
        match slots {
            [] => kernels::sgd_plain(w, g, lr),
            [m] => kernels::split(w, g, &mut [m], |w, g, state| {
                if let [m] = state {
                    kernels::sgd_momentum(w, g, m, lr, mu, nesterov);
                }
            })?,
            // The base prepared as many buffers as `slot_specs` lists.
            _ => {}
        }
        Ok(())
    }
}
