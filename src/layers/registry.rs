//! The layer classes a saved model may name: kerust's own, one line each,
//! and those registered by the program (Keras'
//! `register_keras_serializable`).

use std::sync::RwLock;

use super::{BUILTIN, FromConfig, Layer, LayerConfig};
use crate::error::{Error, Result};

/// Makes a layer from its configuration.
pub(super) type Constructor = fn(&LayerConfig) -> Result<Box<dyn Layer>>;

/// The constructor of layer class `L`.
pub(super) fn boxed<L: FromConfig>(config: &LayerConfig) -> Result<Box<dyn Layer>> {
    Ok(Box::new(L::from_config(config)?))
}

/// The classes registered by the program.
static REGISTERED: RwLock<Vec<(&'static str, Constructor)>> = RwLock::new(Vec::new());

/// Registers a layer class of your own, so that models holding it save and
/// load (Keras' `@register_keras_serializable`). `class_name` is what the
/// layer's [`Layer::class_name`] returns; registering it again replaces the
/// earlier entry. kerust's own class names cannot be taken.
///
/// ```
/// use kerust::layers::{FromConfig, LayerBase, LayerConfig, register_layer};
/// use kerust::prelude::*;
/// # use kerust::autograd::Var;
/// # use kerust::layers::{Forward, StdRng};
///
/// #[derive(Default)]
/// struct Identity { base: LayerBase }
/// impl Layer for Identity {
///     fn class_name(&self) -> &'static str { "Identity" }
///     // …
/// #   fn base(&self) -> &LayerBase { &self.base }
/// #   fn base_mut(&mut self) -> &mut LayerBase { &mut self.base }
/// #   fn build(&mut self, input: &[usize], _: &mut StdRng) -> Result<Vec<usize>> { Ok(input.to_vec()) }
/// #   fn forward(&mut self, _: &mut Forward<'_>, x: Var) -> Result<Var> { Ok(x) }
/// }
/// impl FromConfig for Identity {
///     fn from_config(_: &LayerConfig) -> Result<Self> { Ok(Identity::default()) }
/// }
///
/// register_layer::<Identity>("Identity")?;
/// assert!(register_layer::<Identity>("Dense").is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `class_name` is one of kerust's classes.
pub fn register_layer<L: FromConfig>(class_name: &'static str) -> Result<()> {
    if BUILTIN.iter().any(|(name, _)| *name == class_name) {
        return Err(Error::invalid(
            "register_layer",
            "a class name kerust does not use",
            format!("{class_name}, one of kerust's own layers"),
        ));
    }
    let mut registered = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    registered.retain(|(name, _)| *name != class_name);
    registered.push((class_name, boxed::<L>));
    Ok(())
}

/// The constructor of `class_name`, kerust's or registered.
fn constructor(class_name: &str) -> Option<Constructor> {
    if let Some((_, make)) = BUILTIN.iter().find(|(name, _)| *name == class_name) {
        return Some(*make);
    }
    let registered = REGISTERED.read().unwrap_or_else(|e| e.into_inner());
    registered
        .iter()
        .find(|(name, _)| *name == class_name)
        .map(|(_, make)| *make)
}

/// Whether a layer of `class_name` can be loaded.
pub(crate) fn is_known(class_name: &str) -> bool {
    constructor(class_name).is_some()
}

/// The layer `config` describes.
///
/// ```
/// use kerust::layers::{LayerConfig, layer_from_config};
/// let layer = layer_from_config(&LayerConfig::from_json("Dense", r#"{"units": 4}"#)?)?;
/// assert_eq!(layer.class_name(), "Dense");
/// let err = layer_from_config(&LayerConfig::empty("Conv7D")).err().unwrap();
/// assert!(err.to_string().contains("found the layer class Conv7D"));
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] naming the class if it is neither kerust's
/// nor registered, and the layer's own error if it cannot take `config`.
pub fn layer_from_config(config: &LayerConfig) -> Result<Box<dyn Layer>> {
    let make = constructor(config.class_name()).ok_or_else(|| unknown_class(config.class_name()))?;
    make(config)
}

#[cold]
fn unknown_class(class_name: &str) -> Error {
    Error::invalid(
        "layer_from_config",
        format!(
            "a layer class kerust has ({}) or one registered with register_layer",
            BUILTIN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        ),
        format!("the layer class {class_name}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every class kerust lists makes a layer that names itself so, and
    /// whose configuration makes the same layer again.
    #[test]
    fn every_builtin_class_round_trips_its_configuration() {
        for (name, make) in BUILTIN {
            let defaults = LayerConfig::from_json(name, &default_options(name)).unwrap();
            let layer = make(&defaults).unwrap();
            assert_eq!(layer.class_name(), *name);
            let config = layer.config();
            assert_eq!(config.class_name(), *name);
            let again = make(&config).unwrap();
            assert_eq!(again.config(), config, "{name}");
        }
    }

    /// The fewest options each class needs.
    fn default_options(name: &str) -> String {
        match name {
            "Dense" => r#"{"units": 3}"#,
            "Dropout" => r#"{"rate": 0.5}"#,
            "Activation" => r#"{"activation": "relu"}"#,
            "Reshape" => r#"{"target_shape": [2, 2]}"#,
            "Conv2D" => r#"{"filters": 2, "kernel_size": [3, 3]}"#,
            "MaxPooling2D" | "AveragePooling2D" => r#"{"pool_size": [2, 2]}"#,
            _ => "{}",
        }
        .to_string()
    }
}
