//! The options every optimizer takes (Keras' `BaseOptimizer` arguments),
//! as builder methods.

use std::sync::Arc;

use super::{BaseOptimizer, UpdateRule};
use crate::optimizers::schedules::LearningRateSchedule;

impl<R: UpdateRule> BaseOptimizer<R> {
    /// The learning rate.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Optimizer::learning_rate(&SGD::new().learning_rate(0.1)), 0.1);
    /// ```
    pub fn learning_rate(mut self, learning_rate: f32) -> Self {
        self.learning_rate = learning_rate;
        self.schedule = None;
        self
    }

    /// A learning rate that follows `schedule` (Keras'
    /// `learning_rate=keras.optimizers.schedules.…`): each step's rate is
    /// the schedule at the step count before it.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::optimizers::schedules::CosineDecay;
    /// let adamw = AdamW::new().learning_rate_schedule(CosineDecay::new(1e-3, 10_000));
    /// assert_eq!(Optimizer::learning_rate(&adamw), 1e-3);
    /// ```
    pub fn learning_rate_schedule(mut self, schedule: impl LearningRateSchedule + 'static) -> Self {
        self.schedule = Some(Arc::new(schedule));
        self
    }

    /// Decoupled weight decay (Keras' `weight_decay`): before each update,
    /// every weight that trains becomes `w − w·weight_decay·learning_rate`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().weight_decay(1e-4);
    /// # let _ = sgd;
    /// ```
    pub fn weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = Some(weight_decay);
        self
    }

    /// Leaves out of weight decay every weight whose name contains one of
    /// `names` (Keras' `exclude_from_weight_decay(var_names=[…])`, e.g.
    /// `["bias"]`). Names are matched as plain substrings of the weight's
    /// own name (`kernel`, `bias`, `gamma`…), where Keras takes them as
    /// regular expressions; kerust also saves them with the optimizer's
    /// configuration, so a resumed run decays the same weights.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adamw = AdamW::new().exclude_from_weight_decay(&["bias", "gamma", "beta"]);
    /// # let _ = adamw;
    /// ```
    pub fn exclude_from_weight_decay(mut self, names: &[&str]) -> Self {
        self.exclude_from_weight_decay = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// Scales each weight's gradient to an L2 norm of at most `clipnorm`
    /// (Keras' `clipnorm`). At most one of `clipnorm`, `clipvalue` and
    /// `global_clipnorm` may be set, as in Keras.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().clipnorm(1.0);
    /// # let _ = adam;
    /// ```
    pub fn clipnorm(mut self, clipnorm: f32) -> Self {
        self.clipnorm = Some(clipnorm);
        self
    }

    /// Clips each gradient element to `[−clipvalue, clipvalue]` (Keras'
    /// `clipvalue`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().clipvalue(0.5);
    /// # let _ = sgd;
    /// ```
    pub fn clipvalue(mut self, clipvalue: f32) -> Self {
        self.clipvalue = Some(clipvalue);
        self
    }

    /// Scales all gradients together so that their global L2 norm is at
    /// most `global_clipnorm` (Keras' `global_clipnorm`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let rmsprop = RMSprop::new().global_clipnorm(5.0);
    /// # let _ = rmsprop;
    /// ```
    pub fn global_clipnorm(mut self, global_clipnorm: f32) -> Self {
        self.global_clipnorm = Some(global_clipnorm);
        self
    }

    /// Keeps an exponential moving average of the weights (Keras'
    /// `use_ema`): after each step `average = m·average + (1 − m)·w` with
    /// `m =` [`ema_momentum`](Self::ema_momentum) (the first step copies
    /// the weights). `fit` ends by writing the averages into the model, as
    /// Keras' `finalize_variable_values` does.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().use_ema(true).ema_momentum(0.999);
    /// # let _ = adam;
    /// ```
    pub fn use_ema(mut self, use_ema: bool) -> Self {
        self.use_ema = use_ema;
        self
    }

    /// The moving average's momentum, in `[0, 1]` (default 0.99); used
    /// with [`use_ema`](Self::use_ema).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().use_ema(true).ema_momentum(0.9);
    /// # let _ = sgd;
    /// ```
    pub fn ema_momentum(mut self, ema_momentum: f32) -> Self {
        self.ema_momentum = ema_momentum;
        self
    }

    /// Every `frequency` steps, writes the moving averages into the
    /// weights (Keras' `ema_overwrite_frequency`; 0, as Keras' `None`,
    /// never does, leaving it to the end of `fit`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let sgd = SGD::new().use_ema(true).ema_overwrite_frequency(100);
    /// # let _ = sgd;
    /// ```
    pub fn ema_overwrite_frequency(mut self, frequency: u64) -> Self {
        self.ema_overwrite_frequency = Some(frequency).filter(|&f| f != 0);
        self
    }

    /// Sums the gradients of `steps` batches and updates once, with their
    /// mean (Keras' `gradient_accumulation_steps`, at least 2; 0 turns it
    /// off). As in Keras, a learning-rate schedule then follows the number
    /// of batches, while [`iterations`](crate::optimizers::Optimizer::iterations)
    /// and the rule's own count (Adam's bias correction) count updates.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let adam = Adam::new().gradient_accumulation_steps(4);
    /// # let _ = adam;
    /// ```
    pub fn gradient_accumulation_steps(mut self, steps: u64) -> Self {
        self.gradient_accumulation_steps = Some(steps).filter(|&s| s != 0);
        self
    }
}
