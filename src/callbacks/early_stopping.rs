//! `EarlyStopping`: stop when a monitored value stops improving.

use super::monitor::{Mode, monitored};
use super::{Callback, Logs, TrainParams};
use crate::error::Result;
use crate::models::Model;
use crate::tensor::Tensor;

/// Stops training when `monitor` has not improved for `patience` epochs,
/// with Keras 3's rules: an epoch improves when
/// `current − min_delta` beats the best so far (`min_delta` counted against
/// the direction of improvement); the patience counter restarts only if the
/// value also beats `baseline`; epochs before `start_from_epoch` are not
/// counted; with `restore_best_weights`, the weights of the best epoch are
/// put back when training ends, whether or not it stopped early.
///
/// Keras defaults: `monitor="val_loss"`, `min_delta=0`, `patience=0`,
/// `verbose=0`, `mode="auto"`, no baseline, `restore_best_weights=False`,
/// `start_from_epoch=0`. With `verbose` 1 it prints `Epoch N: early
/// stopping` and `Restoring model weights from the end of the best epoch: N.`
///
/// **Keras equivalent:** `keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)`
///
/// ```
/// use kerust::callbacks::EarlyStopping;
///
/// let early = EarlyStopping::new().patience(2).restore_best_weights(true);
/// # let _ = early;
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    monitor: String,
    min_delta: f64,
    patience: usize,
    verbose: u8,
    mode: Mode,
    baseline: Option<f64>,
    restore_best_weights: bool,
    start_from_epoch: usize,
    // State of a run.
    resolved: Mode,
    wait: usize,
    best: Option<f64>,
    best_epoch: usize,
    best_weights: Option<Vec<Tensor>>,
    stopped_epoch: Option<usize>,
    warned: bool,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlyStopping {
    /// Keras' defaults: monitor `val_loss`, patience 0.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new(); // monitor='val_loss', patience=0
    /// assert_eq!(early.stopped_epoch(), None);
    /// ```
    pub fn new() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            verbose: 0,
            mode: Mode::Auto,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            resolved: Mode::Min,
            wait: 0,
            best: None,
            best_epoch: 0,
            best_weights: None,
            stopped_epoch: None,
            warned: false,
        }
    }

    /// The logged value to watch (default `val_loss`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().monitor("val_accuracy"); // 'max' is inferred
    /// # let _ = early;
    /// ```
    pub fn monitor(mut self, monitor: impl Into<String>) -> Self {
        self.monitor = monitor.into();
        self
    }

    /// The smallest change that counts as an improvement (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().min_delta(0.001);
    /// # let _ = early;
    /// ```
    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta.abs();
        self
    }

    /// Epochs without improvement before stopping (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().patience(2);
    /// # let _ = early;
    /// ```
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// 1 prints when training stops and when weights are restored.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().verbose(1); // prints "Epoch 9: early stopping"
    /// # let _ = early;
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// Which direction is better (default: from the monitor's name).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::callbacks::Mode;
    /// let early = EarlyStopping::new().monitor("val_accuracy").mode(Mode::Max);
    /// # let _ = early;
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// A value the monitor must beat for the patience to restart.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().baseline(0.5); // stop unless val_loss gets below 0.5
    /// # let _ = early;
    /// ```
    pub fn baseline(mut self, baseline: f64) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// Whether to put back the best epoch's weights at the end (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().patience(2).restore_best_weights(true);
    /// # let _ = early;
    /// ```
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }

    /// Epochs to train before watching (default 0).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let early = EarlyStopping::new().start_from_epoch(3); // let the first 3 epochs warm up
    /// # let _ = early;
    /// ```
    pub fn start_from_epoch(mut self, epoch: usize) -> Self {
        self.start_from_epoch = epoch;
        self
    }

    /// The epoch (0-based) at which training was stopped, if it was.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(EarlyStopping::new().stopped_epoch(), None); // until it stops a run
    /// ```
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.stopped_epoch
    }

    /// The best epoch seen (0-based).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(EarlyStopping::new().best_epoch(), 0);
    /// ```
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }

    fn is_improvement(&self, value: f64, reference: Option<f64>) -> bool {
        match reference {
            None => true,
            Some(r) if self.resolved == Mode::Max => value - self.min_delta > r,
            Some(r) => value + self.min_delta < r,
        }
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _model: &mut Model, _params: &TrainParams) -> Result<()> {
        self.resolved = self.mode.resolve("EarlyStopping", &self.monitor)?;
        self.wait = 0;
        self.best = None;
        self.best_epoch = 0;
        self.best_weights = None;
        self.stopped_epoch = None;
        Ok(())
    }

    fn on_epoch_end(&mut self, model: &mut Model, epoch: usize, logs: &mut Logs) -> Result<()> {
        let Some(current) = monitored("Early stopping", &self.monitor, logs, &mut self.warned) else {
            return Ok(());
        };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            // Until an epoch improves, the current weights are the best.
            self.best_weights = Some(model.get_weights());
            self.best_epoch = epoch;
        }
        self.wait += 1;
        if self.is_improvement(current, self.best) {
            self.best = Some(current);
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights());
            }
            // Only restart the wait if the baseline is beaten too.
            if self.baseline.is_none() || self.is_improvement(current, self.baseline) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = Some(epoch);
            model.stop_training();
        }
        Ok(())
    }

    fn on_train_end(&mut self, model: &mut Model, _logs: &Logs) -> Result<()> {
        if let Some(epoch) = self.stopped_epoch.filter(|&e| e > 0)
            && self.verbose > 0
        {
            println!("Epoch {}: early stopping", epoch + 1);
        }
        if self.restore_best_weights
            && let Some(weights) = self.best_weights.take()
        {
            if self.verbose > 0 {
                println!(
                    "Restoring model weights from the end of the best epoch: {}.",
                    self.best_epoch + 1
                );
            }
            model.set_weights(weights)?;
        }
        Ok(())
    }
}
