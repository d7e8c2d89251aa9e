//! A grid of grey images, drawn as the walk-through's
//! `imshow(..., cmap='gray_r')` draws them: dark ink on white.

use std::path::Path;

use ndarray::{ArrayBase, Data, Ix2, Ix3};

use super::canvas::{BLACK, Canvas, LINE_HEIGHT, RED, text_width};
use crate::error::{Error, Result, fmt_shape};

/// A value that can be a grey pixel: `u8` (0–255) or `f32` (0–1, clamped).
///
/// ```
/// use kerust::plot::Pixel;
/// assert_eq!(255u8.ink(), 1.0);
/// assert_eq!(0.25f32.ink(), 0.25);
/// ```
pub trait Pixel: Copy {
    /// The amount of ink, from 0 (white) to 1 (black).
    fn ink(self) -> f32;
}

impl Pixel for u8 {
    fn ink(self) -> f32 {
        f32::from(self) / 255.0
    }
}

impl Pixel for f32 {
    fn ink(self) -> f32 {
        if self.is_nan() { 0.0 } else { self.clamp(0.0, 1.0) }
    }
}

/// Images for [`image_grid`]: an `(N, H, W)` array of `u8` or `f32`
/// pixels, or a slice of `(H, W)` arrays (which must share one shape).
///
/// ```
/// use kerust::plot::Images;
/// let batch = ndarray::Array3::<u8>::zeros((10, 28, 28));
/// assert_eq!(batch.to_ink()?.len(), 10);
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait Images {
    /// Each image as `(height, width, ink)`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the images differ in shape.
    fn to_ink(&self) -> Result<Vec<(usize, usize, Vec<f32>)>>;
}

impl<S: Data<Elem = P>, P: Pixel> Images for ArrayBase<S, Ix3> {
    fn to_ink(&self) -> Result<Vec<(usize, usize, Vec<f32>)>> {
        let (_, h, w) = self.dim();
        Ok(self
            .outer_iter()
            .map(|im| (h, w, im.iter().map(|p| p.ink()).collect()))
            .collect())
    }
}

impl<S: Data<Elem = P>, P: Pixel> Images for [ArrayBase<S, Ix2>] {
    fn to_ink(&self) -> Result<Vec<(usize, usize, Vec<f32>)>> {
        let Some(first) = self.first() else {
            return Ok(Vec::new());
        };
        if let Some((i, other)) = self.iter().enumerate().find(|(_, im)| im.dim() != first.dim()) {
            return Err(Error::shape(
                "image_grid",
                format!("images of one shape, like image 0's {}", fmt_shape(first.shape())),
                format!("image {i} of shape {}", fmt_shape(other.shape())),
            ));
        }
        Ok(self
            .iter()
            .map(|im| (im.nrows(), im.ncols(), im.iter().map(|p| p.ink()).collect()))
            .collect())
    }
}

impl<S: Data<Elem = P>, P: Pixel> Images for Vec<ArrayBase<S, Ix2>> {
    fn to_ink(&self) -> Result<Vec<(usize, usize, Vec<f32>)>> {
        self.as_slice().to_ink()
    }
}

/// The caption of one image of a grid; a `wrong` one is drawn in red with
/// a red frame around its image.
///
/// ```
/// use kerust::plot::Title;
/// let plain = Title::from("Sneaker");
/// let checked = Title::prediction("Sneaker", "Sandal");
/// assert!(!plain.wrong && checked.wrong);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title {
    /// The text.
    pub text: String,
    /// Whether it marks a wrong prediction.
    pub wrong: bool,
}

impl Title {
    /// A caption "true / predicted", marked wrong when they differ.
    ///
    /// ```
    /// use kerust::plot::Title;
    /// let t = Title::prediction("Sneaker", "Sandal");
    /// assert_eq!(t.text, "Sneaker / Sandal");
    /// assert!(t.wrong);
    /// ```
    pub fn prediction(truth: &str, predicted: &str) -> Title {
        Title {
            text: format!("{truth} / {predicted}"),
            wrong: truth != predicted,
        }
    }
}

impl From<&str> for Title {
    fn from(text: &str) -> Title {
        Title {
            text: text.to_string(),
            wrong: false,
        }
    }
}

impl From<String> for Title {
    fn from(text: String) -> Title {
        Title { text, wrong: false }
    }
}

impl From<&String> for Title {
    fn from(text: &String) -> Title {
        Title::from(text.as_str())
    }
}

/// Space around and between cells, in pixels.
const MARGIN: usize = 8;

/// How a grid is laid out: cells of `cell_w × cell_h`, each an image of
/// `scale`-pixel squares at `(image_x, image_y)` inside it, the title under it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) cols: usize,
    pub(crate) cell_w: usize,
    pub(crate) cell_h: usize,
    pub(crate) scale: usize,
    pub(crate) image_x: usize,
    pub(crate) image_y: usize,
}

impl Layout {
    /// The layout of `h × w` images under titles at most `widest_title`
    /// pixels wide, `cols` to a row.
    fn new(h: usize, w: usize, widest_title: usize, cols: usize) -> Layout {
        // Images at least 112 pixels wide (28×28 drawn 4× larger).
        let scale = 112usize.div_ceil(w.max(1)).max(1);
        let image_w = w * scale;
        let cell_w = image_w.max(widest_title) + MARGIN;
        let title_h = if widest_title > 0 { LINE_HEIGHT + 6 } else { 0 };
        Layout {
            cols,
            cell_w,
            cell_h: h * scale + title_h + MARGIN,
            scale,
            image_x: (cell_w - image_w) / 2,
            image_y: MARGIN / 2,
        }
    }

    /// The top-left pixel of cell `i`.
    pub(crate) fn cell(&self, i: usize) -> (usize, usize) {
        (
            MARGIN + (i % self.cols) * self.cell_w,
            MARGIN + (i / self.cols) * self.cell_h,
        )
    }
}

/// Draws `images` in a grid of `cols` columns, as the walk-through's
/// `imshow(..., cmap='gray_r')` does (0 white, 255 or 1.0 black), each
/// under its title (pass `&[] as &[&str]` for none), and writes it as PNG.
///
/// ```no_run
/// use kerust::prelude::*;
/// use ndarray::s;
///
/// let ((train_input, train_target), _) = fashion_mnist::load_data()?;
/// let titles: Vec<&str> = train_target
///     .slice(s![..10])
///     .iter()
///     .map(|&c| fashion_mnist::CLASS_NAMES[c as usize])
///     .collect();
/// kerust::plot::image_grid(&train_input.slice(s![..10, .., ..]), &titles, 10, "first-ten.png")?;
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`] for images of different shapes;
/// [`Error::InvalidArgument`] for no images, `cols` 0, or a number of
/// titles other than none or one per image; [`Error::Io`] if the file
/// cannot be written (nothing is left behind).
pub fn image_grid<I, T>(images: &I, titles: &[T], cols: usize, path: impl AsRef<Path>) -> Result<()>
where
    I: Images + ?Sized,
    T: Clone + Into<Title>,
{
    let canvas = render_grid(images, titles, cols)?;
    canvas.save_png(path.as_ref())
}

pub(crate) fn render_grid<I, T>(images: &I, titles: &[T], cols: usize) -> Result<Canvas>
where
    I: Images + ?Sized,
    T: Clone + Into<Title>,
{
    const OP: &str = "image_grid";
    let images = images.to_ink()?;
    if images.is_empty() {
        return Err(Error::invalid(OP, "at least one image", "none"));
    }
    if cols == 0 {
        return Err(Error::invalid(OP, "at least one column", "cols=0"));
    }
    if !titles.is_empty() && titles.len() != images.len() {
        return Err(Error::invalid(
            OP,
            format!("no titles or one per image ({})", images.len()),
            format!("{} titles", titles.len()),
        ));
    }
    let titles: Vec<Title> = titles.iter().cloned().map(Into::into).collect();
    let (h, w, _) = images[0];
    let longest = titles.iter().map(|t| text_width(&t.text)).max().unwrap_or(0);
    let layout = Layout::new(h, w, longest, cols.min(images.len()));
    let rows = images.len().div_ceil(layout.cols);
    let mut canvas = Canvas::new(
        2 * MARGIN + layout.cols * layout.cell_w,
        2 * MARGIN + rows * layout.cell_h,
    );
    for (i, (h, w, ink)) in images.iter().enumerate() {
        let (cx, cy) = layout.cell(i);
        let (x0, y0) = (cx + layout.image_x, cy + layout.image_y);
        for y in 0..*h {
            for x in 0..*w {
                let v = (255.0 * (1.0 - ink[y * w + x])).round() as u8;
                canvas.fill(
                    x0 + x * layout.scale,
                    y0 + y * layout.scale,
                    layout.scale,
                    layout.scale,
                    [v, v, v],
                );
            }
        }
        if let Some(title) = titles.get(i) {
            let colour = if title.wrong { RED } else { BLACK };
            if title.wrong {
                canvas.frame(x0 - 2, y0 - 2, w * layout.scale + 4, h * layout.scale + 4, 2, RED);
            }
            let ty = y0 + h * layout.scale + 4;
            let tx = cx + (layout.cell_w - text_width(&title.text)) / 2;
            canvas.text(tx, ty, &title.text, colour);
        }
    }
    Ok(canvas)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::canvas::decode;
    use ndarray::{Array2, Array3};

    #[test]
    fn cells_show_the_given_pixels_dark_on_white() {
        let images = Array3::from_shape_fn((5, 6, 4), |(i, y, x)| ((i * 50 + y * 7 + x * 3) % 256) as u8);
        let canvas = render_grid(&images, &["a", "b", "c", "d", "e"], 3).unwrap();
        let canvas = decode(&canvas.to_png().unwrap());
        let layout = Layout::new(6, 4, text_width("a"), 3);
        assert_eq!(canvas.width, 2 * MARGIN + 3 * layout.cell_w);
        assert_eq!(canvas.height, 2 * MARGIN + 2 * layout.cell_h);
        for i in 0..5 {
            let (cx, cy) = layout.cell(i);
            for (y, x) in [(0, 0), (2, 3), (5, 1), (5, 3)] {
                let px = cx + layout.image_x + x * layout.scale + layout.scale / 2;
                let py = cy + layout.image_y + y * layout.scale + layout.scale / 2;
                let v = 255 - images[[i, y, x]];
                assert_eq!(canvas.get(px, py), [v, v, v], "image {i} pixel ({y}, {x})");
            }
        }
    }

    #[test]
    fn wrong_predictions_are_framed_in_red() {
        let images = vec![Array2::<f32>::zeros((4, 4)), Array2::<f32>::zeros((4, 4))];
        let titles = [Title::prediction("Bag", "Bag"), Title::prediction("Bag", "Coat")];
        let canvas = render_grid(&images, &titles, 2).unwrap();
        let widest = titles.iter().map(|t| text_width(&t.text)).max().unwrap_or(0);
        let layout = Layout::new(4, 4, widest, 2);
        let corner = |i: usize| {
            let (cx, cy) = layout.cell(i);
            canvas.get(cx + layout.image_x - 1, cy + layout.image_y - 1)
        };
        assert_eq!(corner(0), [255, 255, 255]);
        assert_eq!(corner(1), RED);
    }

    #[test]
    fn bad_grids_are_errors() {
        let mixed = vec![Array2::<u8>::zeros((28, 28)), Array2::<u8>::zeros((28, 27))];
        let err = render_grid(&mixed, &[] as &[&str], 2).unwrap_err().to_string();
        assert!(err.contains("image 1 of shape (28, 27)"), "{err}");
        let images = Array3::<u8>::zeros((3, 2, 2));
        let err = render_grid(&images, &["x", "y"], 2).unwrap_err().to_string();
        assert!(
            err.contains("one per image (3)") && err.contains("2 titles"),
            "{err}"
        );
        assert!(render_grid(&images, &[] as &[&str], 0).is_err());
        assert!(render_grid(&Array3::<u8>::zeros((0, 2, 2)), &[] as &[&str], 2).is_err());
    }
}
