//! `History`: every epoch's logs.

use std::collections::BTreeMap;

use super::{Callback, Logs, TrainParams};
use crate::error::Result;
use crate::models::Model;

/// The record `fit` returns: each metric's value at the end of every epoch
/// (Keras' `History.history`), the epoch numbers, and the run's settings.
///
/// ```
/// use kerust::callbacks::{History, Logs};
///
/// let mut h = History::default();
/// h.record(0, &Logs::from([("loss".to_string(), 0.5), ("accuracy".to_string(), 0.8)]));
/// assert_eq!(h.history["loss"], [0.5]);
/// assert_eq!(h.epoch, [0]);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// Metric name → one value per epoch, names in sorted order.
    pub history: BTreeMap<String, Vec<f64>>,
    /// The epochs recorded (0-based).
    pub epoch: Vec<usize>,
    /// The run's settings.
    pub params: TrainParams,
}

impl History {
    /// The values of `key` per epoch, if it was logged.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut history = History::default();
    /// history.record(0, &Logs::from([("loss".to_string(), 0.6)]));
    /// assert_eq!(history.get("loss"), Some(&[0.6][..]));
    /// assert_eq!(history.get("val_loss"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&[f64]> {
        self.history.get(key).map(Vec::as_slice)
    }

    /// The last value of `key`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut history = History::default();
    /// history.record(0, &Logs::from([("loss".to_string(), 0.6)]));
    /// history.record(1, &Logs::from([("loss".to_string(), 0.4)]));
    /// assert_eq!(history.last("loss"), Some(0.4));
    /// ```
    pub fn last(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(|v| v.last().copied())
    }
}

impl History {
    /// Records the settings of a run.
    ///
    /// ```
    /// use kerust::callbacks::{History, TrainParams};
    /// let mut history = History::default();
    /// history.begin(&TrainParams { epochs: 5, steps: 1500, verbose: 1 });
    /// assert_eq!(history.params.steps, 1500); // Keras' history.params
    /// ```
    pub fn begin(&mut self, params: &TrainParams) {
        self.params = params.clone();
    }

    /// Records one epoch's logs.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut history = History::default();
    /// history.record(0, &Logs::from([("accuracy".to_string(), 0.79)]));
    /// assert_eq!(history.epoch, vec![0]);
    /// ```
    pub fn record(&mut self, epoch: usize, logs: &Logs) {
        self.epoch.push(epoch);
        for (k, v) in logs {
            self.history.entry(k.clone()).or_default().push(*v);
        }
    }
}

impl Callback for History {
    fn on_train_begin(&mut self, _model: &mut Model, params: &TrainParams) -> Result<()> {
        self.begin(params);
        Ok(())
    }

    fn on_epoch_end(&mut self, _model: &mut Model, epoch: usize, logs: &mut Logs) -> Result<()> {
        self.record(epoch, logs);
        Ok(())
    }
}
