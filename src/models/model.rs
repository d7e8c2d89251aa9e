//! [`Model`]: layers joined in a graph from inputs to outputs, compiled
//! and weighted. Every model is one: [`Sequential`](super::Sequential)
//! wraps a `Model` whose graph is a chain.

use rand::rngs::StdRng;

use super::compile::Compiled;
use super::functional::{Graph, KerasTensor, LayerRef, Tensors, one_output};
use crate::autograd::Tape;
use crate::error::{Error, Result};
use crate::optimizers::Optimizer;
use crate::tensor::Tensor;

/// A model from inputs to outputs: Keras' functional `keras.Model(inputs,
/// outputs)`. Any directed acyclic graph of layer calls: several inputs
/// and outputs, layers called more than once (shared weights), models
/// called as layers.
///
/// ```
/// use kerust::prelude::*;
/// use kerust::models::Input;
///
/// let image = Input::named("image", 784);
/// let hidden = Dense::new(100).activation(Relu).call(&image)?;
/// let classes = Dense::new(10).activation(Softmax).name("classes").call(&hidden)?;
/// let mut model = Model::new(&image, &classes)?;
/// model.compile("sparse_categorical_crossentropy", ["accuracy"])?;
/// assert_eq!(model.count_params(), 79_510);
/// # Ok::<(), kerust::Error>(())
/// ```
pub struct Model {
    pub(crate) name: String,
    /// A `Sequential`'s layers before its input shape is known.
    pub(crate) pending: Vec<LayerRef>,
    pub(crate) graph: Option<Graph>,
    /// Whether this is a `Sequential`'s chain (built from the data's shape,
    /// saved and summarised as Keras' `Sequential`).
    pub(crate) sequential: bool,
    pub(crate) build_error: Option<String>,
    pub(crate) rng: StdRng,
    pub(crate) compiled: Option<Compiled>,
    pub(crate) tape: Tape,
    /// The input batch buffers, reused from step to step: one trains
    /// while the next batch is gathered into the other.
    pub(crate) batches: [super::dataset::Buffers; 2],
    /// Set by a callback to end `fit` (Keras' `model.stop_training = True`).
    pub(crate) stop_requested: bool,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(if self.sequential { "Sequential" } else { "Model" })
            .field("name", &self.name)
            .field(
                "layers",
                &self.layers().iter().map(LayerRef::name).collect::<Vec<_>>(),
            )
            .field("input_shape", &self.input_shape())
            .field("compiled", &self.compiled.is_some())
            .finish()
    }
}

impl Model {
    /// The model computing `outputs` from `inputs` (Keras'
    /// `keras.Model(inputs, outputs)`). Layers without a name are named
    /// here, `dense`, `dense_1`, … in the order they are called.
    ///
    /// ```
    /// use kerust::prelude::*;
    /// use kerust::models::Input;
    /// use kerust::layers::Concatenate;
    ///
    /// let (a, b) = (Input::named("a", 4), Input::named("b", 6));
    /// let joined = Concatenate::new().call(&[a.clone(), b.clone()])?;
    /// let out = Dense::new(1).call(&joined)?;
    /// let model = Model::new(&[a, b], &out)?;
    /// assert_eq!(model.count_params(), 11);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if an output needs an input that is not
    /// among `inputs` (the graph is disconnected), or two layers share a name.
    pub fn new(inputs: impl Into<Tensors>, outputs: impl Into<Tensors>) -> Result<Model> {
        let graph = Graph::new(&inputs.into().0, &outputs.into().0)?;
        name_layers("Model", &graph.layers)?;
        Ok(Model::with_parts("functional", Vec::new(), Some(graph), false))
    }

    pub(crate) fn with_parts(
        name: &str,
        pending: Vec<LayerRef>,
        graph: Option<Graph>,
        sequential: bool,
    ) -> Model {
        Model {
            name: name.into(),
            pending,
            graph,
            sequential,
            build_error: None,
            rng: crate::utils::model_rng(),
            compiled: None,
            tape: Tape::new(),
            batches: [Vec::new(), Vec::new()],
            stop_requested: false,
        }
    }

    /// The model's name (`"functional"`, or `"sequential"`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(4)]);
    /// assert_eq!(model.name(), "sequential");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The layers, each once, in the order they are first called.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// let names: Vec<_> = model.layers().iter().map(|l| l.name()).collect();
    /// assert_eq!(names, ["flatten", "dense"]);
    /// ```
    pub fn layers(&self) -> &[LayerRef] {
        match &self.graph {
            Some(graph) => &graph.layers,
            None => &self.pending,
        }
    }

    /// The model's inputs, as symbolic tensors (Keras' `model.inputs`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert_eq!(model.inputs()?[0].shape(), &[3]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `Sequential` that is not built yet.
    pub fn inputs(&self) -> Result<Vec<KerasTensor>> {
        Ok(self.built_graph("inputs")?.inputs.clone())
    }

    /// The model's outputs, as symbolic tensors (Keras' `model.outputs`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert_eq!(model.outputs()?[0].shape(), &[2]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a `Sequential` that is not built yet.
    pub fn outputs(&self) -> Result<Vec<KerasTensor>> {
        Ok(self.built_graph("outputs")?.outputs.clone())
    }

    pub(crate) fn built_graph(&self, op: &'static str) -> Result<&Graph> {
        self.graph.as_ref().ok_or_else(|| not_built(op))
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
    pub fn get_layer(&self, name: &str) -> Result<&LayerRef> {
        match self.layers().iter().find(|l| l.name() == name) {
            Some(layer) => Ok(layer),
            None => Err(self.no_layer(format!("no layer named {name:?}"))),
        }
    }

    /// The layer at `index`, counting from 0 (Keras'
    /// `model.get_layer(index=i)`, `model.layers[i]`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.get_layer_at(1)?.name(), "dense");
    /// assert!(model.get_layer_at(2).is_err());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an index past the last layer.
    pub fn get_layer_at(&self, index: usize) -> Result<&LayerRef> {
        match self.layers().get(index) {
            Some(layer) => Ok(layer),
            None => Err(self.no_layer(format!("index {index}"))),
        }
    }

    #[cold]
    fn no_layer(&self, found: String) -> Error {
        let names: Vec<String> = self.layers().iter().map(LayerRef::name).collect();
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
        self.graph.is_some()
    }

    /// The shape of one sample of the (first) input, once known.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.input_shape(), Some(&[28, 28][..]));
    /// ```
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.graph
            .as_ref()
            .and_then(|g| g.inputs.first())
            .map(KerasTensor::shape)
    }

    /// The shape of one sample of the (first) output, once built.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.output_shape(), Some(&[10][..]));
    /// ```
    pub fn output_shape(&self) -> Option<&[usize]> {
        self.graph
            .as_ref()
            .and_then(|g| g.outputs.first())
            .map(KerasTensor::shape)
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
    /// model.compile_with(SGD::new(), "mse", ())?;
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
    /// model.compile_with(SGD::new(), "mse", ())?;
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
        self.layers().iter().map(LayerRef::count_params).sum()
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
        self.layers()
            .iter()
            .flat_map(LayerRef::params)
            .map(|p| p.value)
            .collect()
    }

    /// Replaces every weight, in the order of [`get_weights`](Model::get_weights).
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
        let mut guards: Vec<_> = self.layers().iter().map(LayerRef::lock).collect();
        let mut params: Vec<_> = guards.iter_mut().flat_map(|l| l.params_mut()).collect();
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
        for (p, w) in params.iter_mut().zip(weights) {
            p.value = w;
        }
        Ok(())
    }

    pub(crate) fn compiled(&self, op: &'static str) -> Result<&Compiled> {
        self.compiled.as_ref().ok_or_else(|| not_compiled(op))
    }
}

#[cold]
pub(crate) fn not_built(op: &'static str) -> Error {
    Error::invalid(
        op,
        "a built model (give the first layer an input shape, or call build or fit first)",
        "a model that was never built",
    )
}

#[cold]
pub(crate) fn not_compiled(op: &'static str) -> Error {
    Error::invalid(
        op,
        "a compiled model",
        "You must call `compile()` before using the model.",
    )
}

/// Names the unnamed layers `dense`, `dense_1`, … (Keras' automatic names,
/// counted within the model), and checks that the names are unique.
pub(crate) fn name_layers(op: &'static str, layers: &[LayerRef]) -> Result<()> {
    let mut taken: Vec<String> = layers
        .iter()
        .map(LayerRef::name)
        .filter(|n| !n.is_empty())
        .collect();
    for layer in layers {
        let mut guard = layer.lock();
        if guard.name().is_some() {
            continue;
        }
        let base = super::functional::snake_case(guard.class_name());
        let mut name = base.clone();
        let mut k = 0;
        while taken.contains(&name) {
            k += 1;
            name = format!("{base}_{k}");
        }
        guard.set_name(name.clone());
        taken.push(name);
    }
    let mut names: Vec<String> = layers.iter().map(LayerRef::name).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::invalid(
            op,
            "unique layer names",
            format!("two layers named \"{}\"", w[0]),
        ));
    }
    Ok(())
}

impl Model {
    /// Calls the whole model on `inputs`, as a layer of another model
    /// (Keras' `outer = keras.Model(x, inner(x))`): its layers join the
    /// new graph with their weights shared, so training either model
    /// trains both. The model must have one output; see
    /// [`call_many`](Model::call_many).
    ///
    /// ```
    /// use kerust::prelude::*;
    /// let x = Input::new(4);
    /// let inner = Model::new(&x, &Dense::new(3).call(&x)?)?;
    /// let y = Input::new(4);
    /// let outer = Model::new(&y, &Dense::new(1).call(&inner.call(&y)?)?)?;
    /// assert_eq!(outer.count_params(), 15 + 4);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the inputs' shapes differ from the
    /// model's; [`Error::InvalidArgument`] for a model with several outputs.
    pub fn call(&self, inputs: impl Into<Tensors>) -> Result<KerasTensor> {
        one_output(self.call_many(inputs)?, || {
            format!("a model with one output ({})", self.name)
        })
    }

    /// [`call`](Model::call) for a model with several outputs: one tensor each.
    ///
    /// ```
    /// use kerust::prelude::*;
    /// let x = Input::new(4);
    /// let two = Model::new(&x, &[Dense::new(3).call(&x)?, Dense::new(2).call(&x)?])?;
    /// let outs = two.call_many(&Input::new(4))?;
    /// assert_eq!((outs[0].shape(), outs[1].shape()), (&[3][..], &[2][..]));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`call`](Model::call).
    pub fn call_many(&self, inputs: impl Into<Tensors>) -> Result<Vec<KerasTensor>> {
        let graph = self.built_graph("call")?;
        let given = inputs.into().0;
        let expected = graph.input_shapes();
        let found: Vec<Vec<usize>> = given.iter().map(|t| t.shape().to_vec()).collect();
        if expected != found {
            return Err(Error::shape(
                "call",
                format!("inputs of shapes {expected:?} for model \"{}\"", self.name),
                format!("inputs of shapes {found:?}"),
            ));
        }
        let mut map: std::collections::HashMap<(u64, usize), KerasTensor> = graph
            .inputs
            .iter()
            .zip(given)
            .map(|(ours, theirs)| (ours.key(), theirs))
            .collect();
        let mut rng = crate::utils::model_rng();
        for step in &graph.steps {
            let args = step
                .made
                .node
                .inputs()
                .iter()
                .map(|t| map.get(&t.key()).cloned().ok_or_else(unplaced_value))
                .collect::<Result<Vec<_>>>()?;
            let made = graph.layers[step.layer].call_with(args, &mut rng)?;
            for (k, t) in made.into_iter().enumerate() {
                map.insert((step.made.node.id, k), t);
            }
        }
        graph
            .outputs
            .iter()
            .map(|t| map.get(&t.key()).cloned().ok_or_else(unplaced_value))
            .collect()
    }

    /// Freezes or unfreezes every layer of the model (Keras'
    /// `model.trainable = False`, as for a pretrained base inside a new
    /// model). Compile again after changing it.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Dense::new(8).input_shape(4), Dense::new(2)];
    /// model.set_trainable(false);
    /// assert!(model.summary_string().contains("Trainable params: 0"));
    /// ```
    pub fn set_trainable(&self, trainable: bool) {
        for layer in self.layers() {
            layer.set_trainable(trainable);
        }
    }
}

#[cold]
fn unplaced_value() -> Error {
    Error::invalid(
        "call",
        "a graph whose calls read computed values",
        "a value read before it was made",
    )
}
