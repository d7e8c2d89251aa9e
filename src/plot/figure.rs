//! A figure as a list of shapes, drawn either on the raster canvas (PNG) or
//! as SVG, chosen by the file's extension.

use std::fmt::Write as _;
use std::path::Path;

use super::canvas::{BASELINE, Canvas, FONT_PX, Rgb, text_width};
use crate::error::{Error, Result};

/// Where a text's `x` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

/// One thing drawn.
#[derive(Clone, Debug)]
pub(crate) enum Shape {
    /// A filled rectangle.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: Rgb,
    },
    /// A rectangle's outline, one pixel wide.
    Frame {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        colour: Rgb,
    },
    /// A polyline.
    Line {
        points: Vec<(f64, f64)>,
        colour: Rgb,
        width: usize,
    },
    /// One line of text; `y` is its top. Vertical text reads bottom to top
    /// and is centred on `(x, y)`.
    Text {
        x: f64,
        y: f64,
        text: String,
        anchor: Anchor,
        colour: Rgb,
        vertical: bool,
    },
}

/// A figure of `width × height` pixels.
#[derive(Debug)]
pub(crate) struct Figure {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) shapes: Vec<Shape>,
}

impl Figure {
    pub(crate) fn new(width: usize, height: usize) -> Figure {
        Figure {
            width,
            height,
            shapes: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, shape: Shape) {
        self.shapes.push(shape);
    }

    /// Text at `(x, y)`, horizontal.
    pub(crate) fn text(&mut self, x: f64, y: f64, text: impl Into<String>, anchor: Anchor, colour: Rgb) {
        self.push(Shape::Text {
            x,
            y,
            text: text.into(),
            anchor,
            colour,
            vertical: false,
        });
    }

    /// Drawn on the raster canvas.
    pub(crate) fn raster(&self) -> Canvas {
        let mut c = Canvas::new(self.width, self.height);
        let at = |v: f64| v.round().max(0.0) as usize;
        for shape in &self.shapes {
            match shape {
                Shape::Rect { x, y, w, h, fill } => c.fill(at(*x), at(*y), at(*w), at(*h), *fill),
                Shape::Frame { x, y, w, h, colour } => c.frame(at(*x), at(*y), at(*w), at(*h), 1, *colour),
                Shape::Line {
                    points,
                    colour,
                    width,
                } => {
                    for pair in points.windows(2) {
                        c.line(pair[0], pair[1], *width, *colour);
                    }
                    if let [only] = points.as_slice() {
                        c.line(*only, *only, *width + 2, *colour);
                    }
                }
                Shape::Text {
                    x,
                    y,
                    text,
                    anchor,
                    colour,
                    vertical,
                } => {
                    if *vertical {
                        c.text_vertical(at(*x), at(*y), text, *colour);
                    } else {
                        let w = text_width(text) as f64;
                        let left = match anchor {
                            Anchor::Start => *x,
                            Anchor::Middle => x - w / 2.0,
                            Anchor::End => x - w,
                        };
                        c.text(at(left), at(*y), text, *colour);
                    }
                }
            }
        }
        c
    }

    /// As an SVG document.
    pub(crate) fn svg(&self) -> String {
        let hex = |c: &Rgb| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n\
             <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
            w = self.width,
            h = self.height
        );
        for shape in &self.shapes {
            // Writing to a String cannot fail.
            let _ = match shape {
                Shape::Rect { x, y, w, h, fill } => writeln!(
                    s,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                    hex(fill)
                ),
                Shape::Frame { x, y, w, h, colour } => writeln!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{}\"/>",
                    x + 0.5,
                    y + 0.5,
                    w - 1.0,
                    h - 1.0,
                    hex(colour)
                ),
                Shape::Line {
                    points,
                    colour,
                    width,
                } => {
                    let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                    writeln!(
                        s,
                        "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\" \
                         stroke-linejoin=\"round\" stroke-linecap=\"round\"/>",
                        pts.join(" "),
                        hex(colour)
                    )
                }
                Shape::Text {
                    x,
                    y,
                    text,
                    anchor,
                    colour,
                    vertical,
                } => {
                    let anchor = match (anchor, vertical) {
                        (_, true) | (Anchor::Middle, _) => "middle",
                        (Anchor::Start, _) => "start",
                        (Anchor::End, _) => "end",
                    };
                    let baseline = BASELINE as f64;
                    let transform = if *vertical {
                        format!(" transform=\"rotate(-90 {x:.1} {y:.1})\"")
                    } else {
                        String::new()
                    };
                    let y = if *vertical {
                        y + baseline / 2.0
                    } else {
                        y + baseline
                    };
                    writeln!(
                        s,
                        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"{FONT_PX}\" \
                         text-anchor=\"{anchor}\" fill=\"{}\"{transform}>{}</text>",
                        hex(colour),
                        escape(text)
                    )
                }
            };
        }
        s.push_str("</svg>\n");
        s
    }

    /// Writes the figure to `path`, as SVG if it ends in `.svg` and as PNG
    /// otherwise, atomically.
    pub(crate) fn save(&self, op: &'static str, path: &Path) -> Result<()> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => crate::saving::write_atomic(path, self.svg().as_bytes()),
            Some("png") => self.raster().save_png(path),
            other => Err(Error::invalid(
                op,
                "a path ending in .png or .svg",
                format!(
                    "{} ({})",
                    path.display(),
                    other.map_or("no extension".to_string(), |e| format!(".{e}"))
                ),
            )),
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
