//! Stochastic gradient descent, with optional (Nesterov) momentum.

use super::{
    Optimizer, OptimizerConfig, OptimizerState, SlotSpec, Slots, check_grads, kernels, next_iteration, pair,
};
use crate::error::{Error, Result, check_non_negative};
use crate::tensor::Tensor;

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
#[derive(Clone, Debug)]
pub struct SGD {
    learning_rate: f32,
    momentum: f32,
    nesterov: bool,
    iterations: u64,
    slots: Slots,
    scratch: Vec<f32>,
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
        SGD {
            learning_rate: 0.01,
            momentum: 0.0,
            nesterov: false,
            iterations: 0,
            slots: Slots::default(),
            scratch: Vec::new(),
        }
    }

    /// The learning rate (default 0.01).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&SGD::new().learning_rate(0.1)), 0.1);
    /// ```
    pub fn learning_rate(mut self, learning_rate: f32) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// The momentum, in `[0, 1]` (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().momentum(0.9);
    /// # let _ = sgd;
    /// ```
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
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
        self.nesterov = nesterov;
        self
    }
}

impl Optimizer for SGD {
    fn name(&self) -> &'static str {
        "SGD"
    }

    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    fn iterations(&self) -> u64 {
        self.iterations
    }

    fn validate(&self) -> Result<()> {
        check_non_negative("SGD", "learning_rate", self.learning_rate)?;
        if !(0.0..=1.0).contains(&self.momentum) {
            return Err(Error::invalid(
                "SGD",
                "momentum in [0, 1]",
                format!("momentum={}", self.momentum),
            ));
        }
        Ok(())
    }

    fn apply(&mut self, params: &mut [&mut Tensor], grads: &[Option<Tensor>]) -> Result<()> {
        self.validate()?;
        check_grads("SGD", params, grads)?;
        let next = next_iteration("SGD", self.iterations)?;
        let (lr, mu) = (self.learning_rate, self.momentum);
        self.slots.prepare("SGD", params, self.slot_specs().len(), 0.0)?;
        for (i, (param, grad)) in params.iter_mut().zip(grads).enumerate() {
            let Some(grad) = grad else { continue };
            let (w, g) = pair(param, grad, &mut self.scratch);
            if mu == 0.0 {
                kernels::sgd_plain(w, g, lr);
                continue;
            }
            let nesterov = self.nesterov;
            // `prepare` checked one buffer per weight when there is momentum.
            if let [m] = self.slots.of(i) {
                kernels::split(w, g, &mut [m], |w, g, state| {
                    if let [m] = state {
                        kernels::sgd_momentum(w, g, m, lr, mu, nesterov);
                    }
                })?;
            }
        }
        self.iterations = next;
        Ok(())
    }

    fn state(&self) -> OptimizerState {
        OptimizerState {
            iterations: self.iterations,
            slots: self.slots.snapshot(),
        }
    }

    fn slot_specs(&self) -> &'static [SlotSpec] {
        const MOMENTUM: SlotSpec = SlotSpec::signed("momentum");
        if self.momentum > 0.0 { &[MOMENTUM] } else { &[] }
    }

    fn set_state(&mut self, state: OptimizerState) -> Result<()> {
        state.check("SGD", self.slot_specs(), None)?;
        self.iterations = state.iterations;
        self.slots.restore(state.slots);
        Ok(())
    }

    fn config(&self) -> OptimizerConfig {
        OptimizerConfig::Sgd {
            learning_rate: self.learning_rate,
            momentum: self.momentum,
            nesterov: self.nesterov,
        }
    }
}
