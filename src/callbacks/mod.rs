//! Callbacks: code that runs at the stages of training. `fit` drives a list
//! of them — those given with [`FitOptions::callback`](crate::models::FitOptions::callback),
//! then the [`History`] it returns and the progress output
//! ([`ProgbarLogger`]) — so the training loop itself only orchestrates.
//!
//! With Keras' names, arguments, defaults and messages: [`EarlyStopping`],
//! [`ModelCheckpoint`], [`ReduceLROnPlateau`], [`LearningRateScheduler`], [`TerminateOnNaN`],
//! [`CsvLogger`] (Keras' `CSVLogger`).
//!
//! Logs are [`Logs`]: metric name to value, sorted by name as Keras 3 sorts
//! them (`accuracy`, `loss`, `val_accuracy`, `val_loss`).

mod checkpoint;
mod csv_logger;
mod early_stopping;
mod history;
mod monitor;
mod progbar_logger;
mod reduce_lr;
mod scheduler;
mod terminate_on_nan;

pub use checkpoint::ModelCheckpoint;
pub use csv_logger::CsvLogger;
pub use early_stopping::EarlyStopping;
pub use history::History;
pub use monitor::Mode;
pub use progbar_logger::ProgbarLogger;
pub use reduce_lr::ReduceLROnPlateau;
pub use scheduler::LearningRateScheduler;
pub use terminate_on_nan::TerminateOnNaN;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::models::Model;

/// Metric name → value, in name order.
///
/// ```
/// use kerust::callbacks::Logs;
/// let mut logs = Logs::new();
/// logs.insert("val_loss".into(), 0.44);
/// assert_eq!(logs["val_loss"], 0.44);
/// ```
pub type Logs = BTreeMap<String, f64>;

/// What a training run is set to do, passed to [`Callback::on_train_begin`]
/// (Keras' `callback.params`).
///
/// ```
/// use kerust::callbacks::TrainParams;
/// // 48,000 samples in batches of 32, 5 epochs:
/// let params = TrainParams { epochs: 5, steps: 1500, verbose: 1 };
/// assert_eq!(params.steps * 32, 48_000);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrainParams {
    /// The final epoch number (epochs run from `initial_epoch` to it).
    pub epochs: usize,
    /// Batches per epoch.
    pub steps: usize,
    /// Verbosity (0, 1 or 2).
    pub verbose: u8,
}

/// Hooks called by `fit` at each stage of training, with the model being
/// trained (Keras' `self.model`). Every method has an empty default.
///
/// A callback stops training with [`Model::stop_training`]; an error it
/// returns ends `fit` with that error.
///
/// ```
/// use kerust::callbacks::{Callback, Logs};
/// use kerust::prelude::*;
///
/// /// Stops as soon as the training accuracy passes 0.9.
/// struct StopAt90;
///
/// impl Callback for StopAt90 {
///     fn on_epoch_end(&mut self, model: &mut Model, _epoch: usize, logs: &mut Logs) -> Result<()> {
///         if logs.get("accuracy").is_some_and(|&a| a > 0.9) {
///             model.stop_training();
///         }
///         Ok(())
///     }
/// }
///
/// let mut stop = StopAt90;
/// let options = FitOptions::default().epochs(100).callback(&mut stop);
/// # let _ = options;
/// ```
pub trait Callback {
    /// Before the first epoch.
    ///
    /// # Errors
    /// Whatever the callback cannot do (e.g. open its file).
    fn on_train_begin(&mut self, _model: &mut Model, _params: &TrainParams) -> Result<()> {
        Ok(())
    }

    /// At the start of epoch `epoch` (0-based).
    ///
    /// # Errors
    /// As [`on_train_begin`](Callback::on_train_begin).
    fn on_epoch_begin(&mut self, _model: &mut Model, _epoch: usize) -> Result<()> {
        Ok(())
    }

    /// Before batch `batch` (0-based) of an epoch.
    ///
    /// # Errors
    /// As [`on_train_begin`](Callback::on_train_begin).
    fn on_train_batch_begin(&mut self, _model: &mut Model, _batch: usize) -> Result<()> {
        Ok(())
    }

    /// After batch `batch` (0-based) of an epoch, with the running logs.
    ///
    /// # Errors
    /// As [`on_train_begin`](Callback::on_train_begin).
    fn on_train_batch_end(&mut self, _model: &mut Model, _batch: usize, _logs: &Logs) -> Result<()> {
        Ok(())
    }

    /// At the end of epoch `epoch`, with its logs (validation included).
    /// Callbacks may add entries (as `ReduceLROnPlateau` adds
    /// `learning_rate`); `History` and the progress bar, which run last,
    /// see them.
    ///
    /// # Errors
    /// As [`on_train_begin`](Callback::on_train_begin).
    fn on_epoch_end(&mut self, _model: &mut Model, _epoch: usize, _logs: &mut Logs) -> Result<()> {
        Ok(())
    }

    /// After the last epoch, with the last epoch's logs.
    ///
    /// # Errors
    /// As [`on_train_begin`](Callback::on_train_begin).
    fn on_train_end(&mut self, _model: &mut Model, _logs: &Logs) -> Result<()> {
        Ok(())
    }
}
