//! [`Tracker`]: the running loss and metrics of an epoch or an
//! evaluation, per output, and the names they are logged under.

use ndarray::{ArrayViewD, CowArray};

use super::compile::Compiled;
use super::data::{BatchTargets, TargetData};
use crate::callbacks::Logs;
use crate::metrics::{MetricFunction, MetricState, SettledMetric};
use crate::ops::Activation;

/// Running means over the samples seen.
pub(crate) struct Tracker {
    outputs: Vec<OutputTrack>,
    /// The names of the values, in Keras' order (see [`Tracker::values`]).
    names: Vec<String>,
    /// Σ batch loss × batch size, for the total loss.
    loss_sum: f64,
    seen: usize,
}

struct OutputTrack {
    /// The name of the layer making the output: the prefix of its logs
    /// when the model has several outputs.
    name: String,
    loss_sum: f64,
    metrics: Vec<Tracked>,
}

/// A metric's running state: a built-in one, or the mean of a metric of
/// your own's per-sample values.
enum Tracked {
    Builtin(MetricState),
    Custom {
        f: std::sync::Arc<dyn MetricFunction>,
        total: f64,
        count: u64,
    },
}

impl Tracked {
    fn name(&self) -> &str {
        match self {
            Tracked::Builtin(m) => m.name,
            Tracked::Custom { f, .. } => f.name(),
        }
    }

    fn result(&self) -> f64 {
        match self {
            Tracked::Builtin(m) => m.result(),
            Tracked::Custom { total, count, .. } => total / (*count).max(1) as f64,
        }
    }

    fn reset(&mut self) {
        match self {
            Tracked::Builtin(m) => m.reset(),
            Tracked::Custom { total, count, .. } => (*total, *count) = (0.0, 0),
        }
    }

    /// Whether it reads the activated outputs (not the logits).
    fn reads_values(&self) -> bool {
        match self {
            Tracked::Builtin(m) => m.kind.reads_values(),
            Tracked::Custom { .. } => true,
        }
    }
}

impl Tracker {
    /// Fresh counts for `compiled`'s metrics on targets like `ys`, for
    /// outputs named `names` with `units` values each.
    pub(crate) fn new(
        compiled: &Compiled,
        ys: &[TargetData],
        names: Vec<String>,
        units: &[usize],
    ) -> Tracker {
        let outputs = compiled
            .outputs
            .iter()
            .zip(names)
            .enumerate()
            .map(|(j, (settled, name))| {
                let sparse = ys.get(j).is_some_and(TargetData::is_sparse);
                let units = units.get(j).copied().unwrap_or(1);
                OutputTrack {
                    name,
                    loss_sum: 0.0,
                    metrics: settled
                        .metrics
                        .iter()
                        .map(|m| match m {
                            SettledMetric::Builtin(name, m) => {
                                Tracked::Builtin(MetricState::new(name, m.resolve(sparse, units)))
                            }
                            SettledMetric::Custom(f) => Tracked::Custom {
                                f: f.clone(),
                                total: 0.0,
                                count: 0,
                            },
                        })
                        .collect(),
                }
            })
            .collect::<Vec<OutputTrack>>();
        // The loss, each output's loss (with several outputs), then each
        // output's metrics, prefixed by the output's name when there are several.
        let several = outputs.len() > 1;
        let mut names = vec!["loss".to_string()];
        if several {
            names.extend(outputs.iter().map(|o| format!("{}_loss", o.name)));
        }
        for o in &outputs {
            names.extend(o.metrics.iter().map(|m| match several {
                true => format!("{}_{}", o.name, m.name()),
                false => m.name().to_string(),
            }));
        }
        Tracker {
            outputs,
            names,
            loss_sum: 0.0,
            seen: 0,
        }
    }

    /// Forgets everything seen.
    pub(crate) fn reset(&mut self) {
        self.loss_sum = 0.0;
        self.seen = 0;
        for o in &mut self.outputs {
            o.loss_sum = 0.0;
            o.metrics.iter_mut().for_each(Tracked::reset);
        }
    }

    /// Counts a batch of `rows` samples: its total loss and each output's.
    pub(crate) fn add_losses(&mut self, rows: usize, total: f32, per_output: &[f32]) {
        self.loss_sum += f64::from(total) * rows as f64;
        self.seen += rows;
        for (o, &l) in self.outputs.iter_mut().zip(per_output) {
            o.loss_sum += f64::from(l) * rows as f64;
        }
    }

    /// Counts output `j`'s scores in its metrics (see [`update_metrics`]).
    pub(crate) fn add_scores(
        &mut self,
        j: usize,
        targets: &BatchTargets,
        scores: &ArrayViewD<'_, f32>,
        skipped: Option<Activation>,
    ) {
        if let Some(o) = self.outputs.get_mut(j) {
            update_metrics(&mut o.metrics, targets, scores, skipped);
        }
    }

    /// The mean total loss so far.
    pub(crate) fn loss(&self) -> f64 {
        self.loss_sum / self.seen.max(1) as f64
    }

    /// The values of everything tracked, in the order of their names: the
    /// loss, each output's loss (with several outputs), then each output's
    /// metrics.
    pub(crate) fn values(&self) -> Vec<f64> {
        self.value_iter().collect()
    }

    fn value_iter(&self) -> impl Iterator<Item = f64> + '_ {
        let seen = self.seen.max(1) as f64;
        let losses = self.outputs.iter().filter(|_| self.outputs.len() > 1);
        std::iter::once(self.loss())
            .chain(losses.map(move |o| o.loss_sum / seen))
            .chain(
                self.outputs
                    .iter()
                    .flat_map(|o| o.metrics.iter().map(Tracked::result)),
            )
    }

    /// `(name, value)` of everything tracked, in Keras' order.
    pub(crate) fn entries(&self) -> Vec<(&str, f64)> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.value_iter())
            .collect()
    }

    /// Sets every entry in `logs`, under `prefix` (`""` or `"val_"`).
    /// Entries already there are updated in place, so the batch loop
    /// allocates no keys after its first batch.
    pub(crate) fn write_logs(&self, logs: &mut Logs, prefix: &str) {
        for (name, value) in self.names.iter().zip(self.value_iter()) {
            match logs.get_mut(name.as_str()).filter(|_| prefix.is_empty()) {
                Some(slot) => *slot = value,
                None => {
                    logs.insert(format!("{prefix}{name}"), value);
                }
            }
        }
    }
}

/// Counts one batch in every metric. `skipped` is the final activation the
/// forward pass left out because the loss reads logits: decisions read the
/// logits in place (after a left-out sigmoid the binary decision is at
/// logit 0; arg-max is unchanged by softmax), values (mse, mae) read the
/// activated outputs, computed only when such a metric is there.
fn update_metrics(
    metrics: &mut [Tracked],
    targets: &BatchTargets,
    scores: &ArrayViewD<'_, f32>,
    skipped: Option<Activation>,
) {
    if metrics.is_empty() {
        return;
    }
    let threshold = if skipped == Some(Activation::Sigmoid) {
        0.0
    } else {
        0.5
    };
    let activated = skipped
        .filter(|_| metrics.iter().any(Tracked::reads_values))
        .map(|activation| {
            let mut a = scores.to_owned();
            activation.apply(a.view_mut());
            a
        });
    let activated = activated.as_ref().map(|a| a.view());
    let Some(logits) = rows(scores) else {
        return;
    };
    let values = activated.as_ref().and_then(|a| rows(a));
    for m in metrics {
        let reads_values = m.reads_values();
        match (m, &values) {
            (Tracked::Builtin(m), Some(v)) if reads_values => {
                m.update_scores(targets.as_targets(), v.view(), 0.5)
            }
            (Tracked::Builtin(m), _) => m.update_scores(targets.as_targets(), logits.view(), threshold),
            (Tracked::Custom { f, total, count }, v) => {
                let outputs = v.as_ref().map_or_else(|| logits.view(), |v| v.view());
                let per_sample = f.per_sample(targets.as_targets(), outputs);
                *total += per_sample.iter().sum::<f64>();
                *count += per_sample.len() as u64;
            }
        }
    }
}

/// Outputs `(samples, …)` as a row-major `(samples, values)` matrix.
fn rows<'a>(scores: &'a ArrayViewD<'_, f32>) -> Option<CowArray<'a, f32, ndarray::Ix2>> {
    let n = scores.shape().first().copied().unwrap_or(0);
    let width = scores.len() / n.max(1);
    // Row-major (made so) with n·width elements: always one matrix.
    scores.as_standard_layout().into_shape_with_order((n, width)).ok()
}
