//! The activation layers (`keras.layers.ReLU`, `LeakyReLU`, `ELU`,
//! `Softmax`, `Activation`): no weights, the shape kept, an activation
//! with its options applied.

use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::{Forward, FromConfig, Layer, LayerBase, LayerConfig, base_builders};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};
use crate::ops::Activation;

/// The layer struct, its `Layer` impl and its `FromConfig`, for an
/// activation layer keeping its options in `$options` and computing
/// `$forward(&options, tape, x)`.
macro_rules! activation_layer {
    ($layer:ident, $class:literal, $options:ty, $forward:expr) => {
        impl Layer for $layer {
            fn class_name(&self) -> &'static str {
                $class
            }

            fn base(&self) -> &LayerBase {
                &self.base
            }

            fn base_mut(&mut self) -> &mut LayerBase {
                &mut self.base
            }

            fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
                self.options.check()?;
                Ok(input_shape.to_vec())
            }

            fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
                self.base.check_input(self, f, x)?;
                let forward: fn(&$options, &mut Tape, Var) -> Result<Var> = $forward;
                forward(&self.options, f.tape, x)
            }

            fn config(&self) -> LayerConfig {
                LayerConfig::new($class, &self.options)
            }
        }

        impl FromConfig for $layer {
            fn from_config(config: &LayerConfig) -> Result<Self> {
                let options: $options = config.parse()?;
                options.check()?;
                Ok($layer {
                    options,
                    base: LayerBase::default(),
                })
            }
        }
    };
}

/// Checks an option that must be a finite number `>= 0`.
fn at_least_zero(class: &'static str, name: &str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        return Ok(());
    }
    Err(Error::invalid(
        class,
        format!("a finite {name} >= 0"),
        format!("{name}={value}"),
    ))
}

/// Keras' `ReLU` layer: `x` above `threshold` (else 0), capped at
/// `max_value`, with `negative_slope` below the threshold.
///
/// **Keras equivalent:** `keras.layers.ReLU(max_value=6.0, negative_slope=0.1)`
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::layers::ReLU;
/// let model = sequential![Dense::new(8).input_shape(4), ReLU::new().max_value(6.0)];
/// assert_eq!(model.output_shape(), Some(&[8][..]));
/// ```
#[derive(Debug, Default)]
pub struct ReLU {
    options: ReluOptions,
    base: LayerBase,
}

/// ReLU's options, with Keras' defaults.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReluOptions {
    #[serde(default)]
    max_value: Option<f32>,
    #[serde(default)]
    negative_slope: f32,
    #[serde(default)]
    threshold: f32,
}

impl ReluOptions {
    fn check(&self) -> Result<()> {
        at_least_zero("ReLU", "negative_slope", self.negative_slope)?;
        at_least_zero("ReLU", "threshold", self.threshold)?;
        self.max_value
            .map_or(Ok(()), |m| at_least_zero("ReLU", "max_value", m))
    }
}

impl ReLU {
    /// `max(x, 0)`.
    ///
    /// ```
    /// let layer = kerust::layers::ReLU::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The cap on the output (Keras' `max_value`, none by default).
    ///
    /// ```
    /// let relu6 = kerust::layers::ReLU::new().max_value(6.0);
    /// # let _ = relu6;
    /// ```
    pub fn max_value(mut self, max_value: f32) -> Self {
        self.options.max_value = Some(max_value);
        self
    }

    /// The slope below the threshold (Keras' `negative_slope`, 0).
    ///
    /// ```
    /// let leaky = kerust::layers::ReLU::new().negative_slope(0.1);
    /// # let _ = leaky;
    /// ```
    pub fn negative_slope(mut self, negative_slope: f32) -> Self {
        self.options.negative_slope = negative_slope;
        self
    }

    /// The value below which the output is 0 (Keras' `threshold`, 0).
    ///
    /// ```
    /// let layer = kerust::layers::ReLU::new().threshold(0.5);
    /// # let _ = layer;
    /// ```
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.options.threshold = threshold;
        self
    }
}

activation_layer!(ReLU, "ReLU", ReluOptions, |o, tape, x| {
    tape.relu_with(x, o.negative_slope, o.max_value, o.threshold)
});
base_builders!(ReLU, "re_lu", kerust::layers::ReLU::new(), 4);

/// Keras' `LeakyReLU` layer: `x`, or `negative_slope·x` below 0 (the
/// layer's default slope is 0.3, the function's 0.2, as in Keras).
///
/// **Keras equivalent:** `keras.layers.LeakyReLU(negative_slope=0.3)`
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::layers::LeakyReLU;
/// let model = sequential![Dense::new(8).input_shape(4), LeakyReLU::new()];
/// assert_eq!(model.output_shape(), Some(&[8][..]));
/// ```
#[derive(Debug, Default)]
pub struct LeakyReLU {
    options: LeakyOptions,
    base: LayerBase,
}

/// LeakyReLU's options.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LeakyOptions {
    #[serde(default = "leaky_slope")]
    negative_slope: f32,
}

impl Default for LeakyOptions {
    fn default() -> Self {
        LeakyOptions {
            negative_slope: leaky_slope(),
        }
    }
}

fn leaky_slope() -> f32 {
    0.3
}

impl LeakyOptions {
    fn check(&self) -> Result<()> {
        at_least_zero("LeakyReLU", "negative_slope", self.negative_slope)
    }
}

impl LeakyReLU {
    /// A leaky ReLU of slope 0.3.
    ///
    /// ```
    /// let layer = kerust::layers::LeakyReLU::new().negative_slope(0.1);
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The slope below 0 (Keras' `negative_slope`).
    ///
    /// ```
    /// let layer = kerust::layers::LeakyReLU::new().negative_slope(0.01);
    /// # let _ = layer;
    /// ```
    pub fn negative_slope(mut self, negative_slope: f32) -> Self {
        self.options.negative_slope = negative_slope;
        self
    }
}

activation_layer!(LeakyReLU, "LeakyReLU", LeakyOptions, |o, tape, x| {
    tape.relu_with(x, o.negative_slope, None, 0.0)
});
base_builders!(LeakyReLU, "leaky_re_lu", kerust::layers::LeakyReLU::new(), 4);

/// Keras' `ELU` layer: `x` above 0, else `alpha·(eˣ − 1)`.
///
/// **Keras equivalent:** `keras.layers.ELU(alpha=1.0)`
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::layers::ELU;
/// let model = sequential![Dense::new(8).input_shape(4), ELU::new().alpha(0.5)];
/// assert_eq!(model.output_shape(), Some(&[8][..]));
/// ```
#[derive(Debug, Default)]
pub struct ELU {
    options: EluOptions,
    base: LayerBase,
}

/// ELU's options.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EluOptions {
    #[serde(default = "elu_alpha")]
    alpha: f32,
}

impl Default for EluOptions {
    fn default() -> Self {
        EluOptions { alpha: elu_alpha() }
    }
}

fn elu_alpha() -> f32 {
    1.0
}

impl EluOptions {
    fn check(&self) -> Result<()> {
        if self.alpha.is_finite() {
            return Ok(());
        }
        Err(Error::invalid(
            "ELU",
            "a finite alpha",
            format!("alpha={}", self.alpha),
        ))
    }
}

impl ELU {
    /// An ELU of `alpha` 1.
    ///
    /// ```
    /// let layer = kerust::layers::ELU::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The scale of the negative part (Keras' `alpha`).
    ///
    /// ```
    /// let layer = kerust::layers::ELU::new().alpha(0.5);
    /// # let _ = layer;
    /// ```
    pub fn alpha(mut self, alpha: f32) -> Self {
        self.options.alpha = alpha;
        self
    }
}

activation_layer!(ELU, "ELU", EluOptions, |o, tape, x| tape.elu_with(x, o.alpha));
base_builders!(ELU, "elu", kerust::layers::ELU::new(), 4);

/// Keras' `Softmax` layer: the softmax along `axis` (−1 by default).
/// Named `SoftmaxLayer` here, as `Softmax` is the activation.
///
/// **Keras equivalent:** `keras.layers.Softmax(axis=-1)`
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::layers::SoftmaxLayer;
/// let model = sequential![Dense::new(10).input_shape(4), SoftmaxLayer::new()];
/// assert_eq!(model.output_shape(), Some(&[10][..]));
/// ```
#[derive(Debug, Default)]
pub struct SoftmaxLayer {
    options: SoftmaxOptions,
    base: LayerBase,
}

/// Softmax's options.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SoftmaxOptions {
    #[serde(default = "last_axis")]
    axis: isize,
}

impl Default for SoftmaxOptions {
    fn default() -> Self {
        SoftmaxOptions { axis: last_axis() }
    }
}

fn last_axis() -> isize {
    -1
}

impl SoftmaxOptions {
    fn check(&self) -> Result<()> {
        Ok(())
    }
}

impl SoftmaxLayer {
    /// A softmax over the last axis.
    ///
    /// ```
    /// let layer = kerust::layers::SoftmaxLayer::new().axis(1);
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The axis the probabilities sum to 1 along (negative counts from
    /// the end, the batch axis being 0).
    ///
    /// ```
    /// let layer = kerust::layers::SoftmaxLayer::new().axis(-1);
    /// # let _ = layer;
    /// ```
    pub fn axis(mut self, axis: isize) -> Self {
        self.options.axis = axis;
        self
    }
}

activation_layer!(SoftmaxLayer, "Softmax", SoftmaxOptions, |o, tape, x| tape
    .softmax(x, o.axis));
base_builders!(SoftmaxLayer, "softmax", kerust::layers::SoftmaxLayer::new(), 4);

/// Keras' `Activation` layer: any [`Activation`] by value or name.
/// Named `ActivationLayer` here, as `Activation` is the enum of them.
///
/// **Keras equivalent:** `keras.layers.Activation("gelu")`
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::layers::ActivationLayer;
/// let model = sequential![Dense::new(8).input_shape(4), ActivationLayer::new("mish")?];
/// assert_eq!(model.output_shape(), Some(&[8][..]));
/// # Ok::<(), kerust::Error>(())
/// ```
#[derive(Debug)]
pub struct ActivationLayer {
    options: ActivationOptions,
    base: LayerBase,
}

/// Activation's options: the activation by name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivationOptions {
    activation: String,
}

impl ActivationOptions {
    fn check(&self) -> Result<()> {
        crate::activations::get(&self.activation).map(|_| ())
    }
}

impl ActivationLayer {
    /// The layer applying the activation Keras calls `name`.
    ///
    /// ```
    /// assert!(kerust::layers::ActivationLayer::new("swish").is_ok());
    /// assert!(kerust::layers::ActivationLayer::new("swishy").is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name.
    pub fn new(name: &str) -> Result<Self> {
        let activation = crate::activations::get(name)?;
        Ok(Self::of(activation))
    }

    /// The layer applying `activation`.
    ///
    /// ```
    /// use kerust::layers::ActivationLayer;
    /// use kerust::ops::Activation;
    /// let layer = ActivationLayer::of(Activation::Gelu);
    /// # let _ = layer;
    /// ```
    pub fn of(activation: Activation) -> Self {
        ActivationLayer {
            options: ActivationOptions {
                activation: activation.name().to_string(),
            },
            base: LayerBase::default(),
        }
    }
}

activation_layer!(ActivationLayer, "Activation", ActivationOptions, |o, tape, x| {
    tape.activation(x, crate::activations::get(&o.activation)?)
});
base_builders!(
    ActivationLayer,
    "activation",
    kerust::layers::ActivationLayer::of(kerust::ops::Activation::Relu),
    4
);
