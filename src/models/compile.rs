//! `compile`: the loss, its weight and the metrics of each output, and the
//! optimizer.

use std::sync::MutexGuard;

use super::Model;
use super::functional::LayerRef;
use crate::error::{Error, Result};
use crate::layers::Layer;
use crate::losses::LossArg;
use crate::metrics::{IntoMetrics, MetricArg, SettledMetric};
use crate::optimizers::{Optimizer, OptimizerArg, RMSprop};
use crate::tensor::Tensor;

/// What `compile` settled.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// One per model output, in order.
    pub(crate) outputs: Vec<Settled>,
    pub(crate) optimizer: Box<dyn Optimizer>,
}

/// An output's loss, weight and metrics, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    pub(crate) loss: crate::losses::SettledLoss,
    pub(crate) weight: f32,
    /// Each metric, with the name it is logged under.
    pub(crate) metrics: Vec<SettledMetric>,
}

/// What one output of a model is trained for: its loss, the weight of that
/// loss in the total (Keras' `loss_weights`), and its metrics. Given to
/// [`Model::compile_outputs`], one per output, in the order of the outputs.
///
/// ```
/// use kerust::models::Objective;
/// let classes = Objective::new("sparse_categorical_crossentropy").metrics(["accuracy"]);
/// let footwear = Objective::new("binary_crossentropy").loss_weight(0.5).metrics(["accuracy"]);
/// # let _ = (classes, footwear);
/// ```
#[derive(Debug, Clone)]
pub struct Objective {
    loss: LossArg,
    weight: f32,
    metrics: Vec<MetricArg>,
}

impl Objective {
    /// An output trained with `loss` (a [`Loss`](crate::losses::Loss) or a
    /// Keras name), weight 1, no metrics.
    ///
    /// ```
    /// use kerust::models::Objective;
    /// let objective = Objective::new("mse");
    /// # let _ = objective;
    /// ```
    pub fn new(loss: impl Into<LossArg>) -> Self {
        Objective {
            loss: loss.into(),
            weight: 1.0,
            metrics: Vec::new(),
        }
    }

    /// The weight of this output's loss in the total (default 1).
    ///
    /// ```
    /// use kerust::models::Objective;
    /// let objective = Objective::new("binary_crossentropy").loss_weight(0.5);
    /// # let _ = objective;
    /// ```
    pub fn loss_weight(mut self, weight: f32) -> Self {
        self.weight = weight;
        self
    }

    /// The metrics of this output (`&["accuracy"]`, `&[Metric::Accuracy]`).
    ///
    /// ```
    /// use kerust::models::Objective;
    /// let objective = Objective::new("mse").metrics(["mae"]);
    /// # let _ = objective;
    /// ```
    pub fn metrics(mut self, metrics: impl IntoMetrics) -> Self {
        self.metrics = metrics.metric_args();
        self
    }

    fn settle(&self) -> Result<Settled> {
        if !self.weight.is_finite() || self.weight < 0.0 {
            return Err(Error::invalid(
                "compile",
                "a finite, non-negative loss weight",
                format!("loss_weight={}", self.weight),
            ));
        }
        Ok(Settled {
            loss: self.loss.settle()?,
            weight: self.weight,
            metrics: self
                .metrics
                .iter()
                .map(MetricArg::settle)
                .collect::<Result<Vec<_>>>()?,
        })
    }
}

impl Model {
    /// Chooses the loss and metrics, with Keras' default optimizer
    /// (RMSprop with `learning_rate=0.001, rho=0.9, epsilon=1e-7`). On a
    /// model with several outputs, every output gets this loss and these
    /// metrics; see [`compile_outputs`](Model::compile_outputs) to choose
    /// per output.
    ///
    /// `loss` is a [`Loss`](crate::losses::Loss) or a Keras name
    /// (`"sparse_categorical_crossentropy"`); metrics likewise
    /// (`&[Metric::Accuracy]`, `&["accuracy"]`), or `()` for none.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// model.compile("sparse_categorical_crossentropy", ["accuracy"])?;
    /// assert_eq!(model.optimizer().map(|o| o.name()), Some("RMSprop"));
    /// model.compile("mse", ())?; // no metrics, as Keras' compile(loss="mse")
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name, or an error left by
    /// building the layers.
    pub fn compile(&mut self, loss: impl Into<LossArg>, metrics: impl IntoMetrics) -> Result<()> {
        self.compile_with(RMSprop::new(), loss, metrics)
    }

    /// [`compile`](Model::compile) with an explicit optimizer, made in
    /// code or named as in Keras (`"adam"`, `"sgd"`, …; see
    /// [`OptimizerArg`]):
    /// `model.compile_with(Adam::new(), "sparse_categorical_crossentropy", ["accuracy"])`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// model.compile_with(Adam::new().learning_rate(0.01), Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])?;
    /// assert_eq!(model.optimizer().map(|o| o.learning_rate()), Some(0.01));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`compile`](Model::compile), an unknown optimizer name, and the
    /// optimizer's hyperparameter checks (e.g. a momentum outside `[0, 1]`).
    pub fn compile_with(
        &mut self,
        optimizer: impl Into<OptimizerArg>,
        loss: impl Into<LossArg>,
        metrics: impl IntoMetrics,
    ) -> Result<()> {
        let objective = Objective::new(loss).metrics(metrics);
        let outputs = self.graph.as_ref().map_or(1, |g| g.outputs.len());
        self.compile_outputs(optimizer, vec![objective; outputs])
    }

    /// Compiles a model with one [`Objective`] per output (Keras' `loss`,
    /// `loss_weights` and `metrics` given per output). The total loss is the
    /// weighted sum of the outputs' losses; with several outputs, each
    /// output's loss and metrics are logged under its layer's name
    /// (`classes_loss`, `classes_accuracy`), as Keras 3 logs them.
    ///
    /// ```
    /// use kerust::prelude::*;
    /// use kerust::models::Objective;
    /// let x = Input::new(8);
    /// let classes = Dense::new(3).activation(Softmax).name("classes").call(&x)?;
    /// let flag = Dense::new(1).activation(Sigmoid).name("flag").call(&x)?;
    /// let mut model = Model::new(&x, &[classes, flag])?;
    /// model.compile_outputs(RMSprop::new(), vec![
    ///     Objective::new("sparse_categorical_crossentropy").metrics(["accuracy"]),
    ///     Objective::new("binary_crossentropy").loss_weight(0.5),
    /// ])?;
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`compile_with`](Model::compile_with), and a number of objectives
    /// other than the number of outputs, or a negative loss weight.
    pub fn compile_outputs(
        &mut self,
        optimizer: impl Into<OptimizerArg>,
        objectives: Vec<Objective>,
    ) -> Result<()> {
        if let Some(e) = &self.build_error {
            return Err(Error::invalid("compile", "a model whose layers build", e.clone()));
        }
        let outputs = self.graph.as_ref().map_or(1, |g| g.outputs.len());
        if objectives.len() != outputs {
            return Err(Error::invalid(
                "compile",
                format!("one loss per output ({outputs})"),
                format!("{} losses", objectives.len()),
            ));
        }
        let optimizer = optimizer.into().resolve()?;
        optimizer.validate()?;
        let outputs = objectives
            .iter()
            .map(Objective::settle)
            .collect::<Result<Vec<_>>>()?;
        self.compiled = Some(Compiled { outputs, optimizer });
        Ok(())
    }
}

impl Model {
    /// Tells the optimizer the names of the weights it updates, in the
    /// order of each step (Keras' `optimizer.build(trainable_variables)`).
    pub(crate) fn build_optimizer(&mut self) {
        let (Some(graph), Some(compiled)) = (self.graph.as_ref(), self.compiled.as_mut()) else {
            return;
        };
        let mut names = Vec::new();
        for handle in &graph.layers {
            let layer = handle.lock();
            names.extend(
                layer
                    .params()
                    .into_iter()
                    .filter(|p| handle.trains(p))
                    .map(|p| p.name),
            );
        }
        compiled.optimizer.build(&names);
    }

    /// Lets the optimizer end training on the weights it updated (Keras'
    /// `finalize_variable_values`: the moving averages of `use_ema` become
    /// the weights).
    pub(crate) fn finalize_optimizer(&mut self) -> Result<()> {
        let (Some(graph), Some(compiled)) = (self.graph.as_ref(), self.compiled.as_mut()) else {
            return Ok(());
        };
        let mut guards: Vec<_> = graph.layers.iter().map(|l| (l, l.lock())).collect();
        compiled.optimizer.finalize(&mut trained_values(&mut guards))
    }
}

/// The values of the weights that train, in the order the optimizer
/// updates them, from the layers locked with their handles.
pub(crate) fn trained_values<'a>(
    guards: &'a mut [(&LayerRef, MutexGuard<'_, Box<dyn Layer>>)],
) -> Vec<&'a mut Tensor> {
    guards
        .iter_mut()
        .flat_map(|(handle, layer)| {
            let handle: &LayerRef = handle;
            layer.params_mut().into_iter().filter(move |p| handle.trains(p))
        })
        .map(|p| &mut p.value)
        .collect()
}
