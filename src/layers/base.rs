//! [`LayerBase`]: what every layer has — its name, the input shape it was
//! declared with, the shapes it was built for, and its weights — kept in
//! one place (Keras' `Layer` base class), so that a layer's own file holds
//! only what is its own.

use super::{Forward, Layer, Weights, check_input};
use crate::autograd::Var;
use crate::error::{Error, Result};
use crate::regularizers::Regularizer;

/// The state every layer shares. A layer holds one, hands it out from
/// [`Layer::base`], and the trait's provided methods (name, built state,
/// weights) read it; the model marks it built once the layer's `build`
/// has succeeded for the shapes of its first call.
///
/// ```
/// use kerust::layers::LayerBase;
/// let mut base = LayerBase::default();
/// assert_eq!(base.name(), None);
/// base.set_name("scale".into());
/// assert_eq!(base.name(), Some("scale"));
/// assert!(!base.is_built());
/// ```
#[derive(Clone, Debug, Default)]
pub struct LayerBase {
    name: Option<String>,
    input_shape: Option<Vec<usize>>,
    built_for: Option<Vec<Vec<usize>>>,
    /// The layer's weights, created by name in `build`
    /// ([`Weights::add_weight`]).
    pub weights: Weights,
    activity_regularizer: Option<Regularizer>,
}

impl LayerBase {
    /// The layer's name, once given (`dense`, `dense_1`, … or its own).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert_eq!(model.layers()[0].lock().base().name(), Some("dense"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Names the layer.
    ///
    /// ```
    /// # use kerust::layers::LayerBase;
    /// let mut base = LayerBase::default();
    /// base.set_name("output".into());
    /// assert_eq!(base.name(), Some("output"));
    /// ```
    pub fn set_name(&mut self, name: String) {
        self.name = Some(name);
    }

    /// The per-sample input shape declared with `.input_shape(..)`, if any.
    ///
    /// ```
    /// # use kerust::layers::LayerBase;
    /// let mut base = LayerBase::default();
    /// base.set_input_shape(vec![28, 28, 1]);
    /// assert_eq!(base.input_shape(), Some(&[28, 28, 1][..]));
    /// ```
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }

    /// Declares the per-sample input shape (for the first layer of a model).
    ///
    /// ```
    /// # use kerust::layers::LayerBase;
    /// let mut base = LayerBase::default();
    /// base.set_input_shape(vec![784]);
    /// assert_eq!(base.input_shape(), Some(&[784][..]));
    /// ```
    pub fn set_input_shape(&mut self, shape: Vec<usize>) {
        self.input_shape = Some(shape);
    }

    /// The penalty on the layer's outputs (Keras' `activity_regularizer`):
    /// the model adds it to the loss, divided by the batch size, for each
    /// output of each call.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// use kerust::regularizers::Regularizer;
    /// let model = Sequential::new(vec![Dense::new(2).activity_regularizer(Regularizer::l1(0.01)).input_shape(3)]);
    /// assert_eq!(model.layers()[0].lock().base().activity_regularizer(), Some(Regularizer::l1(0.01)));
    /// ```
    pub fn activity_regularizer(&self) -> Option<Regularizer> {
        self.activity_regularizer
    }

    /// Sets (or clears) the penalty on the layer's outputs.
    ///
    /// ```
    /// use kerust::layers::LayerBase;
    /// use kerust::regularizers::Regularizer;
    /// let mut base = LayerBase::default();
    /// base.set_activity_regularizer(Some(Regularizer::l2(1e-3)));
    /// assert!(base.activity_regularizer().is_some());
    /// ```
    pub fn set_activity_regularizer(&mut self, regularizer: Option<Regularizer>) {
        self.activity_regularizer = regularizer;
    }

    /// Whether the layer has been built.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert!(model.layers()[0].lock().base().is_built());
    /// ```
    pub fn is_built(&self) -> bool {
        self.built_for.is_some()
    }

    /// The per-sample shapes of the inputs the layer was built for.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert_eq!(model.layers()[0].lock().base().built_for(), Some(&[vec![3]][..]));
    /// ```
    pub fn built_for(&self) -> Option<&[Vec<usize>]> {
        self.built_for.as_deref()
    }

    /// Records that the layer was built for inputs of `shapes` (done by the
    /// model after a successful `build`).
    pub(crate) fn set_built(&mut self, shapes: Vec<Vec<usize>>) {
        self.built_for = Some(shapes);
    }

    /// The one input shape of a built single-input layer.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the layer if it was never built.
    pub fn input(&self, layer: &dyn Layer) -> Result<&[usize]> {
        match self.built_for.as_deref() {
            Some([one]) => Ok(one),
            Some(_) | None => Err(unbuilt(layer)),
        }
    }

    /// Checks that `x` is a batch of the samples the layer was built for.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] naming the layer and both shapes, or the
    /// error of a layer that was never built.
    pub fn check_input(&self, layer: &dyn Layer, f: &Forward<'_>, x: Var) -> Result<()> {
        check_input(layer, self.input(layer)?, f.tape.value(x)?.shape())
    }

    /// Checks a call's batches against the shapes the layer was built for
    /// (the layers of several inputs).
    ///
    /// # Errors
    /// As [`check_input`](Self::check_input), and a different number of inputs.
    pub fn check_inputs(&self, layer: &dyn Layer, f: &Forward<'_>, inputs: &[Var]) -> Result<()> {
        let built = self.built_for.as_deref().ok_or_else(|| unbuilt(layer))?;
        if built.len() != inputs.len() {
            return Err(Error::invalid(
                layer.class_name(),
                format!("{} input tensors, as built", built.len()),
                format!("{} input tensors", inputs.len()),
            ));
        }
        for (shape, &x) in built.iter().zip(inputs) {
            check_input(layer, shape, f.tape.value(x)?.shape())?;
        }
        Ok(())
    }
}

#[cold]
fn unbuilt(layer: &dyn Layer) -> Error {
    Error::invalid(
        layer.class_name(),
        "a built layer (give the model an input shape, or call fit/build first)",
        "a layer that was never built",
    )
}

/// The builder methods every layer offers, `.name(..)` and
/// `.input_shape(..)`, for a layer struct with a `base: LayerBase` field;
/// `$example` is an expression making the layer, `$shape` an input shape
/// it takes, for the doc tests.
macro_rules! base_builders {
    ($layer:ident, $auto:literal, $example:expr, $shape:expr) => {
        impl $layer {
            #[doc = concat!("A name instead of the automatic `", $auto, "`, `", $auto, "_1`, ….")]
            ///
            /// ```
            /// # use kerust::prelude::*;
            #[doc = concat!("let model = Sequential::new(vec![", stringify!($example), ".name(\"mine\").input_shape(", stringify!($shape), ")]);")]
            /// assert_eq!(model.layers()[0].name(), "mine");
            /// ```
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.base.set_name(name.into());
                self
            }

            /// The shape of one input sample, for the first layer of a model.
            ///
            /// ```
            /// # use kerust::prelude::*;
            #[doc = concat!("let model = Sequential::new(vec![", stringify!($example), ".input_shape(", stringify!($shape), ")]);")]
            /// assert!(model.is_built());
            /// ```
            pub fn input_shape(mut self, shape: impl Into<$crate::layers::Shape>) -> Self {
                self.base.set_input_shape(shape.into().0);
                self
            }
        }
    };
}
pub(crate) use base_builders;
