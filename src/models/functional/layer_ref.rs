//! [`LayerRef`]: a layer as the graph holds it — one shared handle, so a
//! layer called twice (or used by two models) has one set of weights.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use rand::rngs::StdRng;

use super::keras_tensor::{KerasTensor, Node, NodeKind, Tensors};
use crate::error::{Error, Result};
use crate::layers::{Layer, Param, fmt_batch_shape};

/// A shared handle on a layer: what a model holds and what a symbolic call
/// records. Cloning it is cheap and gives the same layer, so calling one
/// handle on two tensors shares the weights (Keras' shared layers).
///
/// ```
/// use kerust::prelude::*;
/// use kerust::models::{Input, LayerRef};
///
/// let (a, b) = (Input::new(8), Input::new(8));
/// let shared = LayerRef::new(Dense::new(4));
/// let (ya, yb) = (shared.call(&a)?, shared.call(&b)?);
/// let model = Model::new(&[a, b], &[ya, yb])?;
/// assert_eq!(model.count_params(), 8 * 4 + 4); // one kernel and bias for both calls
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone)]
pub struct LayerRef {
    shared: Arc<Shared>,
}

struct Shared {
    layer: Mutex<Box<dyn Layer>>,
    trainable: AtomicBool,
    calls: Mutex<Calls>,
}

/// What the layer's calls fixed: the shapes it was built for, and the
/// nodes it made (for `output()`).
#[derive(Default)]
struct Calls {
    inputs: Option<Vec<Vec<usize>>>,
    outputs: Vec<Vec<usize>>,
    nodes: Vec<Weak<Node>>,
}

/// Locks `mutex`, taking the data even if a thread panicked holding it:
/// layers hold no invariant a panic could leave half-made.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for LayerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name(), self.class_name())
    }
}

impl<L: Layer + 'static> From<L> for LayerRef {
    fn from(layer: L) -> Self {
        LayerRef::new(layer)
    }
}

impl From<Box<dyn Layer>> for LayerRef {
    fn from(layer: Box<dyn Layer>) -> Self {
        LayerRef::from_box(layer)
    }
}

impl LayerRef {
    /// A handle on `layer`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::models::LayerRef;
    /// let dense = LayerRef::new(Dense::new(10).name("scores"));
    /// assert_eq!(dense.name(), "scores");
    /// ```
    pub fn new(layer: impl Layer + 'static) -> Self {
        Self::from_box(Box::new(layer))
    }

    fn from_box(layer: Box<dyn Layer>) -> Self {
        LayerRef {
            shared: Arc::new(Shared {
                layer: Mutex::new(layer),
                trainable: AtomicBool::new(true),
                calls: Mutex::new(Calls::default()),
            }),
        }
    }

    /// The layer itself, locked for as long as the guard lives (to read
    /// its weights in place, or to change them). The model's own methods
    /// lock its layers too: let the guard go before calling them.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    /// assert_eq!(model.layers()[0].lock().params()[0].value.shape(), &[784, 10]);
    /// ```
    pub fn lock(&self) -> MutexGuard<'_, Box<dyn Layer>> {
        lock(&self.shared.layer)
    }

    /// The layer's name (`dense`, `dense_1`, …), given by its model when
    /// it joins one; empty until then unless set with `.name(..)`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.layers()[1].name(), "dense");
    /// ```
    pub fn name(&self) -> String {
        self.lock().name().unwrap_or_default().to_string()
    }

    /// Keras' class name (`"Dense"`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Flatten::new().input_shape([28, 28]), Dense::new(10)];
    /// assert_eq!(model.layers()[0].class_name(), "Flatten");
    /// ```
    pub fn class_name(&self) -> &'static str {
        self.lock().class_name()
    }

    /// Copies of the layer's weights (cheap: tensors share their data).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    /// let names: Vec<_> = model.layers()[0].params().iter().map(|p| p.name).collect();
    /// assert_eq!(names, ["kernel", "bias"]);
    /// ```
    pub fn params(&self) -> Vec<Param> {
        self.lock().params().into_iter().cloned().collect()
    }

    /// The number of values in the layer's weights.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    /// assert_eq!(model.layers()[0].count_params(), 7_850);
    /// ```
    pub fn count_params(&self) -> usize {
        self.lock().params().iter().map(|p| p.value.len()).sum()
    }

    /// Whether the optimizer updates the layer's weights (Keras'
    /// `layer.trainable`, true by default).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).input_shape(4)]);
    /// assert!(model.layers()[0].trainable());
    /// ```
    pub fn trainable(&self) -> bool {
        self.shared.trainable.load(Ordering::Relaxed)
    }

    /// Whether training updates `param`, one of this layer's weights: the
    /// layer is trainable and so is the weight (moving statistics are not).
    pub(crate) fn trains(&self, param: &Param) -> bool {
        self.trainable() && param.trainable
    }

    /// Freezes (`false`) or unfreezes the layer, as Keras'
    /// `layer.trainable = False`: its weights are left alone by training,
    /// `summary()` counts them as non-trainable, and a frozen
    /// `BatchNormalization` normalises with its moving statistics. Compile
    /// the model again after changing it, as in Keras.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Dense::new(8).input_shape(4), Dense::new(2)];
    /// model.layers()[0].set_trainable(false);
    /// assert!(model.summary_string().contains("Non-trainable params: 40"));
    /// ```
    pub fn set_trainable(&self, trainable: bool) {
        self.shared.trainable.store(trainable, Ordering::Relaxed);
    }

    /// The output of the layer's first call (Keras' `layer.output`): a
    /// model from a model's inputs to it extracts the layer's features.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = sequential![Dense::new(8).activation(Relu).input_shape(4), Dense::new(2)];
    /// let features = Model::new(model.inputs()?, &model.get_layer("dense")?.output()?)?;
    /// assert_eq!(features.output_shape(), Some(&[8][..]));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the layer was never called on a
    /// tensor, or has several outputs.
    pub fn output(&self) -> Result<KerasTensor> {
        let node = lock(&self.shared.calls).nodes.iter().find_map(Weak::upgrade);
        match node {
            Some(node) if node.shapes.len() == 1 => Ok(KerasTensor::new(node, 0)),
            Some(node) => Err(Error::invalid(
                "output",
                format!("a layer with one output ({})", self.name()),
                format!("{} outputs", node.shapes.len()),
            )),
            None => Err(Error::invalid(
                "output",
                format!("a layer that was called on a tensor ({})", self.name()),
                "a layer with no calls in a live model",
            )),
        }
    }

    /// Calls the layer on one tensor, or on several for a merge layer
    /// (`&[a, b]`), and returns its output. The first call builds the
    /// layer for the inputs' shapes; a later call must give the same
    /// shapes.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::models::{Input, LayerRef};
    /// let x = Input::new((28, 28, 1));
    /// let conv = LayerRef::new(Conv2D::new(8, 3));
    /// assert_eq!(conv.call(&x)?.shape(), &[26, 26, 8]);
    /// assert!(LayerRef::new(Conv2D::new(8, 3)).call(&Input::new(784)).is_err()); // at definition
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Layer`] naming the layer and the input shape it cannot
    /// take, and what it needed.
    pub fn call(&self, inputs: impl Into<Tensors>) -> Result<KerasTensor> {
        one_output(self.call_many(inputs)?, || {
            format!("a layer with one output ({})", self.name())
        })
    }

    /// [`call`](LayerRef::call) for a layer with several outputs: one
    /// tensor per output.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::models::{Input, LayerRef};
    /// let x = Input::new(4);
    /// let outputs = LayerRef::new(Dense::new(2)).call_many(&x)?;
    /// assert_eq!(outputs.len(), 1);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`call`](LayerRef::call).
    pub fn call_many(&self, inputs: impl Into<Tensors>) -> Result<Vec<KerasTensor>> {
        let mut rng = crate::utils::model_rng();
        self.call_with(inputs.into().0, &mut rng)
    }

    /// Calls the layer, building it with `rng` if it was never built.
    pub(crate) fn call_with(&self, inputs: Vec<KerasTensor>, rng: &mut StdRng) -> Result<Vec<KerasTensor>> {
        let shapes: Vec<Vec<usize>> = inputs.iter().map(|t| t.shape().to_vec()).collect();
        let outputs = {
            let mut calls = lock(&self.shared.calls);
            match &calls.inputs {
                Some(built) if *built == shapes => calls.outputs.clone(),
                Some(built) => {
                    return Err(self.refused(
                        &shapes,
                        Error::shape(
                            self.class_name(),
                            format!("the input shape it was built for, {}", fmt_shapes(built)),
                            fmt_shapes(&shapes),
                        ),
                    ));
                }
                None => {
                    // The guard is let go before `refused` locks the layer again.
                    let built = {
                        let mut layer = self.lock();
                        let built = layer.build_many(&shapes, rng);
                        if built.is_ok() {
                            layer.base_mut().set_built(shapes.clone());
                        }
                        built
                    };
                    let outputs = built.map_err(|e| self.refused(&shapes, e))?;
                    calls.inputs = Some(shapes);
                    calls.outputs = outputs.clone();
                    outputs
                }
            }
        };
        let node = Node::new(
            NodeKind::Call {
                layer: self.clone(),
                inputs,
            },
            outputs,
        );
        let mut calls = lock(&self.shared.calls);
        // Calls of graphs that are gone (a Sequential rebuilt by `add`) go too.
        calls.nodes.retain(|n| n.strong_count() > 0);
        calls.nodes.push(Arc::downgrade(&node));
        drop(calls);
        Ok((0..node.shapes.len())
            .map(|i| KerasTensor::new(node.clone(), i))
            .collect())
    }

    /// The shapes of the layer's output samples, once called.
    pub(crate) fn output_shapes(&self) -> Option<Vec<Vec<usize>>> {
        let calls = lock(&self.shared.calls);
        calls.inputs.as_ref().map(|_| calls.outputs.clone())
    }

    #[cold]
    fn refused(&self, shapes: &[Vec<usize>], source: Error) -> Error {
        let layer = self.lock();
        let name = layer
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| super::snake_case(layer.class_name()));
        Error::Layer {
            layer: name,
            class: layer.class_name(),
            input: match shapes {
                [one] => fmt_batch_shape(one),
                _ => fmt_shapes(shapes),
            },
            source: Box::new(source),
        }
    }

    /// The position of `node` among the layer's calls (Keras' node index).
    pub(crate) fn node_index(&self, node: &Arc<Node>) -> usize {
        lock(&self.shared.calls)
            .nodes
            .iter()
            .position(|n| std::ptr::eq(n.as_ptr(), Arc::as_ptr(node)))
            .unwrap_or(0)
    }

    /// Whether two handles are the same layer.
    pub(crate) fn same(&self, other: &LayerRef) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// The one tensor of a call; `expected` says what was called.
pub(crate) fn one_output(
    mut outputs: Vec<KerasTensor>,
    expected: impl FnOnce() -> String,
) -> Result<KerasTensor> {
    match outputs.len() {
        1 => Ok(outputs.remove(0)),
        n => Err(Error::invalid(
            "call",
            expected(),
            format!("{n} outputs (use call_many)"),
        )),
    }
}

/// `[(None, 4), (None, 8)]`.
fn fmt_shapes(shapes: &[Vec<usize>]) -> String {
    let parts: Vec<String> = shapes.iter().map(|s| fmt_batch_shape(s)).collect();
    if parts.len() == 1 {
        return parts.join("");
    }
    format!("[{}]", parts.join(", "))
}

/// Calls a layer on symbolic tensors without naming a handle:
/// `Dense::new(10).call(&x)?`, Keras' `Dense(10)(x)`. Keep a
/// [`LayerRef`] instead to call one layer more than once.
///
/// ```
/// use kerust::prelude::*;
/// use kerust::models::Input;
/// let x = Input::new(784);
/// let h = Dense::new(100).activation(Relu).call(&x)?;
/// let y = Dense::new(10).activation(Softmax).call(&h)?;
/// let model = Model::new(&x, &y)?;
/// assert_eq!(model.count_params(), 79_510);
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait CallLayer {
    /// Calls the layer on `inputs` (see [`LayerRef::call`]).
    ///
    /// # Errors
    /// As [`LayerRef::call`].
    fn call(self, inputs: impl Into<Tensors>) -> Result<KerasTensor>;
}

impl<L: Layer + 'static> CallLayer for L {
    fn call(self, inputs: impl Into<Tensors>) -> Result<KerasTensor> {
        LayerRef::new(self).call(inputs)
    }
}
