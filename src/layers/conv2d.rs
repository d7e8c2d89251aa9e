//! `Conv2D`: Keras' 2-D convolution layer, channels last.

use rand::rngs::StdRng;

use serde::{Deserialize, Serialize};

use super::config::{check_count, defaults};
use super::{
    Forward, FromConfig, KernelBias, Layer, LayerBase, LayerConfig, Weights, base_builders,
    kernel_bias_builders,
};
use crate::activations::ActivationArg;
use crate::autograd::Var;
use crate::constraints::Constraint;
use crate::error::{Error, Result, fmt_shape};
use crate::initializers::Initializer;
use crate::ops::{Activation, Padding, conv_output};
use crate::regularizers::Regularizer;

/// A window or stride size: `3` means `(3, 3)`.
///
/// ```
/// # use kerust::prelude::*;
/// let square = Conv2D::new(32, 3);       // kernel_size=3 means (3, 3)
/// let tall = Conv2D::new(32, (5, 3));
/// # let _ = (square, tall);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window(pub usize, pub usize);

impl From<usize> for Window {
    fn from(n: usize) -> Self {
        Window(n, n)
    }
}

impl From<(usize, usize)> for Window {
    fn from((a, b): (usize, usize)) -> Self {
        Window(a, b)
    }
}

/// A 2-D convolution over inputs of shape `(height, width, channels)` per
/// sample: `activation(conv2d(x, kernel) + bias)`, with `filters` output
/// channels.
///
/// Defaults as in Keras: strides 1, padding `valid`, no activation, a
/// bias, a Glorot-uniform kernel (fans include the receptive field) and a
/// zero bias. The kernel has shape `(kh, kw, channels, filters)`; the layer
/// has `kh·kw·channels·filters + filters` parameters (3×3 on one channel
/// to 32 filters: 320).
///
/// **Keras equivalent:** `keras.layers.Conv2D(32, 3, activation="relu", padding="same", input_shape=(28, 28, 1))`
///
/// ```
/// use kerust::prelude::*;
///
/// let model = sequential![
///     Conv2D::new(32, 3).activation(Relu).padding(Padding::Same).input_shape((28, 28, 1)),
///     MaxPooling2D::new(2),
/// ];
/// assert_eq!(model.count_params(), 320);
/// assert_eq!(model.output_shape(), Some(&[14, 14, 32][..]));
/// ```
#[derive(Debug)]
pub struct Conv2D {
    filters: usize,
    kernel_size: Window,
    strides: Window,
    padding: Padding,
    activation: ActivationArg,
    resolved: Activation,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    rules: KernelBias,
    base: LayerBase,
}

impl Conv2D {
    /// `filters` output channels from windows of `kernel_size` (`3` or `(3, 3)`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Conv2D::new(32, 3).input_shape((28, 28, 1))]);
    /// assert_eq!(model.output_shape(), Some(&[26, 26, 32][..])); // "valid" by default
    /// assert_eq!(model.count_params(), 32 * 9 + 32);
    /// ```
    pub fn new(filters: usize, kernel_size: impl Into<Window>) -> Self {
        Conv2D {
            filters,
            kernel_size: kernel_size.into(),
            strides: Window(1, 1),
            padding: Padding::Valid,
            activation: ActivationArg::Known(Activation::Linear),
            resolved: Activation::Linear,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            rules: KernelBias::default(),
            base: LayerBase::default(),
        }
    }

    /// The step between windows (default 1).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Conv2D::new(8, 3).strides(2).input_shape((28, 28, 1))]);
    /// assert_eq!(model.output_shape(), Some(&[13, 13, 8][..]));
    /// ```
    pub fn strides(mut self, strides: impl Into<Window>) -> Self {
        self.strides = strides.into();
        self
    }

    /// `Padding::Valid` (default) or `Padding::Same`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Conv2D::new(8, 3).padding(Padding::Same).input_shape((28, 28, 1))]);
    /// assert_eq!(model.output_shape(), Some(&[28, 28, 8][..]));
    /// ```
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }

    /// The activation: a value (`Relu`) or a Keras name (`"relu"`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = Conv2D::new(32, 3).activation(Relu);
    /// # let _ = layer;
    /// ```
    pub fn activation(mut self, activation: impl Into<ActivationArg>) -> Self {
        self.activation = activation.into();
        self
    }

    /// Whether to add a bias (default true).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Conv2D::new(4, 3).use_bias(false).input_shape((8, 8, 1))]);
    /// assert_eq!(model.count_params(), 4 * 9);
    /// ```
    pub fn use_bias(mut self, use_bias: bool) -> Self {
        self.use_bias = use_bias;
        self
    }

    /// How the kernel is initialised (default Glorot uniform).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = Conv2D::new(32, 3).kernel_initializer(Initializer::HeUniform);
    /// # let _ = layer;
    /// ```
    pub fn kernel_initializer(mut self, init: Initializer) -> Self {
        self.kernel_initializer = init;
        self
    }

    /// How the bias is initialised (default zeros).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = Conv2D::new(32, 3).bias_initializer(Initializer::Ones);
    /// # let _ = layer;
    /// ```
    pub fn bias_initializer(mut self, init: Initializer) -> Self {
        self.bias_initializer = init;
        self
    }

    fn forward_with(&mut self, f: &mut Forward<'_>, x: Var, activation: Activation) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        let (kernel, bias) = (f.param("kernel")?, f.param_opt("bias"));
        let strides = (self.strides.0, self.strides.1);
        f.tape.conv2d(x, kernel, bias, strides, self.padding, activation)
    }
}

impl Layer for Conv2D {
    fn class_name(&self) -> &'static str {
        "Conv2D"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        if self.filters == 0 {
            return Err(Error::invalid(
                "Conv2D",
                "a positive number of filters",
                "filters=0",
            ));
        }
        self.resolved = self.activation.resolve()?;
        let &[h, w, c] = input_shape else {
            return Err(Error::shape(
                "Conv2D",
                "inputs of shape (height, width, channels) per sample",
                format!("input sample shape {}", fmt_shape(input_shape)),
            ));
        };
        let Window(kh, kw) = self.kernel_size;
        let (oh, _) = conv_output("Conv2D", h, kh, self.strides.0, self.padding)?;
        let (ow, _) = conv_output("Conv2D", w, kw, self.strides.1, self.padding)?;
        let mut weights = Weights::default();
        let kernel = [kh, kw, c, self.filters];
        weights.add_weight("kernel", &kernel, self.kernel_initializer, rng, true)?;
        if self.use_bias {
            weights.add_weight("bias", &[self.filters], self.bias_initializer, rng, true)?;
        }
        self.rules.attach(&mut weights);
        self.base.weights = weights;
        Ok(vec![oh, ow, self.filters])
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.forward_with(f, x, self.resolved)
    }

    fn output_activation(&self) -> Option<Activation> {
        Some(self.resolved)
    }

    fn forward_pre_activation(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.forward_with(f, x, Activation::Linear)
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new(
            "Conv2D",
            &Conv2DConfig {
                filters: self.filters,
                kernel_size: (self.kernel_size.0, self.kernel_size.1),
                strides: (self.strides.0, self.strides.1),
                padding: self.padding,
                activation: self.activation.name().to_string(),
                use_bias: self.use_bias,
                kernel_initializer: self.kernel_initializer,
                bias_initializer: self.bias_initializer,
                kernel_constraint: self.rules.kernel_constraint,
                bias_constraint: self.rules.bias_constraint,
                kernel_regularizer: self.rules.kernel_regularizer,
                bias_regularizer: self.rules.bias_regularizer,
                activity_regularizer: self.base.activity_regularizer(),
            },
        )
    }
}

/// Conv2D's options, with Keras' defaults.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Conv2DConfig {
    filters: usize,
    kernel_size: (usize, usize),
    #[serde(default = "defaults::ones_pair")]
    strides: (usize, usize),
    #[serde(default)]
    padding: Padding,
    #[serde(default = "defaults::linear")]
    activation: String,
    #[serde(default = "defaults::yes")]
    use_bias: bool,
    #[serde(default)]
    kernel_initializer: Initializer,
    #[serde(default = "defaults::zeros")]
    bias_initializer: Initializer,
    #[serde(default)]
    kernel_constraint: Option<Constraint>,
    #[serde(default)]
    bias_constraint: Option<Constraint>,
    #[serde(default)]
    kernel_regularizer: Option<Regularizer>,
    #[serde(default)]
    bias_regularizer: Option<Regularizer>,
    #[serde(default)]
    activity_regularizer: Option<Regularizer>,
}

impl FromConfig for Conv2D {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let c: Conv2DConfig = config.parse()?;
        check_count("Conv2D", "filters", c.filters)?;
        for (key, (a, b)) in [("kernel_size", c.kernel_size), ("strides", c.strides)] {
            check_count("Conv2D", key, a)?;
            check_count("Conv2D", key, b)?;
        }
        c.kernel_initializer.check()?;
        c.bias_initializer.check()?;
        let rules = KernelBias {
            kernel_constraint: c.kernel_constraint,
            bias_constraint: c.bias_constraint,
            kernel_regularizer: c.kernel_regularizer,
            bias_regularizer: c.bias_regularizer,
        };
        rules.check()?;
        if let Some(r) = c.activity_regularizer {
            r.check()?;
        }
        let layer = Conv2D::new(c.filters, c.kernel_size)
            .strides(c.strides)
            .padding(c.padding)
            .activation(crate::activations::get(&c.activation)?)
            .use_bias(c.use_bias)
            .kernel_initializer(c.kernel_initializer)
            .bias_initializer(c.bias_initializer);
        let mut layer = Self { rules, ..layer };
        layer.base.set_activity_regularizer(c.activity_regularizer);
        Ok(layer)
    }
}

base_builders!(Conv2D, "conv2d", Conv2D::new(8, 3), (28, 28, 1));
kernel_bias_builders!(Conv2D, Conv2D::new(32, 3));
