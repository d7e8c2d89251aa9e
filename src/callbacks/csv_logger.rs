//! `CSVLogger`: one row per epoch in a CSV file.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::{Callback, Logs, TrainParams};
use crate::error::{Error, Result};
use crate::models::Model;

/// Writes the logs of every epoch to a CSV file, as Keras' `CSVLogger`: a
/// header `epoch` then the logged names in sorted order (with `val_`
/// columns added when the first epoch has none, filled with `NA`), then one
/// row per epoch (numbered from 0), each flushed as it is written. With
/// `append`, rows go after those of an earlier run, without a second header.
///
/// **Keras equivalent:** `keras.callbacks.CSVLogger("training.log")`
///
/// ```
/// # use kerust::prelude::*;
/// let mut logger = CsvLogger::new("training.csv");
/// let options = FitOptions::default().epochs(5).callback(&mut logger);
/// # let _ = options;
/// ```
#[derive(Debug)]
pub struct CsvLogger {
    path: PathBuf,
    separator: char,
    append: bool,
    keys: Option<Vec<String>>,
    file: Option<BufWriter<File>>,
    write_header: bool,
}

impl CsvLogger {
    /// A logger writing to `path` (created, or truncated unless `append`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let logger = CsvLogger::new("training.csv"); // epoch,accuracy,loss,… one row per epoch
    /// # let _ = logger;
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CsvLogger {
            path: path.into(),
            separator: ',',
            append: false,
            keys: None,
            file: None,
            write_header: true,
        }
    }

    /// The column separator (default `,`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let logger = CsvLogger::new("training.tsv").separator('\t');
    /// # let _ = logger;
    /// ```
    pub fn separator(mut self, separator: char) -> Self {
        self.separator = separator;
        self
    }

    /// Whether to add to an existing file (default false: overwrite).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let logger = CsvLogger::new("training.csv").append(true); // keep earlier rows
    /// # let _ = logger;
    /// ```
    pub fn append(mut self, append: bool) -> Self {
        self.append = append;
        self
    }

    fn write_line(&mut self, cells: &[String]) -> Result<()> {
        let line = cells.join(&self.separator.to_string());
        let Some(file) = self.file.as_mut() else {
            return Err(Error::invalid(
                "CsvLogger",
                "a log opened by on_train_begin",
                "a row written before training began",
            ));
        };
        file.write_all(line.as_bytes())
            .and_then(|()| file.write_all(b"\r\n"))
            .and_then(|()| file.flush())
            .map_err(|e| Error::io(&self.path, e))
    }
}

impl Callback for CsvLogger {
    fn on_train_begin(&mut self, _model: &mut Model, _params: &TrainParams) -> Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let has_rows = self.append && std::fs::metadata(&self.path).is_ok_and(|m| m.len() > 0);
        let file = if self.append {
            OpenOptions::new().create(true).append(true).open(&self.path)
        } else {
            File::create(&self.path)
        }
        .map_err(|e| Error::io(&self.path, e))?;
        self.file = Some(BufWriter::new(file));
        self.write_header = !has_rows;
        self.keys = None;
        Ok(())
    }

    fn on_epoch_end(&mut self, _model: &mut Model, epoch: usize, logs: &mut Logs) -> Result<()> {
        if self.keys.is_none() {
            let mut keys: Vec<String> = logs.keys().cloned().collect();
            if !keys.iter().any(|k| k.starts_with("val_")) {
                let val: Vec<String> = keys.iter().map(|k| format!("val_{k}")).collect();
                keys.extend(val);
            }
            self.keys = Some(keys);
            if self.write_header {
                let header: Vec<String> = std::iter::once("epoch".to_string())
                    .chain(self.keys.clone().unwrap_or_default())
                    .collect();
                self.write_line(&header)?;
            }
        }
        let keys = self.keys.clone().unwrap_or_default();
        let row: Vec<String> = std::iter::once(epoch.to_string())
            .chain(
                keys.iter()
                    .map(|k| logs.get(k).map_or_else(|| "NA".to_string(), |&v| python_float(v))),
            )
            .collect();
        self.write_line(&row)
    }

    fn on_train_end(&mut self, _model: &mut Model, _logs: &Logs) -> Result<()> {
        if let Some(mut file) = self.file.take() {
            file.flush().map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }
}
/// `v` as Python's `str(float)` writes it, as Keras' CSV files hold
/// values: the shortest digits that read back exactly, `1.0` for whole
/// numbers, exponents below 1e-4 and from 1e16 (`1e-05`, `1.5e+16`), and
/// `nan`, `inf`, `-inf`.
pub(crate) fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the same shortest digits, as `d.ddde±x`.
    let scientific = format!("{v:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if v != 0.0 && !(-4..16).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let plain = format!("{v}");
    if plain.contains('.') {
        plain
    } else {
        format!("{plain}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::python_float;

    #[test]
    fn floats_are_written_as_python_writes_them() {
        // Python 3: str(x) for each x.
        for (v, python) in [
            (0.5, "0.5"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-2.0, "-2.0"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (123.456, "123.456"),
            (1e-100, "1e-100"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(python_float(v), python, "{v:e}");
        }
    }
}
