//! `ProgbarLogger`: what `fit` prints.

use super::{Callback, Logs, TrainParams};
use crate::error::Result;
use crate::models::Model;
use crate::utils::progbar::{Progbar, Sink};

/// Prints `Epoch i/N` (when there is more than one epoch) and a progress
/// bar per epoch on standard output, as Keras does; added by `fit` when
/// `verbose` is 1 or 2.
///
/// ```
/// # use kerust::prelude::*;
/// // verbose(1), the default, prints through a ProgbarLogger:
/// // 1500/1500 ━━━━━━━━━━━━━━━━━━━━ 1s 1ms/step - accuracy: 0.7947 - loss: 0.6069
/// let options = FitOptions::default().verbose(1);
/// # let _ = options;
/// ```
pub struct ProgbarLogger {
    params: TrainParams,
    bar: Option<Progbar>,
    seen: u64,
}

impl Default for ProgbarLogger {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgbarLogger {
    /// A logger; its settings come with [`Callback::on_train_begin`].
    ///
    /// ```
    /// // fit adds one itself when verbose > 0; this is the same printer.
    /// let printer = kerust::callbacks::ProgbarLogger::new();
    /// # let _ = printer;
    /// ```
    pub fn new() -> Self {
        ProgbarLogger {
            params: TrainParams::default(),
            bar: None,
            seen: 0,
        }
    }
}

fn values(logs: &Logs) -> Vec<(&str, f64)> {
    logs.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

impl Callback for ProgbarLogger {
    fn on_train_begin(&mut self, _model: &mut Model, params: &TrainParams) -> Result<()> {
        self.params = params.clone();
        Ok(())
    }

    fn on_epoch_begin(&mut self, _model: &mut Model, epoch: usize) -> Result<()> {
        if self.params.verbose == 0 {
            return Ok(());
        }
        if self.params.epochs > 1 {
            println!("Epoch {}/{}", epoch + 1, self.params.epochs);
        }
        self.bar = Some(Progbar::new(
            self.params.steps as u64,
            self.params.verbose,
            Sink::Stdout,
        ));
        self.seen = 0;
        Ok(())
    }

    fn on_train_batch_end(&mut self, _model: &mut Model, batch: usize, logs: &Logs) -> Result<()> {
        self.seen = batch as u64 + 1;
        if let Some(bar) = &mut self.bar {
            bar.update(self.seen, &values(logs));
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, _model: &mut Model, _epoch: usize, logs: &mut Logs) -> Result<()> {
        if let Some(mut bar) = self.bar.take() {
            bar.finish(self.params.steps as u64, &values(logs));
        }
        Ok(())
    }
}
