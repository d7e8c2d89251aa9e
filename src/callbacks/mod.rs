//! Callbacks: code that runs at the stages of training. `fit` drives a list
//! of them; the progress output ([`ProgbarLogger`]) and the [`History`] it
//! returns are callbacks too, so the training loop itself only orchestrates.
//!
//! Logs are [`Logs`]: metric name to value, sorted by name as Keras 3 sorts
//! them (`accuracy`, `loss`, `val_accuracy`, `val_loss`).

mod history;
mod progbar_logger;

pub use history::History;
pub use progbar_logger::ProgbarLogger;

use std::collections::BTreeMap;

/// Metric name → value, in name order.
pub type Logs = BTreeMap<String, f64>;

/// What a training run is set to do, passed to [`Callback::on_train_begin`]
/// (Keras' `callback.params`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrainParams {
    /// The final epoch number (epochs run from `initial_epoch` to it).
    pub epochs: usize,
    /// Batches per epoch.
    pub steps: usize,
    /// Verbosity (0, 1 or 2).
    pub verbose: u8,
}

/// Hooks called by `fit` at each stage of training. Every method has an
/// empty default.
pub trait Callback {
    /// Before the first epoch.
    fn on_train_begin(&mut self, _params: &TrainParams) {}
    /// At the start of epoch `epoch` (0-based).
    fn on_epoch_begin(&mut self, _epoch: usize) {}
    /// After batch `batch` (0-based) of an epoch, with the running logs.
    fn on_train_batch_end(&mut self, _batch: usize, _logs: &Logs) {}
    /// At the end of epoch `epoch`, with its logs (validation included).
    fn on_epoch_end(&mut self, _epoch: usize, _logs: &Logs) {}
    /// After the last epoch, with the last epoch's logs.
    fn on_train_end(&mut self, _logs: &Logs) {}
}
