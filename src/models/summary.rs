//! `summary()`: the Keras 3 table of layers, output shapes and parameters.

use super::Model;
use super::functional::{Graph, LayerRef};
use crate::layers::fmt_batch_shape;

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
        let built = self.is_built();
        let shapes = |shapes: Option<Vec<Vec<usize>>>| match shapes.filter(|_| built) {
            Some(shapes) => shapes
                .iter()
                .map(|s| fmt_batch_shape(s))
                .collect::<Vec<_>>()
                .join(", "),
            None => "?".to_string(),
        };
        let params = |layer: &LayerRef| match built {
            true => group_thousands(layer.count_params()),
            false => "0 (unbuilt)".to_string(),
        };
        let table = match self.graph.as_ref().filter(|_| !self.sequential) {
            // A functional model: its inputs as rows too, and where each
            // layer's inputs come from, as Keras 3 prints a graph.
            Some(graph) => {
                let inputs = input_names(graph);
                let mut rows: Vec<Vec<String>> = graph
                    .inputs
                    .iter()
                    .zip(&inputs)
                    .map(|(t, name)| {
                        vec![
                            format!("{name} (InputLayer)"),
                            fmt_batch_shape(t.shape()),
                            "0".into(),
                            "-".into(),
                        ]
                    })
                    .collect();
                for layer in &graph.layers {
                    rows.push(vec![
                        format!("{} ({})", layer.name(), layer.class_name()),
                        shapes(layer.output_shapes()),
                        params(layer),
                        connections(graph, layer, &inputs),
                    ]);
                }
                if graph.is_chain() {
                    // A chain needs no "Connected to" column.
                    rows.iter_mut().for_each(|row| row.truncate(3));
                    Table::SEQUENTIAL.render(&rows)
                } else {
                    Table::FUNCTIONAL.render(&rows)
                }
            }
            None => {
                let rows: Vec<Vec<String>> = self
                    .layers()
                    .iter()
                    .map(|layer| {
                        vec![
                            format!("{} ({})", layer.name(), layer.class_name()),
                            shapes(layer.output_shapes()),
                            params(layer),
                        ]
                    })
                    .collect();
                Table::SEQUENTIAL.render(&rows)
            }
        };
        let mut s = format!("Model: \"{}\"\n{table}", self.name);
        let (mut trainable, mut frozen) = (0, 0);
        for (trains, p) in self
            .layers()
            .iter()
            .flat_map(|l| l.params().into_iter().map(|p| (l.trains(&p), p)))
        {
            if trains {
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

/// The names the inputs go by: their own, or `input_layer`, `input_layer_1`, ….
fn input_names(graph: &Graph) -> Vec<String> {
    let mut unnamed = 0;
    graph
        .inputs
        .iter()
        .map(|t| match t.input_name() {
            Some(name) => name.to_string(),
            None => {
                unnamed += 1;
                match unnamed {
                    1 => "input_layer".to_string(),
                    n => format!("input_layer_{}", n - 1),
                }
            }
        })
        .collect()
}

/// Where a layer's inputs come from, over its calls in the graph:
/// `dense[0][0], input_layer[0][0]` (Keras' `layer[node][tensor]`).
fn connections(graph: &Graph, layer: &LayerRef, inputs: &[String]) -> String {
    let mut sources = Vec::new();
    for step in graph.steps.iter().filter(|s| graph.layers[s.layer].same(layer)) {
        for t in step.made.node.inputs() {
            let source = match graph.inputs.iter().position(|i| i.key() == t.key()) {
                Some(i) => format!("{}[0][0]", inputs[i]),
                None => match t.node.layer() {
                    Some(from) => format!("{}[{}][{}]", from.name(), from.node_index(&t.node), t.index),
                    None => format!("{}[0][0]", t.source_name()),
                },
            };
            sources.push(source);
        }
    }
    if sources.is_empty() {
        return "-".into();
    }
    sources.join(", ")
}

/// A Keras 3 summary table: inner column widths and alignments.
struct Table {
    widths: &'static [usize],
    right: &'static [bool],
}

impl Table {
    /// Layer, output shape, parameters.
    const SEQUENTIAL: Table = Table {
        widths: &[33, 24, 15],
        right: &[false, false, true],
    };
    /// Layer, output shape, parameters, connected to.
    const FUNCTIONAL: Table = Table {
        widths: &[21, 19, 12, 19],
        right: &[false, false, true, false],
    };

    fn rule(&self, l: char, m: char, r: char, fill: char) -> String {
        let cells: Vec<String> = self.widths.iter().map(|&w| fill.to_string().repeat(w)).collect();
        format!("{l}{}{r}\n", cells.join(&m.to_string()))
    }

    /// One row; each cell wrapped at spaces to its column, as rich wraps.
    fn row(&self, bar: char, cells: &[String]) -> String {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(self.widths)
            .map(|(text, &w)| wrap(text, w - 2))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let mut out = String::new();
        for line in 0..height {
            for ((lines, &w), &right) in wrapped.iter().zip(self.widths).zip(self.right) {
                let text = lines.get(line).map_or("", String::as_str);
                out.push(bar);
                match right {
                    true => out.push_str(&format!(" {text:>width$} ", width = w - 2)),
                    false => out.push_str(&format!(" {text:<width$} ", width = w - 2)),
                }
            }
            out.push(bar);
            out.push('\n');
        }
        out
    }

    fn render(&self, rows: &[Vec<String>]) -> String {
        let header: Vec<String> = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
            .iter()
            .take(self.widths.len())
            .map(|s| s.to_string())
            .collect();
        let mut s = self.rule('┏', '┳', '┓', '━');
        s.push_str(&self.row('┃', &header));
        s.push_str(&self.rule('┡', '╇', '┩', '━'));
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                s.push_str(&self.rule('├', '┼', '┤', '─'));
            }
            s.push_str(&self.row('│', row));
        }
        s.push_str(&self.rule('└', '┴', '┘', '─'));
        s
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a word
/// longer than a line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            lines.push(head);
        }
    }
    lines.push(line);
    lines
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
    fn cells_wrap_at_spaces_as_rich_wraps_them() {
        assert_eq!(
            wrap("batch_normalization (BatchNormalization)", 31),
            ["batch_normalization", "(BatchNormalization)"]
        );
        assert_eq!(wrap("dense (Dense)", 31), ["dense (Dense)"]);
        assert_eq!(wrap("a[0][0], b[0][0]", 9), ["a[0][0],", "b[0][0]"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }

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
