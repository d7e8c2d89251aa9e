//! Between a live model and the records of the file format.
//!
//! Nothing here knows a layer class: each layer describes itself with
//! [`Layer::config`](crate::layers::Layer::config) and is made again by the
//! registry from that configuration; the sizes a hostile file may claim
//! are bounded while the layers build (see [`within_budget`]).

use super::format::{
    FileCall, FileCompile, FileInput, FileLayer, FileModel, FileObjective, FileRef, FileTensor,
};
use crate::error::{Error, Result, fmt_shape};
use crate::layers::{LayerConfig, is_known, layer_from_config, within_budget};
use crate::losses::{LossFn, SettledLoss};
use crate::metrics::{Metric, SettledMetric};
use crate::models::functional::{Input, KerasTensor, LayerRef};
use crate::models::{Compiled, Model, Sequential, Settled};
use crate::optimizers::{OptimizerConfig, OptimizerState};
use crate::tensor::Tensor;

/// The records describing `model`.
pub(crate) fn to_file(model: &Model) -> Result<FileModel> {
    let layers = model
        .layers()
        .iter()
        .map(file_layer)
        .collect::<Result<Vec<_>>>()?;
    let as_ref = |(node, index): (usize, usize)| FileRef {
        node: node as u64,
        index: index as u64,
    };
    let (input_shape, inputs, calls, outputs) = match (&model.graph, model.sequential) {
        (Some(graph), false) => {
            let (calls, outputs) = graph.wiring();
            (
                None,
                graph
                    .inputs
                    .iter()
                    .map(|t| FileInput {
                        name: t.source_name(),
                        shape: t.shape().iter().map(|&d| d as u64).collect(),
                    })
                    .collect(),
                calls
                    .into_iter()
                    .map(|(layer, reads)| FileCall {
                        layer: layer as u64,
                        inputs: reads.into_iter().map(as_ref).collect(),
                    })
                    .collect(),
                outputs.into_iter().map(as_ref).collect(),
            )
        }
        _ => (
            model.input_shape().map(|s| s.iter().map(|&d| d as u64).collect()),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
    };
    if let Some(c) = &model.compiled
        && let Some(unsaved) = c
            .optimizer
            .config()
            .get::<serde_json::Value>("learning_rate")
            .and_then(|rate| rate.get("unsaved").and_then(|u| u.as_str()).map(str::to_string))
    {
        return Err(Error::invalid(
            "save",
            "a learning rate or a schedule kerust can save (one of keras.optimizers.schedules)",
            format!("the {unsaved}, a schedule of your own"),
        ));
    }
    let compile = model.compiled.as_ref().map(|c| {
        let config = c.optimizer.config();
        let state = c.optimizer.state();
        FileCompile {
            outputs: c
                .outputs
                .iter()
                .map(|o| {
                    let (loss, from_logits) = o.loss.saved_as();
                    FileObjective {
                        loss,
                        from_logits,
                        weight: o.weight.into(),
                        metrics: o.metrics.iter().map(|m| m.name().to_string()).collect(),
                    }
                })
                .collect(),
            optimizer: config.class_name().to_string(),
            config: config.to_json(),
            iterations: state.iterations,
            slots: state.slots,
        }
    });
    Ok(FileModel {
        kerust_version: env!("CARGO_PKG_VERSION").to_string(),
        name: model.name().to_string(),
        sequential: model.sequential,
        input_shape,
        inputs,
        layers,
        calls,
        outputs,
        compile,
    })
}

/// A layer's record: its class must be one the registry can make again.
fn file_layer(handle: &LayerRef) -> Result<FileLayer> {
    let layer = handle.lock();
    let class_name = layer.class_name();
    if !is_known(class_name) {
        return Err(Error::invalid(
            "save",
            "layer classes kerust has, or registered once with kerust::layers::register_layer",
            format!("the unregistered layer class {class_name}"),
        ));
    }
    Ok(FileLayer {
        class_name: class_name.to_string(),
        name: layer.name().unwrap_or_default().to_string(),
        config: layer.config().to_json(),
        trainable: handle.trainable(),
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
}

/// The model the records describe, weights and optimizer state included.
pub(crate) fn from_file(file: FileModel, origin: &str) -> Result<Model> {
    let data = |e: Error| as_data(origin, e);
    // Every layer is made (its configuration checked) before any is built.
    let layers = file
        .layers
        .iter()
        .map(|l| {
            let config = LayerConfig::from_json(&l.class_name, &l.config).map_err(data)?;
            let mut layer = layer_from_config(&config).map_err(|e| {
                Error::data(
                    origin,
                    format!("a usable configuration for layer \"{}\"", l.name),
                    e.to_string(),
                )
            })?;
            layer.set_name(l.name.clone());
            let handle = LayerRef::from(layer);
            handle.set_trainable(l.trainable);
            Ok(handle)
        })
        .collect::<Result<Vec<_>>>()?;
    // Building creates every weight: at most the values the file holds.
    let held: usize = file
        .layers
        .iter()
        .flat_map(|l| &l.weights)
        .map(|w| w.data.len())
        .sum();
    let mut model: Model = if file.sequential {
        let mut model = Sequential::new(layers.clone());
        if let Some(e) = &model.build_error {
            return Err(Error::data(origin, "layers with distinct names", e.clone()));
        }
        if let Some(shape) = &file.input_shape {
            let shape = dims(shape, origin)?;
            within_budget(held, || model.build(&shape)).map_err(data)?;
        }
        model.into()
    } else {
        within_budget(held, || graph_from(&file, &layers, origin)).map_err(data)?
    };
    model.name = file.name.clone();
    if model.is_built() && model.layers().len() != layers.len() {
        return Err(Error::data(
            origin,
            format!("a graph that calls each of its {} layers", layers.len()),
            format!("{} layers called", model.layers().len()),
        ));
    }
    for (handle, saved) in layers.iter().zip(&file.layers) {
        set_weights(handle, saved, origin)?;
    }
    if let Some(c) = file.compile {
        model.compiled = Some(compiled_from(c, &model, origin)?);
    }
    Ok(model)
}

/// Makes the functional graph: each call on values made before it.
fn graph_from(file: &FileModel, layers: &[LayerRef], origin: &str) -> Result<Model> {
    let mut nodes: Vec<Vec<KerasTensor>> = Vec::with_capacity(file.inputs.len() + file.calls.len());
    let mut inputs = Vec::with_capacity(file.inputs.len());
    for input in &file.inputs {
        let shape = dims(&input.shape, origin)?;
        let tensor = Input::named(input.name.clone(), shape);
        inputs.push(tensor.clone());
        nodes.push(vec![tensor]);
    }
    for call in &file.calls {
        let layer = usize::try_from(call.layer)
            .ok()
            .and_then(|i| layers.get(i))
            .ok_or_else(|| {
                Error::data(
                    origin,
                    format!("a call of one of the {} layers", layers.len()),
                    format!("a call of layer {}", call.layer),
                )
            })?;
        let args = call
            .inputs
            .iter()
            .map(|r| value(&nodes, r, origin))
            .collect::<Result<Vec<_>>>()?;
        nodes.push(layer.call_many(args)?);
    }
    let outputs = file
        .outputs
        .iter()
        .map(|r| value(&nodes, r, origin))
        .collect::<Result<Vec<_>>>()?;
    Model::new(inputs, outputs)
}

/// The value `r` names, among those made so far.
fn value(nodes: &[Vec<KerasTensor>], r: &FileRef, origin: &str) -> Result<KerasTensor> {
    usize::try_from(r.node)
        .ok()
        .and_then(|n| nodes.get(n))
        .and_then(|made| made.get(usize::try_from(r.index).ok()?))
        .cloned()
        .ok_or_else(|| {
            Error::data(
                origin,
                format!("a value made before it is read (one of {} nodes)", nodes.len()),
                format!("output {} of node {}", r.index, r.node),
            )
        })
}

/// Puts the saved weights into a built layer, each checked by name and shape.
fn set_weights(handle: &LayerRef, saved: &FileLayer, origin: &str) -> Result<()> {
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
        let shape = dims(&w.shape, origin)?;
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
    Ok(())
}

/// What `compile` set, with the optimizer's state checked against the
/// weights it updates.
fn compiled_from(c: FileCompile, model: &Model, origin: &str) -> Result<Compiled> {
    let outputs = model.graph.as_ref().map_or(1, |g| g.outputs.len());
    if c.outputs.len() != outputs {
        return Err(Error::data(
            origin,
            format!("one loss per output ({outputs})"),
            format!("{} losses", c.outputs.len()),
        ));
    }
    let objectives = c
        .outputs
        .iter()
        .map(|o| {
            let weight = o.weight as f32;
            if !weight.is_finite() || weight < 0.0 {
                return Err(Error::data(
                    origin,
                    "a finite, non-negative loss weight",
                    o.weight.to_string(),
                ));
            }
            let loss = LossFn::from_identifier(&o.loss)?.from_logits(o.from_logits);
            let metrics = o
                .metrics
                .iter()
                .map(|m| Metric::named(m).map(|(name, m)| SettledMetric::Builtin(name, m)))
                .collect::<Result<Vec<_>>>()?;
            Ok(Settled {
                loss: SettledLoss::Builtin(loss),
                weight,
                metrics,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let in_file = |e: Error| Error::data(origin, "a usable optimizer", e.to_string());
    let config = OptimizerConfig::from_json(&c.optimizer, &c.config).map_err(in_file)?;
    let mut optimizer = crate::optimizers::from_config(&config).map_err(in_file)?;
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
        .check(optimizer.name(), &optimizer.slot_specs(), Some(&trainable))
        .map_err(in_file)?;
    optimizer.set_state(state).map_err(in_file)?;
    Ok(Compiled {
        outputs: objectives,
        optimizer,
    })
}

/// A shape from the file: each dimension fits in memory, and so does one
/// sample of it.
fn dims(shape: &[u64], origin: &str) -> Result<Vec<usize>> {
    let dims = shape
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| Error::data(origin, "a dimension that fits in memory", d.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    crate::layers::sample_size("load_model", &dims).map_err(|e| as_data(origin, e))?;
    Ok(dims)
}

/// An error met while making the model, as one about the file.
fn as_data(origin: &str, e: Error) -> Error {
    match e {
        Error::InvalidArgument { expected, found, .. } | Error::ShapeMismatch { expected, found, .. } => {
            Error::data(origin, expected, found)
        }
        e @ Error::InvalidData { .. } => e,
        other => Error::data(origin, "a model kerust can make", other.to_string()),
    }
}
