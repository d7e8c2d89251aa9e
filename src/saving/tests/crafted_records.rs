//! Whole model files made of arbitrary records — any layer class, any
//! option text or configuration, any graph wiring, any weights, any
//! compile settings and optimizer state — with a correct checksum: loading
//! never panics, and a model that loads trains a step without panicking
//! (an error is fine).

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::mutated_files::batch;
use super::*;
use crate::saving::format::{FileCall, FileCompile, FileInput, FileLayer, FileObjective, FileRef};

pub(super) const CLASSES: [&str; 9] = [
    "Dense",
    "Flatten",
    "Dropout",
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "BatchNormalization",
    "Reshape",
    "Conv7D",
];
pub(super) const KEYS: [&str; 16] = [
    "units",
    "activation",
    "use_bias",
    "kernel_initializer",
    "bias_initializer",
    "rate",
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "pool_size",
    "target_shape",
    "momentum",
    "epsilon",
    "center",
    "scale",
];
pub(super) const VALUES: [&str; 30] = [
    "0",
    "1",
    "2",
    "3",
    "-1",
    "1e30",
    "NaN",
    "inf",
    "2147483648",
    "99999999999",
    "0.5",
    "1,1",
    "2,2",
    "3,3",
    "0,2",
    "4,4,1",
    "16",
    "valid",
    "same",
    "true",
    "false",
    "relu",
    "softmax",
    "sigmoid",
    "zeros",
    "glorot_uniform",
    "random_uniform(1,0)",
    "constant(NaN)",
    "random_normal(0,1)",
    "",
];
const WEIGHTS: [&str; 6] = [
    "kernel",
    "bias",
    "gamma",
    "beta",
    "moving_mean",
    "moving_variance",
];
pub(super) const LOSSES: [&str; 6] = [
    "mse",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "hinge_loss",
    r#"{"class_name": "Huber", "config": {"delta": -1.0}}"#,
    r#"{"class_name": "Huber", "config": {"delta": 2.0"#,
];
const OPTIMIZERS: [&str; 4] = ["SGD", "RMSprop", "Adam", "Adagrad"];
const HYPER: [&str; 10] = [
    "learning_rate",
    "momentum",
    "nesterov",
    "rho",
    "epsilon",
    "centered",
    "beta_1",
    "beta_2",
    "amsgrad",
    "bogus",
];

pub(super) fn number() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.0f32),
        Just(1.0),
        Just(-1.0),
        Just(f32::NAN),
        Just(f32::INFINITY),
        -2.0f32..2.0
    ]
}

pub(super) fn tensor() -> impl Strategy<Value = FileTensor> {
    (
        prop::sample::select(&WEIGHTS[..]),
        prop::collection::vec(0u64..6, 0..4),
        prop::collection::vec(number(), 0..40),
    )
        .prop_map(|(name, shape, data)| FileTensor {
            name: name.into(),
            shape,
            data,
        })
}

fn layer() -> impl Strategy<Value = v1::FileLayer> {
    (
        prop::sample::select(&CLASSES[..]),
        prop::collection::vec(
            (prop::sample::select(&KEYS[..]), prop::sample::select(&VALUES[..])),
            0..12,
        ),
        prop::collection::vec(tensor(), 0..4),
    )
        .prop_map(|(class, options, weights)| v1::FileLayer {
            class_name: class.into(),
            name: "layer".into(),
            options: options.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            weights,
        })
}

fn compile() -> impl Strategy<Value = Option<v1::FileCompile>> {
    prop::option::of(
        (
            prop::sample::select(&LOSSES[..]),
            prop::sample::select(&OPTIMIZERS[..]),
            prop::collection::vec(
                (
                    prop::sample::select(&HYPER[..]),
                    prop_oneof![Just(f64::NAN), -1.0f64..2.0],
                ),
                0..10,
            ),
            prop_oneof![Just(0u64), Just(3), Just(u64::MAX)],
            prop::collection::vec(
                prop::collection::vec(prop::collection::vec(number(), 0..30), 0..4),
                0..5,
            ),
        )
            .prop_map(|(loss, optimizer, hyper, iterations, slots)| v1::FileCompile {
                loss: loss.into(),
                from_logits: false,
                metrics: vec!["accuracy".into()],
                optimizer: optimizer.into(),
                hyperparameters: hyper.into_iter().map(|(k, v)| (k.into(), v)).collect(),
                iterations,
                slots,
            }),
    )
}

/// A version 1 file (option text, read through the migration).
fn model() -> impl Strategy<Value = v1::FileModel> {
    (
        prop::option::of(prop::collection::vec(
            prop_oneof![Just(0u64), 1u64..6, Just(1 << 40)],
            1..4,
        )),
        prop::collection::vec(layer(), 1..4),
        compile(),
    )
        .prop_map(|(input_shape, mut layers, compile)| {
            for (i, l) in layers.iter_mut().enumerate() {
                l.name = format!("layer_{i}");
            }
            v1::FileModel {
                kerust_version: "0".into(),
                name: "crafted".into(),
                input_shape,
                layers,
                compile,
            }
        })
}

/// A configuration for `class`: usually what it takes, sometimes with an
/// option of any key and value added.
fn config(class: &'static str) -> impl Strategy<Value = String> {
    (
        1u64..5,
        prop::option::weighted(
            0.3,
            (prop::sample::select(&KEYS[..]), prop::sample::select(&VALUES[..])),
        ),
    )
        .prop_map(move |(n, extra)| {
            let mut map: Map<String, Value> = match class {
                "Dense" => [("units".to_string(), Value::from(n))].into_iter().collect(),
                "Dropout" => [("rate".to_string(), Value::from(0.5))].into_iter().collect(),
                _ => Map::new(),
            };
            if let Some((k, v)) = extra {
                map.insert(k.to_string(), v1::value_of(k, v));
            }
            Value::Object(map).to_string()
        })
}

/// A value of the graph, often a real one, sometimes not.
pub(super) fn reference() -> impl Strategy<Value = FileRef> {
    (
        prop_oneof![8 => 0u64..4, 1 => Just(u64::MAX)],
        prop_oneof![4 => Just(0u64), 1 => 1u64..3],
    )
        .prop_map(|(node, index)| FileRef { node, index })
}

/// A version 2 functional file: any inputs, layers, calls and outputs.
fn graph_model() -> impl Strategy<Value = FileModel> {
    let layer = prop::sample::select(
        &[
            "Dense",
            "Dense",
            "Add",
            "Concatenate",
            "Multiply",
            "Flatten",
            "Dropout",
            "BatchNormalization",
            "Conv7D",
        ][..],
    )
    .prop_flat_map(|class| (Just(class), config(class), prop::collection::vec(tensor(), 0..3)));
    (
        prop::collection::vec(
            prop::collection::vec(
                prop_oneof![1 => Just(0u64), 8 => 1u64..5, 1 => Just(1 << 40)],
                1..3,
            ),
            1..3,
        ),
        prop::collection::vec(layer, 1..4),
        prop::collection::vec(
            (
                prop_oneof![8 => 0u64..4, 1 => Just(u64::MAX)],
                prop::collection::vec(reference(), 1..3),
            ),
            1..5,
        ),
        prop::collection::vec(reference(), 1..3),
        any::<bool>(),
    )
        .prop_map(|(inputs, layers, calls, outputs, compiled)| {
            let (input_count, layer_count) = (inputs.len() as u64, layers.len() as u64);
            let node_count = input_count + calls.len() as u64;
            let outputs: Vec<FileRef> = outputs
                .into_iter()
                .map(|r| FileRef {
                    node: if r.node == u64::MAX {
                        r.node
                    } else {
                        r.node % node_count.max(1)
                    },
                    index: r.index,
                })
                .collect();
            FileModel {
                kerust_version: "0".into(),
                name: "crafted".into(),
                sequential: false,
                input_shape: None,
                inputs: inputs
                    .into_iter()
                    .enumerate()
                    .map(|(i, shape)| FileInput {
                        name: format!("input_{i}"),
                        shape,
                    })
                    .collect(),
                layers: layers
                    .into_iter()
                    .enumerate()
                    .map(|(i, (class, config, weights))| FileLayer {
                        class_name: class.into(),
                        name: format!("layer_{i}"),
                        config,
                        trainable: i != 1,
                        weights,
                    })
                    .collect(),
                calls: calls
                    .into_iter()
                    .enumerate()
                    .map(|(j, (layer, inputs))| FileCall {
                        // Mostly layers that exist and values made earlier.
                        layer: if layer == u64::MAX {
                            layer
                        } else {
                            layer % layer_count.max(1)
                        },
                        inputs: inputs
                            .into_iter()
                            .map(|r| FileRef {
                                node: if r.node == u64::MAX {
                                    r.node
                                } else {
                                    r.node % (input_count + j as u64)
                                },
                                index: r.index,
                            })
                            .collect(),
                    })
                    .collect(),
                compile: compiled.then(|| FileCompile {
                    outputs: outputs
                        .iter()
                        .map(|_| FileObjective {
                            loss: "mse".into(),
                            from_logits: false,
                            weight: 1.0,
                            metrics: vec!["mae".into()],
                        })
                        .collect(),
                    optimizer: "SGD".into(),
                    config: r#"{"learning_rate": 0.01, "momentum": 0.0, "nesterov": false}"#.into(),
                    iterations: 0,
                    slots: Vec::new(),
                }),
                outputs,
            }
        })
}

/// Trains a loaded model one epoch and predicts, when it has small inputs
/// and is compiled. Errors are fine; panics are not.
pub(super) fn train_and_predict(mut model: Model) {
    let Some((x, y)) = batch(&model) else { return };
    if model.optimizer().is_some() {
        let options = crate::models::FitOptions::default().epochs(1).verbose(0);
        let _ = model.fit(&x, &y, options);
    }
    let _ = model.predict_many(&x);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Version 1 files made of arbitrary records.
    #[test]
    fn crafted_records_never_panic(file in model()) {
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(model) = load_v1(&file) {
                train_and_predict(model);
            }
        });
        prop_assert!(outcome.is_ok(), "a crafted file panicked: {file:?}");
    }

    /// Functional graphs made of arbitrary records.
    #[test]
    fn crafted_graphs_never_panic(file in graph_model()) {
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(model) = load(&file) {
                train_and_predict(model);
            }
        });
        prop_assert!(outcome.is_ok(), "a crafted graph panicked: {file:?}");
    }
}
