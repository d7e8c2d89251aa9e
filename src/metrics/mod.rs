//! Keras' accuracy metrics, and how `"accuracy"` is resolved.
//!
//! A metric accumulates over the batches of an epoch (`update`) and reports
//! the exact fraction of correct predictions seen so far (`result`), as
//! Keras' `MeanMetricWrapper` does.
//!
//! `Metric::Accuracy` (`"accuracy"`, `"acc"`) is resolved by the shapes of
//! the targets and predictions, by Keras 3's rule: a single output unit
//! means binary accuracy (threshold 0.5); integer class labels mean sparse
//! categorical accuracy (arg-max equals the label); otherwise categorical
//! accuracy (arg-max equals the target's arg-max). The logged name stays
//! `accuracy`.

mod confusion;

use std::str::FromStr;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::losses::Targets;

pub use confusion::{confusion_matrix, predicted_classes};

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
    /// `binary_accuracy`: `p > 0.5` against the 0/1 target, per element.
    BinaryAccuracy,
}

impl Metric {
    /// Every metric.
    ///
    /// ```
    /// use kerust::metrics::Metric;
    /// assert_eq!(Metric::ALL.len(), 4);
    /// ```
    pub const ALL: [Metric; 4] = [
        Metric::Accuracy,
        Metric::SparseCategoricalAccuracy,
        Metric::CategoricalAccuracy,
        Metric::BinaryAccuracy,
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
        }
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
        match s {
            "acc" => Ok(Metric::Accuracy),
            _ => Metric::ALL.into_iter().find(|m| m.name() == s).ok_or_else(|| {
                Error::invalid(
                    "metrics::get",
                    format!("one of acc, {}", Metric::ALL.map(Metric::name).join(", ")),
                    format!("the unknown metric identifier {s:?}"),
                )
            }),
        }
    }
}

/// A metric given by value or by Keras name (resolved by `compile`).
///
/// ```
/// use kerust::metrics::{Metric, MetricArg};
/// let arg: MetricArg = (&"accuracy").into();
/// assert_eq!(arg.resolve()?, Metric::Accuracy);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricArg {
    /// A known metric.
    Known(Metric),
    /// A name to resolve.
    Named(String),
}

impl MetricArg {
    /// The metric, resolving a name.
    ///
    /// ```
    /// use kerust::metrics::MetricArg;
    /// assert!(MetricArg::Named("auc".into()).resolve().is_err()); // not yet in kerust
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name.
    pub fn resolve(&self) -> Result<Metric> {
        match self {
            MetricArg::Known(m) => Ok(*m),
            MetricArg::Named(n) => n.parse(),
        }
    }
}

impl From<Metric> for MetricArg {
    fn from(m: Metric) -> Self {
        MetricArg::Known(m)
    }
}
impl From<&Metric> for MetricArg {
    fn from(m: &Metric) -> Self {
        MetricArg::Known(*m)
    }
}
impl From<&str> for MetricArg {
    fn from(n: &str) -> Self {
        MetricArg::Named(n.into())
    }
}
impl From<&&str> for MetricArg {
    fn from(n: &&str) -> Self {
        MetricArg::Named((*n).into())
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
    correct: u64,
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
            correct: 0,
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
        self.correct = 0;
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
            self.correct as f64 / self.count as f64
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
            (Metric::BinaryAccuracy, Targets::Classes(c)) => {
                for (row, &t) in y_pred.outer_iter().zip(c) {
                    for &p in row {
                        self.correct += u64::from((p > threshold) == (t == 1));
                        self.count += 1;
                    }
                }
            }
            (Metric::BinaryAccuracy, Targets::Dense(t)) => {
                for (&p, &t) in y_pred.iter().zip(t.view().iter()) {
                    self.correct += u64::from((p > threshold) == (t > 0.5));
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
                    self.correct += u64::from(argmax(row.iter().copied()) as f32 == t);
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
                    self.correct += u64::from(argmax(row.iter().copied()) == argmax(trow.iter().copied()));
                    self.count += 1;
                }
            }
        }
    }

    /// Counts the rows of scores whose arg-max is their class label.
    fn count_arg_max<R: Iterator<Item = f32>>(&mut self, rows: impl Iterator<Item = R>, labels: &[usize]) {
        for (row, &t) in rows.zip(labels) {
            self.correct += u64::from(argmax(row) == t);
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
        assert_eq!(fast.correct, expected as u64);
        // A column-major view takes the general path and agrees too.
        let mut strided = MetricState::new("accuracy", Metric::SparseCategoricalAccuracy);
        let transposed = scores.t().to_owned();
        strided.update(Targets::Classes(&labels), transposed.t());
        assert_eq!(strided.correct, expected as u64);
    }
}
