//! [`Config`]: a class name and its options as named values (Keras'
//! `get_config()`), for layers ([`LayerConfig`](crate::layers::LayerConfig))
//! and optimizers ([`OptimizerConfig`](crate::optimizers::OptimizerConfig)).
//!
//! A class keeps its options in a plain `#[derive(Serialize, Deserialize)]`
//! struct of its own; [`Config::new`] turns it into named values and
//! [`Config::parse`] back, so no code anywhere lists a class's options by
//! hand. Saved files hold the values as JSON, as Keras' `config.json`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// A class name and its options, enough to make the object again (a
/// layer without its weights, an optimizer without its state).
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
pub struct Config {
    class_name: String,
    values: Map<String, Value>,
}

impl Config {
    /// The configuration of a `class_name` layer whose options are the
    /// fields of `options` (a struct deriving `Serialize`).
    ///
    /// ```
    /// use kerust::config::Config;
    /// #[derive(serde::Serialize)]
    /// struct Options { factor: f32 }
    /// let config = Config::new("Scale", &Options { factor: 2.0 });
    /// assert_eq!(config.get::<f32>("factor"), Some(2.0));
    /// assert_eq!(Config::new("Scale", &Options { factor: 0.1 }).to_json(), r#"{"factor":0.1}"#);
    /// ```
    ///
    /// Options that are not a struct of plain values (numbers, strings,
    /// booleans, lists, nested structs) are recorded as none.
    pub fn new<C: Serialize>(class_name: &str, options: &C) -> Self {
        // Through JSON text, so that an `f32` is recorded as its shortest
        // decimal (0.001, as Keras writes it), not as the `f64` it widens
        // to (0.0010000000474974513); it reads back to the same `f32`.
        let values = match serde_json::to_string(options).map(|text| serde_json::from_str(&text)) {
            Ok(Ok(Value::Object(map))) => map,
            _ => Map::new(),
        };
        Config {
            class_name: class_name.to_string(),
            values,
        }
    }

    /// A configuration without options: what a layer of your own that
    /// keeps [`Layer::config`](crate::layers::Layer::config)'s default reports.
    ///
    /// ```
    /// use kerust::config::Config;
    /// assert_eq!(Config::empty("Identity").to_json(), "{}");
    /// ```
    pub fn empty(class_name: &str) -> Self {
        Config {
            class_name: class_name.to_string(),
            values: Map::new(),
        }
    }

    /// Keras' class name of the layer, e.g. `"Dense"`.
    ///
    /// ```
    /// # use kerust::config::Config;
    /// assert_eq!(Config::empty("Flatten").class_name(), "Flatten");
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
    /// use kerust::config::Config;
    /// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    /// struct Options { factor: f32 }
    /// let config = Config::new("Scale", &Options { factor: 2.0 });
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
                format!("the options of {}", self.class_name),
                e.to_string(),
            )
        })
    }

    /// The options as a JSON map.
    pub(crate) fn values(&self) -> &Map<String, Value> {
        &self.values
    }

    /// The configuration of `class_name` with `values`.
    pub(crate) fn from_values(class_name: &str, values: Map<String, Value>) -> Self {
        Config {
            class_name: class_name.to_string(),
            values,
        }
    }

    /// The names of the options.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let config = Dropout::new(0.5).config();
    /// let keys: Vec<_> = config.keys().collect();
    /// assert_eq!(keys, ["rate"]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Whether there is an option named `key`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// assert!(Dropout::new(0.5).config().contains("rate"));
    /// ```
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
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
    /// use kerust::config::Config;
    /// let config = Config::from_json("Dropout", r#"{"rate":0.5}"#)?;
    /// assert_eq!(config.get::<f32>("rate"), Some(0.5));
    /// assert!(Config::from_json("Dropout", "[1, 2]").is_err());
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `json` is not a JSON object.
    pub fn from_json(class_name: &str, json: &str) -> Result<Self> {
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(values)) => Ok(Config {
                class_name: class_name.to_string(),
                values,
            }),
            Ok(other) => Err(Error::invalid(
                "from_config",
                format!("the options of {class_name} as a JSON object"),
                format!("{other}"),
            )),
            Err(e) => Err(Error::invalid(
                "from_config",
                format!("the options of {class_name} as a JSON object"),
                e.to_string(),
            )),
        }
    }
}
