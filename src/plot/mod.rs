//! Pictures: the walk-through's image grid, training curves, and the
//! confusion matrix, written as PNG (or SVG) with no system libraries.
//!
//! Built with the `plot` feature (on by default). Text in PNG files is
//! antialiased DejaVu Sans (a Latin-1 subset, 23 KB, embedded; see
//! `src/plot/font/LICENSE`) rasterised by `ab_glyph`, and SVG text in SVG
//! files.
//!
//! | function | draws | Python equivalent |
//! | --- | --- | --- |
//! | [`image_grid`] | grey images, dark ink on white, with titles | `plt.imshow(img, cmap='gray_r')` in a grid of subplots |
//! | [`history`] | loss, metrics and their `val_` counterparts per epoch | `plt.plot(history.history['loss'])`, … |
//! | [`compare`] | one quantity of several runs, a line each | `plt.plot(h.history['val_loss'], label=name)` per run |
//! | [`confusion_matrix`] | counts of true against predicted classes | `ConfusionMatrixDisplay.from_predictions` |
//!
//! Every file is written atomically (a temporary file, then a rename): a
//! failure leaves no half-written picture.

mod canvas;
mod compare;
mod confusion;
mod figure;
mod grid;
mod history;

pub use compare::compare;
pub use confusion::confusion_matrix;
pub use grid::{Images, Pixel, Title, image_grid};
pub use history::history;
