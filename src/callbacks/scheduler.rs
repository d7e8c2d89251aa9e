//! `LearningRateScheduler`: the learning rate as a function of the epoch.

use super::{Callback, Logs};
use crate::error::Result;
use crate::models::Model;

/// Sets the learning rate at the start of every epoch to
/// `schedule(epoch, current_rate)`, and logs it as `learning_rate`.
///
/// **Keras equivalent:** `keras.callbacks.LearningRateScheduler(schedule)`
///
/// ```
/// use kerust::callbacks::LearningRateScheduler;
///
/// // Halve the rate every epoch after the second.
/// let schedule = LearningRateScheduler::new(|epoch, lr| if epoch < 2 { lr } else { lr * 0.5 });
/// # let _ = schedule;
/// ```
pub struct LearningRateScheduler {
    schedule: Box<dyn FnMut(usize, f32) -> f32>,
    verbose: u8,
}

impl std::fmt::Debug for LearningRateScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearningRateScheduler")
            .field("verbose", &self.verbose)
            .finish_non_exhaustive()
    }
}

impl LearningRateScheduler {
    /// A scheduler calling `schedule(epoch, current_rate)` (epochs from 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // Halve the learning rate every 10 epochs.
    /// let scheduler = LearningRateScheduler::new(|epoch, lr| if epoch > 0 && epoch % 10 == 0 { lr * 0.5 } else { lr });
    /// # let _ = scheduler;
    /// ```
    pub fn new(schedule: impl FnMut(usize, f32) -> f32 + 'static) -> Self {
        LearningRateScheduler {
            schedule: Box::new(schedule),
            verbose: 0,
        }
    }

    /// 1 prints each rate set.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let scheduler = LearningRateScheduler::new(|_, lr| lr).verbose(1);
    /// # let _ = scheduler;
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, model: &mut Model, epoch: usize) -> Result<()> {
        if let Some(optimizer) = model.optimizer_mut() {
            let lr = (self.schedule)(epoch, optimizer.learning_rate());
            optimizer.set_learning_rate(lr);
            if self.verbose > 0 {
                println!(
                    "\nEpoch {}: LearningRateScheduler setting learning rate to {lr}.",
                    epoch + 1
                );
            }
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, model: &mut Model, _epoch: usize, logs: &mut Logs) -> Result<()> {
        if let Some(optimizer) = model.optimizer() {
            logs.insert("learning_rate".into(), f64::from(optimizer.learning_rate()));
        }
        Ok(())
    }
}
