//! `Sequential`: a stack of layers, Keras' `Sequential`, which is a
//! [`Model`] whose graph is a chain, made once the input shape is known.

use std::ops::{Deref, DerefMut};

use super::functional::{Graph, Input, LayerRef};
use super::model::{Model, name_layers};
use crate::error::{Error, Result};

/// A linear stack of layers, Keras' `Sequential` model.
///
/// The model is built — its weights created — as soon as the input shape
/// is known: from the first layer's `.input_shape(..)`, or else from the
/// data given to `fit`, `evaluate` or `predict`. It is a [`Model`] (it
/// dereferences to one), so everything a model does, a `Sequential` does.
///
/// ```
/// use kerust::prelude::*;
///
/// let mut model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// model.compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])?;
/// assert_eq!(model.count_params(), 7850);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Debug)]
pub struct Sequential {
    model: Model,
}

impl Deref for Sequential {
    type Target = Model;
    fn deref(&self) -> &Model {
        &self.model
    }
}

impl DerefMut for Sequential {
    fn deref_mut(&mut self) -> &mut Model {
        &mut self.model
    }
}

impl From<Sequential> for Model {
    fn from(s: Sequential) -> Model {
        s.model
    }
}

/// A model that is a `Sequential` (as [`load_model`](crate::saving::load_model)
/// returns one), back as a `Sequential` to [`add`](Sequential::add) to.
///
/// ```
/// # use kerust::prelude::*;
/// let path = std::env::temp_dir().join(format!("kerust-doc-seq-{}.kerust", std::process::id()));
/// Sequential::new(vec![Dense::new(4).input_shape(3)]).save(&path)?;
/// let mut model = Sequential::try_from(load_model(&path)?)?;
/// model.add(Dense::new(1))?;
/// assert_eq!(model.count_params(), 16 + 5);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), kerust::Error>(())
/// ```
impl TryFrom<Model> for Sequential {
    type Error = Error;

    fn try_from(model: Model) -> Result<Sequential> {
        if model.sequential {
            return Ok(Sequential { model });
        }
        Err(Error::invalid(
            "Sequential",
            "a Sequential model",
            format!("the functional model \"{}\"", model.name()),
        ))
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
    /// A model of `layers`, in order. Anything convertible into a layer
    /// handle works: `vec![Dense::new(10)]`, `vec![Box<dyn Layer>…]`, or
    /// [`LayerRef`]s.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    /// assert_eq!(model.count_params(), 7_850);
    /// ```
    pub fn new<L: Into<LayerRef>>(layers: Vec<L>) -> Self {
        let layers: Vec<LayerRef> = layers.into_iter().map(Into::into).collect();
        let mut model = Sequential {
            model: Model::with_parts("sequential", layers, None, true),
        };
        if let Err(e) = model.build_declared() {
            model.build_error = Some(e.to_string());
        }
        model
    }

    /// Builds the model if its first layer declares its input shape.
    fn build_declared(&mut self) -> Result<()> {
        let declared = self
            .pending
            .first()
            .and_then(|l| l.lock().declared_input_shape().map(<[usize]>::to_vec));
        match declared {
            Some(shape) => self.build_chain(&shape),
            None => name_layers("Sequential", &self.model.pending),
        }
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
    pub fn add<L: Into<LayerRef>>(&mut self, layer: L) -> Result<()> {
        self.model.pending.push(layer.into());
        match self.input_shape().map(<[usize]>::to_vec) {
            Some(shape) => self.build_chain(&shape).inspect_err(|_| {
                self.model.pending.pop();
            }),
            None => self.build_declared(),
        }
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
        self.build_chain(input_shape)
    }
}

impl Model {
    /// Builds a `Sequential`'s chain for input samples of `input_shape`:
    /// each layer called on the previous one's output, built with the
    /// model's generator in order.
    pub(crate) fn build_chain(&mut self, input_shape: &[usize]) -> Result<()> {
        let layers = self.pending.clone();
        name_layers("Sequential", &layers)?;
        let input = Input::new(input_shape.to_vec());
        let mut h = input.clone();
        for layer in &layers {
            let mut out = layer.call_with(vec![h], &mut self.rng)?;
            h = match out.len() {
                1 => out.remove(0),
                n => {
                    return Err(Error::invalid(
                        "Sequential",
                        "layers with one output each",
                        format!("layer \"{}\" with {n} outputs", layer.name()),
                    ));
                }
            };
        }
        self.graph = Some(Graph::new(&[input], &[h])?);
        self.build_error = None;
        Ok(())
    }
}
