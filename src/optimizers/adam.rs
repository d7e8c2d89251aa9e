//! Adam, with Keras' placement of epsilon.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result, check_non_negative};

/// Adam: `m += (g − m)(1 − β₁)`, `v += (g² − v)(1 − β₂)`,
/// `w −= α·m/(√v + ε)` with `α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)`. As in Keras, `ε`
/// is added to `√v` and is not bias-corrected (PyTorch differs here).
/// AMSGrad uses the running maximum of `v`.
///
/// Keras defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.999,
/// epsilon=1e-7, amsgrad=False`.
///
/// **Keras equivalent:** `keras.optimizers.Adam()`
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile_with(Adam::new(), "sparse_categorical_crossentropy", ["accuracy"])?; // optimizer='adam'
/// # Ok::<(), kerust::Error>(())
/// ```
pub type Adam = BaseOptimizer<AdamRule>;

/// Adam's update rule (see [`Adam`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdamRule {
    #[serde(default = "beta_1")]
    pub(super) beta_1: f32,
    #[serde(default = "beta_2")]
    pub(super) beta_2: f32,
    #[serde(default = "epsilon")]
    pub(super) epsilon: f32,
    #[serde(default)]
    pub(super) amsgrad: bool,
}

impl Default for Adam {
    fn default() -> Self {
        Self::new()
    }
}

impl Adam {
    /// Adam with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new();
    /// assert_eq!(Optimizer::learning_rate(&adam), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            AdamRule {
                beta_1: 0.9,
                beta_2: 0.999,
                epsilon: 1e-7,
                amsgrad: false,
            },
            0.001,
        )
    }

    /// The first-moment decay `β₁` (default 0.9).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().beta_1(0.8);
    /// # let _ = adam;
    /// ```
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.rule.beta_1 = beta_1;
        self
    }

    /// The second-moment decay `β₂` (default 0.999).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().beta_2(0.99);
    /// # let _ = adam;
    /// ```
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.rule.beta_2 = beta_2;
        self
    }

    /// The fuzz factor `ε` (default 1e-7).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().epsilon(1e-8); // PyTorch's value
    /// # let _ = adam;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.epsilon = epsilon;
        self
    }

    /// Whether to use AMSGrad (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().amsgrad(true);
    /// # let _ = adam;
    /// ```
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.rule.amsgrad = amsgrad;
        self
    }
}

impl UpdateRule for AdamRule {
    const NAME: &'static str = "Adam";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    /// The bias-corrected step size and the decay rates.
    type Step = kernels::AdamStep;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const M: SlotSpec = SlotSpec::signed("m");
        const V: SlotSpec = SlotSpec::squares("v");
        const V_HAT: SlotSpec = SlotSpec::squares("v_hat");
        if self.amsgrad { &[M, V, V_HAT] } else { &[M, V] }
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("Adam", "epsilon", self.epsilon)?;
        for (name, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(Error::invalid(
                    "Adam",
                    format!("{name} in [0, 1)"),
                    format!("{name}={beta}"),
                ));
            }
        }
        Ok(())
    }

    fn step(&mut self, learning_rate: f32, iteration: u64) -> kernels::AdamStep {
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        let t = iteration as f32;
        let alpha = learning_rate * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t));
        kernels::AdamStep { alpha, b1, b2, eps }
    }

    fn update(
        &self,
        step: kernels::AdamStep,
        w: &mut [f32],
        g: &[f32],
        slots: &mut [Vec<f32>],
    ) -> Result<()> {
        match slots {
            [m, v] => kernels::split(w, g, &mut [m, v], |w, g, state| {
                if let [m, v] = state {
                    kernels::adam_plain(w, g, m, v, step);
                }
            }),
            [m, v, v_hat] => kernels::split(w, g, &mut [m, v, v_hat], |w, g, state| {
                if let [m, v, v_hat] = state {
                    kernels::adam_amsgrad(w, g, m, v, v_hat, step);
                }
            }),
            // The base prepared two buffers (three with AMSGrad).
            _ => Ok(()),
        }
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
