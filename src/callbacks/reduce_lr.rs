//! `ReduceLROnPlateau`: lower the learning rate when progress stalls.

use super::monitor::{Mode, monitored};
use super::{Callback, Logs, TrainParams};
use crate::error::{Error, Result};
use crate::models::Model;

/// Multiplies the learning rate by `factor` (never below `min_lr`) when
/// `monitor` has not improved by more than `min_delta` for `patience`
/// epochs, then waits `cooldown` epochs before counting again. Adds the
/// rate to the logs as `learning_rate`, as Keras does.
///
/// Keras defaults: `monitor="val_loss"`, `factor=0.1`, `patience=10`,
/// `verbose=0`, `mode="auto"` (`max` if the name contains `acc`),
/// `min_delta=1e-4`, `cooldown=0`, `min_lr=0`.
///
/// **Keras equivalent:** `keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=2)`
///
/// ```
/// # use kerust::prelude::*;
/// let mut reduce = ReduceLROnPlateau::new().factor(0.5).patience(2);
/// let options = FitOptions::default().epochs(30).validation_split(0.2).callback(&mut reduce);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct ReduceLROnPlateau {
    monitor: String,
    factor: f64,
    patience: usize,
    verbose: u8,
    mode: Mode,
    min_delta: f64,
    cooldown: usize,
    min_lr: f64,
    resolved: Mode,
    best: f64,
    wait: usize,
    cooldown_counter: usize,
    warned: bool,
}

impl Default for ReduceLROnPlateau {
    fn default() -> Self {
        Self::new()
    }
}

impl ReduceLROnPlateau {
    /// Keras' defaults.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new(); // monitor='val_loss', factor=0.1, patience=10
    /// # let _ = reduce;
    /// ```
    pub fn new() -> Self {
        ReduceLROnPlateau {
            monitor: "val_loss".into(),
            factor: 0.1,
            patience: 10,
            verbose: 0,
            mode: Mode::Auto,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            resolved: Mode::Min,
            best: f64::INFINITY,
            wait: 0,
            cooldown_counter: 0,
            warned: false,
        }
    }

    /// The logged value to watch (default `val_loss`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().monitor("val_accuracy");
    /// # let _ = reduce;
    /// ```
    pub fn monitor(mut self, monitor: impl Into<String>) -> Self {
        self.monitor = monitor.into();
        self
    }

    /// The multiplier, below 1 (default 0.1).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().factor(0.5);
    /// # let _ = reduce;
    /// ```
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// Epochs without improvement before lowering the rate (default 10).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().patience(2);
    /// # let _ = reduce;
    /// ```
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// 1 prints each change of the rate.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().verbose(1);
    /// # let _ = reduce;
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// Which direction is better (default: `max` if the name contains `acc`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::callbacks::Mode;
    /// let reduce = ReduceLROnPlateau::new().monitor("val_accuracy").mode(Mode::Max);
    /// # let _ = reduce;
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The smallest change that counts as an improvement (default 1e-4).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().min_delta(0.001);
    /// # let _ = reduce;
    /// ```
    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Epochs to wait after a reduction before counting again (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().cooldown(2);
    /// # let _ = reduce;
    /// ```
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The lowest rate (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let reduce = ReduceLROnPlateau::new().min_lr(1e-5);
    /// # let _ = reduce;
    /// ```
    pub fn min_lr(mut self, min_lr: f64) -> Self {
        self.min_lr = min_lr;
        self
    }

    fn improved(&self, current: f64) -> bool {
        match self.resolved {
            Mode::Max => current > self.best + self.min_delta,
            _ => current < self.best - self.min_delta,
        }
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _model: &mut Model, _params: &TrainParams) -> Result<()> {
        if self.factor >= 1.0 {
            return Err(Error::invalid(
                "ReduceLROnPlateau",
                "a factor below 1.0",
                format!("factor={}", self.factor),
            ));
        }
        self.resolved = self.mode.resolve("ReduceLROnPlateau", &self.monitor)?;
        self.best = if self.resolved == Mode::Max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        self.wait = 0;
        self.cooldown_counter = 0;
        Ok(())
    }

    fn on_epoch_end(&mut self, model: &mut Model, epoch: usize, logs: &mut Logs) -> Result<()> {
        let Some(optimizer) = model.optimizer_mut() else {
            return Ok(());
        };
        let lr = f64::from(optimizer.learning_rate());
        logs.insert("learning_rate".into(), lr);
        let Some(current) = monitored("Learning rate reduction", &self.monitor, logs, &mut self.warned)
        else {
            return Ok(());
        };
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.improved(current) {
            self.best = current;
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience && lr > f64::from(self.min_lr as f32) {
                let new_lr = (lr * self.factor).max(self.min_lr);
                optimizer.set_learning_rate(new_lr as f32);
                if self.verbose > 0 {
                    println!(
                        "\nEpoch {}: ReduceLROnPlateau reducing learning rate to {new_lr}.",
                        epoch + 1
                    );
                }
                self.cooldown_counter = self.cooldown;
                self.wait = 0;
            }
        }
        Ok(())
    }
}
