//! Several runs' curves in one picture: one panel per quantity, one line
//! per run (the textbook's comparison of optimizers).

use std::path::Path;

use super::canvas::{BLUE, ORANGE, Rgb};
use super::figure::{Figure, Shape};
use super::history::{Axes, PANEL_H, PANEL_W, draw_axes, draw_legend};
use crate::callbacks::History;
use crate::error::{Error, Result};

/// matplotlib's default colour cycle (`tab10`).
const CYCLE: [Rgb; 10] = [
    BLUE,
    ORANGE,
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// Plots quantity `keys` (`"val_accuracy"`, `"val_loss"`, …) of several
/// runs, one panel per key and one coloured line per run, labelled with its
/// name — what `for name, h in histories: plt.plot(h.history['val_loss'],
/// label=name)` draws. Writes SVG if `path` ends in `.svg`, PNG otherwise.
///
/// ```no_run
/// # use kerust::prelude::*;
/// # #[allow(dead_code)]
/// # fn run(sgd: &History, adam: &History) -> kerust::Result<()> {
/// kerust::plot::compare(&[("sgd", sgd), ("adam", adam)], &["val_loss", "val_accuracy"], "optimizers.png")?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for no runs, no keys, a run without epochs or
/// without one of the keys, or a path with another extension;
/// [`Error::Io`] if the file cannot be written (nothing is left behind).
pub fn compare<S: AsRef<str>>(runs: &[(S, &History)], keys: &[&str], path: impl AsRef<Path>) -> Result<()> {
    const OP: &str = "plot::compare";
    if runs.is_empty() || keys.is_empty() {
        return Err(Error::invalid(
            OP,
            "at least one run and one quantity",
            format!("{} runs and {} quantities", runs.len(), keys.len()),
        ));
    }
    let epochs = runs.iter().map(|(_, h)| h.epoch.len()).max().unwrap_or(0);
    let mut fig = Figure::new((PANEL_W * keys.len() as f64) as usize, PANEL_H as usize);
    for (p, key) in keys.iter().enumerate() {
        let mut series = Vec::with_capacity(runs.len());
        for (name, history) in runs {
            let values = history.get(key).filter(|v| !v.is_empty()).ok_or_else(|| {
                Error::invalid(
                    OP,
                    format!("runs that logged {key}"),
                    format!("the run {:?} without it", name.as_ref()),
                )
            })?;
            series.push((name.as_ref(), values));
        }
        let all: Vec<f64> = series.iter().flat_map(|(_, v)| v.iter().copied()).collect();
        let axes = Axes::new(p, epochs, &all);
        draw_axes(&mut fig, &axes, key);
        let mut legend = Vec::new();
        let mut points = Vec::new();
        for (i, (name, values)) in series.iter().enumerate() {
            let colour = CYCLE[i % CYCLE.len()];
            let line: Vec<(f64, f64)> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(e, &v)| axes.point(e, v))
                .collect();
            points.extend(&line);
            fig.push(Shape::Line {
                points: line,
                colour,
                width: 2,
            });
            legend.push((name.to_string(), colour));
        }
        draw_legend(&mut fig, &axes, &legend, &points);
    }
    fig.save(OP, path.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::Logs;

    fn run(values: &[f64]) -> History {
        let mut h = History::default();
        for (e, &v) in values.iter().enumerate() {
            let mut logs = Logs::new();
            logs.insert("val_loss".into(), v);
            h.record(e, &logs);
        }
        h
    }

    #[test]
    fn each_run_is_a_line_in_its_colour() {
        let (a, b) = (run(&[1.0, 0.5, 0.25]), run(&[0.9, 0.8, 0.7]));
        let dir = std::env::temp_dir().join(format!("kerust-compare-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("runs.svg");
        compare(&[("sgd", &a), ("adam", &b)], &["val_loss"], &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        // Each run's colour (tab10 blue, then orange): its curve and its legend key.
        assert_eq!(svg.matches("#1f77b4").count(), 2, "{svg}");
        assert_eq!(svg.matches("#ff7f0e").count(), 2, "{svg}");
        assert!(svg.contains(">sgd<") && svg.contains(">adam<"));
        let err = compare(&[("sgd", &a)], &["val_accuracy"], dir.join("x.png"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("runs that logged val_accuracy, found the run \"sgd\" without it"),
            "{err}"
        );
        assert!(compare::<&str>(&[], &["val_loss"], dir.join("x.png")).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
