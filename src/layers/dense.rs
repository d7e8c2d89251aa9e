//! `Dense`: `activation(x·kernel + bias)`, Keras' fully connected layer.

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
use crate::ops::Activation;
use crate::regularizers::Regularizer;

/// A densely connected layer: `activation(x·kernel + bias)`.
///
/// Defaults as in Keras: no activation (linear), a bias, a Glorot-uniform
/// kernel and a zero bias. The kernel has shape `(input width, units)`; the
/// layer has `in·units + units` parameters (784 → 10: 7,850). Inputs of
/// rank above 2 are contracted on their last axis.
///
/// **Keras equivalent:** `keras.layers.Dense(10, activation="softmax", input_shape=(784,))`
///
/// ```
/// use kerust::prelude::*;
///
/// let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// assert_eq!(model.count_params(), 7850);
/// ```
#[derive(Debug)]
pub struct Dense {
    units: usize,
    activation: ActivationArg,
    resolved: Activation,
    use_bias: bool,
    kernel_initializer: Initializer,
    bias_initializer: Initializer,
    rules: KernelBias,
    base: LayerBase,
}

impl Dense {
    /// A layer with `units` outputs.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(32).input_shape(784)]);
    /// assert_eq!(model.output_shape(), Some(&[32][..]));
    /// ```
    pub fn new(units: usize) -> Self {
        Dense {
            units,
            activation: ActivationArg::Known(Activation::Linear),
            resolved: Activation::Linear,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            rules: KernelBias::default(),
            base: LayerBase::default(),
        }
    }

    /// The activation: a value (`Softmax`) or a Keras name (`"softmax"`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let hidden = Dense::new(100).activation(Relu);      // activation='relu'
    /// let output = Dense::new(10).activation("softmax");  // Keras names work too
    /// # let _ = (hidden, output);
    /// ```
    pub fn activation(mut self, activation: impl Into<ActivationArg>) -> Self {
        self.activation = activation.into();
        self
    }

    /// Whether to add a bias (default true).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let model = Sequential::new(vec![Dense::new(10).use_bias(false).input_shape(784)]);
    /// assert_eq!(model.count_params(), 7_840);
    /// ```
    pub fn use_bias(mut self, use_bias: bool) -> Self {
        self.use_bias = use_bias;
        self
    }

    /// How the kernel is initialised (default Glorot uniform).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let layer = Dense::new(10).kernel_initializer(Initializer::HeNormal);
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
    /// let model = Sequential::new(vec![Dense::new(2).bias_initializer(Initializer::Ones).input_shape(3)]);
    /// assert_eq!(model.get_weights()[1].to_vec(), vec![1.0, 1.0]);
    /// ```
    pub fn bias_initializer(mut self, init: Initializer) -> Self {
        self.bias_initializer = init;
        self
    }

    /// The number of outputs.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Dense::new(10).units(), 10);
    /// ```
    pub fn units(&self) -> usize {
        self.units
    }
}

impl Layer for Dense {
    fn class_name(&self) -> &'static str {
        "Dense"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        if self.units == 0 {
            return Err(Error::invalid("Dense", "a positive number of units", "units=0"));
        }
        self.resolved = self.activation.resolve()?;
        let Some(&fan_in) = input_shape.last() else {
            return Err(Error::shape(
                "Dense",
                "inputs with at least one axis after the batch axis",
                format!("input sample shape {}", fmt_shape(input_shape)),
            ));
        };
        let mut weights = Weights::default();
        weights.add_weight(
            "kernel",
            &[fan_in, self.units],
            self.kernel_initializer,
            rng,
            true,
        )?;
        if self.use_bias {
            weights.add_weight("bias", &[self.units], self.bias_initializer, rng, true)?;
        }
        self.rules.attach(&mut weights);
        self.base.weights = weights;
        // The input's last axis (checked above) becomes `units` wide.
        Ok(input_shape[..input_shape.len() - 1]
            .iter()
            .copied()
            .chain([self.units])
            .collect())
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
            "Dense",
            &DenseConfig {
                units: self.units,
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

/// Dense's options, with Keras' defaults.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DenseConfig {
    units: usize,
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

impl FromConfig for Dense {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let c: DenseConfig = config.parse()?;
        check_count("Dense", "units", c.units)?;
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
        let layer = Dense::new(c.units)
            .activation(crate::activations::get(&c.activation)?)
            .use_bias(c.use_bias)
            .kernel_initializer(c.kernel_initializer)
            .bias_initializer(c.bias_initializer);
        let mut layer = Self { rules, ..layer };
        layer.base.set_activity_regularizer(c.activity_regularizer);
        Ok(layer)
    }
}

impl Dense {
    fn forward_with(&mut self, f: &mut Forward<'_>, x: Var, activation: Activation) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        let (kernel, bias) = (f.param("kernel")?, f.param_opt("bias"));
        f.tape.dense(x, kernel, bias, activation)
    }
}

base_builders!(Dense, "dense", Dense::new(10), 784);
kernel_bias_builders!(Dense, Dense::new(64));
