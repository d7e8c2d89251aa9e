//! `TerminateOnNaN`: stop when the loss stops being a number.

use super::{Callback, Logs};
use crate::error::Result;
use crate::models::Model;

/// Stops training after a batch whose loss is NaN or infinite, printing
/// `Batch N: Invalid loss, terminating training` as Keras does.
///
/// **Keras equivalent:** `keras.callbacks.TerminateOnNaN()`
///
/// ```
/// # use kerust::prelude::*;
/// let mut guard = TerminateOnNaN::new();
/// let options = FitOptions::default().callback(&mut guard);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminateOnNaN {
    terminated_at: Option<usize>,
}

impl TerminateOnNaN {
    /// The callback.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut guard = TerminateOnNaN::new();
    /// let options = FitOptions::default().callback(&mut guard);
    /// # let _ = options;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The batch after which training was stopped, if it was.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(TerminateOnNaN::new().terminated_at(), None); // training went well
    /// ```
    pub fn terminated_at(&self) -> Option<usize> {
        self.terminated_at
    }
}

impl Callback for TerminateOnNaN {
    fn on_train_batch_end(&mut self, model: &mut Model, batch: usize, logs: &Logs) -> Result<()> {
        if let Some(loss) = logs.get("loss")
            && !loss.is_finite()
        {
            println!("Batch {batch}: Invalid loss, terminating training");
            self.terminated_at = Some(batch);
            model.stop_training();
        }
        Ok(())
    }
}
