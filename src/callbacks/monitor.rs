//! What the monitoring callbacks share: the direction of improvement and
//! the warning for a monitored value that training does not log.

use super::Logs;
use crate::error::{Error, Result};

/// Whether a monitored value improves by going down or up.
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::callbacks::Mode;
/// // Auto (the default) picks Max for names with "acc", Min otherwise.
/// let early = EarlyStopping::new().monitor("val_accuracy").mode(Mode::Auto);
/// # let _ = early;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Decided from the name, as Keras does.
    #[default]
    Auto,
    /// Lower is better (losses).
    Min,
    /// Higher is better (accuracies).
    Max,
}

impl Mode {
    /// `Min` or `Max` for `monitor`, Keras 3's `MonitorCallback` rule for
    /// `auto`: a loss goes down, an accuracy up, an error down; for any
    /// other name the direction cannot be inferred and `who` (the
    /// callback) refuses it rather than guess.
    pub(crate) fn resolve(self, who: &'static str, monitor: &str) -> Result<Mode> {
        match self {
            Mode::Auto => {
                let name = monitor.strip_prefix("val_").unwrap_or(monitor);
                if name == "loss"
                    || name.ends_with("_loss")
                    || name.ends_with("_error")
                    || name == "mse"
                    || name == "mae"
                {
                    Ok(Mode::Min)
                } else if name == "acc" || name.ends_with("accuracy") || name.ends_with("_acc") {
                    Ok(Mode::Max)
                } else {
                    Err(Error::invalid(
                        who,
                        "mode \"min\" or \"max\" for a monitor whose direction cannot be inferred",
                        format!("monitor={monitor:?} with mode \"auto\""),
                    ))
                }
            }
            m => Ok(m),
        }
    }
}

/// The monitored value, or `None` after warning (once) that training does
/// not log it, listing what it does log.
pub(crate) fn monitored(who: &str, monitor: &str, logs: &Logs, warned: &mut bool) -> Option<f64> {
    let value = logs.get(monitor).copied();
    if value.is_none() && !*warned {
        *warned = true;
        let available: Vec<&str> = logs.keys().map(String::as_str).collect();
        eprintln!(
            "Warning: {who} conditioned on metric `{monitor}` which is not available. \
             Available metrics are: {}",
            available.join(",")
        );
    }
    value
}
