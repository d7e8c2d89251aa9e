//! RMSprop, the default optimizer of Keras' `compile`.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result, check_non_negative};

/// RMSprop: `v = ρv + (1−ρ)g²`, `w −= lr·g/√(v + ε)`; centered, the mean
/// gradient `a` is tracked and `v − a²` used; with momentum `μ`,
/// `mom = μ·mom + lr·g/√(…)` and `w −= mom`. `ε` is inside the square root,
/// as in Keras.
///
/// Keras defaults: `learning_rate=0.001, rho=0.9, momentum=0.0,
/// epsilon=1e-7, centered=False`.
///
/// **Keras equivalent:** `keras.optimizers.RMSprop()`
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile_with(RMSprop::new().learning_rate(0.0005), "sparse_categorical_crossentropy", ["accuracy"])?;
/// # Ok::<(), kerust::Error>(())
/// ```
pub type RMSprop = BaseOptimizer<RmspropRule>;

/// RMSprop's update rule (see [`RMSprop`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RmspropRule {
    #[serde(default = "rho")]
    rho: f32,
    #[serde(default)]
    momentum: f32,
    #[serde(default = "epsilon")]
    epsilon: f32,
    #[serde(default)]
    centered: bool,
}

impl Default for RMSprop {
    fn default() -> Self {
        Self::new()
    }
}

impl RMSprop {
    /// RMSprop with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&RMSprop::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            RmspropRule {
                rho: 0.9,
                momentum: 0.0,
                epsilon: 1e-7,
                centered: false,
            },
            0.001,
        )
    }

    /// The discount `ρ` of the squared-gradient average (default 0.9).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let rmsprop = RMSprop::new().rho(0.95);
    /// # let _ = rmsprop;
    /// ```
    pub fn rho(mut self, rho: f32) -> Self {
        self.rule.rho = rho;
        self
    }

    /// The momentum (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let rmsprop = RMSprop::new().momentum(0.9);
    /// # let _ = rmsprop;
    /// ```
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.rule.momentum = momentum;
        self
    }

    /// The fuzz factor `ε` (default 1e-7).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let rmsprop = RMSprop::new().epsilon(1e-6);
    /// # let _ = rmsprop;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.epsilon = epsilon;
        self
    }

    /// Whether to normalise by the centered second moment (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let rmsprop = RMSprop::new().centered(true);
    /// # let _ = rmsprop;
    /// ```
    pub fn centered(mut self, centered: bool) -> Self {
        self.rule.centered = centered;
        self
    }
}

impl UpdateRule for RmspropRule {
    const NAME: &'static str = "RMSprop";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    /// The learning rate.
    type Step = f32;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const VELOCITY: SlotSpec = SlotSpec::squares("velocity");
        const AVERAGE: SlotSpec = SlotSpec::signed("average_gradient");
        const MOMENTUM: SlotSpec = SlotSpec::signed("momentum");
        match (self.centered, self.momentum > 0.0) {
            (false, false) => &[VELOCITY],
            (true, false) => &[VELOCITY, AVERAGE],
            (false, true) => &[VELOCITY, MOMENTUM],
            (true, true) => &[VELOCITY, AVERAGE, MOMENTUM],
        }
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("RMSprop", "epsilon", self.epsilon)?;
        if !(0.0..=1.0).contains(&self.rho) {
            return Err(Error::invalid(
                "RMSprop",
                "rho in [0, 1]",
                format!("rho={}", self.rho),
            ));
        }
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "RMSprop",
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
        let (rho, mu, eps) = (self.rho, self.momentum, self.epsilon);
        // The base prepared one buffer, plus one when centered, plus one
        // with momentum, each as long as the weight.
        let Some((velocity, rest)) = slots.split_first_mut() else {
            return Ok(());
        };
        if !self.centered && mu == 0.0 {
            // The default path, in one pass.
            return kernels::split(w, g, &mut [velocity], |w, g, state| {
                if let [v] = state {
                    kernels::rmsprop_plain(w, g, v, lr, rho, eps);
                }
            });
        }
        let (mut average, rest) = match rest {
            [a, r @ ..] if self.centered => (Some(a), r),
            r => (None, r),
        };
        let mut momentum = rest.first_mut();
        for (k, (w, &g)) in w.iter_mut().zip(g).enumerate() {
            let v = &mut velocity[k];
            *v = kernels::rms_average(*v, g, rho);
            let mut denominator = *v;
            if let Some(a) = average.as_deref_mut() {
                a[k] = kernels::flush(rho * a[k] + (1.0 - rho) * g);
                denominator -= a[k] * a[k];
            }
            let increment = lr * g / (denominator + eps).sqrt();
            match momentum.as_deref_mut() {
                Some(m) => {
                    m[k] = kernels::flush(mu * m[k] + increment);
                    *w -= m[k];
                }
                None => *w -= increment,
            }
        }
        Ok(())
    }
}

fn rho() -> f32 {
    0.9
}

fn epsilon() -> f32 {
    1e-7
}
