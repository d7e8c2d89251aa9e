//! The merge layers, called on several tensors at once: [`Add`],
//! [`Subtract`], [`Multiply`], [`Average`], [`Maximum`], [`Minimum`]
//! (elementwise, on tensors of one shape) and [`Concatenate`] (along an axis).

use rand::rngs::StdRng;

use serde::{Deserialize, Serialize};

use super::config::NoOptions;
use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};

/// The shape every input of an elementwise merge shares.
fn same_shapes(class: &'static str, inputs: &[Vec<usize>], exactly: Option<usize>) -> Result<Vec<usize>> {
    let Some(first) = inputs.first() else {
        return Err(Error::invalid(
            class,
            "a list of at least one input tensor",
            "none",
        ));
    };
    if let Some(n) = exactly
        && inputs.len() != n
    {
        return Err(Error::invalid(
            class,
            format!("exactly {n} input tensors"),
            format!("{} input tensors", inputs.len()),
        ));
    }
    if let Some(other) = inputs.iter().find(|s| *s != first) {
        return Err(Error::shape(
            class,
            format!("inputs of one shape, {}", super::fmt_batch_shape(first)),
            format!("an input of shape {}", super::fmt_batch_shape(other)),
        ));
    }
    Ok(first.clone())
}

/// The parts of `impl Layer` every merge layer shares: its name, no input
/// shape of its own, no weights, and the one-input `build` and `forward`
/// as the many-input ones.
macro_rules! merge_layer_common {
    () => {
        fn base(&self) -> &LayerBase {
            &self.base
        }

        fn base_mut(&mut self) -> &mut LayerBase {
            &mut self.base
        }

        fn declared_input_shape(&self) -> Option<&[usize]> {
            None
        }

        fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
            let mut out = self.build_many(&[input_shape.to_vec()], rng)?;
            Ok(out.remove(0))
        }

        fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
            let mut out = self.forward_many(f, &[x])?;
            Ok(out.remove(0))
        }
    };
}

macro_rules! elementwise_merge {
    ($(#[$doc:meta])* $name:ident, $keras:literal, $exactly:expr, $combine:expr) => {
        $(#[$doc])*
        #[derive(Debug, Default)]
        pub struct $name {
            base: LayerBase,
        }

        impl $name {
            #[doc = concat!("A `", stringify!($name), "` layer.")]
            ///
            /// ```
            /// use kerust::prelude::*;
            #[doc = concat!("use kerust::layers::", stringify!($name), ";")]
            /// let (a, b) = (Input::new(3), Input::new(3));
            #[doc = concat!("let merged = ", stringify!($name), "::new().call(&[a, b])?;")]
            /// assert_eq!(merged.shape(), &[3]);
            /// # Ok::<(), kerust::Error>(())
            /// ```
            pub fn new() -> Self {
                Self::default()
            }

            #[doc = concat!("A name instead of the automatic `", $keras, "`, ….")]
            ///
            /// ```
            #[doc = concat!("use kerust::layers::", stringify!($name), ";")]
            #[doc = concat!("let layer = ", stringify!($name), "::new().name(\"merged\");")]
            /// # let _ = layer;
            /// ```
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.base.set_name(name.into());
                self
            }
        }

        impl Layer for $name {
            fn class_name(&self) -> &'static str {
                stringify!($name)
            }

            merge_layer_common!();

            fn build_many(&mut self, inputs: &[Vec<usize>], _rng: &mut StdRng) -> Result<Vec<Vec<usize>>> {
                let shape = same_shapes(stringify!($name), inputs, $exactly)?;
                Ok(vec![shape])
            }

            fn forward_many(&mut self, f: &mut Forward<'_>, inputs: &[Var]) -> Result<Vec<Var>> {
                self.base.check_inputs(self, f, inputs)?;
                let combine: fn(&mut Tape, &[Var]) -> Result<Var> = $combine;
                Ok(vec![combine(f.tape, inputs)?])
            }

            fn config(&self) -> LayerConfig {
                LayerConfig::empty(stringify!($name))
            }
        }

        impl FromConfig for $name {
            fn from_config(config: &LayerConfig) -> Result<Self> {
                config.parse::<NoOptions>()?;
                Ok($name::new())
            }
        }
    };
}

/// Folds `op` over the inputs from the left.
fn fold(tape: &mut Tape, inputs: &[Var], op: fn(&mut Tape, Var, Var) -> Result<Var>) -> Result<Var> {
    let (&first, rest) = inputs
        .split_first()
        .ok_or_else(|| Error::invalid("merge", "at least one input tensor", "none"))?;
    rest.iter().try_fold(first, |acc, &x| op(tape, acc, x))
}

elementwise_merge!(
    /// The elementwise sum of its inputs, which share one shape.
    ///
    /// **Keras equivalent:** `keras.layers.Add()([a, b])`
    Add, "add", None, |tape, xs| fold(tape, xs, Tape::add)
);

elementwise_merge!(
    /// `a − b`, of exactly two inputs of one shape.
    ///
    /// **Keras equivalent:** `keras.layers.Subtract()([a, b])`
    Subtract, "subtract", Some(2), |tape, xs| fold(tape, xs, Tape::sub)
);

elementwise_merge!(
    /// The elementwise product of its inputs, which share one shape.
    ///
    /// **Keras equivalent:** `keras.layers.Multiply()([a, b])`
    Multiply, "multiply", None, |tape, xs| fold(tape, xs, Tape::mul)
);

elementwise_merge!(
    /// The elementwise mean of its inputs, which share one shape: their sum
    /// divided by their number, as Keras computes it.
    ///
    /// **Keras equivalent:** `keras.layers.Average()([a, b])`
    Average, "average", None, |tape, xs| {
        let sum = fold(tape, xs, Tape::add)?;
        tape.mul_scalar(sum, 1.0 / xs.len() as f32)
    }
);

elementwise_merge!(
    /// The elementwise maximum of its inputs, which share one shape.
    ///
    /// **Keras equivalent:** `keras.layers.Maximum()([a, b])`
    Maximum, "maximum", None, |tape, xs| fold(tape, xs, Tape::maximum)
);

elementwise_merge!(
    /// The elementwise minimum of its inputs, which share one shape.
    ///
    /// **Keras equivalent:** `keras.layers.Minimum()([a, b])`
    Minimum, "minimum", None, |tape, xs| fold(tape, xs, Tape::minimum)
);

/// Joins its inputs along an axis (the last by default, `-1`); every other
/// axis must agree. The axis counts the batch axis, as in Keras; joining
/// along the batch axis itself is refused.
///
/// **Keras equivalent:** `keras.layers.Concatenate(axis=-1)([a, b])`
///
/// ```
/// use kerust::prelude::*;
/// use kerust::layers::Concatenate;
/// let (a, b) = (Input::new((4, 2)), Input::new((4, 3)));
/// assert_eq!(Concatenate::new().call(&[a.clone(), b.clone()])?.shape(), &[4, 5]);
/// assert!(Concatenate::new().axis(1).call(&[a, b]).is_err()); // (4, 2) and (4, 3) differ off axis 1
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Debug)]
pub struct Concatenate {
    axis: isize,
    base: LayerBase,
}

impl Default for Concatenate {
    fn default() -> Self {
        Self::new()
    }
}

impl Concatenate {
    /// Joins along the last axis.
    ///
    /// ```
    /// use kerust::prelude::*;
    /// use kerust::layers::Concatenate;
    /// let joined = Concatenate::new().call(&[Input::new(3), Input::new(5)])?;
    /// assert_eq!(joined.shape(), &[8]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn new() -> Self {
        Concatenate {
            axis: -1,
            base: LayerBase::default(),
        }
    }

    /// The axis to join along, counting the batch axis as 0; negative
    /// counts from the end (default −1).
    ///
    /// ```
    /// use kerust::prelude::*;
    /// use kerust::layers::Concatenate;
    /// let joined = Concatenate::new().axis(1).call(&[Input::new((2, 3)), Input::new((4, 3))])?;
    /// assert_eq!(joined.shape(), &[6, 3]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }

    /// A name instead of the automatic `concatenate`, ….
    ///
    /// ```
    /// use kerust::layers::Concatenate;
    /// let layer = Concatenate::new().name("joined");
    /// # let _ = layer;
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.base.set_name(name.into());
        self
    }

    /// The axis within a sample (the batch axis excluded).
    fn sample_axis(&self, rank: usize) -> Result<usize> {
        let axis = crate::ops::resolve_axis("Concatenate", self.axis, rank + 1)?;
        if axis == 0 {
            return Err(Error::invalid(
                "Concatenate",
                "an axis other than the batch axis",
                format!("axis {}", self.axis),
            ));
        }
        Ok(axis - 1)
    }
}

impl Layer for Concatenate {
    fn class_name(&self) -> &'static str {
        "Concatenate"
    }

    merge_layer_common!();

    fn build_many(&mut self, inputs: &[Vec<usize>], _rng: &mut StdRng) -> Result<Vec<Vec<usize>>> {
        let Some(first) = inputs.first() else {
            return Err(Error::invalid(
                "Concatenate",
                "a list of at least one input tensor",
                "none",
            ));
        };
        let axis = self.sample_axis(first.len())?;
        let mut out = first.clone();
        out[axis] = 0;
        for shape in inputs {
            let agrees = shape.len() == first.len()
                && shape
                    .iter()
                    .zip(first)
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            if !agrees {
                return Err(Error::shape(
                    "Concatenate",
                    format!(
                        "inputs that agree off axis {} with {}",
                        self.axis,
                        super::fmt_batch_shape(first)
                    ),
                    format!("an input of shape {}", super::fmt_batch_shape(shape)),
                ));
            }
            out[axis] += shape[axis];
        }
        crate::initializers::bounded_elements(&out).ok_or_else(|| {
            Error::shape(
                "Concatenate",
                "an output of bounded size",
                format!("shape {}", fmt_shape(&out)),
            )
        })?;
        Ok(vec![out])
    }

    fn forward_many(&mut self, f: &mut Forward<'_>, inputs: &[Var]) -> Result<Vec<Var>> {
        self.base.check_inputs(self, f, inputs)?;
        let rank = self.base.built_for().and_then(|b| b.first()).map_or(0, Vec::len);
        let axis = self.sample_axis(rank)?;
        Ok(vec![f.tape.concatenate(inputs, axis as isize + 1)?])
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new("Concatenate", &ConcatenateConfig { axis: self.axis })
    }
}

/// Concatenate's options, with Keras' default (the last axis).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConcatenateConfig {
    #[serde(default = "last_axis")]
    axis: isize,
}

fn last_axis() -> isize {
    -1
}

impl FromConfig for Concatenate {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let c: ConcatenateConfig = config.parse()?;
        Ok(Concatenate::new().axis(c.axis))
    }
}
