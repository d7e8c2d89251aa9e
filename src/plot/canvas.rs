//! A small RGB raster: filled rectangles, lines, and antialiased text in
//! an embedded DejaVu Sans (Latin-1) rasterised by `ab_glyph`, written as
//! PNG. Enough for the plots, with no system libraries.

use std::path::Path;

use crate::error::{Error, Result};

/// An RGB colour.
pub(crate) type Rgb = [u8; 3];

pub(crate) const WHITE: Rgb = [255, 255, 255];
pub(crate) const BLACK: Rgb = [0, 0, 0];
pub(crate) const GREY: Rgb = [200, 200, 200];
pub(crate) const DARK_GREY: Rgb = [90, 90, 90];
pub(crate) const RED: Rgb = [214, 39, 40];
/// The first two colours of matplotlib's default cycle, which Keras users
/// know from their curves: training blue, validation orange.
pub(crate) const BLUE: Rgb = [31, 119, 180];
pub(crate) const ORANGE: Rgb = [255, 127, 14];

/// The size of plot text: the em square, in pixels (matplotlib's default
/// 10 points at 100 dpi is 13.9; the plots here are smaller).
pub(crate) const FONT_PX: f32 = 12.0;
/// Where a line of text sits: its baseline is this many pixels below the
/// `y` it is drawn at, so that the capitals fill about `y..y + BASELINE`.
pub(crate) const BASELINE: usize = 8;
/// The height a line of text takes in a layout (descenders included).
pub(crate) const LINE_HEIGHT: usize = 12;

/// The embedded font; `None` only if the bytes compiled in did not parse
/// (a unit test checks they do), and then text is left out.
fn font() -> Option<&'static ab_glyph::FontRef<'static>> {
    static FONT: std::sync::OnceLock<Option<ab_glyph::FontRef<'static>>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| ab_glyph::FontRef::try_from_slice(include_bytes!("font/DejaVuSans-Latin.ttf")).ok())
        .as_ref()
}

/// A white RGB image.
#[derive(Debug)]
pub(crate) struct Canvas {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    pub(crate) fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![255; width * height * 3],
        }
    }

    /// Sets one pixel; outside the canvas nothing happens.
    pub(crate) fn set(&mut self, x: isize, y: isize, colour: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let i = (y as usize * self.width + x as usize) * 3;
            self.pixels[i..i + 3].copy_from_slice(&colour);
        }
    }

    /// The colour at `(x, y)`.
    #[cfg(test)]
    pub(crate) fn get(&self, x: usize, y: usize) -> Rgb {
        let i = (y * self.width + x) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Fills `w × h` pixels from `(x, y)`.
    pub(crate) fn fill(&mut self, x: usize, y: usize, w: usize, h: usize, colour: Rgb) {
        for yy in y..(y + h).min(self.height) {
            for xx in x..(x + w).min(self.width) {
                let i = (yy * self.width + xx) * 3;
                self.pixels[i..i + 3].copy_from_slice(&colour);
            }
        }
    }

    /// The outline of a rectangle, `thickness` pixels wide, inside it.
    pub(crate) fn frame(&mut self, x: usize, y: usize, w: usize, h: usize, thickness: usize, colour: Rgb) {
        self.fill(x, y, w, thickness, colour);
        self.fill(x, (y + h).saturating_sub(thickness), w, thickness, colour);
        self.fill(x, y, thickness, h, colour);
        self.fill((x + w).saturating_sub(thickness), y, thickness, h, colour);
    }

    /// A straight line `thickness` pixels wide (a square pen stepped along it).
    pub(crate) fn line(&mut self, from: (f64, f64), to: (f64, f64), thickness: usize, colour: Rgb) {
        let steps = (to.0 - from.0).abs().max((to.1 - from.1).abs()).ceil().max(1.0) as usize;
        let half = thickness as isize / 2;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let x = (from.0 + (to.0 - from.0) * t).round() as isize;
            let y = (from.1 + (to.1 - from.1) * t).round() as isize;
            for dy in -half..thickness as isize - half {
                for dx in -half..thickness as isize - half {
                    self.set(x + dx, y + dy, colour);
                }
            }
        }
    }

    /// `text` with its baseline [`BASELINE`] pixels below `y`, starting at `x`.
    pub(crate) fn text(&mut self, x: usize, y: usize, text: &str, colour: Rgb) {
        let Some(run) = Run::of(text) else { return };
        let top = (y + BASELINE) as isize - run.ascent as isize;
        for ry in 0..run.height {
            for rx in 0..run.width {
                let c = run.coverage[ry * run.width + rx];
                if c > 0.0 {
                    self.blend(x as isize + rx as isize, top + ry as isize, colour, c);
                }
            }
        }
    }

    /// `text` written bottom to top (a y-axis label), its centre at
    /// `(x + half a line, cy)`.
    pub(crate) fn text_vertical(&mut self, x: usize, cy: usize, text: &str, colour: Rgb) {
        let Some(run) = Run::of(text) else { return };
        let top = cy as isize - (run.width / 2) as isize;
        let left = (x + BASELINE) as isize - run.ascent as isize;
        for ry in 0..run.height {
            for rx in 0..run.width {
                let c = run.coverage[ry * run.width + rx];
                if c > 0.0 {
                    // Turned a quarter anticlockwise: the run's x goes up.
                    self.blend(left + ry as isize, top + (run.width - 1 - rx) as isize, colour, c);
                }
            }
        }
    }

    /// Mixes `colour` into the pixel at `(x, y)` with weight `alpha`.
    fn blend(&mut self, x: isize, y: isize, colour: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let a = alpha.clamp(0.0, 1.0);
        let i = (y as usize * self.width + x as usize) * 3;
        for (p, &c) in self.pixels[i..i + 3].iter_mut().zip(&colour) {
            *p = (f32::from(*p) * (1.0 - a) + f32::from(c) * a).round() as u8;
        }
    }

    /// The image as PNG bytes.
    pub(crate) fn to_png(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder
                .write_header()
                .map_err(|e| Error::invalid("plot", "an encodable image", e.to_string()))?;
            writer
                .write_image_data(&self.pixels)
                .map_err(|e| Error::invalid("plot", "an encodable image", e.to_string()))?;
        }
        Ok(out)
    }

    /// Writes the image to `path` as PNG, atomically.
    pub(crate) fn save_png(&self, path: &Path) -> Result<()> {
        crate::saving::write_atomic(path, &self.to_png()?)
    }
}

/// The width of `text`, in pixels.
pub(crate) fn text_width(text: &str) -> usize {
    Run::of(text).map_or(0, |r| r.width)
}

/// A line of text rasterised: how much of each pixel the glyphs cover.
struct Run {
    width: usize,
    height: usize,
    /// Pixels from the top of the run to the baseline.
    ascent: usize,
    coverage: Vec<f32>,
}

impl Run {
    fn of(text: &str) -> Option<Run> {
        use ab_glyph::{Font, ScaleFont};
        let font = font()?.as_scaled(FONT_PX);
        let ascent = font.ascent().ceil().max(0.0) as usize;
        let height = ascent + (-font.descent()).ceil().max(0.0) as usize;
        // Pen positions, with kerning between neighbours.
        let mut glyphs = Vec::with_capacity(text.len());
        let mut pen = 0.0f32;
        let mut previous = None;
        for ch in text.chars() {
            let id = font.glyph_id(ch);
            if let Some(p) = previous {
                pen += font.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(FONT_PX, ab_glyph::point(pen, ascent as f32)));
            pen += font.h_advance(id);
            previous = Some(id);
        }
        let width = pen.ceil().max(0.0) as usize;
        let mut coverage = vec![0.0f32; width * height];
        for glyph in glyphs {
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, c| {
                let x = bounds.min.x as isize + gx as isize;
                let y = bounds.min.y as isize + gy as isize;
                if x >= 0 && y >= 0 && (x as usize) < width && (y as usize) < height {
                    let cell = &mut coverage[y as usize * width + x as usize];
                    *cell = (*cell + c).min(1.0);
                }
            });
        }
        Some(Run {
            width,
            height,
            ascent,
            coverage,
        })
    }
}

/// Decodes a PNG written by [`Canvas::to_png`] (for tests).
#[cfg(test)]
pub(crate) fn decode(bytes: &[u8]) -> Canvas {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    Canvas {
        width: info.width as usize,
        height: info.height as usize,
        pixels: buf,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_parses_and_is_proportional() {
        assert!(font().is_some());
        assert!(text_width("iiii") < text_width("MMMM"));
        assert_eq!(text_width(""), 0);
        // Characters outside the subset still advance (as the font's
        // missing glyph), so layouts never collapse.
        assert!(text_width("\u{4e2d}") > 0);
    }

    #[test]
    fn text_is_antialiased_and_sits_on_its_baseline() {
        let mut c = Canvas::new(80, 30);
        c.text(2, 5, "Loss", BLACK);
        let pixels: Vec<Rgb> = (0..30)
            .flat_map(|y| (0..80).map(move |x| (x, y)))
            .map(|(x, y)| c.get(x, y))
            .collect();
        assert!(pixels.iter().any(|p| p[0] < 64), "dark stems");
        assert!(
            pixels.iter().any(|p| p[0] > 0 && p[0] < 255),
            "grey edges: the glyphs are antialiased"
        );
        // Nothing below the baseline for letters without descenders (one
        // pixel of antialiasing aside), nothing right of the run.
        let inked = |x: usize, y: usize| c.get(x, y) != WHITE;
        assert!((0..80).all(|x| !inked(x, 5 + BASELINE + 1)));
        assert!((0..30).all(|y| !inked(2 + text_width("Loss") + 1, y)));
    }

    #[test]
    fn vertical_text_runs_bottom_to_top() {
        let mut c = Canvas::new(30, 80);
        c.text_vertical(5, 40, "accuracy", BLACK);
        let rows: Vec<usize> = (0..80)
            .filter(|&y| (0..30).any(|x| c.get(x, y) != WHITE))
            .collect();
        let (first, last) = (rows[0], rows[rows.len() - 1]);
        let w = text_width("accuracy");
        assert!(
            last - first + 1 >= w - 2 && last - first < w + 2,
            "{first}..{last} for {w}"
        );
        assert!(
            (first + last) / 2 >= 38 && (first + last) / 2 <= 42,
            "centred on 40"
        );
    }
}
