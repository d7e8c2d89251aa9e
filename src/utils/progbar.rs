//! A progress bar that prints what Keras 3's `Progbar` prints.
//!
//! ```text
//! 1500/1500 ━━━━━━━━━━━━━━━━━━━━ 1s 1ms/step - accuracy: 0.7947 - loss: 0.6069
//! ```
//!
//! On a terminal the line is redrawn in place (with Keras' colours) at most
//! every 50 ms; when the output is a file or a pipe only the finished line is
//! written, so logs get one line per bar instead of thousands of redraws.
//! With `verbose = 2` the finished line takes Keras' one-line-per-epoch form
//! `1500/1500 - 1s - 1ms/step - accuracy: 0.7947 - loss: 0.6069`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Width of the bar in characters, as in Keras 3.
const WIDTH: usize = 20;
/// Minimum time between two redraws.
const INTERVAL: Duration = Duration::from_millis(50);

/// Where a [`Progbar`] writes.
///
/// ```
/// use kerust::utils::progbar::{Progbar, Sink};
/// let mut bar = Progbar::new(10, 1, Sink::Buffer(Vec::new()));
/// bar.finish(10, &[("loss", 0.25)]);
/// let text = String::from_utf8_lossy(bar.buffer().unwrap()).into_owned();
/// assert!(text.contains("10/10") && text.contains("loss: 0.2500"));
/// ```
pub enum Sink {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// An in-memory buffer (tests, or callers that forward the text).
    Buffer(Vec<u8>),
}

/// A Keras-style progress bar over `target` units.
///
/// ```
/// use kerust::utils::progbar::{Progbar, Sink};
/// let mut bar = Progbar::new(3, 1, Sink::Buffer(Vec::new())).dynamic(false);
/// for step in 1..=3 {
///     bar.update(step, &[("accuracy", 0.5)]);
/// }
/// assert!(bar.buffer().is_some());
/// ```
pub struct Progbar {
    target: u64,
    verbose: u8,
    unit: &'static str,
    sink: Sink,
    dynamic: bool,
    start: Instant,
    after_first_step: Option<Instant>,
    last_draw: Option<Instant>,
    prev_width: usize,
    finished: bool,
}

impl Progbar {
    /// A bar over `target` units writing to `sink`. `verbose` 1 draws the bar,
    /// 2 writes one summary line when finished, 0 writes nothing. The line is
    /// redrawn in place only if `sink` is a terminal.
    ///
    /// ```
    /// use kerust::utils::progbar::{Progbar, Sink};
    /// let bar = Progbar::new(1500, 1, Sink::Stdout); // 1500 steps, a bar
    /// # let _ = bar;
    /// ```
    pub fn new(target: u64, verbose: u8, sink: Sink) -> Self {
        let dynamic = match sink {
            Sink::Stdout => std::io::stdout().is_terminal(),
            Sink::Stderr => std::io::stderr().is_terminal(),
            Sink::Buffer(_) => false,
        };
        Progbar {
            target,
            verbose,
            unit: "step",
            sink,
            dynamic,
            start: Instant::now(),
            after_first_step: None,
            last_draw: None,
            prev_width: 0,
            finished: false,
        }
    }

    /// Forces in-place redrawing on or off (by default: on for terminals).
    ///
    /// ```
    /// use kerust::utils::progbar::{Progbar, Sink};
    /// let bar = Progbar::new(10, 1, Sink::Buffer(Vec::new())).dynamic(false); // as into a log file
    /// # let _ = bar;
    /// ```
    pub fn dynamic(mut self, on: bool) -> Self {
        self.dynamic = on;
        self
    }

    /// Records progress: `current` units done, with `values` to show (in
    /// the given order). On a terminal the line is redrawn (at most every
    /// 50 ms); elsewhere nothing is written until [`finish`](Progbar::finish).
    ///
    /// ```
    /// use kerust::utils::progbar::{Progbar, Sink};
    /// let mut bar = Progbar::new(2, 1, Sink::Buffer(Vec::new()));
    /// bar.update(1, &[("loss", 0.5)]);
    /// ```
    pub fn update(&mut self, current: u64, values: &[(&str, f64)]) {
        if self.finished || self.verbose == 0 {
            return;
        }
        let now = Instant::now();
        if current >= 1 && self.after_first_step.is_none() {
            self.after_first_step = Some(now);
        }
        let due = self.last_draw.is_none_or(|t| now.duration_since(t) >= INTERVAL);
        if self.verbose == 1 && self.dynamic && due {
            let line = self.line(current, values, now, false);
            self.draw(&line);
            self.last_draw = Some(now);
        }
    }

    /// Writes the final line for `current` units with `values`, ending it
    /// with a newline. Later calls do nothing.
    ///
    /// ```
    /// use kerust::utils::progbar::{Progbar, Sink};
    /// let mut bar = Progbar::new(2, 2, Sink::Buffer(Vec::new())); // verbose 2: one line at the end
    /// bar.finish(2, &[("loss", 0.5)]);
    /// assert!(String::from_utf8_lossy(bar.buffer().unwrap()).contains("loss: 0.5000"));
    /// ```
    pub fn finish(&mut self, current: u64, values: &[(&str, f64)]) {
        if self.finished || self.verbose == 0 {
            return;
        }
        self.finished = true;
        let now = Instant::now();
        if current >= 1 && self.after_first_step.is_none() {
            self.after_first_step = Some(now);
        }
        let line = if self.verbose == 1 {
            self.line(current, values, now, true)
        } else {
            self.summary(current, values, now)
        };
        self.draw(&line);
        self.write("\n");
    }

    /// The text written so far, for a [`Sink::Buffer`].
    ///
    /// ```
    /// use kerust::utils::progbar::{Progbar, Sink};
    /// assert!(Progbar::new(1, 1, Sink::Stdout).buffer().is_none());
    /// assert!(Progbar::new(1, 1, Sink::Buffer(Vec::new())).buffer().is_some());
    /// ```
    pub fn buffer(&self) -> Option<&[u8]> {
        match &self.sink {
            Sink::Buffer(b) => Some(b),
            _ => None,
        }
    }

    /// Seconds per unit, leaving out the first step (which pays for warm-up).
    fn per_unit(&self, current: u64, now: Instant) -> f64 {
        match self.after_first_step {
            Some(t) if current > 1 => now.duration_since(t).as_secs_f64() / (current - 1) as f64,
            _ => now.duration_since(self.start).as_secs_f64() / current.max(1) as f64,
        }
    }

    fn line(&self, current: u64, values: &[(&str, f64)], now: Instant, finished: bool) -> String {
        let digits = self.target.to_string().len();
        let count = format!("{current:>digits$}/{}", self.target);
        let filled = (WIDTH as u64 * current.min(self.target))
            .checked_div(self.target)
            .map_or(WIDTH, |f| f as usize);
        let bar = if self.dynamic {
            format!(
                "\x1b[1m{count}\x1b[0m \x1b[32m{}\x1b[0m\x1b[37m{}\x1b[0m",
                "━".repeat(filled),
                "━".repeat(WIDTH - filled)
            )
        } else {
            format!("{count} {}", "━".repeat(WIDTH))
        };
        let per_unit = self.per_unit(current, now);
        let time = if finished {
            format!("{:.0}s", now.duration_since(self.start).as_secs_f64())
        } else {
            format_eta(per_unit * self.target.saturating_sub(current) as f64)
        };
        let mut line = format!("{bar} {time} {}", format_per_unit(per_unit, self.unit));
        push_values(&mut line, values);
        line
    }

    fn summary(&self, current: u64, values: &[(&str, f64)], now: Instant) -> String {
        let elapsed = now.duration_since(self.start).as_secs_f64();
        let mut line = format!(
            "{current}/{} - {elapsed:.0}s - {}",
            self.target,
            format_per_unit(self.per_unit(current, now), self.unit)
        );
        push_values(&mut line, values);
        line
    }

    fn draw(&mut self, line: &str) {
        if self.dynamic {
            let width = visible_width(line);
            let pad = self.prev_width.saturating_sub(width);
            self.prev_width = width;
            self.write(&format!("\r{line}{}", " ".repeat(pad)));
        } else {
            self.write(line);
        }
    }

    fn write(&mut self, text: &str) {
        // Progress output is best effort: a closed pipe must not stop training.
        let _ = match &mut self.sink {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
            Sink::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
            Sink::Buffer(b) => b.write_all(text.as_bytes()),
        };
    }
}

/// Characters a terminal shows for `s`: colour escapes (`ESC [ … m`) take no room.
fn visible_width(s: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => width += 1,
        }
    }
    width
}

fn push_values(line: &mut String, values: &[(&str, f64)]) {
    for (name, value) in values {
        line.push_str(&format!(" - {name}: {}", format_value(*value)));
    }
}

/// Keras' value format: 4 decimals, or scientific notation below 1e-3.
///
/// ```
/// use kerust::utils::progbar::format_value;
/// assert_eq!(format_value(0.43759), "0.4376"); // as Keras prints metrics
/// ```
pub fn format_value(v: f64) -> String {
    if v.abs() > 1e-3 {
        format!("{v:.4}")
    } else {
        format_scientific(v, 4)
    }
}

/// Python's `"%.{precision}e"`: mantissa, then a sign and at least two
/// exponent digits (`1.2340e-04`).
///
/// ```
/// use kerust::utils::progbar::format_scientific;
/// assert_eq!(format_scientific(0.00012, 4), "1.2000e-04");
/// ```
pub fn format_scientific(v: f64, precision: usize) -> String {
    let s = format!("{v:.precision$e}");
    // Rust writes `1.2000e-4` for finite values (`NaN` and `inf` have no
    // exponent and are returned as they are).
    match s
        .split_once('e')
        .and_then(|(m, e)| Some((m, e.parse::<i32>().ok()?)))
    {
        Some((mantissa, exp)) => format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs()),
        None => s,
    }
}

/// Keras' time-per-unit format: `2s/step`, `15ms/step`, `870us/step`.
fn format_per_unit(seconds: f64, unit: &str) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0}s/{unit}")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms/{unit}", seconds * 1e3)
    } else {
        format!("{:.0}us/{unit}", seconds * 1e6)
    }
}

/// Keras' ETA format: `7s`, `1:05`, `1:01:05`.
fn format_eta(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else if s >= 60 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished_line(verbose: u8, values: &[(&str, f64)]) -> String {
        let mut bar = Progbar::new(1500, verbose, Sink::Buffer(Vec::new()));
        for step in 1..=1500 {
            bar.update(step, values);
        }
        bar.finish(1500, values);
        String::from_utf8(bar.buffer().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn finished_bar_reads_like_keras() {
        let out = finished_line(1, &[("accuracy", 0.794_66), ("loss", 0.606_94)]);
        // Not a terminal: one line, written once, without colour codes.
        assert_eq!(out.lines().count(), 1);
        assert!(out.ends_with('\n'));
        assert!(out.starts_with("1500/1500 ━━━━━━━━━━━━━━━━━━━━ 0s "), "{out:?}");
        assert!(
            out.trim_end()
                .ends_with("/step - accuracy: 0.7947 - loss: 0.6069"),
            "{out:?}"
        );
    }

    #[test]
    fn verbose_two_is_one_summary_line() {
        let out = finished_line(2, &[("loss", 0.5)]);
        assert!(out.starts_with("1500/1500 - 0s - "), "{out:?}");
        assert!(out.trim_end().ends_with("/step - loss: 0.5000"), "{out:?}");
        assert_eq!(finished_line(0, &[]), "");
    }

    #[test]
    fn values_use_python_formats() {
        assert_eq!(format_value(0.606_94), "0.6069");
        assert_eq!(format_value(12.0), "12.0000");
        assert_eq!(format_value(0.000_123_4), "1.2340e-04");
        assert_eq!(format_value(0.0), "0.0000e+00");
        assert_eq!(format_eta(7.9), "7s");
        assert_eq!(format_eta(65.0), "1:05");
        assert_eq!(format_eta(3665.0), "1:01:05");
        assert_eq!(format_per_unit(0.0012, "step"), "1ms/step");
        assert_eq!(format_per_unit(0.000_87, "step"), "870us/step");
        assert_eq!(format_per_unit(2.2, "step"), "2s/step");
    }

    #[test]
    fn colour_codes_take_no_room() {
        assert_eq!(visible_width("\x1b[1m12/34\x1b[0m ━━"), 8);
    }

    #[test]
    fn terminal_redraws_pad_shorter_lines() {
        let mut bar = Progbar::new(3, 1, Sink::Buffer(Vec::new())).dynamic(true);
        bar.update(1, &[("loss", 1.0)]);
        bar.finish(3, &[("loss", 0.5)]);
        let out = String::from_utf8(bar.buffer().unwrap().to_vec()).unwrap();
        assert_eq!(out.matches('\r').count(), 2);
        assert!(
            out.contains("\x1b[32m━━━━━━\x1b[0m"),
            "a third of the bar is green after one step: {out:?}"
        );
        assert!(out.ends_with("loss: 0.5000\n"), "{out:?}");
    }
}
