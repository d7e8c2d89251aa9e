//! Metrics of your own: a type implementing [`MetricFunction`], or a
//! closure through [`custom`], averaged over the samples as Keras averages
//! a metric function (its `MeanMetricWrapper`).

use std::sync::Arc;

use ndarray::ArrayView2;

use super::MetricArg;
use crate::losses::Targets;

/// A metric of your own: a value per sample, from the targets and the
/// model's outputs (probabilities after a softmax or sigmoid, as Keras
/// passes them); `fit` and `evaluate` report their mean over the epoch.
///
/// ```
/// use kerust::losses::Targets;
/// use kerust::metrics::MetricFunction;
/// use kerust::prelude::*;
/// use std::sync::Arc;
///
/// /// The largest predicted probability (how sure the model is).
/// struct Confidence;
///
/// impl MetricFunction for Confidence {
///     fn name(&self) -> &str { "confidence" }
///     fn per_sample(&self, _y_true: Targets<'_>, y_pred: ndarray::ArrayView2<'_, f32>) -> Vec<f64> {
///         y_pred.rows().into_iter().map(|r| f64::from(r.fold(0.0f32, |m, &p| m.max(p)))).collect()
///     }
/// }
///
/// let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(2)]);
/// model.compile("sparse_categorical_crossentropy", vec![Arc::new(Confidence) as Arc<dyn MetricFunction>])?;
/// let (x, y) = (ndarray::Array2::<f32>::zeros((4, 2)), ndarray::Array1::<u8>::zeros(4));
/// let scores = model.evaluate(&x, &y, EvaluateOptions::default().verbose(0))?;
/// assert!((scores[1] - 1.0 / 3.0).abs() < 1e-6); // zero inputs: uniform probabilities
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait MetricFunction: Send + Sync {
    /// The name it is logged under.
    fn name(&self) -> &str;

    /// One value per sample (row of `y_pred`).
    fn per_sample(&self, y_true: Targets<'_>, y_pred: ArrayView2<'_, f32>) -> Vec<f64>;
}

impl std::fmt::Debug for dyn MetricFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.name())
    }
}

/// A closure as a [`MetricFunction`], made by [`custom`].
struct FnMetric<F> {
    name: String,
    f: F,
}

impl<F> MetricFunction for FnMetric<F>
where
    F: Fn(Targets<'_>, ArrayView2<'_, f32>) -> Vec<f64> + Send + Sync,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn per_sample(&self, y_true: Targets<'_>, y_pred: ArrayView2<'_, f32>) -> Vec<f64> {
        (self.f)(y_true, y_pred)
    }
}

/// A metric from a closure giving one value per sample (Keras' metric
/// function `def metric(y_true, y_pred)`), logged as `name`.
///
/// ```
/// use kerust::losses::Targets;
/// use kerust::metrics;
/// use kerust::prelude::*;
///
/// // The squared error of each sample's first output.
/// let first_se = metrics::custom("first_se", |y_true, y_pred| {
///     let Targets::Dense(t) = y_true else { return Vec::new() };
///     let t = t.view();
///     (0..y_pred.nrows()).map(|i| f64::from((y_pred[[i, 0]] - t[[i, 0]]).powi(2))).collect()
/// });
/// let mut model = Sequential::new(vec![Dense::new(1).input_shape(2)]);
/// model.compile("mse", vec![first_se])?;
/// let (x, y) = (ndarray::Array2::<f32>::zeros((4, 2)), ndarray::Array2::<f32>::ones((4, 1)));
/// let scores = model.evaluate(&x, &y, EvaluateOptions::default().verbose(0))?;
/// assert_eq!(scores, vec![1.0, 1.0]); // zero inputs and bias: every error is 1
/// # Ok::<(), kerust::Error>(())
/// ```
pub fn custom<F>(name: impl Into<String>, f: F) -> MetricArg
where
    F: Fn(Targets<'_>, ArrayView2<'_, f32>) -> Vec<f64> + Send + Sync + 'static,
{
    MetricArg::Custom(Arc::new(FnMetric { name: name.into(), f }))
}

impl From<Arc<dyn MetricFunction>> for MetricArg {
    fn from(f: Arc<dyn MetricFunction>) -> Self {
        MetricArg::Custom(f)
    }
}

impl From<&Arc<dyn MetricFunction>> for MetricArg {
    fn from(f: &Arc<dyn MetricFunction>) -> Self {
        MetricArg::Custom(f.clone())
    }
}
