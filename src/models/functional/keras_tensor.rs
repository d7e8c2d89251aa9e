//! Symbolic tensors: [`Input`] makes one, calling a layer on one makes
//! another, and each remembers the call ([`Node`]) that made it, so a
//! model can be read back from its outputs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::layer_ref::LayerRef;
use crate::layers::Shape;

/// A symbolic tensor: the shape of one sample (no batch axis) and the call
/// that produces it. Keras' `KerasTensor`.
///
/// ```
/// use kerust::prelude::*;
/// use kerust::models::Input;
/// let x = Input::new((28, 28, 1));
/// let h = Flatten::new().call(&x)?;
/// assert_eq!(h.shape(), &[784]);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone)]
pub struct KerasTensor {
    pub(crate) node: Arc<Node>,
    pub(crate) index: usize,
}

impl std::fmt::Debug for KerasTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<KerasTensor shape={}, source={}>",
            crate::layers::fmt_batch_shape(self.shape()),
            self.source_name()
        )
    }
}

impl KerasTensor {
    pub(crate) fn new(node: Arc<Node>, index: usize) -> Self {
        KerasTensor { node, index }
    }

    /// The shape of one sample, without the batch axis.
    ///
    /// ```
    /// use kerust::models::Input;
    /// assert_eq!(Input::new(784).shape(), &[784]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.node.shapes[self.index]
    }

    /// The name of the input or layer that makes the tensor.
    ///
    /// ```
    /// use kerust::models::Input;
    /// assert_eq!(Input::named("image", 784).source_name(), "image");
    /// ```
    pub fn source_name(&self) -> String {
        match &self.node.kind {
            NodeKind::Input { name } => name.clone().unwrap_or_else(|| "input_layer".into()),
            NodeKind::Call { layer, .. } => layer.name(),
        }
    }

    /// The name given to an [`Input`] (`None` for any other tensor, or an
    /// input left unnamed).
    pub(crate) fn input_name(&self) -> Option<&str> {
        match &self.node.kind {
            NodeKind::Input { name } => name.as_deref(),
            NodeKind::Call { .. } => None,
        }
    }

    /// A key that identifies the tensor within a graph.
    pub(crate) fn key(&self) -> (u64, usize) {
        (self.node.id, self.index)
    }
}

/// One call in a graph: an input, or a layer called on tensors.
pub(crate) struct Node {
    /// Unique in the process, so graphs can index their nodes.
    pub(crate) id: u64,
    pub(crate) kind: NodeKind,
    /// The shape of each output sample.
    pub(crate) shapes: Vec<Vec<usize>>,
}

/// What a node is.
pub(crate) enum NodeKind {
    /// A model input.
    Input { name: Option<String> },
    /// `layer` called on `inputs`.
    Call {
        layer: LayerRef,
        inputs: Vec<KerasTensor>,
    },
}

impl Node {
    /// The tensors the call read (none for an input).
    pub(crate) fn inputs(&self) -> &[KerasTensor] {
        match &self.kind {
            NodeKind::Input { .. } => &[],
            NodeKind::Call { inputs, .. } => inputs,
        }
    }

    /// The layer called (none for an input).
    pub(crate) fn layer(&self) -> Option<&LayerRef> {
        match &self.kind {
            NodeKind::Input { .. } => None,
            NodeKind::Call { layer, .. } => Some(layer),
        }
    }

    pub(crate) fn new(kind: NodeKind, shapes: Vec<Vec<usize>>) -> Arc<Node> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Arc::new(Node {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            kind,
            shapes,
        })
    }
}

/// A model input: Keras' `keras.Input(shape=…, name=…)`.
///
/// ```
/// use kerust::prelude::*;
/// use kerust::models::Input;
///
/// let image = Input::named("image", (28, 28, 1));
/// let flat = Flatten::new().call(&image)?;
/// let scores = Dense::new(10).activation(Softmax).call(&flat)?;
/// let model = Model::new(&image, &scores)?;
/// assert_eq!(model.input_shape(), Some(&[28, 28, 1][..]));
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Debug)]
pub struct Input;

impl Input {
    /// An input whose samples have `shape` (no batch axis).
    ///
    /// ```
    /// use kerust::models::Input;
    /// assert_eq!(Input::new([28, 28]).shape(), &[28, 28]);
    /// ```
    #[allow(clippy::new_ret_no_self)]
    pub fn new(shape: impl Into<Shape>) -> KerasTensor {
        Self::make(None, shape.into().0)
    }

    /// An input with a name (`input_layer`, `input_layer_1`, … otherwise).
    ///
    /// ```
    /// use kerust::models::Input;
    /// assert_eq!(Input::named("pixels", 784).source_name(), "pixels");
    /// ```
    pub fn named(name: impl Into<String>, shape: impl Into<Shape>) -> KerasTensor {
        Self::make(Some(name.into()), shape.into().0)
    }

    fn make(name: Option<String>, shape: Vec<usize>) -> KerasTensor {
        KerasTensor::new(Node::new(NodeKind::Input { name }, vec![shape]), 0)
    }
}

/// Symbolic tensors given to a layer call or to [`Model::new`](crate::models::Model::new):
/// one (`&x`) or several (`&[a, b]`, `[&a, &b]`, `&vec`).
///
/// ```
/// use kerust::models::{Input, Tensors};
/// let (a, b) = (Input::new(4), Input::new(4));
/// assert_eq!(Tensors::from(&a).0.len(), 1);
/// assert_eq!(Tensors::from([&a, &b]).0.len(), 2);
/// ```
#[derive(Debug)]
pub struct Tensors(pub Vec<KerasTensor>);

impl From<&KerasTensor> for Tensors {
    fn from(t: &KerasTensor) -> Self {
        Tensors(vec![t.clone()])
    }
}
impl From<&[KerasTensor]> for Tensors {
    fn from(ts: &[KerasTensor]) -> Self {
        Tensors(ts.to_vec())
    }
}
impl<const N: usize> From<&[KerasTensor; N]> for Tensors {
    fn from(ts: &[KerasTensor; N]) -> Self {
        Tensors(ts.to_vec())
    }
}
impl From<Vec<KerasTensor>> for Tensors {
    fn from(ts: Vec<KerasTensor>) -> Self {
        Tensors(ts)
    }
}
impl From<&Vec<KerasTensor>> for Tensors {
    fn from(ts: &Vec<KerasTensor>) -> Self {
        Tensors(ts.clone())
    }
}
impl<const N: usize> From<[&KerasTensor; N]> for Tensors {
    fn from(ts: [&KerasTensor; N]) -> Self {
        Tensors(ts.into_iter().cloned().collect())
    }
}
