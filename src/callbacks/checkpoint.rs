//! `ModelCheckpoint`: save the model as training goes.

use std::path::PathBuf;

use super::monitor::{Mode, monitored};
use super::{Callback, Logs, TrainParams};
use crate::error::{Error, Result};
use crate::models::Model;

/// Saves the model at the end of every epoch, or with `save_best_only` only
/// when `monitor` improves on the best value so far, as Keras'
/// `ModelCheckpoint`. The path may hold placeholders filled from the epoch
/// (counted from 1) and the logs, with Python's format specs:
/// `"ckpt-{epoch:02d}-{val_loss:.4f}.kerust"`. Each save is atomic (see
/// [`crate::saving`]); missing folders are created.
///
/// Keras defaults: `monitor="val_loss"`, `verbose=0`,
/// `save_best_only=False`, `mode="auto"` (`max` if the name contains
/// `acc`). With `verbose` 1 it prints Keras' lines, e.g.
/// `Epoch 3: val_loss improved from 0.41230 to 0.39012, saving model to best.kerust`.
///
/// **Keras equivalent:** `keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True)`
///
/// ```
/// # use kerust::prelude::*;
/// # #[allow(dead_code)]
/// # fn demo(model: &mut Model, x: &ndarray::Array2<f32>, y: &ndarray::Array1<u8>) -> Result<()> {
/// let mut checkpoint = ModelCheckpoint::new("best-model.kerust").save_best_only(true);
/// model.fit(x, y, FitOptions::default().epochs(20).validation_split(0.2).callback(&mut checkpoint))?;
/// let best = load_model("best-model.kerust")?;
/// # let _ = best; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    filepath: String,
    monitor: String,
    verbose: u8,
    save_best_only: bool,
    save_weights_only: bool,
    mode: Mode,
    initial_value_threshold: Option<f64>,
    resolved: Mode,
    best: f64,
    warned: bool,
    saved: Vec<PathBuf>,
}

impl ModelCheckpoint {
    /// Saves to `filepath` (placeholders allowed).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let checkpoint = ModelCheckpoint::new("checkpoints/model-{epoch:02d}-{val_loss:.4f}.kerust");
    /// assert!(checkpoint.saved().is_empty());
    /// ```
    pub fn new(filepath: impl Into<String>) -> Self {
        ModelCheckpoint {
            filepath: filepath.into(),
            monitor: "val_loss".into(),
            verbose: 0,
            save_best_only: false,
            save_weights_only: false,
            mode: Mode::Auto,
            initial_value_threshold: None,
            resolved: Mode::Min,
            best: f64::INFINITY,
            warned: false,
            saved: Vec::new(),
        }
    }

    /// The logged value that decides which epoch is best (default `val_loss`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let checkpoint = ModelCheckpoint::new("best.kerust").monitor("val_accuracy").save_best_only(true);
    /// # let _ = checkpoint;
    /// ```
    pub fn monitor(mut self, monitor: impl Into<String>) -> Self {
        self.monitor = monitor.into();
        self
    }

    /// 1 prints a line for every epoch.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let checkpoint = ModelCheckpoint::new("best.kerust").verbose(1);
    /// # let _ = checkpoint;
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// Whether to save only when the monitored value improves (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let checkpoint = ModelCheckpoint::new("best-model.kerust").save_best_only(true);
    /// # let _ = checkpoint;
    /// ```
    pub fn save_best_only(mut self, on: bool) -> Self {
        self.save_best_only = on;
        self
    }

    /// Whether to save only the weights, in the safetensors format
    /// ([`Model::save_weights`]), instead of the whole model (default false).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let checkpoint = ModelCheckpoint::new("weights.safetensors").save_weights_only(true);
    /// # let _ = checkpoint;
    /// ```
    pub fn save_weights_only(mut self, on: bool) -> Self {
        self.save_weights_only = on;
        self
    }

    /// Which direction is better (default: `max` if the name contains `acc`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::callbacks::Mode;
    /// let checkpoint = ModelCheckpoint::new("best.kerust").monitor("val_accuracy").mode(Mode::Max);
    /// # let _ = checkpoint;
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// A value the monitor must beat before the first save (default none).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let checkpoint = ModelCheckpoint::new("best.kerust").save_best_only(true).initial_value_threshold(0.4);
    /// # let _ = checkpoint;
    /// ```
    pub fn initial_value_threshold(mut self, value: f64) -> Self {
        self.initial_value_threshold = Some(value);
        self
    }

    /// Every path saved to, in order.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert!(ModelCheckpoint::new("m.kerust").saved().is_empty()); // before training
    /// ```
    pub fn saved(&self) -> &[PathBuf] {
        &self.saved
    }

    fn save(&mut self, model: &Model, path: String) -> Result<()> {
        if self.save_weights_only {
            model.save_weights(&path)?;
        } else {
            model.save(&path)?;
        }
        self.saved.push(PathBuf::from(path));
        Ok(())
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _model: &mut Model, _params: &TrainParams) -> Result<()> {
        self.resolved = self.mode.resolve("ModelCheckpoint", &self.monitor)?;
        let worst = if self.resolved == Mode::Max {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        self.best = self.initial_value_threshold.unwrap_or(worst);
        Ok(())
    }

    fn on_epoch_end(&mut self, model: &mut Model, epoch: usize, logs: &mut Logs) -> Result<()> {
        let path = format_path(&self.filepath, epoch + 1, logs)?;
        if !self.save_best_only {
            if self.verbose > 0 {
                println!("\nEpoch {}: saving model to {path}", epoch + 1);
            }
            return self.save(model, path);
        }
        let Some(current) = monitored(
            "Can save best model only with",
            &self.monitor,
            logs,
            &mut self.warned,
        ) else {
            return Ok(());
        };
        let improved = match self.resolved {
            Mode::Max => current > self.best,
            _ => current < self.best,
        };
        if improved {
            if self.verbose > 0 {
                println!(
                    "\nEpoch {}: {} improved from {:.5} to {current:.5}, saving model to {path}",
                    epoch + 1,
                    self.monitor,
                    self.best
                );
            }
            self.best = current;
            self.save(model, path)
        } else {
            if self.verbose > 0 {
                println!(
                    "\nEpoch {}: {} did not improve from {:.5}",
                    epoch + 1,
                    self.monitor,
                    self.best
                );
            }
            Ok(())
        }
    }
}

/// Fills `{epoch}`, `{epoch:02d}`, `{val_loss:.4f}`… from the epoch number
/// and the logs.
pub(crate) fn format_path(pattern: &str, epoch: usize, logs: &Logs) -> Result<String> {
    let fail = |what: &str| {
        Error::invalid(
            "ModelCheckpoint",
            format!(
                "a filepath whose placeholders name the epoch or a logged value ({})",
                keys(logs)
            ),
            what.to_string(),
        )
    };
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').ok_or_else(|| fail("an unclosed '{'"))? + open;
        let field = &rest[open + 1..close];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        let value = if name == "epoch" {
            epoch as f64
        } else {
            *logs.get(name).ok_or_else(|| fail(&format!("{{{name}}}")))?
        };
        out.push_str(&format_value(value, spec).ok_or_else(|| fail(&format!("the format spec {spec:?}")))?);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn keys(logs: &Logs) -> String {
    std::iter::once("epoch")
        .chain(logs.keys().map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Python's `format(value, spec)` for the specs checkpoints use:
/// `""`, `"d"`, `"0Nd"`, `"Nd"`, `".Nf"`, `"N.Mf"`, `".Ne"`.
fn format_value(value: f64, spec: &str) -> Option<String> {
    if spec.is_empty() {
        return Some(if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{}", value as i64)
        } else {
            value.to_string()
        });
    }
    let (body, kind) = spec.split_at(spec.len() - 1);
    let (width, precision) = match body.split_once('.') {
        Some((w, p)) => (w, Some(p.parse::<usize>().ok()?)),
        None => (body, None),
    };
    let zero = width.starts_with('0');
    let width: usize = if width.is_empty() { 0 } else { width.parse().ok()? };
    let text = match kind {
        "d" => format!("{}", value.round() as i64),
        "f" => format!("{value:.*}", precision.unwrap_or(6)),
        "e" => crate::utils::progbar::format_scientific(value, precision.unwrap_or(6)),
        _ => return None,
    };
    Some(if zero {
        format!("{text:0>width$}")
    } else {
        format!("{text:>width$}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_python_format_specs() {
        let logs = Logs::from([("val_loss".to_string(), 0.391_234), ("accuracy".to_string(), 0.8)]);
        assert_eq!(
            format_path("m-{epoch:02d}-{val_loss:.2f}.kerust", 3, &logs).unwrap(),
            "m-03-0.39.kerust"
        );
        assert_eq!(
            format_path("{epoch}/{accuracy:.4f}", 12, &logs).unwrap(),
            "12/0.8000"
        );
        assert_eq!(format_path("plain.kerust", 1, &logs).unwrap(), "plain.kerust");
        let err = format_path("{val_acc:.2f}", 1, &logs).unwrap_err().to_string();
        assert!(
            err.contains("epoch, accuracy, val_loss") && err.contains("{val_acc}"),
            "{err}"
        );
        assert!(format_path("{epoch", 1, &logs).is_err());
    }
}
