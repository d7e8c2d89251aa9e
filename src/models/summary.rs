//! `summary()`: the Keras 3 table of layers, output shapes and parameters.

use super::Model;
use crate::layers::fmt_batch_shape;

/// Inner widths of the three columns, as Keras 3 draws them.
const WIDTHS: [usize; 3] = [33, 24, 15];

impl Model {
    /// Prints [`summary_string`](Model::summary_string).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// model.summary(); // prints the table; summary_string() returns it
    /// assert!(model.summary_string().contains(" Total params: 7,850 (30.66 KB)"));
    /// ```
    pub fn summary(&self) {
        print!("{}", self.summary_string());
    }

    /// The Keras 3 summary table:
    ///
    /// ```text
    /// Model: "sequential"
    /// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    /// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    /// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    /// │ dense (Dense)                   │ (None, 10)             │         7,850 │
    /// └─────────────────────────────────┴────────────────────────┴───────────────┘
    ///  Total params: 7,850 (30.66 KB)
    ///  Trainable params: 7,850 (30.66 KB)
    ///  Non-trainable params: 0 (0.00 B)
    /// ```
    ///
    /// Before the model is built, output shapes read `?` and parameter
    /// counts `0 (unbuilt)`; after training, a line ` Optimizer params: …`
    /// counts the optimizer's variables, as Keras does.
    pub fn summary_string(&self) -> String {
        let rule = |l: char, m: char, r: char, fill: char| {
            let cells: Vec<String> = WIDTHS.iter().map(|&w| fill.to_string().repeat(w)).collect();
            format!("{l}{}{r}\n", cells.join(&m.to_string()))
        };
        let row = |bar: char, cells: [&str; 3]| {
            // Wrap the first column at the space before "(Type)" when too long.
            let mut lines = vec![[String::new(), String::new(), String::new()]];
            let first = cells[0];
            let first_lines: Vec<&str> = match first.split_once(" (") {
                Some((name, _)) if first.chars().count() > WIDTHS[0] - 2 => {
                    vec![name, &first[name.len() + 1..]]
                }
                _ => vec![first],
            };
            for (i, text) in first_lines.iter().enumerate() {
                if lines.len() <= i {
                    lines.push([String::new(), String::new(), String::new()]);
                }
                lines[i][0] = (*text).to_string();
            }
            lines[0][1] = cells[1].to_string();
            lines[0][2] = cells[2].to_string();
            let mut out = String::new();
            for line in lines {
                out.push(bar);
                out.push_str(&format!(" {:<w$} ", line[0], w = WIDTHS[0] - 2));
                out.push(bar);
                out.push_str(&format!(" {:<w$} ", line[1], w = WIDTHS[1] - 2));
                out.push(bar);
                out.push_str(&format!(" {:>w$} ", line[2], w = WIDTHS[2] - 2));
                out.push(bar);
                out.push('\n');
            }
            out
        };

        let mut s = format!("Model: \"{}\"\n", self.name);
        s.push_str(&rule('┏', '┳', '┓', '━'));
        s.push_str(&row('┃', ["Layer (type)", "Output Shape", "Param #"]));
        s.push_str(&rule('┡', '╇', '┩', '━'));
        let built = self.is_built();
        for (i, layer) in self.layers().iter().enumerate() {
            if i > 0 {
                s.push_str(&rule('├', '┼', '┤', '─'));
            }
            let name = format!("{} ({})", layer.name(), layer.class_name());
            let (shape, params) = match layer.output_shapes().filter(|_| built) {
                Some(shapes) => {
                    let shapes: Vec<String> = shapes.iter().map(|s| fmt_batch_shape(s)).collect();
                    (shapes.join(", "), group_thousands(layer.count_params()))
                }
                None => ("?".to_string(), "0 (unbuilt)".to_string()),
            };
            s.push_str(&row('│', [&name, &shape, &params]));
        }
        s.push_str(&rule('└', '┴', '┘', '─'));
        let (mut trainable, mut frozen) = (0, 0);
        for (layer_trainable, p) in self
            .layers()
            .iter()
            .flat_map(|l| l.params().into_iter().map(|p| (l.trainable(), p)))
        {
            if layer_trainable && p.trainable {
                trainable += p.value.len();
            } else {
                frozen += p.value.len();
            }
        }
        // Once the optimizer has taken a step, Keras counts its variables too
        // (the per-weight buffers, the step count and the learning rate), in
        // their own line and in the total.
        let optimizer_params = self.optimizer().filter(|o| o.iterations() > 0).map(|o| {
            let state = o.state();
            state.slots.iter().flatten().map(Vec::len).sum::<usize>() + 2
        });
        let total = trainable + frozen + optimizer_params.unwrap_or(0);
        for (label, count) in [
            ("Total", total),
            ("Trainable", trainable),
            ("Non-trainable", frozen),
        ] {
            s.push_str(&format!(
                " {label} params: {} ({})\n",
                group_thousands(count),
                memory_size(count * 4)
            ));
        }
        if let Some(count) = optimizer_params {
            s.push_str(&format!(
                " Optimizer params: {} ({})\n",
                group_thousands(count),
                memory_size(count * 4)
            ));
        }
        s
    }
}

/// `7850` → `"7,850"`.
pub(crate) fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Keras' `readable_memory_size`: `31400` → `"30.66 KB"`.
pub(crate) fn memory_size(bytes: usize) -> String {
    let units = ["B", "KB", "MB", "GB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < units.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.2} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_keras_prints_them() {
        assert_eq!(group_thousands(7850), "7,850");
        assert_eq!(group_thousands(333_526), "333,526");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(memory_size(7850 * 4), "30.66 KB");
        assert_eq!(memory_size(0), "0.00 B");
        assert_eq!(memory_size(260_298 * 4), "1016.79 KB");
    }
}
