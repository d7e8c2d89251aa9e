//! Format version 1, read and migrated: it held `Sequential` models only,
//! each layer's options as text (`"units" = "10"`, `"kernel_size" =
//! "3,3"`, `"kernel_initializer" = "random_uniform(-0.05,0.05)"`). The
//! migration turns that text into the JSON values of version 2 by its
//! form alone, never by layer class, so the layers' own configurations
//! validate it exactly as they validate a version 2 file.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::format::{self, FileObjective, FileTensor};
use crate::error::{Error, Result};

/// A saved model, version 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileModel {
    pub kerust_version: String,
    pub name: String,
    pub input_shape: Option<Vec<u64>>,
    pub layers: Vec<FileLayer>,
    pub compile: Option<FileCompile>,
}

/// A layer, version 1: options as text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileLayer {
    pub class_name: String,
    pub name: String,
    pub options: Vec<(String, String)>,
    pub weights: Vec<FileTensor>,
}

/// What `compile` set, version 1: one output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileCompile {
    pub loss: String,
    pub from_logits: bool,
    pub metrics: Vec<String>,
    pub optimizer: String,
    pub hyperparameters: Vec<(String, f64)>,
    pub iterations: u64,
    pub slots: Vec<Vec<Vec<f32>>>,
}

/// The version 2 records of a version 1 file.
///
/// # Errors
/// [`Error::InvalidData`] for a `trainable` option other than `true` or
/// `false`; every other value is checked when the layers are made.
pub(crate) fn migrate(old: FileModel, origin: &str) -> Result<format::FileModel> {
    let layers = old
        .layers
        .into_iter()
        .map(|l| {
            let mut trainable = true;
            let mut config = Map::new();
            for (key, text) in l.options {
                if key == "trainable" {
                    trainable = match text.as_str() {
                        "true" => true,
                        "false" => false,
                        other => {
                            return Err(Error::data(
                                origin,
                                format!("trainable true or false for layer \"{}\"", l.name),
                                other.to_string(),
                            ));
                        }
                    };
                } else {
                    let value = value_of(&key, &text);
                    config.insert(key, value);
                }
            }
            Ok(format::FileLayer {
                class_name: l.class_name,
                name: l.name,
                config: Value::Object(config).to_string(),
                trainable,
                weights: l.weights,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(format::FileModel {
        kerust_version: old.kerust_version,
        name: old.name,
        sequential: true,
        input_shape: old.input_shape,
        inputs: Vec::new(),
        layers,
        calls: Vec::new(),
        outputs: Vec::new(),
        compile: old.compile.map(|c| format::FileCompile {
            outputs: vec![FileObjective {
                loss: c.loss,
                from_logits: c.from_logits,
                weight: 1.0,
                metrics: c.metrics,
            }],
            config: optimizer_config(&c.hyperparameters),
            optimizer: c.optimizer,
            iterations: c.iterations,
            slots: c.slots,
        }),
    })
}

/// Version 1 hyperparameters (every one a number, flags as 0 or 1) as the
/// optimizer's JSON configuration; a number JSON cannot hold (NaN, ±∞)
/// becomes null, which no optimizer takes.
fn optimizer_config(hyperparameters: &[(String, f64)]) -> String {
    let values: Map<String, Value> = hyperparameters
        .iter()
        .map(|(key, v)| {
            let value = match key.as_str() {
                "nesterov" | "centered" | "amsgrad" if *v == 0.0 || *v == 1.0 => Value::Bool(*v == 1.0),
                _ => Number::from_f64(*v).map_or(Value::Null, Value::Number),
            };
            (key.clone(), value)
        })
        .collect();
    Value::Object(values).to_string()
}

/// The JSON value an option's text stood for, by its form: a boolean, a
/// number, a list of numbers (`"3,3"`; a target shape is always a list),
/// an initializer (`name(arguments)`), or else the text itself.
pub(crate) fn value_of(key: &str, text: &str) -> Value {
    if key.ends_with("_initializer") {
        return initializer(text);
    }
    if key == "target_shape" || text.contains(',') {
        return match text.split(',').map(number).collect::<Option<Vec<_>>>() {
            Some(items) => Value::Array(items),
            None => Value::String(text.to_string()),
        };
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => number(text).unwrap_or_else(|| Value::String(text.to_string())),
    }
}

/// An integer or a finite number.
fn number(text: &str) -> Option<Value> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(Value::from(n));
    }
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::from(n));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

/// `glorot_uniform`, `constant(v)`, `random_uniform(min,max)`,
/// `random_normal(mean,stddev)` as the initializer's JSON form.
fn initializer(text: &str) -> Value {
    let Some((name, args)) = text.strip_suffix(')').and_then(|t| t.split_once('(')) else {
        return Value::String(text.to_string());
    };
    let args: Vec<Value> = args
        .split(',')
        .map(|a| number(a).unwrap_or(Value::Null))
        .collect();
    let fields: &[&str] = match name {
        "random_uniform" => &["min", "max"],
        "random_normal" => &["mean", "stddev"],
        _ => &[],
    };
    let inner = match (fields, args.as_slice()) {
        ([], [one]) => one.clone(),
        _ if fields.len() == args.len() => {
            Value::Object(fields.iter().map(|f| f.to_string()).zip(args).collect())
        }
        _ => Value::Array(args),
    };
    Value::Object(Map::from_iter([(name.to_string(), inner)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_text_becomes_the_json_of_its_form() {
        assert_eq!(value_of("units", "10"), Value::from(10u64));
        assert_eq!(value_of("rate", "0.5"), Value::from(0.5));
        assert_eq!(value_of("use_bias", "true"), Value::Bool(true));
        assert_eq!(value_of("activation", "softmax"), Value::from("softmax"));
        assert_eq!(value_of("kernel_size", "3,3"), serde_json::json!([3, 3]));
        assert_eq!(value_of("target_shape", "784"), serde_json::json!([784]));
        assert_eq!(value_of("rate", "NaN"), Value::from("NaN"));
        assert_eq!(value_of("units", "-3"), Value::from(-3i64));
        assert_eq!(
            value_of("kernel_initializer", "random_uniform(-0.05,0.05)"),
            serde_json::json!({"random_uniform": {"min": -0.05, "max": 0.05}})
        );
        assert_eq!(
            value_of("bias_initializer", "constant(0.5)"),
            serde_json::json!({"constant": 0.5})
        );
        assert_eq!(value_of("bias_initializer", "zeros"), Value::from("zeros"));
        // Through the initializer's own serde form.
        let init: crate::initializers::Initializer =
            serde_json::from_value(value_of("k_initializer", "random_normal(0,1)")).unwrap();
        assert_eq!(
            init,
            crate::initializers::Initializer::RandomNormal {
                mean: 0.0,
                stddev: 1.0
            }
        );
    }
}
