//! Adagrad: each weight's step shrinks with the sum of its squared gradients.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, SlotSpec, UpdateRule, kernels};
use crate::error::{Error, Result, check_non_negative};

/// Adagrad: `a += g²`, `w −= lr·g/√(a + ε)`, the accumulators starting at
/// `initial_accumulator_value`.
///
/// Keras defaults: `learning_rate=0.001, initial_accumulator_value=0.1,
/// epsilon=1e-7`.
///
/// **Keras equivalent:** `keras.optimizers.Adagrad(learning_rate=0.01)`
///
/// ```
/// # use kerust::prelude::*;
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile_with(Adagrad::new().learning_rate(0.01), "sparse_categorical_crossentropy", ["accuracy"])?;
/// # Ok::<(), kerust::Error>(())
/// ```
pub type Adagrad = BaseOptimizer<AdagradRule>;

/// Adagrad's update rule (see [`Adagrad`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdagradRule {
    #[serde(default = "initial_accumulator_value")]
    initial_accumulator_value: f32,
    #[serde(default = "epsilon")]
    epsilon: f32,
}

impl Default for Adagrad {
    fn default() -> Self {
        Self::new()
    }
}

impl Adagrad {
    /// Adagrad with Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&Adagrad::new()), 0.001);
    /// ```
    pub fn new() -> Self {
        BaseOptimizer::with_rule(
            AdagradRule {
                initial_accumulator_value: initial_accumulator_value(),
                epsilon: epsilon(),
            },
            AdagradRule::DEFAULT_LEARNING_RATE,
        )
    }

    /// The accumulators' starting value (default 0.1).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adagrad = Adagrad::new().initial_accumulator_value(0.3);
    /// # let _ = adagrad;
    /// ```
    pub fn initial_accumulator_value(mut self, value: f32) -> Self {
        self.rule.initial_accumulator_value = value;
        self
    }

    /// The fuzz factor `ε` (default 1e-7), inside the square root.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adagrad = Adagrad::new().epsilon(1e-6);
    /// # let _ = adagrad;
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.rule.epsilon = epsilon;
        self
    }
}

impl UpdateRule for AdagradRule {
    const NAME: &'static str = "Adagrad";
    const DEFAULT_LEARNING_RATE: f32 = 0.001;
    /// The learning rate.
    type Step = f32;

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const ACCUMULATOR: SlotSpec = SlotSpec::squares("accumulator");
        &[ACCUMULATOR]
    }

    fn slot_init(&self, _slot: usize) -> f32 {
        self.initial_accumulator_value
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("Adagrad", "epsilon", self.epsilon)?;
        if self.initial_accumulator_value.is_finite() && self.initial_accumulator_value >= 0.0 {
            return Ok(());
        }
        Err(Error::invalid(
            "Adagrad",
            "a finite initial_accumulator_value >= 0",
            format!("initial_accumulator_value={}", self.initial_accumulator_value),
        ))
    }

    fn step(&mut self, learning_rate: f32, _iteration: u64) -> f32 {
        learning_rate
    }

    fn update(&self, lr: f32, w: &mut [f32], g: &[f32], slots: &mut [Vec<f32>]) -> Result<()> {
        let eps = self.epsilon;
        let [a] = slots else { return Ok(()) };
        kernels::split(w, g, &mut [a], |w, g, state| {
            if let [a] = state {
                for ((w, &g), a) in w.iter_mut().zip(g).zip(a.iter_mut()) {
                    *a += g * g;
                    *w -= lr * g / (*a + eps).sqrt();
                }
            }
        })
    }
}

fn initial_accumulator_value() -> f32 {
    0.1
}

fn epsilon() -> f32 {
    1e-7
}
