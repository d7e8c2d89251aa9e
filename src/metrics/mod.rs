//! Keras' accuracy and mean-error metrics, and how `"accuracy"` is
//! resolved.
//!
//! A metric accumulates over the batches of an epoch (`update`) and reports
//! the exact mean over everything seen so far (`result`), as Keras'
//! `MeanMetricWrapper` does: the fraction of correct predictions, or the
//! mean squared (`"mse"`) or absolute (`"mae"`) error. The mean errors read
//! the model's output after its final activation, even where the loss reads
//! the logits.
//!
//! `Metric::Accuracy` (`"accuracy"`, `"acc"`) is resolved by the shapes of
//! the targets and predictions, by Keras 3's rule: a single output unit
//! means binary accuracy (threshold 0.5); integer class labels mean sparse
//! categorical accuracy (arg-max equals the label); otherwise categorical
//! accuracy (arg-max equals the target's arg-max). As in Keras 3, a metric
//! named by a string is logged under that string (`"acc"` as `acc`, `"mae"`
//! as `mae`), and one given by value under its full name.

mod arg;
mod confusion;
mod custom;

use std::str::FromStr;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::losses::Targets;

pub(crate) use arg::SettledMetric;
pub use arg::{IntoMetrics, MetricArg};
pub use confusion::{confusion_matrix, predicted_classes};
pub use custom::{MetricFunction, custom};

/// A metric, by Keras name.
///
/// ```
/// use kerust::metrics::Metric;
/// assert_eq!("acc".parse::<Metric>()?, Metric::Accuracy);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Metric {
    /// `accuracy`: resolved from the shapes (see the module docs).
    Accuracy,
    /// `sparse_categorical_accuracy`: arg-max against integer labels.
    SparseCategoricalAccuracy,
    /// `categorical_accuracy`: arg-max against one-hot arg-max.
    CategoricalAccuracy,
    /// `binary_accuracy`: `p > 0.5` against the 0/1 target, per element
    /// (as in Keras, a soft target such as 0.7 matches neither decision).
    BinaryAccuracy,
    /// `mean_squared_error` (`"mse"`): the mean of `(y_true − y_pred)²`
    /// over every output of every sample seen.
    MeanSquaredError,
    /// `mean_absolute_error` (`"mae"`): the mean of `|y_true − y_pred|`.
    MeanAbsoluteError,
}

impl Metric {
    /// Every metric.
    ///
    /// ```
    /// use kerust::metrics::Metric;
    /// assert_eq!(Metric::ALL.len(), 6);
    /// ```
    pub const ALL: [Metric; 6] = [
        Metric::Accuracy,
        Metric::SparseCategoricalAccuracy,
        Metric::CategoricalAccuracy,
        Metric::BinaryAccuracy,
        Metric::MeanSquaredError,
        Metric::MeanAbsoluteError,
    ];

    /// Keras' short names, logged as given (Keras 3 logs a metric named by
    /// a string under that string: `metrics=["mae"]` gives `mae` and
    /// `val_mae`).
    const ALIASES: [(&'static str, Metric); 3] = [
        ("acc", Metric::Accuracy),
        ("mse", Metric::MeanSquaredError),
        ("mae", Metric::MeanAbsoluteError),
    ];

    /// The name logged in progress lines and [`History`](crate::callbacks::History).
    ///
    /// ```
    /// use kerust::metrics::Metric;
    /// assert_eq!(Metric::BinaryAccuracy.name(), "binary_accuracy");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::SparseCategoricalAccuracy => "sparse_categorical_accuracy",
            Metric::CategoricalAccuracy => "categorical_accuracy",
            Metric::BinaryAccuracy => "binary_accuracy",
            Metric::MeanSquaredError => "mean_squared_error",
            Metric::MeanAbsoluteError => "mean_absolute_error",
        }
    }

    /// The metric a Keras name stands for, and the name it is logged
    /// under: the name itself, for a full name or an alias.
    ///
    /// ```
    /// use kerust::metrics::Metric;
    /// assert_eq!(Metric::named("mae")?, ("mae", Metric::MeanAbsoluteError));
    /// assert_eq!(Metric::named("mean_absolute_error")?, ("mean_absolute_error", Metric::MeanAbsoluteError));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name, listing the known ones.
    pub fn named(s: &str) -> Result<(&'static str, Metric)> {
        Self::ALIASES
            .into_iter()
            .chain(Metric::ALL.map(|m| (m.name(), m)))
            .find(|(name, _)| *name == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALIASES
                    .iter()
                    .map(|(n, _)| *n)
                    .chain(Metric::ALL.map(Metric::name))
                    .collect();
                Error::invalid(
                    "metrics::get",
                    format!("one of {}", known.join(", ")),
                    format!("the unknown metric identifier {s:?}"),
                )
            })
    }

    /// Whether the metric compares values (mean squared or absolute
    /// error) rather than decisions, and so needs the output after the
    /// final activation even where the loss reads the logits.
    ///
    /// ```
    /// use kerust::metrics::Metric;
    /// assert!(Metric::MeanAbsoluteError.reads_values());
    /// assert!(!Metric::Accuracy.reads_values());
    /// ```
    pub fn reads_values(self) -> bool {
        matches!(self, Metric::MeanSquaredError | Metric::MeanAbsoluteError)
    }

    /// The concrete metric for targets of this kind and `outputs` prediction
    /// columns (Keras 3's `get_metric` rule for `"accuracy"`).
    ///
    /// ```
    /// use kerust::metrics::Metric;
    /// // Integer labels and 10 outputs: "accuracy" is sparse categorical accuracy.
    /// assert_eq!(Metric::Accuracy.resolve(true, 10), Metric::SparseCategoricalAccuracy);
    /// // One output unit: binary accuracy.
    /// assert_eq!(Metric::Accuracy.resolve(false, 1), Metric::BinaryAccuracy);
    /// ```
    pub fn resolve(self, sparse_targets: bool, outputs: usize) -> Metric {
        match self {
            Metric::Accuracy if outputs == 1 => Metric::BinaryAccuracy,
            Metric::Accuracy if sparse_targets => Metric::SparseCategoricalAccuracy,
            Metric::Accuracy => Metric::CategoricalAccuracy,
            other => other,
        }
    }
}

impl FromStr for Metric {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Metric::named(s).map(|(_, m)| m)
    }
}

/// The running state of a metric over an epoch.
///
/// ```
/// use kerust::losses::Targets;
/// use kerust::metrics::{Metric, MetricState};
/// let mut acc = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
/// let probs = ndarray::array![[0.9f32, 0.1], [0.3, 0.7], [0.6, 0.4]];
/// acc.update(Targets::Classes(&[0, 1, 1]), probs.view());
/// assert!((acc.result() - 2.0 / 3.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug)]
pub struct MetricState {
    /// The name it is logged under.
    pub name: &'static str,
    /// The concrete metric computed.
    pub kind: Metric,
    /// Correct decisions (accuracies) or summed errors (mean errors).
    total: f64,
    /// Decisions or values counted.
    count: u64,
}

impl MetricState {
    /// A fresh state logging `kind` as `name`.
    ///
    /// ```
    /// use kerust::metrics::{Metric, MetricState};
    /// let state = MetricState::new("accuracy", Metric::BinaryAccuracy);
    /// assert_eq!(state.result(), 0.0); // nothing seen yet
    /// ```
    pub fn new(name: &'static str, kind: Metric) -> Self {
        MetricState {
            name,
            kind,
            total: 0.0,
            count: 0,
        }
    }

    /// Forgets everything seen.
    ///
    /// ```
    /// use kerust::losses::Targets;
    /// use kerust::metrics::{Metric, MetricState};
    /// let mut acc = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
    /// acc.update(Targets::Classes(&[0]), ndarray::array![[1.0f32, 0.0]].view());
    /// acc.reset(); // a new epoch
    /// assert_eq!(acc.result(), 0.0);
    /// ```
    pub fn reset(&mut self) {
        self.total = 0.0;
        self.count = 0;
    }

    /// The fraction correct so far (0 before any update).
    ///
    /// ```
    /// use kerust::losses::Targets;
    /// use kerust::metrics::{Metric, MetricState};
    /// let mut acc = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
    /// acc.update(Targets::Classes(&[0, 0]), ndarray::array![[1.0f32, 0.0], [0.0, 1.0]].view());
    /// assert_eq!(acc.result(), 0.5);
    /// ```
    pub fn result(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.total / self.count as f64
        }
    }

    /// Counts one batch: `y_pred` holds a row of probabilities per sample.
    ///
    /// ```
    /// use kerust::losses::Targets;
    /// use kerust::metrics::{Metric, MetricState};
    /// let mut acc = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
    /// acc.update(Targets::Classes(&[1]), ndarray::array![[0.2f32, 0.8]].view());
    /// acc.update(Targets::Classes(&[0]), ndarray::array![[0.2f32, 0.8]].view());
    /// assert_eq!(acc.result(), 0.5); // over everything seen
    /// ```
    pub fn update(&mut self, y_true: Targets<'_>, y_pred: ArrayView2<'_, f32>) {
        self.update_scores(y_true, y_pred, 0.5);
    }

    /// Counts one batch of scores whose binary decision boundary is
    /// `threshold`: 0.5 for probabilities, 0 for the logits of a sigmoid.
    /// (Arg-max decisions are the same for logits and softmax outputs.)
    ///
    /// ```
    /// use kerust::losses::Targets;
    /// use kerust::metrics::{Metric, MetricState};
    /// use kerust::tensor::Tensor;
    /// // Binary accuracy on logits: the decision is at 0, not 0.5.
    /// let mut acc = MetricState::new("accuracy", Metric::BinaryAccuracy);
    /// let y = Tensor::from_vec(&[2, 1], vec![1.0, 0.0])?;
    /// acc.update_scores(Targets::Dense(&y), ndarray::array![[0.3f32], [-2.0]].view(), 0.0);
    /// assert_eq!(acc.result(), 1.0);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn update_scores(&mut self, y_true: Targets<'_>, y_pred: ArrayView2<'_, f32>, threshold: f32) {
        match (self.kind, y_true) {
            (Metric::MeanSquaredError | Metric::MeanAbsoluteError, targets) => {
                let error = |t: f32, p: f32| {
                    let d = f64::from(t) - f64::from(p);
                    if self.kind == Metric::MeanSquaredError {
                        d * d
                    } else {
                        d.abs()
                    }
                };
                let mut add = |t: f32, p: f32| {
                    self.total += error(t, p);
                    self.count += 1;
                };
                match targets {
                    // A label per sample, against each of its outputs (Keras
                    // expands it to the prediction's rank and broadcasts).
                    Targets::Classes(c) => {
                        for (row, &t) in y_pred.outer_iter().zip(c) {
                            row.iter().for_each(|&p| add(t as f32, p));
                        }
                    }
                    Targets::Dense(t) => {
                        let t = t.view();
                        let width = y_pred.ncols().max(1);
                        let per_row = t.len() / y_pred.nrows().max(1);
                        let flat = t.as_slice_memory_order().unwrap_or(&[]);
                        for (row, trow) in y_pred.outer_iter().zip(flat.chunks(per_row.max(1))) {
                            for (k, &p) in row.iter().enumerate() {
                                // (N,) or (N, 1) targets broadcast over the outputs.
                                let t = if trow.len() == width { trow[k] } else { trow[0] };
                                add(t, p);
                            }
                        }
                    }
                }
            }
            (Metric::BinaryAccuracy, Targets::Classes(c)) => {
                for (row, &t) in y_pred.outer_iter().zip(c) {
                    for &p in row {
                        self.total += f64::from(u8::from((p > threshold) == (t == 1)));
                        self.count += 1;
                    }
                }
            }
            (Metric::BinaryAccuracy, Targets::Dense(t)) => {
                for (&p, &t) in y_pred.iter().zip(t.view().iter()) {
                    // Keras: the thresholded prediction equals the label
                    // (a soft label such as 0.7 never does).
                    let decided = if p > threshold { 1.0 } else { 0.0 };
                    self.total += f64::from(u8::from(decided == t));
                    self.count += 1;
                }
            }
            (_, Targets::Classes(c)) => match y_pred.as_slice() {
                // Row-major scores (what `fit` passes): rows as slices.
                Some(flat) if y_pred.ncols() > 0 => {
                    self.count_arg_max(flat.chunks_exact(y_pred.ncols()).map(|r| r.iter().copied()), c);
                }
                _ => self.count_arg_max(y_pred.outer_iter().map(|r| r.into_iter().copied()), c),
            },
            (Metric::SparseCategoricalAccuracy, Targets::Dense(t)) => {
                // Float labels, one per row (Keras squeezes a trailing axis of 1).
                for (row, &t) in y_pred.outer_iter().zip(t.view().iter()) {
                    self.total += f64::from(u8::from(argmax(row.iter().copied()) as f32 == t));
                    self.count += 1;
                }
            }
            (_, Targets::Dense(t)) => {
                let t = t.view();
                let width = y_pred.ncols().max(1);
                for (row, trow) in y_pred
                    .outer_iter()
                    .zip(t.as_slice_memory_order().unwrap_or(&[]).chunks(width))
                {
                    self.total += f64::from(u8::from(
                        argmax(row.iter().copied()) == argmax(trow.iter().copied()),
                    ));
                    self.count += 1;
                }
            }
        }
    }

    /// Counts the rows of scores whose arg-max is their class label.
    fn count_arg_max<R: Iterator<Item = f32>>(&mut self, rows: impl Iterator<Item = R>, labels: &[usize]) {
        for (row, &t) in rows.zip(labels) {
            self.total += f64::from(u8::from(argmax(row) == t));
            self.count += 1;
        }
    }
}

/// Index of the first largest value (NumPy's `argmax`).
pub(crate) fn argmax(values: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::Tensor;
    use ndarray::array;

    #[test]
    fn mean_errors_by_hand() {
        use ndarray::array;
        let t = crate::tensor::Tensor::from_array(array![[1.0f32, 2.0], [3.0, 4.0]]);
        let p = array![[1.5f32, 2.0], [2.0, 5.0]];
        // Errors 0.5, 0, 1, 1: squares sum to 2.25, absolutes to 2.5, over 4.
        let mut mse = MetricState::new("mse", Metric::MeanSquaredError);
        let mut mae = MetricState::new("mae", Metric::MeanAbsoluteError);
        mse.update(Targets::Dense(&t), p.view());
        mae.update(Targets::Dense(&t), p.view());
        assert_eq!((mse.result(), mae.result()), (0.5625, 0.625));
        // Over batches, every value counts once: one more batch of error 2.
        let t2 = crate::tensor::Tensor::from_array(array![[0.0f32, 0.0]]);
        mae.update(Targets::Dense(&t2), array![[2.0f32, -2.0]].view());
        assert_eq!(mae.result(), (2.5 + 4.0) / 6.0);
        // A label per sample against one output, and a column of targets.
        let mut labels = MetricState::new("mse", Metric::MeanSquaredError);
        labels.update(Targets::Classes(&[1, 0]), array![[0.75f32], [0.5]].view());
        assert_eq!(labels.result(), (0.0625 + 0.25) / 2.0);
        let column = crate::tensor::Tensor::from_array(array![1.0f32, 0.0]);
        let mut values = MetricState::new("mse", Metric::MeanSquaredError);
        values.update(Targets::Dense(&column), array![[0.75f32], [0.5]].view());
        assert_eq!(values.result(), labels.result());
        // Names: the string given is the name logged.
        assert_eq!(Metric::named("mse").unwrap(), ("mse", Metric::MeanSquaredError));
        assert_eq!(Metric::named("acc").unwrap(), ("acc", Metric::Accuracy));
        assert!(
            Metric::named("auc")
                .unwrap_err()
                .to_string()
                .contains("one of acc, mse, mae, accuracy")
        );
    }

    #[test]
    fn accuracy_resolves_by_shapes_as_keras_3() {
        assert_eq!(
            Metric::Accuracy.resolve(true, 10),
            Metric::SparseCategoricalAccuracy
        );
        assert_eq!(Metric::Accuracy.resolve(false, 10), Metric::CategoricalAccuracy);
        assert_eq!(Metric::Accuracy.resolve(false, 1), Metric::BinaryAccuracy);
        assert_eq!(Metric::Accuracy.resolve(true, 1), Metric::BinaryAccuracy);
        assert_eq!(
            Metric::CategoricalAccuracy.resolve(true, 10),
            Metric::CategoricalAccuracy
        );
        assert_eq!("acc".parse::<Metric>().unwrap(), Metric::Accuracy);
        assert!("f1".parse::<Metric>().is_err());
    }

    #[test]
    fn counts_are_exact_fractions_over_batches() {
        // Keras docstring: sparse_categorical_accuracy([[2],[1]], [[.1,.6,.3],[.05,.95,0]]) = [0, 1]
        let mut m = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
        m.update(
            Targets::Classes(&[2, 1]),
            array![[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]].view(),
        );
        assert_eq!(m.result(), 0.5);
        m.update(Targets::Classes(&[0]), array![[0.9, 0.05, 0.05]].view());
        assert_eq!(m.result(), 2.0 / 3.0);
        m.reset();
        assert_eq!(m.result(), 0.0);
    }

    #[test]
    fn categorical_and_binary_accuracy() {
        let mut m = MetricState::new("categorical_accuracy", Metric::CategoricalAccuracy);
        let t = Tensor::from(array![[0.0f32, 0.0, 1.0], [0.0, 1.0, 0.0]]);
        m.update(
            Targets::Dense(&t),
            array![[0.1, 0.9, 0.8], [0.05, 0.95, 0.0]].view(),
        );
        assert_eq!(m.result(), 0.5);
        // Keras docstring: binary_accuracy([[1],[1],[0],[0]], [[0.98],[1],[0],[0.6]]) = 0.75
        let mut b = MetricState::new("binary_accuracy", Metric::BinaryAccuracy);
        let t = Tensor::from(array![[1.0f32], [1.0], [0.0], [0.0]]);
        b.update(Targets::Dense(&t), array![[0.98], [1.0], [0.0], [0.6]].view());
        assert_eq!(b.result(), 0.75);
        // Ties go to the first maximum, as NumPy's argmax.
        assert_eq!(argmax([0.5, 0.5, 0.1].into_iter()), 0);
    }

    #[test]
    fn row_major_and_strided_scores_count_alike() {
        // Scores with many ties (first maximum wins), row-major: rows are slices.
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
        let scores = ndarray::Array2::from_shape_fn((500, 7), |_| {
            rand::RngExt::random_range(&mut rng, 0..5) as f32 / 4.0
        });
        let labels: Vec<usize> = (0..500).map(|i| i % 7).collect();
        let mut fast = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
        fast.update(Targets::Classes(&labels), scores.view());
        let expected = scores
            .outer_iter()
            .zip(&labels)
            .filter(|(row, t)| argmax(row.iter().copied()) == **t)
            .count();
        assert_eq!(fast.total, expected as f64);
        // A column-major view takes the general path and agrees too.
        let mut strided = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
        let transposed = scores.t().to_owned();
        strided.update(Targets::Classes(&labels), transposed.t());
        assert_eq!(strided.total, expected as f64);
    }
}
