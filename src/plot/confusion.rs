//! The confusion matrix as a picture: one cell per (true, predicted) pair,
//! shaded by its count, the count written in it.

use std::path::Path;

use ndarray::{Array2, ArrayBase, Data, Ix1};

use super::canvas::{BLACK, Rgb, WHITE};
use super::figure::{Anchor, Figure, Shape};
use crate::error::{Error, Result};
use crate::utils::Label;

/// Pixels per cell side.
pub(crate) const CELL: f64 = 44.0;

/// Where the matrix starts, leaving room for the class names.
pub(crate) fn origin(class_names: &[&str]) -> (f64, f64) {
    let longest = class_names.iter().map(|n| n.chars().count()).max().unwrap_or(0) as f64;
    (longest * 8.0 + 40.0, 40.0)
}

/// White to matplotlib's dark blue, by `t` in 0..=1.
fn shade(t: f64) -> Rgb {
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    [lerp(247.0, 8.0), lerp(251.0, 48.0), lerp(255.0, 107.0)]
}

/// The figure of `counts` (rows true, columns predicted).
pub(crate) fn figure(counts: &Array2<usize>, class_names: &[&str]) -> Figure {
    let n = counts.nrows();
    let (x0, y0) = origin(class_names);
    let size = n as f64 * CELL;
    // Below the matrix: the column names, written upwards.
    let longest = class_names.iter().map(|n| n.chars().count()).max().unwrap_or(0) as f64;
    let mut fig = Figure::new(
        (x0 + size + 20.0) as usize,
        (y0 + size + longest * 8.0 + 24.0) as usize,
    );
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    for ((i, j), &count) in counts.indexed_iter() {
        let t = count as f64 / max;
        let (x, y) = (x0 + j as f64 * CELL, y0 + i as f64 * CELL);
        fig.push(Shape::Rect {
            x,
            y,
            w: CELL,
            h: CELL,
            fill: shade(t),
        });
        let ink = if t > 0.5 { WHITE } else { BLACK };
        fig.text(
            x + CELL / 2.0,
            y + CELL / 2.0 - 4.0,
            count.to_string(),
            Anchor::Middle,
            ink,
        );
    }
    fig.push(Shape::Frame {
        x: x0,
        y: y0,
        w: size + 1.0,
        h: size + 1.0,
        colour: BLACK,
    });
    for (k, name) in class_names.iter().enumerate() {
        let c = k as f64 * CELL + CELL / 2.0;
        fig.text(x0 - 8.0, y0 + c - 4.0, *name, Anchor::End, BLACK);
        fig.push(Shape::Text {
            x: x0 + c - 4.0,
            y: y0 + size + 8.0 + name.chars().count() as f64 * 4.0,
            text: name.to_string(),
            anchor: Anchor::Middle,
            colour: BLACK,
            vertical: true,
        });
    }
    fig.text(x0 + size / 2.0, 14.0, "predicted", Anchor::Middle, BLACK);
    fig.push(Shape::Text {
        x: 6.0,
        y: y0 + size / 2.0,
        text: "true".to_string(),
        anchor: Anchor::Middle,
        colour: BLACK,
        vertical: true,
    });
    fig
}

/// Draws the confusion matrix of `y_true` against `y_pred` (rows true
/// classes, columns predicted, as [`metrics::confusion_matrix`] counts
/// them) with the count in every cell and the class names along both axes.
/// Writes SVG if `path` ends in `.svg`, PNG if it ends in `.png`.
///
/// [`metrics::confusion_matrix`]: crate::metrics::confusion_matrix
///
/// ```no_run
/// use kerust::prelude::*;
/// # #[allow(dead_code)]
/// # fn run(model: &mut Sequential, x: &ndarray::Array4<f32>, y: &ndarray::Array1<u8>) -> kerust::Result<()> {
/// let predicted = kerust::metrics::predicted_classes(model.predict(x)?.view());
/// kerust::plot::confusion_matrix(y, &predicted, &fashion_mnist::CLASS_NAMES, "confusion.png")?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if a label is not below the number of class
/// names (the message names both), the two differ in length, or the path
/// has another extension; [`Error::Io`] if the file cannot be written
/// (nothing is left behind).
pub fn confusion_matrix<S, T, A, B>(
    y_true: &ArrayBase<S, Ix1>,
    y_pred: &ArrayBase<T, Ix1>,
    class_names: &[&str],
    path: impl AsRef<Path>,
) -> Result<()>
where
    S: Data<Elem = A>,
    T: Data<Elem = B>,
    A: Label + std::fmt::Display,
    B: Label + std::fmt::Display,
{
    if class_names.is_empty() {
        return Err(Error::invalid(
            "plot::confusion_matrix",
            "one name per class",
            "no class names",
        ));
    }
    let counts = crate::metrics::confusion_matrix(y_true, y_pred, class_names.len()).map_err(|e| {
        Error::invalid(
            "plot::confusion_matrix",
            format!(
                "labels that match the {} class names (0..{})",
                class_names.len(),
                class_names.len()
            ),
            e.to_string(),
        )
    })?;
    figure(&counts, class_names).save("plot::confusion_matrix", path.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::canvas::decode;
    use ndarray::array;

    #[test]
    fn one_shaded_cell_per_pair_with_its_count() {
        let names = ["cat", "dog", "owl"];
        let counts = array![[5usize, 0, 1], [2, 7, 0], [0, 0, 3]];
        let fig = figure(&counts, &names);
        let rects = fig
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Rect { .. }))
            .count();
        assert_eq!(rects, 9, "one cell per pair");
        let canvas = decode(&fig.raster().to_png().unwrap());
        let (x0, y0) = origin(&names);
        // The largest count is the darkest cell; a zero cell is near white.
        let corner = |i: usize, j: usize| {
            canvas.get(
                (x0 + j as f64 * CELL + 3.0) as usize,
                (y0 + i as f64 * CELL + 3.0) as usize,
            )
        };
        assert_eq!(corner(1, 1), shade(1.0));
        assert_eq!(corner(0, 1), shade(0.0));
        assert_eq!(corner(0, 0), shade(5.0 / 7.0));
        let svg = fig.svg();
        for count in [">5<", ">7<", ">3<", ">2<"] {
            assert!(svg.contains(count), "{count}");
        }
    }

    #[test]
    fn names_must_match_the_labels() {
        let dir = std::env::temp_dir().join(format!("kerust-cm-{}", std::process::id()));
        let path = dir.join("cm.png");
        let err = confusion_matrix(&array![0u8, 3], &array![0u8, 1], &["a", "b", "c"], &path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("3 class names") && err.contains("label 3"), "{err}");
        assert!(!path.exists());
    }
}
