//! What `compile` accepts as metrics: values or Keras names, in a list,
//! or `()` for none.

use std::sync::Arc;

use super::{Metric, MetricFunction};
use crate::error::{Error, Result};

/// A metric given by value or by Keras name (resolved by `compile`).
///
/// ```
/// use kerust::metrics::{Metric, MetricArg};
/// let arg: MetricArg = (&"accuracy").into();
/// assert_eq!(arg.resolve()?, Metric::Accuracy);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum MetricArg {
    /// A known metric.
    Known(Metric),
    /// A name to resolve.
    Named(String),
    /// A metric of your own ([`custom`](super::custom), [`MetricFunction`]).
    Custom(Arc<dyn MetricFunction>),
}

/// What `compile` settled for a metric: a built-in one with the name it is
/// logged under, or one of your own.
#[derive(Clone, Debug)]
pub(crate) enum SettledMetric {
    Builtin(&'static str, Metric),
    Custom(Arc<dyn MetricFunction>),
}

impl SettledMetric {
    /// The name it is logged (and saved) under.
    pub(crate) fn name(&self) -> &str {
        match self {
            SettledMetric::Builtin(name, _) => name,
            SettledMetric::Custom(c) => c.name(),
        }
    }
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
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an unknown name.
    pub fn resolve(&self) -> Result<Metric> {
        self.resolve_named().map(|(_, m)| m)
    }

    /// The metric and the name it is logged under: its own name for a
    /// value, the string given for a name (see [`Metric::named`]).
    ///
    /// ```
    /// use kerust::metrics::{Metric, MetricArg};
    /// assert_eq!(MetricArg::from(&"mse").resolve_named()?, ("mse", Metric::MeanSquaredError));
    /// assert_eq!(MetricArg::from(Metric::MeanSquaredError).resolve_named()?.0, "mean_squared_error");
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an
    /// unknown name, or a metric of your own.
    pub fn resolve_named(&self) -> Result<(&'static str, Metric)> {
        match self {
            MetricArg::Known(m) => Ok((m.name(), *m)),
            MetricArg::Named(n) => Metric::named(n),
            MetricArg::Custom(c) => Err(Error::invalid(
                "metric",
                "a built-in metric",
                format!("the metric of your own {:?}", c.name()),
            )),
        }
    }

    /// The metric `compile` uses.
    pub(crate) fn settle(&self) -> Result<SettledMetric> {
        match self {
            MetricArg::Custom(c) => Ok(SettledMetric::Custom(c.clone())),
            other => other
                .resolve_named()
                .map(|(name, m)| SettledMetric::Builtin(name, m)),
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

/// The metrics given to `compile`: a list of [`Metric`]s or names
/// (`&["accuracy"]`, `&[Metric::Accuracy]`, a `Vec`), or `()` for none
/// (Keras' `compile(loss="mse")`).
///
/// ```
/// use kerust::metrics::{IntoMetrics, Metric};
/// assert_eq!(().metric_args().len(), 0);
/// assert_eq!((&["accuracy", "mae"]).metric_args().len(), 2);
/// assert_eq!(vec![Metric::Accuracy].metric_args().len(), 1);
/// ```
pub trait IntoMetrics {
    /// The metrics, unresolved.
    fn metric_args(&self) -> Vec<MetricArg>;
}

impl IntoMetrics for () {
    fn metric_args(&self) -> Vec<MetricArg> {
        Vec::new()
    }
}

impl<M> IntoMetrics for [M]
where
    for<'m> &'m M: Into<MetricArg>,
{
    fn metric_args(&self) -> Vec<MetricArg> {
        self.iter().map(Into::into).collect()
    }
}

impl<M, const N: usize> IntoMetrics for [M; N]
where
    for<'m> &'m M: Into<MetricArg>,
{
    fn metric_args(&self) -> Vec<MetricArg> {
        self.iter().map(Into::into).collect()
    }
}

impl<M> IntoMetrics for Vec<M>
where
    for<'m> &'m M: Into<MetricArg>,
{
    fn metric_args(&self) -> Vec<MetricArg> {
        self.iter().map(Into::into).collect()
    }
}

impl<T: IntoMetrics + ?Sized> IntoMetrics for &T {
    fn metric_args(&self) -> Vec<MetricArg> {
        (**self).metric_args()
    }
}

impl From<&MetricArg> for MetricArg {
    fn from(m: &MetricArg) -> Self {
        m.clone()
    }
}
