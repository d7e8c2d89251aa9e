//! Nadam: Adam with Nesterov momentum and Keras' momentum schedule.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result, check_non_negative};

/// Nadam, as Keras 3 computes it: with the momentum schedule
/// `μₜ = β₁(1 − ½·0.96ᵗ)` and its running product `Πₜ = μ₁⋯μₜ`,
/// `m += (g − m)(1 − β₁)`, `v += (g² − v)(1 − β₂)`,
/// `m̂ = μₜ₊₁m/(1 − Πₜμₜ₊₁) + (1 − μₜ)g/(1 − Πₜ)`, `v̂ = v/(1 − β₂ᵗ)`,
/// `w −= lr·m̂/(√v̂ + ε)`.
///
/// Keras defaults: `learning_rate=0.001, beta_1=0.9, beta_2=0.999,
/// epsilon=1e-7`.
///
/// **Keras equivalent:** `keras.optimizers.Nadam()`
///
/// ```
/// # use kerust::prelude::*;
/// let nadam = Nadam::new().learning_rate(0.002);
/// assert_eq!(Optimizer::learning_rate(&nadam), 0.002);
/// ```
pub type Nadam = BaseOptimizer<NadamRule>;

/// Nadam's update rule (see [`Nadam`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NadamRule {
    #[serde(default = "beta_1")]
    beta_1: f32,
    #[serde(default = "beta_2")]
    beta_2: f32,
    #[serde(default = "epsilon")]
    epsilon: f32,
    /// `(t, Πₜ)` of the last step, so each step multiplies in one factor;
    /// recomputed from the step count after a restore.
    #[serde(skip)]
    product: Option<(u64, f64)>,
}

/// The constants of one Nadam step.
#[derive(Clone, Copy, Debug)]
pub struct NadamStep {
    lr: f32,
    b1: f32,
    b2: f32,
    eps: f32,
    /// `μₜ`, `μₜ₊₁`, `1 − Πₜ`, `1 − Πₜμₜ₊₁`, `1 − β₂ᵗ`.
    u: f32,
    u_next: f32,
    one_minus_product: f32,
    one_minus_product_next: f32,
    one_minus_b2_power: f32,
}

impl Default for Nadam {
    fn default() -> Self {
        Self::new()
    }
}

impl Nadam {
    /// Nadam with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&Nadam::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            NadamRule {
                beta_1: beta_1(),
                beta_2: beta_2(),
                epsilon: epsilon(),
                product: None,
            },
            NadamRule::DEFAULT_LEARNING_RATE,
        )
    }

    /// The first-moment decay `β₁` (default 0.9).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let nadam = Nadam::new().beta_1(0.5);
    /// # let _ = nadam;
    /// ```
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.rule.beta_1 = beta_1;
        self.rule.product = None;
        self
    }

    /// The second-moment decay `β₂` (default 0.999).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let nadam = Nadam::new().beta_2(0.99);
    /// # let _ = nadam;
    /// ```
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.rule.beta_2 = beta_2;
        self
    }

    /// The fuzz factor `ε` (default 1e-7), added to `√v̂`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let nadam = Nadam::new().epsilon(1e-5);
    /// # let _ = nadam;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.epsilon = epsilon;
        self
    }
}

impl NadamRule {
    /// `μₜ = β₁(1 − ½·0.96ᵗ)`.
    fn schedule(&self, t: u64) -> f64 {
        let t = i32::try_from(t).unwrap_or(i32::MAX);
        f64::from(self.beta_1) * (1.0 - 0.5 * 0.96f64.powi(t))
    }

    /// `Πₜ`, from the cached product of the step before when there is one.
    fn product(&mut self, t: u64) -> f64 {
        let product = match self.product {
            Some((cached, p)) if cached == t => p,
            Some((cached, p)) if cached + 1 == t => p * self.schedule(t),
            // Fresh, or restored: the product of every step so far (its
            // factors reach β₁ within a few hundred steps, after which
            // the product has long underflowed to 0).
            _ => {
                let mut p = 1.0f64;
                for k in 1..=t {
                    p *= self.schedule(k);
                    if p == 0.0 {
                        break;
                    }
                }
                p
            }
        };
        self.product = Some((t, product));
        product
    }
}

impl UpdateRule for NadamRule {
    const NAME: &'static str = "Nadam";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    type Step = NadamStep;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const M: SlotSpec = SlotSpec::signed("momentum");
        const V: SlotSpec = SlotSpec::squares("velocity");
        &[M, V]
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("Nadam", "epsilon", self.epsilon)?;
        for (name, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            if !(0.0..1.0).contains(&beta) {
                return Err(Error::invalid(
                    "Nadam",
                    format!("{name} in [0, 1)"),
                    format!("{name}={beta}"),
                ));
            }
        }
        Ok(())
    }

    fn step(&mut self, learning_rate: f32, iteration: u64) -> NadamStep {
        let (u, u_next) = (self.schedule(iteration), self.schedule(iteration + 1));
        let product = self.product(iteration);
        let t = i32::try_from(iteration).unwrap_or(i32::MAX);
        NadamStep {
            lr: learning_rate,
            b1: self.beta_1,
            b2: self.beta_2,
            eps: self.epsilon,
            u: u as f32,
            u_next: u_next as f32,
            one_minus_product: (1.0 - product) as f32,
            one_minus_product_next: (1.0 - product * u_next) as f32,
            one_minus_b2_power: (1.0 - f64::from(self.beta_2).powi(t)) as f32,
        }
    }

    fn update(&self, s: NadamStep, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let [m, v] = slots else { return Ok(()) };
        kernels::split(w, g, &mut [m, v], |w, g, state| {
            if let [m, v] = state {
                for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    *m = kernels::flush(*m + (g - *m) * (1.0 - s.b1));
                    *v = kernels::flush(*v + (g * g - *v) * (1.0 - s.b2));
                    let m_hat =
                        s.u_next * *m / s.one_minus_product_next + (1.0 - s.u) * g / s.one_minus_product;
                    let v_hat = *v / s.one_minus_b2_power;
                    *w -= m_hat * s.lr / (v_hat.sqrt() + s.eps);
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
