//! `Sequential`: a stack of layers, built, compiled and weighted.

use rand::rngs::StdRng;

use crate::autograd::Tape;
use crate::error::{Error, Result};
use crate::layers::Layer;
use crate::losses::{LossArg, LossFn};
use crate::metrics::{Metric, MetricArg};
use crate::optimizers::{Optimizer, RMSprop};
use crate::tensor::Tensor;

/// What `compile` settled.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) loss: LossFn,
    /// Each metric with the name it is logged under.
    pub(crate) metrics: Vec<(&'static str, Metric)>,
    pub(crate) optimizer: Box<dyn Optimizer>,
}

/// The compiled state, from its parts (for loading).
pub(crate) fn compiled(
    loss: LossFn,
    metrics: Vec<(&'static str, Metric)>,
    optimizer: Box<dyn Optimizer>,
) -> Compiled {
    Compiled {
        loss,
        metrics,
        optimizer,
    }
}

/// A linear stack of layers, Keras' `Sequential` model.
///
/// The model is built — its weights created — as soon as the input shape
/// is known: from the first layer's `.input_shape(..)`, or else from the
/// data given to `fit`, `evaluate` or `predict`.
///
/// ```
/// use kerust::prelude::*;
///
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile(Loss::SparseCategoricalCrossentropy, &[Metric::Accuracy])?;
/// assert_eq!(model.count_params(), 7850);
/// # Ok::<(), kerust::Error>(())
/// ```
pub struct Sequential {
    pub(crate) name: String,
    pub(crate) layers: Vec<Box<dyn Layer>>,
    pub(crate) input_shape: Option<Vec<usize>>,
    pub(crate) output_shapes: Vec<Vec<usize>>,
    pub(crate) build_error: Option<String>,
    pub(crate) rng: StdRng,
    pub(crate) compiled: Option<Compiled>,
    pub(crate) tape: Tape,
    /// The input batch buffers, reused from step to step: one trains
    /// while the next batch is gathered into the other.
    pub(crate) batches: [Option<Tensor>; 2],
    /// Set by a callback to end `fit` (Keras' `model.stop_training = True`).
    pub(crate) stop_requested: bool,
}

impl std::fmt::Debug for Sequential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequential")
            .field("name", &self.name)
            .field(
                "layers",
                &self
                    .layers
                    .iter()
                    .map(|l| l.name().unwrap_or("?").to_string())
                    .collect::<Vec<_>>(),
            )
            .field("input_shape", &self.input_shape)
            .field("compiled", &self.compiled.is_some())
            .finish()
    }
}

/// Stacks layers of different types: `sequential![Flatten::new(), Dense::new(10)]`
/// is `Sequential::new(vec![...])` with each layer boxed.
///
/// ```
/// use kerust::prelude::*;
///
/// let model = sequential![
///     Flatten::new().input_shape([28, 28]),
///     Dense::new(100).activation(Relu),
///     Dense::new(10).activation(Softmax),
/// ];
/// assert_eq!(model.count_params(), 79_510);
/// ```
#[macro_export]
macro_rules! sequential {
    ($($layer:expr),* $(,)?) => {
        $crate::models::Sequential::new(::std::vec![$(::std::boxed::Box::new($layer) as ::std::boxed::Box<dyn $crate::layers::Layer>),*])
    };
}

impl Sequential {
    /// A model of `layers`, in order. Anything convertible into a boxed
    /// layer works: `vec![Dense::new(10)]`, or `vec![Box<dyn Layer>…]`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// assert_eq!(model.count_params(), 7_850);
    /// ```
    pub fn new<L: Into<Box<dyn Layer>>>(layers: Vec<L>) -> Self {
        let mut model = Sequential {
            name: "sequential".into(),
            layers: Vec::new(),
            input_shape: None,
            output_shapes: Vec::new(),
            build_error: None,
            rng: crate::utils::model_rng(),
            compiled: None,
            tape: Tape::new(),
            batches: [None, None],
            stop_requested: false,
        };
        for layer in layers {
            model.push(layer.into());
        }
        if let Some(shape) = model
            .layers
            .first()
            .and_then(|l| l.declared_input_shape())
            .map(<[usize]>::to_vec)
            && let Err(e) = model.build(&shape)
        {
            model.build_error = Some(e.to_string());
        }
        model
    }

    /// Appends a layer, building it at once if the model is built.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(Vec::<Dense>::new());
    /// model.add(Dense::new(100).activation(Relu).input_shape(784))?;
    /// model.add(Dense::new(10).activation(Softmax))?;
    /// assert_eq!(model.count_params(), 78_500 + 1_010);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// The layer's build error, if the model is built and the layer cannot
    /// take its input.
    pub fn add<L: Into<Box<dyn Layer>>>(&mut self, layer: L) -> Result<()> {
        self.push(layer.into());
        if self.is_built() {
            let input = self
                .output_shapes
                .last()
                .cloned()
                .or_else(|| self.input_shape.clone())
                .unwrap_or_default();
            if let Some(layer) = self.layers.last_mut() {
                let out = layer.build(&input, &mut self.rng)?;
                self.output_shapes.push(out);
            }
        } else if self.layers.len() == 1
            && let Some(shape) = self.layers[0].declared_input_shape().map(<[usize]>::to_vec)
        {
            self.build(&shape)?;
        }
        Ok(())
    }

    fn push(&mut self, mut layer: Box<dyn Layer>) {
        if layer.name().is_none() {
            let base = snake_case(layer.class_name());
            let taken = |n: &str| self.layers.iter().any(|l| l.name() == Some(n));
            let mut name = base.clone();
            let mut k = 0;
            while taken(&name) {
                k += 1;
                name = format!("{base}_{k}");
            }
            layer.set_name(name);
        }
        self.layers.push(layer);
    }

    /// The model's name (`"sequential"`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(4)]);
    /// assert_eq!(model.name(), "sequential");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The layers, in order.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// let names: Vec<_> = model.layers().iter().map(|l| l.name().unwrap_or("")).collect();
    /// assert_eq!(names, ["flatten", "dense"]);
    /// ```
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The layer named `name` (Keras' `model.get_layer(name)`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Dense::new(100).activation(Relu).input_shape(784), Dense::new(10).name("output")];
    /// assert_eq!(model.get_layer("output")?.class_name(), "Dense");
    /// assert_eq!(model.get_layer("dense")?.params()[0].value.shape(), &[784, 100]);
    /// assert!(model.get_layer("conv2d").is_err()); // names the layers there are
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the layers the model has.
    pub fn get_layer(&self, name: &str) -> Result<&dyn Layer> {
        match self.layers.iter().find(|l| l.name() == Some(name)) {
            Some(layer) => Ok(layer.as_ref()),
            None => Err(self.no_layer(format!("no layer named {name:?}"))),
        }
    }

    /// The layer at `index`, counting from 0 (Keras'
    /// `model.get_layer(index=i)`, `model.layers[i]`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.get_layer_at(1)?.name(), Some("dense"));
    /// assert!(model.get_layer_at(2).is_err());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an index past the last layer.
    pub fn get_layer_at(&self, index: usize) -> Result<&dyn Layer> {
        match self.layers.get(index) {
            Some(layer) => Ok(layer.as_ref()),
            None => Err(self.no_layer(format!("index {index}"))),
        }
    }

    #[cold]
    fn no_layer(&self, found: String) -> Error {
        let names: Vec<&str> = self.layers.iter().map(|l| l.name().unwrap_or("?")).collect();
        Error::invalid(
            "get_layer",
            format!("one of the model's {} layers ({})", names.len(), names.join(", ")),
            found,
        )
    }

    /// Whether the weights exist.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert!(Sequential::new(vec![Dense::new(10).input_shape(4)]).is_built());
    /// assert!(!Sequential::new(vec![Dense::new(10)]).is_built()); // built by the first fit
    /// ```
    pub fn is_built(&self) -> bool {
        self.input_shape.is_some()
    }

    /// The shape of one input sample, once known.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.input_shape(), Some(&[28, 28][..]));
    /// ```
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }

    /// The shape of one output sample, once built.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.output_shape(), Some(&[10][..]));
    /// ```
    pub fn output_shape(&self) -> Option<&[usize]> {
        self.output_shapes
            .last()
            .map(Vec::as_slice)
            .or(self.input_shape.as_deref())
    }

    /// Builds every layer for input samples of `input_shape` (without the
    /// batch axis). Done automatically; call it to build a model whose
    /// first layer declares no input shape before training.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(10)]);
    /// model.build(&[784])?;
    /// assert_eq!(model.count_params(), 7_850);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// The first layer that cannot take its input, or a duplicate layer name.
    pub fn build(&mut self, input_shape: &[usize]) -> Result<()> {
        let mut names: Vec<&str> = self.layers.iter().filter_map(|l| l.name()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::invalid(
                "Sequential",
                "unique layer names",
                format!("two layers named \"{}\"", w[0]),
            ));
        }
        let mut shape = input_shape.to_vec();
        let mut shapes = Vec::with_capacity(self.layers.len());
        for layer in &mut self.layers {
            shape = layer.build(&shape, &mut self.rng).map_err(|e| Error::Layer {
                layer: layer.name().unwrap_or_default().to_string(),
                class: layer.class_name(),
                input: crate::layers::fmt_batch_shape(&shape),
                source: Box::new(e),
            })?;
            shapes.push(shape.clone());
        }
        self.input_shape = Some(input_shape.to_vec());
        self.output_shapes = shapes;
        self.build_error = None;
        Ok(())
    }

    /// Chooses the loss and metrics, with Keras' default optimizer
    /// (RMSprop with `learning_rate=0.001, rho=0.9, epsilon=1e-7`).
    ///
    /// `loss` is a [`Loss`](crate::losses::Loss) or a Keras name
    /// (`"sparse_categorical_crossentropy"`); metrics likewise
    /// (`&[Metric::Accuracy]`, `&["accuracy"]`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// model.compile("sparse_categorical_crossentropy", &["accuracy"])?;
    /// assert_eq!(model.optimizer().map(|o| o.name()), Some("RMSprop"));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name, or an error left by
    /// building the layers.
    pub fn compile<M>(&mut self, loss: impl Into<LossArg>, metrics: &[M]) -> Result<()>
    where
        for<'m> &'m M: Into<MetricArg>,
    {
        self.compile_with(RMSprop::new(), loss, metrics)
    }

    /// [`compile`](Sequential::compile) with an explicit optimizer:
    /// `model.compile_with(Adam::new(), "sparse_categorical_crossentropy", &["accuracy"])`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// model.compile_with(Adam::new().learning_rate(0.01), Loss::SparseCategoricalCrossentropy, &[Metric::Accuracy])?;
    /// assert_eq!(model.optimizer().map(|o| o.learning_rate()), Some(0.01));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`compile`](Sequential::compile), and the optimizer's
    /// hyperparameter checks (e.g. a momentum outside `[0, 1]`).
    pub fn compile_with<O, M>(&mut self, optimizer: O, loss: impl Into<LossArg>, metrics: &[M]) -> Result<()>
    where
        O: Optimizer + 'static,
        for<'m> &'m M: Into<MetricArg>,
    {
        if let Some(e) = &self.build_error {
            return Err(Error::invalid("compile", "a model whose layers build", e.clone()));
        }
        optimizer.validate()?;
        let loss = loss.into().resolve()?;
        let metrics = metrics
            .iter()
            .map(|m| m.into().resolve_named())
            .collect::<Result<Vec<_>>>()?;
        self.compiled = Some(Compiled {
            loss,
            metrics,
            optimizer: Box::new(optimizer),
        });
        Ok(())
    }

    /// Asks `fit` to stop after the current batch (and that epoch's end),
    /// as Keras' `model.stop_training = True`; callbacks call this.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(1).input_shape(1)]);
    /// model.stop_training(); // what a callback calls to end fit
    /// assert!(model.is_stopping());
    /// ```
    pub fn stop_training(&mut self) {
        self.stop_requested = true;
    }

    /// Whether a stop was asked for since `fit` began.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(1).input_shape(1)]);
    /// assert!(!model.is_stopping());
    /// ```
    pub fn is_stopping(&self) -> bool {
        self.stop_requested
    }

    /// The optimizer set by `compile`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(1).input_shape(1)]);
    /// assert!(model.optimizer().is_none());
    /// model.compile_with(SGD::new(), "mse", &[] as &[Metric])?;
    /// assert_eq!(model.optimizer().map(|o| o.name()), Some("SGD"));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn optimizer(&self) -> Option<&dyn Optimizer> {
        self.compiled.as_ref().map(|c| c.optimizer.as_ref())
    }

    /// The optimizer set by `compile`, mutably (to change its learning rate).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(1).input_shape(1)]);
    /// model.compile_with(SGD::new(), "mse", &[] as &[Metric])?;
    /// if let Some(opt) = model.optimizer_mut() {
    ///     opt.set_learning_rate(0.5);
    /// }
    /// assert_eq!(model.optimizer().map(|o| o.learning_rate()), Some(0.5));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn optimizer_mut(&mut self) -> Option<&mut (dyn Optimizer + 'static)> {
        self.compiled.as_mut().map(|c| c.optimizer.as_mut())
    }

    /// Total number of weights (0 before the model is built).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Dense::new(100).input_shape(784), Dense::new(10)];
    /// assert_eq!(model.count_params(), 78_500 + 1_010);
    /// ```
    pub fn count_params(&self) -> usize {
        self.layers
            .iter()
            .flat_map(|l| l.params())
            .map(|p| p.value.len())
            .sum()
    }

    /// Copies of every weight, layer by layer (Keras' `get_weights`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    /// let shapes: Vec<_> = model.get_weights().iter().map(|w| w.shape().to_vec()).collect();
    /// assert_eq!(shapes, [vec![784, 10], vec![10]]); // kernel, bias
    /// ```
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.layers
            .iter()
            .flat_map(|l| l.params())
            .map(|p| p.value.clone())
            .collect()
    }

    /// Replaces every weight, in the order of [`get_weights`](Sequential::get_weights).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// let mut weights = model.get_weights();
    /// weights[1] = Tensor::from_vec(&[2], vec![0.5, -0.5])?; // a new bias
    /// model.set_weights(weights)?;
    /// assert_eq!(model.get_weights()[1].to_vec(), vec![0.5, -0.5]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the count or a shape differs.
    pub fn set_weights(&mut self, weights: Vec<Tensor>) -> Result<()> {
        let params: Vec<_> = self.layers.iter_mut().flat_map(|l| l.params_mut()).collect();
        if params.len() != weights.len() {
            return Err(Error::shape(
                "set_weights",
                format!("{} weights", params.len()),
                format!("{} weights", weights.len()),
            ));
        }
        if let Some((p, w)) = params
            .iter()
            .zip(&weights)
            .find(|(p, w)| p.value.shape() != w.shape())
        {
            return Err(Error::shape(
                "set_weights",
                format!("{} of shape {}", p.name, crate::error::fmt_shape(p.value.shape())),
                format!("shape {}", crate::error::fmt_shape(w.shape())),
            ));
        }
        for (p, w) in params.into_iter().zip(weights) {
            p.value = w;
        }
        Ok(())
    }

    pub(crate) fn compiled(&self, op: &'static str) -> Result<&Compiled> {
        self.compiled.as_ref().ok_or_else(|| not_compiled(op))
    }
}

#[cold]
fn not_compiled(op: &'static str) -> Error {
    Error::invalid(
        op,
        "a compiled model",
        "You must call `compile()` before using the model.",
    )
}

/// `MaxPooling2D` → `max_pooling2d`, `Dense` → `dense`: Keras'
/// `to_snake_case` (an underscore before a capital that starts a lowercase
/// word, or that follows a lowercase letter).
fn snake_case(class: &str) -> String {
    let chars: Vec<char> = class.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let prev_lower = chars[i - 1].is_ascii_lowercase();
            if next_lower || prev_lower {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_names_follow_keras() {
        assert_eq!(snake_case("Dense"), "dense");
        assert_eq!(snake_case("MaxPooling2D"), "max_pooling2d");
        assert_eq!(snake_case("BatchNormalization"), "batch_normalization");
        assert_eq!(snake_case("Conv2D"), "conv2d");
        assert_eq!(snake_case("GlobalAveragePooling2D"), "global_average_pooling2d");
    }
}
