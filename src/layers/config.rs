//! [`LayerConfig`]: a layer's configuration as named values (Keras'
//! `layer.get_config()`), and [`FromConfig`], the way back to a layer.
//!
//! A layer keeps its options in a plain `#[derive(Serialize, Deserialize)]`
//! struct of its own; [`LayerConfig::new`] turns it into named values and
//! [`LayerConfig::parse`] back, so no code anywhere lists a layer's options
//! by hand. Saved files hold the values as JSON, as Keras' `config.json`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Layer;
use crate::error::{Error, Result};

/// A layer's class name and options, enough to make the layer again
/// (weights aside).
///
/// ```
/// # use kerust::prelude::*;
/// let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// let config = model.layers()[0].lock().config();
/// assert_eq!(config.class_name(), "Dense");
/// assert_eq!(config.get::<usize>("units"), Some(10));
/// assert_eq!(config.get::<String>("activation").as_deref(), Some("softmax"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LayerConfig {
    class_name: String,
    values: Map<String, Value>,
}

impl LayerConfig {
    /// The configuration of a `class_name` layer whose options are the
    /// fields of `options` (a struct deriving `Serialize`).
    ///
    /// ```
    /// use kerust::layers::LayerConfig;
    /// #[derive(serde::Serialize)]
    /// struct Options { factor: f32 }
    /// let config = LayerConfig::new("Scale", &Options { factor: 2.0 });
    /// assert_eq!(config.get::<f32>("factor"), Some(2.0));
    /// ```
    ///
    /// Options that are not a struct of plain values (numbers, strings,
    /// booleans, lists, nested structs) are recorded as none.
    pub fn new<C: Serialize>(class_name: &str, options: &C) -> Self {
        let values = match serde_json::to_value(options) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        LayerConfig {
            class_name: class_name.to_string(),
            values,
        }
    }

    /// A configuration without options: what a layer of your own that
    /// keeps [`Layer::config`]'s default reports.
    ///
    /// ```
    /// use kerust::layers::LayerConfig;
    /// assert_eq!(LayerConfig::empty("Identity").to_json(), "{}");
    /// ```
    pub fn empty(class_name: &str) -> Self {
        LayerConfig {
            class_name: class_name.to_string(),
            values: Map::new(),
        }
    }

    /// Keras' class name of the layer, e.g. `"Dense"`.
    ///
    /// ```
    /// # use kerust::layers::LayerConfig;
    /// assert_eq!(LayerConfig::empty("Flatten").class_name(), "Flatten");
    /// ```
    pub fn class_name(&self) -> &str {
        &self.class_name
    }

    /// The option named `key`, if there is one of type `T`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let config = Conv2D::new(32, 3).config();
    /// assert_eq!(config.get::<(usize, usize)>("kernel_size"), Some((3, 3)));
    /// assert_eq!(config.get::<usize>("kernel_size"), None);
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_value(self.values.get(key)?.clone()).ok()
    }

    /// The options as the struct `C` (the way back from [`new`](Self::new)).
    ///
    /// ```
    /// use kerust::layers::LayerConfig;
    /// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    /// struct Options { factor: f32 }
    /// let config = LayerConfig::new("Scale", &Options { factor: 2.0 });
    /// assert_eq!(config.parse::<Options>()?, Options { factor: 2.0 });
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the class and the option that is
    /// missing, unknown (where `C` denies unknown fields) or of the wrong type.
    pub fn parse<C: DeserializeOwned>(&self) -> Result<C> {
        serde_json::from_value(Value::Object(self.values.clone())).map_err(|e| {
            Error::invalid(
                "from_config",
                format!("the options of a {} layer", self.class_name),
                e.to_string(),
            )
        })
    }

    /// The options as a JSON object.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert_eq!(Dropout::new(0.5).config().to_json(), r#"{"rate":0.5}"#);
    /// ```
    pub fn to_json(&self) -> String {
        Value::Object(self.values.clone()).to_string()
    }

    /// The configuration of a `class_name` layer whose options are the JSON
    /// object `json`.
    ///
    /// ```
    /// use kerust::layers::LayerConfig;
    /// let config = LayerConfig::from_json("Dropout", r#"{"rate":0.5}"#)?;
    /// assert_eq!(config.get::<f32>("rate"), Some(0.5));
    /// assert!(LayerConfig::from_json("Dropout", "[1, 2]").is_err());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `json` is not a JSON object.
    pub fn from_json(class_name: &str, json: &str) -> Result<Self> {
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(values)) => Ok(LayerConfig {
                class_name: class_name.to_string(),
                values,
            }),
            Ok(other) => Err(Error::invalid(
                "from_config",
                format!("the options of a {class_name} layer as a JSON object"),
                format!("{other}"),
            )),
            Err(e) => Err(Error::invalid(
                "from_config",
                format!("the options of a {class_name} layer as a JSON object"),
                e.to_string(),
            )),
        }
    }
}

/// A layer that can be made from its [`LayerConfig`] (Keras'
/// `from_config`): what saving needs, with one
/// [`register_layer`](super::register_layer) line, to load a model holding it.
///
/// ```
/// use kerust::layers::FromConfig;
/// use kerust::prelude::*;
///
/// let config = Dense::new(10).activation("relu").config();
/// let again = Dense::from_config(&config)?;
/// assert_eq!(again.config(), config);
/// # Ok::<(), kerust::Error>(())
/// ```
pub trait FromConfig: Layer + Sized + 'static {
    /// The layer `config` describes, unbuilt and unnamed.
    ///
    /// # Errors
    /// An [`Error`] naming what in `config` the layer cannot take.
    fn from_config(config: &LayerConfig) -> Result<Self>;
}

/// Checks a count among a layer's options (units, filters, a window side,
/// a stride): from 1 to
/// [`MAX_WEIGHT_ELEMENTS`](crate::initializers::MAX_WEIGHT_ELEMENTS), the
/// most any weight or sample holds, so anything that can be built saves
/// and loads.
pub(crate) fn check_count(class: &'static str, key: &str, n: usize) -> Result<()> {
    const MAX: usize = crate::initializers::MAX_WEIGHT_ELEMENTS;
    if (1..=MAX).contains(&n) {
        return Ok(());
    }
    Err(Error::invalid(
        class,
        format!("{key} from 1 to {MAX}"),
        format!("{key}={n}"),
    ))
}

/// The options of a layer that has none: an empty object, anything else
/// refused.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoOptions {}

/// Keras' defaults, for `#[serde(default = "…")]` in layers' options.
pub(crate) mod defaults {
    use crate::initializers::Initializer;

    pub(crate) fn yes() -> bool {
        true
    }

    pub(crate) fn linear() -> String {
        "linear".into()
    }

    pub(crate) fn zeros() -> Initializer {
        Initializer::Zeros
    }

    pub(crate) fn ones_pair() -> (usize, usize) {
        (1, 1)
    }
}
