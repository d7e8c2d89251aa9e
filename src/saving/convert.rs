//! Between a live model and the records of the file format.

use super::format::{FileCompile, FileLayer, FileModel, FileTensor};
use crate::activations;
use crate::error::{Error, Result, fmt_shape};
use crate::initializers::Initializer;
use crate::layers::{
    AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, LayerConfig, MaxPooling2D,
    Reshape, Window,
};
use crate::losses::{Loss, LossFn};
use crate::metrics::Metric;
use crate::models::{Model, Sequential};
use crate::ops::Padding;
use crate::optimizers::{OptimizerConfig, OptimizerState};
use crate::tensor::Tensor;

/// The records describing `model`.
pub(crate) fn to_file(model: &Model) -> Result<FileModel> {
    if !model.sequential {
        return Err(Error::invalid(
            "save",
            "a Sequential model (the .kerust format holds a chain of layers; functional graphs are not saved yet)",
            format!("the functional model \"{}\"", model.name()),
        ));
    }
    let layers = model
        .layers()
        .iter()
        .map(|handle| {
            let layer = handle.lock();
            Ok(FileLayer {
                class_name: layer.class_name().to_string(),
                name: layer.name().unwrap_or_default().to_string(),
                options: with_trainable(options(&layer.config())?, handle.trainable()),
                weights: layer
                    .params()
                    .iter()
                    .map(|p| FileTensor {
                        name: p.name.to_string(),
                        shape: p.value.shape().iter().map(|&d| d as u64).collect(),
                        data: p.value.to_vec(),
                    })
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let compile = model.compiled.as_ref().and_then(|c| {
        let output = c.outputs.first()?;
        let (loss, from_logits) = output.loss.saved_as();
        let (optimizer, hyperparameters) = hyperparameters(&c.optimizer.config());
        let state = c.optimizer.state();
        Some(FileCompile {
            loss,
            from_logits,
            metrics: output.metrics.iter().map(|m| m.name().to_string()).collect(),
            optimizer: optimizer.to_string(),
            hyperparameters,
            iterations: state.iterations,
            slots: state.slots,
        })
    });
    Ok(FileModel {
        kerust_version: env!("CARGO_PKG_VERSION").to_string(),
        name: model.name().to_string(),
        input_shape: model.input_shape().map(|s| s.iter().map(|&d| d as u64).collect()),
        layers,
        compile,
    })
}

/// The model the records describe, weights and optimizer state included.
pub(crate) fn from_file(file: FileModel, origin: &str) -> Result<Sequential> {
    let mut layers: Vec<Box<dyn Layer>> = Vec::with_capacity(file.layers.len());
    // Checked before any layer is named or built.
    for l in &file.layers {
        let mut layer = layer_from(l, origin)?;
        layer.set_name(l.name.clone());
        layers.push(layer);
    }
    let mut model = Sequential::new(layers);
    model.name = file.name.clone();
    // Frozen layers before anything reads which weights train.
    for (handle, saved) in model.layers().iter().zip(&file.layers) {
        match saved.option("trainable") {
            None | Some("true") => {}
            Some("false") => handle.set_trainable(false),
            Some(other) => {
                return Err(Error::data(
                    origin,
                    format!("trainable true or false for layer \"{}\"", saved.name),
                    other.to_string(),
                ));
            }
        }
    }
    if let Some(shape) = &file.input_shape {
        let shape: Vec<usize> = shape
            .iter()
            .map(|&d| to_usize(d, origin))
            .collect::<Result<_>>()?;
        check_sizes(&file, &shape, origin)?;
        model.build(&shape)?;
    }
    for (handle, saved) in model.layers().iter().zip(&file.layers) {
        let mut layer = handle.lock();
        let mut params = layer.params_mut();
        if params.len() != saved.weights.len() {
            return Err(Error::data(
                origin,
                format!("{} weights for layer \"{}\"", params.len(), saved.name),
                format!("{} weights", saved.weights.len()),
            ));
        }
        for (p, w) in params.iter_mut().zip(&saved.weights) {
            let shape: Vec<usize> = w
                .shape
                .iter()
                .map(|&d| to_usize(d, origin))
                .collect::<Result<_>>()?;
            if p.name != w.name || p.value.shape() != shape.as_slice() {
                return Err(Error::data(
                    origin,
                    format!(
                        "{}/{} of shape {}",
                        saved.name,
                        p.name,
                        fmt_shape(p.value.shape())
                    ),
                    format!("{}/{} of shape {}", saved.name, w.name, fmt_shape(&shape)),
                ));
            }
            p.value = Tensor::from_vec(&shape, w.data.clone()).map_err(|e| {
                Error::data(
                    origin,
                    format!("the data of {}/{}", saved.name, w.name),
                    e.to_string(),
                )
            })?;
        }
    }
    if let Some(c) = file.compile {
        let loss: Loss = c.loss.parse()?;
        let metrics = c
            .metrics
            .iter()
            .map(|m| Metric::named(m))
            .collect::<Result<Vec<_>>>()?;
        let mut optimizer = optimizer_from(&c.optimizer, &c.hyperparameters, origin)?.build();
        let in_file = |e: Error| Error::data(origin, "a usable optimizer", e.to_string());
        optimizer.validate().map_err(in_file)?;
        // Every buffer against the weights it belongs to, before any step.
        let trainable: Vec<usize> = model
            .layers()
            .iter()
            .flat_map(|l| l.params().into_iter().filter(|p| l.trains(p)))
            .map(|p| p.value.len())
            .collect();
        let state = OptimizerState {
            iterations: c.iterations,
            slots: c.slots,
        };
        state
            .check(optimizer.name(), optimizer.slot_specs(), Some(&trainable))
            .map_err(in_file)?;
        optimizer.set_state(state).map_err(in_file)?;
        model.compiled = Some(crate::models::Compiled::single(
            LossFn {
                loss,
                from_logits: c.from_logits,
            },
            metrics,
            optimizer,
        ));
    }
    Ok(model)
}

/// A layer's options, with `trainable=false` when it is frozen (files
/// without the option, as those written before it existed, load trainable).
fn with_trainable(mut options: Vec<(String, String)>, trainable: bool) -> Vec<(String, String)> {
    if !trainable {
        options.push(("trainable".into(), "false".into()));
    }
    options
}

/// Before building (which allocates every weight), checks that the weights
/// the layers would create are no larger than those the file holds: a
/// hostile input shape or unit count cannot make loading allocate more
/// than the file's own size.
fn check_sizes(file: &FileModel, input: &[usize], origin: &str) -> Result<()> {
    let held: usize = file
        .layers
        .iter()
        .flat_map(|l| &l.weights)
        .map(|w| w.data.len())
        .sum();
    let too_big = || {
        Error::data(
            origin,
            format!("layers whose weights fit the {held} values in the file"),
            "larger layers",
        )
    };
    let mut shape = input.to_vec();
    for l in &file.layers {
        match l.class_name.as_str() {
            "Dense" => {
                let units: usize = l
                    .option("units")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(too_big)?;
                let bias = if l.option("use_bias") == Some("true") {
                    units
                } else {
                    0
                };
                let fan_in = shape.last().copied().unwrap_or(0);
                let params = fan_in
                    .checked_mul(units)
                    .and_then(|p| p.checked_add(bias))
                    .ok_or_else(too_big)?;
                if params > held {
                    return Err(too_big());
                }
                if let Some(last) = shape.last_mut() {
                    *last = units;
                }
            }
            "Flatten" => {
                let n = shape
                    .iter()
                    .try_fold(1usize, |a, &d| a.checked_mul(d))
                    .ok_or_else(too_big)?;
                shape = vec![n];
            }
            "Conv2D" => {
                // Weights: kh·kw·channels·filters (+ filters).
                let filters: usize = l
                    .option("filters")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(too_big)?;
                let window = l
                    .option("kernel_size")
                    .and_then(|v| pair_parse(v, origin).ok())
                    .ok_or_else(too_big)?;
                let channels = shape.last().copied().unwrap_or(0);
                let params = window
                    .0
                    .checked_mul(window.1)
                    .and_then(|p| p.checked_mul(channels))
                    .and_then(|p| p.checked_mul(filters))
                    .ok_or_else(too_big)?;
                if params > held || filters > held {
                    return Err(too_big());
                }
                shape = spatial(&shape, window, l, origin)?;
                if let Some(last) = shape.last_mut() {
                    *last = filters;
                }
            }
            "Reshape" => {
                let target = l
                    .option("target_shape")
                    .and_then(|v| dims_parse(v, origin).ok())
                    .ok_or_else(too_big)?;
                shape = target;
            }
            "BatchNormalization" => {
                let channels = shape.last().copied().unwrap_or(0);
                if channels.checked_mul(4).is_none_or(|p| p > held) {
                    return Err(too_big());
                }
            }
            "MaxPooling2D" | "AveragePooling2D" => {
                let window = l
                    .option("pool_size")
                    .and_then(|v| pair_parse(v, origin).ok())
                    .ok_or_else(too_big)?;
                shape = spatial(&shape, window, l, origin)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The `(height, width, channels)` a window layer outputs for `shape`.
fn spatial(shape: &[usize], window: Window, l: &FileLayer, origin: &str) -> Result<Vec<usize>> {
    let strides = pair_parse(l.option("strides").unwrap_or("1,1"), origin)?;
    let padding = padding_parse(l.option("padding").unwrap_or("valid"), origin)?;
    let &[h, w, c] = shape else {
        return Err(Error::data(
            origin,
            format!("inputs (height, width, channels) for layer \"{}\"", l.name),
            fmt_shape(shape),
        ));
    };
    let (oh, _) = crate::ops::conv_output("load_model", h, window.0, strides.0, padding)?;
    let (ow, _) = crate::ops::conv_output("load_model", w, window.1, strides.1, padding)?;
    Ok(vec![oh, ow, c])
}

fn to_usize(d: u64, origin: &str) -> Result<usize> {
    usize::try_from(d).map_err(|_| Error::data(origin, "a dimension that fits in memory", d.to_string()))
}

fn options(config: &LayerConfig) -> Result<Vec<(String, String)>> {
    let kv = |k: &str, v: String| (k.to_string(), v);
    Ok(match config {
        LayerConfig::Dense {
            units,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
        } => vec![
            kv("units", units.to_string()),
            kv("activation", activation.name().to_string()),
            kv("use_bias", use_bias.to_string()),
            kv("kernel_initializer", initializer_text(*kernel_initializer)),
            kv("bias_initializer", initializer_text(*bias_initializer)),
        ],
        LayerConfig::Flatten => vec![],
        LayerConfig::Reshape { target_shape } => vec![kv(
            "target_shape",
            target_shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(","),
        )],
        LayerConfig::BatchNormalization {
            momentum,
            epsilon,
            center,
            scale,
        } => vec![
            kv("momentum", momentum.to_string()),
            kv("epsilon", epsilon.to_string()),
            kv("center", center.to_string()),
            kv("scale", scale.to_string()),
        ],
        LayerConfig::Dropout { rate } => vec![kv("rate", rate.to_string())],
        LayerConfig::Conv2D {
            filters,
            kernel_size,
            strides,
            padding,
            activation,
            use_bias,
            kernel_initializer,
            bias_initializer,
        } => vec![
            kv("filters", filters.to_string()),
            kv("kernel_size", pair_text(*kernel_size)),
            kv("strides", pair_text(*strides)),
            kv("padding", padding_text(*padding).into()),
            kv("activation", activation.name().to_string()),
            kv("use_bias", use_bias.to_string()),
            kv("kernel_initializer", initializer_text(*kernel_initializer)),
            kv("bias_initializer", initializer_text(*bias_initializer)),
        ],
        LayerConfig::MaxPooling2D {
            pool_size,
            strides,
            padding,
        }
        | LayerConfig::AveragePooling2D {
            pool_size,
            strides,
            padding,
        } => vec![
            kv("pool_size", pair_text(*pool_size)),
            kv("strides", pair_text(*strides)),
            kv("padding", padding_text(*padding).into()),
        ],
        LayerConfig::Custom { class_name } => {
            return Err(Error::invalid(
                "save",
                "layers the .kerust format describes (kerust's own; a layer defined outside kerust is saved with save_weights)",
                format!("the layer class {class_name}"),
            ));
        }
        other => {
            return Err(Error::invalid(
                "save",
                "layers the .kerust format describes",
                format!("the layer {other:?}"),
            ));
        }
    })
}

fn layer_from(l: &FileLayer, origin: &str) -> Result<Box<dyn Layer>> {
    let get = |key: &str| -> Result<&str> {
        l.option(key)
            .ok_or_else(|| Error::data(origin, format!("option {key} of layer \"{}\"", l.name), "none"))
    };
    // Every value is bounded here, whether or not the file has an input
    // shape (without one, nothing is built until `fit`).
    let number = |key: &str, range: std::ops::RangeInclusive<f64>| -> Result<f32> {
        let text = get(key)?;
        text.parse::<f64>()
            .ok()
            .filter(|v| range.contains(v))
            .map(|v| v as f32)
            .ok_or_else(|| {
                Error::data(
                    origin,
                    format!(
                        "a number in [{}, {}] for {key} of layer \"{}\"",
                        range.start(),
                        range.end(),
                        l.name
                    ),
                    text.to_string(),
                )
            })
    };
    let count = |key: &str| -> Result<usize> {
        count_parse(get(key)?, &format!("{key} of layer \"{}\"", l.name), origin)
    };
    let rate = || -> Result<f32> {
        let rate = number("rate", 0.0..=1.0)?;
        if rate < 1.0 {
            return Ok(rate);
        }
        Err(Error::data(
            origin,
            format!("a rate in [0, 1) for layer \"{}\"", l.name),
            "1",
        ))
    };
    Ok(match l.class_name.as_str() {
        "Dense" => Box::new(
            Dense::new(count("units")?)
                .activation(activations::get(get("activation")?)?)
                .use_bias(get("use_bias")? == "true")
                .kernel_initializer(initializer_parse(get("kernel_initializer")?, origin)?)
                .bias_initializer(initializer_parse(get("bias_initializer")?, origin)?),
        ),
        "Flatten" => Box::new(Flatten::new()),
        "Reshape" => Box::new(Reshape::new(dims_parse(get("target_shape")?, origin)?)),
        "BatchNormalization" => Box::new(
            BatchNormalization::new()
                .momentum(number("momentum", 0.0..=1.0)?)
                .epsilon(number("epsilon", 0.0..=f64::from(f32::MAX))?)
                .center(get("center")? == "true")
                .scale(get("scale")? == "true"),
        ),
        "Dropout" => Box::new(Dropout::new(rate()?)),
        "Conv2D" => Box::new(
            Conv2D::new(count("filters")?, pair_parse(get("kernel_size")?, origin)?)
                .strides(pair_parse(get("strides")?, origin)?)
                .padding(padding_parse(get("padding")?, origin)?)
                .activation(activations::get(get("activation")?)?)
                .use_bias(get("use_bias")? == "true")
                .kernel_initializer(initializer_parse(get("kernel_initializer")?, origin)?)
                .bias_initializer(initializer_parse(get("bias_initializer")?, origin)?),
        ),
        "MaxPooling2D" => Box::new(
            MaxPooling2D::new(pair_parse(get("pool_size")?, origin)?)
                .strides(pair_parse(get("strides")?, origin)?)
                .padding(padding_parse(get("padding")?, origin)?),
        ),
        "AveragePooling2D" => Box::new(
            AveragePooling2D::new(pair_parse(get("pool_size")?, origin)?)
                .strides(pair_parse(get("strides")?, origin)?)
                .padding(padding_parse(get("padding")?, origin)?),
        ),
        other => {
            return Err(Error::data(
                origin,
                "a layer class kerust knows (Dense, Flatten, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, \
                 BatchNormalization, Reshape)",
                other.to_string(),
            ));
        }
    })
}

/// A count in a layer's configuration (units, filters, a window side, a
/// stride, a dimension): a plain integer from 1 to
/// [`MAX_WEIGHT_ELEMENTS`](crate::initializers::MAX_WEIGHT_ELEMENTS), the
/// most any weight or sample may hold. Anything a layer can be built with
/// is within it, so every model that saves also loads.
fn count_parse(text: &str, what: &str, origin: &str) -> Result<usize> {
    const MAX: usize = crate::initializers::MAX_WEIGHT_ELEMENTS;
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX).contains(n))
        .ok_or_else(|| {
            Error::data(
                origin,
                format!("an integer from 1 to {MAX} for {what}"),
                text.to_string(),
            )
        })
}

fn dims_parse(text: &str, origin: &str) -> Result<Vec<usize>> {
    let dims = text
        .split(',')
        .map(|d| count_parse(d, "a dimension (dimensions like \"28,28,1\")", origin))
        .collect::<Result<Vec<_>>>()?;
    crate::layers::sample_size("load_model", &dims)
        .map_err(|e| Error::data(origin, "a target shape that fits in memory", e.to_string()))?;
    Ok(dims)
}

fn pair_text((a, b): (usize, usize)) -> String {
    format!("{a},{b}")
}

fn pair_parse(text: &str, origin: &str) -> Result<Window> {
    let bad = || Error::data(origin, "a pair of sizes like \"3,3\"", text.to_string());
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let side = |v: &str| count_parse(v, "a window side or stride", origin);
    Ok(Window(side(a)?, side(b)?))
}

fn padding_text(p: Padding) -> &'static str {
    match p {
        Padding::Valid => "valid",
        Padding::Same => "same",
    }
}

fn padding_parse(text: &str, origin: &str) -> Result<Padding> {
    match text {
        "valid" => Ok(Padding::Valid),
        "same" => Ok(Padding::Same),
        other => Err(Error::data(
            origin,
            "padding \"valid\" or \"same\"",
            other.to_string(),
        )),
    }
}

fn initializer_text(init: Initializer) -> String {
    match init {
        Initializer::Constant(v) => format!("constant({v})"),
        Initializer::RandomUniform { min, max } => format!("random_uniform({min},{max})"),
        Initializer::RandomNormal { mean, stddev } => format!("random_normal({mean},{stddev})"),
        other => other.name().to_string(),
    }
}

fn initializer_parse(text: &str, origin: &str) -> Result<Initializer> {
    let bad = || Error::data(origin, "an initializer kerust knows", text.to_string());
    let args = |inner: &str| -> Result<Vec<f32>> {
        inner
            .split(',')
            .map(|v| v.parse::<f32>().map_err(|_| bad()))
            .collect()
    };
    if let Some(inner) = text.strip_suffix(')') {
        let (name, inner) = inner.split_once('(').ok_or_else(bad)?;
        let a = args(inner)?;
        let init = match (name, a.as_slice()) {
            ("constant", [v]) => Initializer::Constant(*v),
            ("random_uniform", [min, max]) => Initializer::RandomUniform { min: *min, max: *max },
            ("random_normal", [mean, stddev]) => Initializer::RandomNormal {
                mean: *mean,
                stddev: *stddev,
            },
            _ => return Err(bad()),
        };
        init.check()
            .map_err(|e| Error::data(origin, "an initializer with usable arguments", e.to_string()))?;
        return Ok(init);
    }
    [
        Initializer::GlorotUniform,
        Initializer::GlorotNormal,
        Initializer::HeUniform,
        Initializer::HeNormal,
        Initializer::Zeros,
        Initializer::Ones,
    ]
    .into_iter()
    .find(|i| i.name() == text)
    .ok_or_else(bad)
}

fn hyperparameters(config: &OptimizerConfig) -> (&'static str, Vec<(String, f64)>) {
    let kv = |k: &str, v: f64| (k.to_string(), v);
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    match *config {
        OptimizerConfig::Sgd {
            learning_rate,
            momentum,
            nesterov,
        } => (
            "SGD",
            vec![
                kv("learning_rate", learning_rate.into()),
                kv("momentum", momentum.into()),
                kv("nesterov", flag(nesterov)),
            ],
        ),
        OptimizerConfig::RmsProp {
            learning_rate,
            rho,
            momentum,
            epsilon,
            centered,
        } => (
            "RMSprop",
            vec![
                kv("learning_rate", learning_rate.into()),
                kv("rho", rho.into()),
                kv("momentum", momentum.into()),
                kv("epsilon", epsilon.into()),
                kv("centered", flag(centered)),
            ],
        ),
        OptimizerConfig::Adam {
            learning_rate,
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
        } => (
            "Adam",
            vec![
                kv("learning_rate", learning_rate.into()),
                kv("beta_1", beta_1.into()),
                kv("beta_2", beta_2.into()),
                kv("epsilon", epsilon.into()),
                kv("amsgrad", flag(amsgrad)),
            ],
        ),
        #[allow(unreachable_patterns)]
        _ => ("unknown", Vec::new()),
    }
}

fn optimizer_from(name: &str, hyper: &[(String, f64)], origin: &str) -> Result<OptimizerConfig> {
    let get = |key: &str| -> Result<f32> {
        hyper
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v as f32)
            .ok_or_else(|| Error::data(origin, format!("the {name} hyperparameter {key}"), "none"))
    };
    Ok(match name {
        "SGD" => OptimizerConfig::Sgd {
            learning_rate: get("learning_rate")?,
            momentum: get("momentum")?,
            nesterov: get("nesterov")? != 0.0,
        },
        "RMSprop" => OptimizerConfig::RmsProp {
            learning_rate: get("learning_rate")?,
            rho: get("rho")?,
            momentum: get("momentum")?,
            epsilon: get("epsilon")?,
            centered: get("centered")? != 0.0,
        },
        "Adam" => OptimizerConfig::Adam {
            learning_rate: get("learning_rate")?,
            beta_1: get("beta_1")?,
            beta_2: get("beta_2")?,
            epsilon: get("epsilon")?,
            amsgrad: get("amsgrad")? != 0.0,
        },
        other => {
            return Err(Error::data(
                origin,
                "an optimizer kerust knows (SGD, RMSprop, Adam)",
                other.to_string(),
            ));
        }
    })
}
