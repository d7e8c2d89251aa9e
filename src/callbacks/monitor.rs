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
    /// `Min` or `Max` for `monitor`: EarlyStopping's `auto` rule — a loss
    /// goes down, an accuracy goes up, anything else must be given a mode.
    pub(crate) fn resolve_strict(self, monitor: &str) -> Result<Mode> {
        match self {
            Mode::Auto => {
                let name = monitor.strip_prefix("val_").unwrap_or(monitor);
                if name == "loss" || name.ends_with("_loss") || name.ends_with("_error") {
                    Ok(Mode::Min)
                } else if name == "acc" || name.ends_with("accuracy") {
                    Ok(Mode::Max)
                } else {
                    Err(Error::invalid(
                        "EarlyStopping",
                        "mode \"min\" or \"max\" for a monitor whose direction is unknown",
                        format!("monitor={monitor:?} with mode \"auto\""),
                    ))
                }
            }
            m => Ok(m),
        }
    }

    /// ReduceLROnPlateau's `auto` rule: `max` when the name contains `acc`.
    pub(crate) fn resolve_loose(self, monitor: &str) -> Mode {
        match self {
            Mode::Auto if monitor.contains("acc") => Mode::Max,
            Mode::Auto => Mode::Min,
            m => m,
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
