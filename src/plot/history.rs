//! Training curves: each quantity of a [`History`] and its `val_`
//! counterpart against the epoch, one panel per quantity, loss first.

use std::path::Path;

use super::canvas::{BLACK, BLUE, DARK_GREY, GREY, ORANGE, Rgb, text_width};
use super::figure::{Anchor, Figure, Shape};
use crate::callbacks::History;
use crate::error::{Error, Result};

/// The size of one panel and the plot area's insets inside it.
pub(super) const PANEL_W: f64 = 440.0;
pub(super) const PANEL_H: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 44.0;

/// Maps epochs and values of one panel to pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Axes {
    /// The plot area's left, top, width and height.
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) w: f64,
    pub(crate) h: f64,
    epochs: usize,
    lo: f64,
    hi: f64,
}

impl Axes {
    pub(super) fn new(panel: usize, epochs: usize, values: &[f64]) -> Axes {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = if hi > lo { (hi - lo) * 0.08 } else { 0.5 };
        Axes {
            x: panel as f64 * PANEL_W + LEFT,
            y: TOP,
            w: PANEL_W - LEFT - RIGHT,
            h: PANEL_H - TOP - BOTTOM,
            epochs,
            lo: lo - pad,
            hi: hi + pad,
        }
    }

    /// The pixel of `value` at epoch `epoch` (0-based; drawn as epoch + 1).
    pub(crate) fn point(&self, epoch: usize, value: f64) -> (f64, f64) {
        let fx = if self.epochs > 1 {
            epoch as f64 / (self.epochs - 1) as f64
        } else {
            0.5
        };
        let fy = (value - self.lo) / (self.hi - self.lo);
        (self.x + fx * self.w, self.y + (1.0 - fy) * self.h)
    }
}

/// One panel: a quantity's name, its training values and its `val_` values.
type Panel<'h> = (String, Option<&'h [f64]>, Option<&'h [f64]>);

/// The panels: `loss` first, then every other quantity without a `val_`
/// prefix, each with its `val_` counterpart when recorded.
fn panels(history: &History) -> Vec<Panel<'_>> {
    let mut keys: Vec<String> = history
        .history
        .keys()
        .map(|k| k.strip_prefix("val_").unwrap_or(k).to_string())
        .collect();
    keys.sort_by_key(|k| (k != "loss", k.clone()));
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let train = history.get(&k);
            let val = history.get(&format!("val_{k}"));
            (k, train, val)
        })
        .collect()
}

/// The figure of `history`, and each panel's axes.
pub(crate) fn figure(history: &History) -> Result<(Figure, Vec<Axes>)> {
    const OP: &str = "plot::history";
    let epochs = history.epoch.len();
    if epochs == 0 {
        return Err(Error::invalid(
            OP,
            "a history with at least one epoch",
            "a history with no epochs (was fit run?)",
        ));
    }
    let panels = panels(history);
    let mut fig = Figure::new((PANEL_W * panels.len() as f64) as usize, PANEL_H as usize);
    let mut all_axes = Vec::new();
    for (p, (name, train, val)) in panels.iter().enumerate() {
        let values: Vec<f64> = train
            .iter()
            .chain(val.iter())
            .flat_map(|s| s.iter().copied())
            .collect();
        let axes = Axes::new(p, epochs, &values);
        draw_axes(&mut fig, &axes, name);
        let mut legend = Vec::new();
        for (series, label, colour) in [(train, name.clone(), BLUE), (val, format!("val_{name}"), ORANGE)] {
            if let Some(series) = series {
                let points = series
                    .iter()
                    .take(epochs)
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .map(|(e, &v)| axes.point(e, v))
                    .collect();
                fig.push(Shape::Line {
                    points,
                    colour,
                    width: 2,
                });
                legend.push((label, colour));
            }
        }
        let points: Vec<(f64, f64)> = [train, val]
            .into_iter()
            .flatten()
            .flat_map(|s| s.iter().take(epochs).enumerate().map(|(e, &v)| axes.point(e, v)))
            .collect();
        draw_legend(&mut fig, &axes, &legend, &points);
        all_axes.push(axes);
    }
    Ok((fig, all_axes))
}

/// Tick values at round numbers, as matplotlib's default locator places
/// them: the smallest step of 1, 2, 2.5 or 5 times a power of ten that
/// puts at most `most` ticks in `[lo, hi]`, and the decimals that step
/// needs (0.05 → 2, 2.5 → 1, 20 → 0).
pub(crate) fn nice_ticks(lo: f64, hi: f64, most: usize) -> (Vec<f64>, usize) {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || most == 0 {
        return (vec![], 0);
    }
    let raw = (hi - lo) / most as f64;
    let power = raw.log10().floor();
    let magnitude = 10f64.powf(power);
    let (step, mantissa) = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| (m * magnitude, m))
        .find(|&(step, _)| (((hi - lo) / step).floor() as usize) < most)
        .unwrap_or((10.0 * magnitude, 10.0));
    let decimals = (-(step.log10().floor()) + if mantissa == 2.5 { 1.0 } else { 0.0 }).max(0.0) as usize;
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // Rounded to the decimals shown, so 12 × 0.05 is 0.6, not 0.6000000000000001.
    let scale = 10f64.powi(decimals as i32);
    let ticks = (first..=last)
        .map(|k| (k as f64 * step * scale).round() / scale)
        .collect();
    (ticks, decimals)
}

/// The step between labelled epochs: the smallest of 1, 2, 5, 10, 20, 50,
/// … that labels at most ten of `epochs`.
fn epoch_step(epochs: usize) -> usize {
    let mut power = 1usize;
    loop {
        for m in [1, 2, 5] {
            let step = m * power;
            if epochs / step <= 10 {
                return step;
            }
        }
        power = power.saturating_mul(10);
    }
}

/// A tick label with `decimals` digits, never `-0.0`.
fn tick_label(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

pub(super) fn draw_axes(fig: &mut Figure, a: &Axes, name: &str) {
    // Horizontal grid lines and value ticks, at round values.
    let (ticks, decimals) = nice_ticks(a.lo, a.hi, 6);
    for value in ticks {
        let (_, y) = a.point(0, value);
        fig.push(Shape::Line {
            points: vec![(a.x, y), (a.x + a.w, y)],
            colour: GREY,
            width: 1,
        });
        fig.text(
            a.x - 6.0,
            y - 4.0,
            tick_label(value, decimals),
            Anchor::End,
            DARK_GREY,
        );
    }
    // Epoch ticks (counted from 1) at round steps: every epoch up to ten,
    // then every 2, 5, 10, 20, 50, …; the first epoch too where it is not
    // crowded by the second tick.
    let every = epoch_step(a.epochs);
    for e in (0..a.epochs).filter(|e| (e + 1) % every == 0 || (*e == 0 && every != 2)) {
        let (x, _) = a.point(e, a.lo);
        fig.push(Shape::Line {
            points: vec![(x, a.y + a.h), (x, a.y + a.h + 4.0)],
            colour: BLACK,
            width: 1,
        });
        fig.text(x, a.y + a.h + 8.0, (e + 1).to_string(), Anchor::Middle, DARK_GREY);
    }
    fig.push(Shape::Frame {
        x: a.x,
        y: a.y,
        w: a.w + 1.0,
        h: a.h + 1.0,
        colour: BLACK,
    });
    fig.text(a.x + a.w / 2.0, a.y + a.h + 26.0, "epoch", Anchor::Middle, BLACK);
    fig.text(a.x + a.w / 2.0, 10.0, name, Anchor::Middle, BLACK);
    fig.push(Shape::Text {
        x: a.x - 58.0,
        y: a.y + a.h / 2.0,
        text: name.to_string(),
        anchor: Anchor::Middle,
        colour: BLACK,
        vertical: true,
    });
}

/// The legend, in the first corner (top right, bottom right, top left,
/// bottom left) whose box covers fewest of the curves' `points`.
pub(super) fn draw_legend(fig: &mut Figure, a: &Axes, entries: &[(String, Rgb)], points: &[(f64, f64)]) {
    let widest = entries.iter().map(|(l, _)| text_width(l)).max().unwrap_or(0) as f64;
    let (w, h) = (widest + 40.0, entries.len() as f64 * 16.0 + 8.0);
    let (right, left) = (a.x + a.w - w - 6.0, a.x + 6.0);
    let (top, bottom) = (a.y + 6.0, a.y + a.h - h - 6.0);
    let covered = |&(x, y): &(f64, f64)| {
        points
            .iter()
            .filter(|(px, py)| (x - 4.0..=x + w + 4.0).contains(px) && (y - 4.0..=y + h + 4.0).contains(py))
            .count()
    };
    let corners = [(right, top), (right, bottom), (left, top), (left, bottom)];
    let (x, y) = corners.into_iter().min_by_key(covered).unwrap_or((right, top));
    fig.push(Shape::Rect {
        x,
        y,
        w,
        h,
        fill: [255, 255, 255],
    });
    fig.push(Shape::Frame {
        x,
        y,
        w,
        h,
        colour: GREY,
    });
    for (i, (label, colour)) in entries.iter().enumerate() {
        let ly = y + 8.0 + i as f64 * 16.0;
        fig.push(Shape::Line {
            points: vec![(x + 6.0, ly + 4.0), (x + 26.0, ly + 4.0)],
            colour: *colour,
            width: 2,
        });
        fig.text(x + 32.0, ly, label.as_str(), Anchor::Start, BLACK);
    }
}

/// Plots the training curves of `history`: one panel for the loss and one
/// for each metric, each with its `val_` counterpart when there was
/// validation data (training blue, validation orange), against the epoch,
/// with axes, labels and a legend. Writes SVG if `path` ends in `.svg`,
/// PNG if it ends in `.png`.
///
/// ```no_run
/// # use kerust::prelude::*;
/// # #[allow(dead_code)]
/// # fn run(history: &History) -> kerust::Result<()> {
/// kerust::plot::history(history, "curves.png")?;
/// kerust::plot::history(history, "curves.svg")?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for a history with no epochs or a path with
/// another extension; [`Error::Io`] if the file cannot be written (nothing
/// is left behind).
pub fn history(history: &History, path: impl AsRef<Path>) -> Result<()> {
    figure(history)?.0.save("plot::history", path.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::Logs;
    use crate::plot::canvas::decode;

    fn sample() -> History {
        let mut h = History::default();
        let rows = [
            (0.60, 0.79, 0.45, 0.84),
            (0.42, 0.85, 0.40, 0.855),
            (0.38, 0.86, 0.39, 0.862),
            (0.35, 0.87, 0.37, 0.865),
        ];
        for (e, (l, a, vl, va)) in rows.into_iter().enumerate() {
            let mut logs = Logs::new();
            logs.insert("loss".into(), l);
            logs.insert("accuracy".into(), a);
            logs.insert("val_loss".into(), vl);
            logs.insert("val_accuracy".into(), va);
            h.record(e, &logs);
        }
        h
    }

    /// Whether `colour` is within `r` pixels of `(x, y)`.
    fn near(c: &crate::plot::canvas::Canvas, (x, y): (f64, f64), r: isize, colour: Rgb) -> bool {
        (-r..=r).any(|dy| {
            (-r..=r).any(|dx| {
                let (px, py) = (x.round() as isize + dx, y.round() as isize + dy);
                px >= 0
                    && py >= 0
                    && (px as usize) < c.width
                    && (py as usize) < c.height
                    && c.get(px as usize, py as usize) == colour
            })
        })
    }

    #[test]
    fn each_curve_is_drawn_where_its_values_put_it() {
        let h = sample();
        let (fig, axes) = figure(&h).unwrap();
        assert_eq!(axes.len(), 2, "a loss panel and an accuracy panel");
        let canvas = decode(&fig.raster().to_png().unwrap());
        assert_eq!((canvas.width, canvas.height), (880, 320));
        for (panel, key) in [(0, "loss"), (1, "accuracy")] {
            for (series, colour) in [(key.to_string(), BLUE), (format!("val_{key}"), ORANGE)] {
                for (e, &v) in h.get(&series).unwrap().iter().enumerate() {
                    let at = axes[panel].point(e, v);
                    assert!(near(&canvas, at, 1, colour), "{series} epoch {e} at {at:?}");
                }
            }
        }
        // A lower loss is drawn lower down, a later epoch further right.
        let first = axes[0].point(0, 0.60);
        let last = axes[0].point(3, 0.35);
        assert!(last.1 > first.1 && last.0 > first.0);
    }

    #[test]
    fn svg_has_a_polyline_per_series_and_the_labels() {
        let svg = figure(&sample()).unwrap().0.svg();
        assert_eq!(
            svg.matches("stroke-width=\"2\"").count(),
            4 + 4,
            "4 curves and 4 legend samples"
        );
        for label in [">loss<", ">val_loss<", ">accuracy<", ">val_accuracy<", ">epoch<"] {
            assert!(svg.contains(label), "{label}");
        }
    }

    #[test]
    fn ticks_fall_on_round_values() {
        // The range that used to give ticks at 0.558, 0.474, 0.390, ...
        assert_eq!(
            nice_ticks(0.3557, 0.6216, 6),
            (vec![0.4, 0.45, 0.5, 0.55, 0.6], 2)
        );
        let (ticks, decimals) = nice_ticks(0.0, 1.0, 6);
        assert_eq!((ticks.len(), decimals), (6, 1));
        assert!((ticks[3] - 0.6).abs() < 1e-12);
        assert_eq!(nice_ticks(0.8, 0.9, 6).1, 2);
        assert_eq!(nice_ticks(0.0, 12.0, 6), (vec![0.0, 2.5, 5.0, 7.5, 10.0], 1));
        assert_eq!(nice_ticks(100.0, 900.0, 6), (vec![200.0, 400.0, 600.0, 800.0], 0));
        assert_eq!(nice_ticks(1.0, 1.0, 6), (vec![], 0));
        assert_eq!(tick_label(-0.0001, 2), "0.00");
        assert_eq!(tick_label(-0.25, 2), "-0.25");
        assert_eq!(
            [1, 10, 11, 20, 21, 50, 51, 100, 101].map(epoch_step),
            [1, 1, 2, 2, 2, 5, 5, 10, 10]
        );
    }

    #[test]
    fn an_empty_history_is_an_error() {
        let err = figure(&History::default()).unwrap_err().to_string();
        assert!(err.contains("no epochs"), "{err}");
    }
}
