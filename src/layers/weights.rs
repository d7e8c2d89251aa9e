//! [`Weights`]: a layer's weights, created and found by name (Keras'
//! `layer.add_weight(name=…)`), and the lookup of their tape variables by
//! name in [`Forward`].

use std::cell::Cell;

use rand::rngs::StdRng;

use super::{Forward, Param};
use crate::autograd::Var;
use crate::constraints::Constraint;
use crate::error::{Error, Result, fmt_shape};
use crate::initializers::{Initializer, weight_elements};
use crate::regularizers::Regularizer;

/// A layer's weights, each created with a name and found by it: a layer
/// holds one `Weights`, adds to it in `build`, and hands it out from
/// [`Layer::params`](super::Layer::params).
///
/// ```
/// use kerust::initializers::Initializer;
/// use kerust::layers::Weights;
/// let mut rng = kerust::utils::seeded_rng(0);
/// let mut weights = Weights::default();
/// weights.add_weight("kernel", &[3, 2], Initializer::GlorotUniform, &mut rng, true)?;
/// weights.add_weight("moving_mean", &[2], Initializer::Zeros, &mut rng, false)?;
/// assert_eq!(weights.get("kernel").map(|p| p.value.shape()), Some(&[3, 2][..]));
/// assert!(weights.get("bias").is_none());
/// assert_eq!(weights.params().len(), 2);
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Weights {
    params: Vec<Param>,
}

impl Weights {
    /// Adds a weight named `name` of `shape`, drawn from `initializer`
    /// with the model's generator (Keras' `layer.add_weight(name, shape,
    /// initializer, trainable)`); `trainable` says whether the optimizer
    /// updates it (moving statistics do not). Adding a name again replaces
    /// that weight. The weight is returned, to give it a
    /// [`constraint`](Param::constraint) or a [`regularizer`](Param::regularizer),
    /// which training then applies wherever the layer is.
    ///
    /// ```
    /// use kerust::initializers::Initializer;
    /// use kerust::layers::Weights;
    /// let mut rng = kerust::utils::seeded_rng(0);
    /// let mut weights = Weights::default();
    /// weights.add_weight("scale", &[4], Initializer::Ones, &mut rng, true)?;
    /// weights.add_weight("scale", &[8], Initializer::Ones, &mut rng, true)?; // rebuilt
    /// assert_eq!(weights.params().len(), 1);
    /// assert!(weights.add_weight("huge", &[1 << 40], Initializer::Zeros, &mut rng, true).is_err());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the weight would have more than
    /// [`MAX_WEIGHT_ELEMENTS`](crate::initializers::MAX_WEIGHT_ELEMENTS)
    /// values, or, while a model file is loaded, more than the file holds.
    pub fn add_weight(
        &mut self,
        name: &'static str,
        shape: &[usize],
        initializer: Initializer,
        rng: &mut StdRng,
        trainable: bool,
    ) -> Result<&mut Param> {
        spend(name, shape)?;
        let param = Param {
            name,
            value: initializer.initialize(shape, rng)?,
            trainable,
            constraint: None,
            regularizer: None,
        };
        let at = match self.params.iter().position(|p| p.name == name) {
            Some(i) => {
                self.params[i] = param;
                i
            }
            None => {
                self.params.push(param);
                self.params.len() - 1
            }
        };
        Ok(&mut self.params[at])
    }

    /// Whether any weight has a constraint (the training step looks no
    /// further when none has).
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(!Weights::default().has_constraints());
    /// ```
    pub fn has_constraints(&self) -> bool {
        self.params.iter().any(|p| p.constraint.is_some())
    }

    /// Whether any weight has a regularizer.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(!Weights::default().has_regularizers());
    /// ```
    pub fn has_regularizers(&self) -> bool {
        self.params.iter().any(|p| p.regularizer.is_some())
    }

    /// The weight named `name`.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(Weights::default().get("kernel").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The weight named `name`, mutably.
    ///
    /// ```
    /// use kerust::initializers::Initializer;
    /// use kerust::layers::Weights;
    /// use kerust::tensor::Tensor;
    /// let mut weights = Weights::default();
    /// weights.add_weight("bias", &[2], Initializer::Zeros, &mut kerust::utils::seeded_rng(0), true)?;
    /// if let Some(bias) = weights.get_mut("bias") {
    ///     bias.value = Tensor::ones(&[2]);
    /// }
    /// assert_eq!(weights.get("bias").map(|p| p.value.to_vec()), Some(vec![1.0, 1.0]));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Param> {
        self.params.iter_mut().find(|p| p.name == name)
    }

    /// Every weight, in the order added.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(Weights::default().params().is_empty());
    /// ```
    pub fn params(&self) -> Vec<&Param> {
        self.params.iter().collect()
    }

    /// Every weight, mutably.
    ///
    /// ```
    /// use kerust::layers::Weights;
    /// assert!(Weights::default().params_mut().is_empty());
    /// ```
    pub fn params_mut(&mut self) -> Vec<&mut Param> {
        self.params.iter_mut().collect()
    }
}

impl Forward<'_> {
    /// The tape variable of the layer's weight named `name`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // Inside Layer::forward: let kernel = f.param("kernel")?;
    /// let model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// assert_eq!(model.layers()[0].params()[0].name, "kernel");
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the weights the layer has.
    pub fn param(&self, name: &str) -> Result<Var> {
        self.param_opt(name).ok_or_else(|| {
            Error::invalid(
                "forward",
                format!(
                    "a weight named {name:?} (the layer has {})",
                    self.names.join(", ")
                ),
                "none",
            )
        })
    }

    /// The tape variable of the weight named `name`, if the layer has one
    /// (an optional bias, γ or β).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // Inside Layer::forward: let bias = f.param_opt("bias");
    /// let model = Sequential::new(vec![Dense::new(2).use_bias(false).input_shape(3)]);
    /// assert_eq!(model.layers()[0].params().len(), 1);
    /// ```
    pub fn param_opt(&self, name: &str) -> Option<Var> {
        self.names
            .iter()
            .position(|&n| n == name)
            .and_then(|i| self.params.get(i).copied())
    }
}

thread_local! {
    /// While a model file is loaded: how many more weight values its
    /// layers may create (the values the file holds).
    /// (The values the file holds, and those not yet taken.)
    static BUDGET: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// Runs `f` (which builds layers) allowing its weights `values` values
/// in all: a hostile configuration (a huge unit count or input shape)
/// fails in `add_weight` before anything is allocated, whatever the layer.
pub(crate) fn within_budget<T>(values: usize, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let outer = BUDGET.with(|b| b.replace(Some((values, values))));
    let result = f();
    BUDGET.with(|b| b.set(outer));
    result
}

/// Takes a weight of `shape` out of the budget, if one is set.
fn spend(name: &str, shape: &[usize]) -> Result<()> {
    let n = weight_elements(shape)?;
    BUDGET.with(|b| match b.get() {
        Some((held, left)) if n > left => Err(Error::invalid(
            "load_model",
            format!("layers whose weights fit the {held} values in the file"),
            format!("a weight {name} of shape {} beyond them", fmt_shape(shape)),
        )),
        Some((held, left)) => {
            b.set(Some((held, left - n)));
            Ok(())
        }
        None => Ok(()),
    })
}

/// Keras' `kernel_constraint`, `bias_constraint`, `kernel_regularizer` and
/// `bias_regularizer`, as a layer with a kernel and a bias keeps them
/// until it builds them into its weights.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct KernelBias {
    pub(crate) kernel_constraint: Option<Constraint>,
    pub(crate) bias_constraint: Option<Constraint>,
    pub(crate) kernel_regularizer: Option<Regularizer>,
    pub(crate) bias_regularizer: Option<Regularizer>,
}

impl KernelBias {
    /// Checks every constraint's and regularizer's arguments.
    pub(crate) fn check(&self) -> Result<()> {
        for c in [self.kernel_constraint, self.bias_constraint]
            .into_iter()
            .flatten()
        {
            c.check()?;
        }
        for r in [self.kernel_regularizer, self.bias_regularizer]
            .into_iter()
            .flatten()
        {
            r.check()?;
        }
        Ok(())
    }

    /// Gives the weights named `kernel` and `bias` their constraints and
    /// regularizers.
    pub(crate) fn attach(&self, weights: &mut Weights) {
        for (name, constraint, regularizer) in [
            ("kernel", self.kernel_constraint, self.kernel_regularizer),
            ("bias", self.bias_constraint, self.bias_regularizer),
        ] {
            if let Some(p) = weights.get_mut(name) {
                p.constraint = constraint;
                p.regularizer = regularizer;
            }
        }
    }
}

/// The builder methods `kernel_constraint`, `bias_constraint`,
/// `kernel_regularizer`, `bias_regularizer` and `activity_regularizer` for
/// a layer struct with `rules: KernelBias` and `base: LayerBase` fields;
/// `$example` makes the layer, for the doc tests.
macro_rules! kernel_bias_builders {
    ($layer:ident, $example:expr) => {
        impl $layer {
            /// A constraint on the kernel after each update (Keras'
            /// `kernel_constraint`).
            ///
            /// ```
            /// # use kerust::prelude::*;
            /// use kerust::constraints::Constraint;
            #[doc = concat!("let layer = ", stringify!($example), ".kernel_constraint(Constraint::max_norm(3.0));")]
            /// # let _ = layer;
            /// ```
            pub fn kernel_constraint(mut self, constraint: $crate::constraints::Constraint) -> Self {
                self.rules.kernel_constraint = Some(constraint);
                self
            }

            /// A constraint on the bias after each update (Keras'
            /// `bias_constraint`).
            ///
            /// ```
            /// # use kerust::prelude::*;
            /// use kerust::constraints::Constraint;
            #[doc = concat!("let layer = ", stringify!($example), ".bias_constraint(Constraint::NonNeg);")]
            /// # let _ = layer;
            /// ```
            pub fn bias_constraint(mut self, constraint: $crate::constraints::Constraint) -> Self {
                self.rules.bias_constraint = Some(constraint);
                self
            }

            /// A penalty on the kernel added to the loss (Keras'
            /// `kernel_regularizer`).
            ///
            /// ```
            /// # use kerust::prelude::*;
            /// use kerust::regularizers::Regularizer;
            #[doc = concat!("let layer = ", stringify!($example), ".kernel_regularizer(Regularizer::l2(1e-4));")]
            /// # let _ = layer;
            /// ```
            pub fn kernel_regularizer(mut self, regularizer: $crate::regularizers::Regularizer) -> Self {
                self.rules.kernel_regularizer = Some(regularizer);
                self
            }

            /// A penalty on the bias added to the loss (Keras'
            /// `bias_regularizer`).
            ///
            /// ```
            /// # use kerust::prelude::*;
            /// use kerust::regularizers::Regularizer;
            #[doc = concat!("let layer = ", stringify!($example), ".bias_regularizer(Regularizer::l1(1e-4));")]
            /// # let _ = layer;
            /// ```
            pub fn bias_regularizer(mut self, regularizer: $crate::regularizers::Regularizer) -> Self {
                self.rules.bias_regularizer = Some(regularizer);
                self
            }

            /// A penalty on the layer's output added to the loss, divided
            /// by the batch size (Keras' `activity_regularizer`).
            ///
            /// ```
            /// # use kerust::prelude::*;
            /// use kerust::regularizers::Regularizer;
            #[doc = concat!("let layer = ", stringify!($example), ".activity_regularizer(Regularizer::l1(1e-5));")]
            /// # let _ = layer;
            /// ```
            pub fn activity_regularizer(mut self, regularizer: $crate::regularizers::Regularizer) -> Self {
                self.base.set_activity_regularizer(Some(regularizer));
                self
            }
        }
    };
}
pub(crate) use kernel_bias_builders;
