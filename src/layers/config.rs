//! [`LayerConfig`]: a layer's configuration as named values (Keras'
//! `layer.get_config()`), and [`FromConfig`], the way back to a layer.
//!
//! A layer keeps its options in a plain `#[derive(Serialize, Deserialize)]`
//! struct of its own; [`LayerConfig::new`] turns it into named values and
//! [`LayerConfig::parse`] back, so no code anywhere lists a layer's options
//! by hand. Saved files hold the values as JSON, as Keras' `config.json`.

use super::Layer;
use crate::error::{Error, Result};

/// A layer's class name and options, enough to make the layer again
/// (weights aside): a [`Config`](crate::config::Config).
///
/// ```
/// # use kerust::prelude::*;
/// let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
/// let config = model.layers()[0].lock().config();
/// assert_eq!(config.class_name(), "Dense");
/// assert_eq!(config.get::<usize>("units"), Some(10));
/// ```
pub type LayerConfig = crate::config::Config;

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
