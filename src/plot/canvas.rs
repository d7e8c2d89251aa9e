//! A small RGB raster: filled rectangles, lines, 8×8 bitmap text, written
//! as PNG. Enough for the plots, with no system libraries.

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

/// Width of one character of [`Canvas::text`] at scale 1.
pub(crate) const GLYPH: usize = 8;

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

    /// `text` in the 8×8 bitmap font, each font pixel `scale` pixels
    /// square, its top-left corner at `(x, y)`. Characters outside the
    /// font's Latin range are drawn as `?`.
    pub(crate) fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, colour: Rgb) {
        for (i, ch) in text.chars().enumerate() {
            let glyph = glyph(ch);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits >> col & 1 == 1 {
                        self.fill(
                            x + (i * GLYPH + col) * scale,
                            y + row * scale,
                            scale,
                            scale,
                            colour,
                        );
                    }
                }
            }
        }
    }

    /// `text` written bottom to top (a y-axis label), its centre at `(x, cy)`.
    pub(crate) fn text_vertical(&mut self, x: usize, cy: usize, text: &str, scale: usize, colour: Rgb) {
        let mut flat = Canvas::new(text_width(text, scale), GLYPH * scale);
        flat.text(0, 0, text, scale, colour);
        let top = cy.saturating_sub(flat.width / 2);
        for fy in 0..flat.height {
            for fx in 0..flat.width {
                let i = (fy * flat.width + fx) * 3;
                let c = [flat.pixels[i], flat.pixels[i + 1], flat.pixels[i + 2]];
                if c != WHITE {
                    self.set((x + fy) as isize, (top + flat.width - 1 - fx) as isize, c);
                }
            }
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

/// The width of `text` at `scale`, in pixels.
pub(crate) fn text_width(text: &str, scale: usize) -> usize {
    text.chars().count() * GLYPH * scale
}

fn glyph(ch: char) -> [u8; 8] {
    use font8x8::UnicodeFonts;
    font8x8::BASIC_FONTS
        .get(ch)
        .or_else(|| font8x8::LATIN_FONTS.get(ch))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
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
