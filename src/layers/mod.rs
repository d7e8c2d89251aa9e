//! Keras layers: [`Dense`], [`Flatten`], [`Dropout`], [`Conv2D`],
//! [`MaxPooling2D`], [`AveragePooling2D`], [`BatchNormalization`],
//! [`Reshape`], the merge layers ([`Add`], [`Subtract`], [`Multiply`],
//! [`Average`], [`Maximum`], [`Minimum`], [`Concatenate`]), and the
//! [`Layer`] trait they implement.
//!
//! A layer is a configuration until it is built: [`Layer::build`] receives
//! the shape of one input sample (no batch axis), creates the weights from
//! the model's random generator, and returns the output shape. Its forward
//! pass records differentiable ops on the model's tape, so any layer
//! composes with any other and the tape differentiates the whole model.

mod activation_layers;
mod base;
mod batch_normalization;
mod config;
mod conv2d;
mod dense;
mod dropout;
mod flatten;
mod merge;
mod pooling;
mod prelu;
mod registry;
mod reshape;
mod weights;

pub use activation_layers::{ActivationLayer, ELU, LeakyReLU, ReLU, SoftmaxLayer};
pub use base::LayerBase;
pub(crate) use base::base_builders;
pub use batch_normalization::BatchNormalization;
pub use config::{FromConfig, LayerConfig};
pub use conv2d::{Conv2D, Window};
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use merge::{Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract};
pub use pooling::{AveragePooling2D, MaxPooling2D};
pub use prelu::PReLU;
pub(crate) use registry::is_known;
pub use registry::{layer_from_config, register_layer};
pub use reshape::Reshape;
pub use weights::Weights;
pub(crate) use weights::within_budget;
pub(crate) use weights::{KernelBias, kernel_bias_builders};

/// kerust's layer classes, by Keras class name, for loading saved models:
/// a new layer is its file, its `mod` and `pub use` lines above, and one
/// line here.
const BUILTIN: &[(&str, registry::Constructor)] = &[
    ("Dense", registry::boxed::<Dense>),
    ("Flatten", registry::boxed::<Flatten>),
    ("Dropout", registry::boxed::<Dropout>),
    ("Reshape", registry::boxed::<Reshape>),
    ("Conv2D", registry::boxed::<Conv2D>),
    ("MaxPooling2D", registry::boxed::<MaxPooling2D>),
    ("AveragePooling2D", registry::boxed::<AveragePooling2D>),
    ("BatchNormalization", registry::boxed::<BatchNormalization>),
    ("Add", registry::boxed::<Add>),
    ("Subtract", registry::boxed::<Subtract>),
    ("Multiply", registry::boxed::<Multiply>),
    ("Average", registry::boxed::<Average>),
    ("Maximum", registry::boxed::<Maximum>),
    ("Minimum", registry::boxed::<Minimum>),
    ("Concatenate", registry::boxed::<Concatenate>),
    ("ReLU", registry::boxed::<ReLU>),
    ("LeakyReLU", registry::boxed::<LeakyReLU>),
    ("ELU", registry::boxed::<ELU>),
    ("PReLU", registry::boxed::<PReLU>),
    ("Softmax", registry::boxed::<SoftmaxLayer>),
    ("Activation", registry::boxed::<ActivationLayer>),
];

/// The random generator layers build their weights with (re-exported, so
/// that a layer of your own needs no `rand` dependency of its own).
pub use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::ops::Activation;
use crate::tensor::Tensor;

/// A weight of a layer.
///
/// ```
/// # use kerust::prelude::*;
/// let model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
/// let names: Vec<_> = model.layers()[0].params().iter().map(|p| p.name).collect();
/// assert_eq!(names, ["kernel", "bias"]);
/// ```
#[derive(Clone, Debug)]
pub struct Param {
    /// Keras' name for it within the layer (`kernel`, `bias`).
    pub name: &'static str,
    /// Its value.
    pub value: Tensor,
    /// Whether the optimizer updates it.
    pub trainable: bool,
    /// Applied to it after each update (Keras' `variable.constraint`).
    pub constraint: Option<crate::constraints::Constraint>,
    /// Its penalty, added to the loss while it trains (Keras'
    /// `variable.regularizer`).
    pub regularizer: Option<crate::regularizers::Regularizer>,
}

/// What a layer's forward pass works with.
///
/// ```
/// # use kerust::prelude::*;
/// // Layers receive a Forward from Sequential; user code meets it only when
/// // implementing Layer. Training mode turns dropout on:
/// let mut model = sequential![Dense::new(4).input_shape(2), Dropout::new(0.5)];
/// model.compile("mse", ())?;
/// let x = ndarray::Array2::<f32>::ones((3, 2));
/// let out = model.predict(&x)?; // training = false: dropout passes everything
/// assert_eq!(out.shape(), &[3, 4]);
/// # Ok::<(), kerust::Error>(())
/// ```
pub struct Forward<'a> {
    /// The tape to record on.
    pub tape: &'a mut Tape,
    /// The layer's weights on the tape, in the order of [`Layer::params`];
    /// find one by name with [`param`](Forward::param).
    pub params: &'a [Var],
    /// The names of those weights, in the same order.
    pub names: &'a [&'static str],
    /// Training (dropout active, statistics updated) or inference.
    pub training: bool,
    /// The model's random generator (dropout masks).
    pub rng: &'a mut StdRng,
    /// Whether the layer is trainable (Keras' `layer.trainable`): a frozen
    /// `BatchNormalization` runs in inference mode even in training.
    pub trainable: bool,
}

/// The shape of one sample, without the batch axis: `784`, `[28, 28]`,
/// `(28, 28, 1)` and `vec![..]` all convert into it.
///
/// ```
/// # use kerust::prelude::*;
/// // input_shape accepts 784, [28, 28], (28, 28, 1) or a Vec.
/// let a = Dense::new(10).input_shape(784);
/// let b = Flatten::new().input_shape([28, 28]);
/// let c = Conv2D::new(32, 3).input_shape((28, 28, 1));
/// # let _ = (a, b, c);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape(pub Vec<usize>);

impl From<usize> for Shape {
    fn from(n: usize) -> Self {
        Shape(vec![n])
    }
}
impl<const N: usize> From<[usize; N]> for Shape {
    fn from(a: [usize; N]) -> Self {
        Shape(a.to_vec())
    }
}
impl From<(usize, usize)> for Shape {
    fn from((a, b): (usize, usize)) -> Self {
        Shape(vec![a, b])
    }
}
impl From<(usize, usize, usize)> for Shape {
    fn from((a, b, c): (usize, usize, usize)) -> Self {
        Shape(vec![a, b, c])
    }
}
impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape(v)
    }
}
impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape(v.to_vec())
    }
}

/// A Keras layer. kerust's layers implement it, and so can yours: keep a
/// [`LayerBase`] (name, built state, weights), create the weights by name
/// in `build`, find them by name in `forward`, record differentiable ops
/// on the tape, and the layer trains in any model (its backward comes from
/// the tape).
///
/// ```
/// use kerust::prelude::*;
/// use kerust::autograd::Var;
/// use kerust::layers::{Forward, LayerBase};
///
/// /// `y = x ⊙ scale`, one learned factor per feature.
/// #[derive(Default)]
/// struct Scale { base: LayerBase }
///
/// impl Layer for Scale {
///     fn class_name(&self) -> &'static str { "Scale" }
///     fn base(&self) -> &LayerBase { &self.base }
///     fn base_mut(&mut self) -> &mut LayerBase { &mut self.base }
///     fn build(&mut self, input: &[usize], rng: &mut kerust::layers::StdRng) -> Result<Vec<usize>> {
///         let width = *input.last().unwrap_or(&1);
///         self.base.weights.add_weight("scale", &[width], Initializer::Ones, rng, true)?;
///         Ok(input.to_vec())
///     }
///     fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
///         let scale = f.param("scale")?;
///         f.tape.mul(x, scale)
///     }
/// }
///
/// let model = sequential![Dense::new(4).input_shape(3), Scale::default()];
/// assert_eq!(model.get_layer("scale")?.count_params(), 4);
/// let classes: Vec<_> = model.layers().iter().map(|l| l.class_name()).collect();
/// assert_eq!(classes, ["Dense", "Scale"]);
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait Layer: Send {
    /// Keras' class name, e.g. `"Dense"`.
    fn class_name(&self) -> &'static str;

    /// What every layer has (name, declared input shape, built state,
    /// weights).
    fn base(&self) -> &LayerBase;

    /// [`base`](Layer::base), mutably.
    fn base_mut(&mut self) -> &mut LayerBase;

    /// The name given to the layer in its model (`dense`, `dense_1`, …), or
    /// `None` before it joins one.
    fn name(&self) -> Option<&str> {
        self.base().name()
    }

    /// Sets the layer's name (done by the model when the layer is added).
    fn set_name(&mut self, name: String) {
        self.base_mut().set_name(name);
    }

    /// The per-sample input shape declared with `.input_shape(..)`, if any.
    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.base().input_shape()
    }

    /// Creates the weights for inputs whose samples have `input_shape`, and
    /// returns the shape of an output sample.
    ///
    /// # Errors
    /// An [`Error`](crate::Error) naming the layer if it cannot take that shape.
    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>>;

    /// Whether [`build`](Layer::build) has run (the model marks it).
    fn is_built(&self) -> bool {
        self.base().is_built()
    }

    /// Records the layer's computation on `f.tape`.
    ///
    /// # Errors
    /// An [`Error`](crate::Error) naming the layer if `x` does not fit it.
    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var>;

    /// The activation the layer applies last, if it can leave it out (see
    /// [`forward_pre_activation`](Layer::forward_pre_activation)).
    fn output_activation(&self) -> Option<Activation> {
        None
    }

    /// [`build`](Layer::build) for a layer called on several tensors at
    /// once (the merge layers); returns the shape of each output. The
    /// default takes exactly one input.
    ///
    /// # Errors
    /// As [`build`](Layer::build), and a number of inputs the layer does not take.
    fn build_many(&mut self, inputs: &[Vec<usize>], rng: &mut StdRng) -> Result<Vec<Vec<usize>>> {
        match inputs {
            [one] => Ok(vec![self.build(one, rng)?]),
            _ => Err(one_input_expected(self.class_name(), inputs.len())),
        }
    }

    /// [`forward`](Layer::forward) for a layer called on several tensors at
    /// once; returns one tensor per output. The default takes exactly one.
    ///
    /// # Errors
    /// As [`forward`](Layer::forward).
    fn forward_many(&mut self, f: &mut Forward<'_>, inputs: &[Var]) -> Result<Vec<Var>> {
        match inputs {
            [one] => Ok(vec![self.forward(f, *one)?]),
            _ => Err(one_input_expected(self.class_name(), inputs.len())),
        }
    }

    /// The forward pass without the final activation: the logits that a
    /// cross-entropy computed "from logits" needs. Only called when
    /// [`output_activation`](Layer::output_activation) is `Some`.
    ///
    /// # Errors
    /// As [`forward`](Layer::forward).
    fn forward_pre_activation(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.forward(f, x)
    }

    /// The layer's weights (empty before it is built).
    fn params(&self) -> Vec<&Param> {
        self.base().weights.params()
    }

    /// The layer's weights, mutably.
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.base_mut().weights.params_mut()
    }

    /// The configuration (Keras' `get_config()`), from which
    /// [`FromConfig::from_config`] makes the layer again. A layer of your
    /// own without options keeps the default, an empty configuration of
    /// its class; one with options returns
    /// [`LayerConfig::new`]`(class, &options)`.
    fn config(&self) -> LayerConfig {
        LayerConfig::empty(self.class_name())
    }
}

impl<L: Layer + 'static> From<L> for Box<dyn Layer> {
    fn from(layer: L) -> Self {
        Box::new(layer)
    }
}

#[cold]
pub(crate) fn one_input_expected(class: &'static str, found: usize) -> crate::Error {
    crate::Error::invalid(class, "one input tensor", format!("{found} input tensors"))
}

/// Checks the shape of a batch reaching a built layer whose samples have
/// shape `expected`.
pub(crate) fn check_input(layer: &dyn Layer, expected: &[usize], found: &[usize]) -> Result<()> {
    if found.len() == expected.len() + 1 && &found[1..] == expected {
        return Ok(());
    }
    Err(crate::Error::ShapeMismatch {
        op: layer.class_name(),
        expected: format!(
            "input of shape {} for layer \"{}\"",
            fmt_batch_shape(expected),
            layer.name().unwrap_or("?")
        ),
        found: format!("input of shape {}", crate::error::fmt_shape(found)),
    })
}

/// The number of values in one sample of `shape`, checked: at most
/// [`MAX_WEIGHT_ELEMENTS`](crate::initializers::MAX_WEIGHT_ELEMENTS), so
/// that a hostile or mistaken shape is an error instead of an overflow.
pub(crate) fn sample_size(op: &'static str, shape: &[usize]) -> Result<usize> {
    crate::initializers::bounded_elements(shape).ok_or_else(|| {
        crate::Error::shape(
            op,
            format!(
                "a sample of at most {} values",
                crate::initializers::MAX_WEIGHT_ELEMENTS
            ),
            format!("a sample of shape {}", crate::error::fmt_shape(shape)),
        )
    })
}

/// A per-sample shape printed with `None` for the batch axis, as Keras
/// prints it: `(None, 784)`.
///
/// ```
/// assert_eq!(kerust::layers::fmt_batch_shape(&[28, 28, 1]), "(None, 28, 28, 1)");
/// ```
pub fn fmt_batch_shape(sample: &[usize]) -> String {
    let mut s = String::from("(None");
    for d in sample {
        s.push_str(&format!(", {d}"));
    }
    s.push(')');
    s
}
