//! Real model files, trained and saved, with one to four changes to their
//! records — options, configurations, classes, graph wiring, weights,
//! compile settings, optimizer state — and a correct checksum: loading
//! never panics, and a model that loads trains a step without panicking
//! (an error is fine).

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::crafted_records::{CLASSES, KEYS, LOSSES, VALUES, number, reference, train_and_predict};
use super::*;
use crate::saving::format::{FileLayer, FileRef};

/// Real files to mutate: three trained `Sequential` models covering every
/// layer class and optimizer, with their state, and a trained functional
/// model with two inputs, a shared layer, a merge and two outputs.
fn bases() -> &'static [FileModel] {
    use crate::layers::{
        Add, AveragePooling2D, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, Flatten,
        MaxPooling2D, Reshape,
    };
    use crate::models::{CallLayer, Input, LayerRef, Objective, Sequential};
    use crate::optimizers::{Adam, RMSprop, SGD};
    static BASES: std::sync::OnceLock<Vec<FileModel>> = std::sync::OnceLock::new();
    BASES.get_or_init(|| {
        fn compiled(mut model: Sequential, optimizer: impl crate::optimizers::Optimizer + 'static) -> Model {
            model
                .compile_with(optimizer, "sparse_categorical_crossentropy", ["accuracy"])
                .unwrap();
            model.into()
        }
        let mut bases: Vec<FileModel> = [
            compiled(
                crate::sequential![
                    Dense::new(8).activation("relu").input_shape(6),
                    Dropout::new(0.25),
                    Dense::new(3).activation("softmax"),
                ],
                Adam::new().amsgrad(true),
            ),
            compiled(
                crate::sequential![
                    Conv2D::new(2, 3).input_shape((6, 6, 1)),
                    MaxPooling2D::new(2),
                    Flatten::new(),
                    Dense::new(3).activation("softmax"),
                ],
                RMSprop::new().centered(true).momentum(0.5),
            ),
            compiled(
                crate::sequential![
                    Reshape::new(vec![4, 4, 2]).input_shape(32),
                    BatchNormalization::new(),
                    AveragePooling2D::new(2),
                    Flatten::new(),
                    Dense::new(3).activation("softmax"),
                ],
                SGD::new().momentum(0.9).nesterov(true),
            ),
        ]
        .into_iter()
        .map(|mut model| {
            train(&mut model);
            convert::to_file(&model).unwrap()
        })
        .collect();
        let (a, b) = (Input::named("a", 4), Input::named("b", 4));
        let shared = LayerRef::new(Dense::new(3).activation("relu"));
        let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
        let sum = Add::new().call(&[ha.clone(), hb.clone()]).unwrap();
        let joined = Concatenate::new().call(&[ha, sum.clone()]).unwrap();
        let first = Dense::new(2).activation("softmax").call(&joined).unwrap();
        let second = BatchNormalization::new().call(&sum).unwrap();
        let mut model = Model::new(&[a, b], &[first, second]).unwrap();
        model
            .compile_outputs(
                Adam::new(),
                vec![
                    Objective::new("sparse_categorical_crossentropy").metrics(["accuracy"]),
                    Objective::new("mse").loss_weight(0.5),
                ],
            )
            .unwrap();
        train(&mut model);
        bases.push(convert::to_file(&model).unwrap());
        bases
    })
}

/// Batches of ones for every input of `model`, and targets for its
/// outputs (classes for a first output of rank 1, as the bases' sparse
/// cross-entropy reads, else values); `None` for a
/// model without inputs or with large ones.
pub(super) fn batch(model: &Model) -> Option<(Vec<ndarray::ArrayD<f32>>, Vec<crate::models::TargetData>)> {
    let inputs = model.inputs().ok()?;
    let outputs = model.outputs().ok()?;
    if inputs
        .iter()
        .any(|t| t.shape().iter().product::<usize>() > 10_000)
    {
        return None;
    }
    let rows = |shape: &[usize]| {
        let mut batch = vec![2];
        batch.extend(shape);
        ndarray::ArrayD::<f32>::from_elem(ndarray::IxDyn(&batch), 0.5)
    };
    let x = inputs.iter().map(|t| rows(t.shape())).collect();
    let y = outputs
        .iter()
        .enumerate()
        .map(|(i, t)| match (i, t.shape()) {
            (0, [_]) => crate::models::TargetData::Classes(vec![0, 1]),
            (_, shape) => crate::models::TargetData::Dense(rows(shape)),
        })
        .collect();
    Some((x, y))
}

/// Two epochs of two steps, so that the optimizer has state.
fn train(model: &mut Model) {
    let (x, y) = batch(model).unwrap();
    let options = crate::models::FitOptions::default()
        .epochs(2)
        .batch_size(1)
        .verbose(0);
    model.fit(&x, &y, options).unwrap();
}

/// One change to a file's records.
#[derive(Clone, Debug)]
enum Mutation {
    Option(usize, usize, &'static str),
    ForeignOption(usize, &'static str, &'static str),
    RawConfig(usize, &'static str),
    Class(usize, &'static str),
    Trainable(usize),
    InputShape(Option<Vec<u64>>),
    GraphInputShape(usize, Vec<u64>),
    CallLayer(usize, u64),
    CallInput(usize, usize, FileRef),
    DropCall(usize),
    Output(usize, FileRef),
    WeightShape(usize, usize, Vec<u64>),
    WeightData(usize, usize, usize, f32),
    TruncateWeight(usize, usize, usize),
    DropLayer(usize),
    Hyper(usize, f64),
    Iterations(u64),
    TruncateSlot(usize, usize, usize),
    PushSlot(usize, usize),
    DropSlots(usize),
    SlotValue(usize, usize, usize, f32),
    Loss(&'static str),
    LossWeight(f64),
    DropObjective,
}

/// Configurations that are not what a layer takes.
const RAW_CONFIGS: [&str; 8] = [
    "",
    "[",
    "null",
    "[1, 2]",
    r#"{"units": 1e400}"#,
    r#"{"units": 18446744073709551616}"#,
    r#"{"units": 2, "units": 3}"#,
    r#"{"axis": -9223372036854775808}"#,
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let k = || 0usize..8;
    prop_oneof![
        (k(), k(), prop::sample::select(&VALUES[..])).prop_map(|(l, o, v)| Mutation::Option(l, o, v)),
        (
            k(),
            prop::sample::select(&KEYS[..]),
            prop::sample::select(&VALUES[..])
        )
            .prop_map(|(l, key, v)| Mutation::ForeignOption(l, key, v)),
        (k(), prop::sample::select(&RAW_CONFIGS[..])).prop_map(|(l, c)| Mutation::RawConfig(l, c)),
        (k(), prop::sample::select(&CLASSES[..])).prop_map(|(l, c)| Mutation::Class(l, c)),
        k().prop_map(Mutation::Trainable),
        prop::option::of(prop::collection::vec(
            prop_oneof![Just(0u64), 1u64..40, Just(1 << 40)],
            0..4
        ))
        .prop_map(Mutation::InputShape),
        (
            k(),
            prop::collection::vec(prop_oneof![Just(0u64), 1u64..9, Just(1 << 40)], 0..3)
        )
            .prop_map(|(i, s)| Mutation::GraphInputShape(i, s)),
        (k(), prop_oneof![0u64..8, Just(u64::MAX)]).prop_map(|(c, l)| Mutation::CallLayer(c, l)),
        (k(), k(), reference()).prop_map(|(c, i, r)| Mutation::CallInput(c, i, r)),
        k().prop_map(Mutation::DropCall),
        (k(), reference()).prop_map(|(o, r)| Mutation::Output(o, r)),
        (k(), k(), prop::collection::vec(0u64..40, 0..4))
            .prop_map(|(l, w, s)| Mutation::WeightShape(l, w, s)),
        (k(), k(), 0usize..400, number()).prop_map(|(l, w, i, v)| Mutation::WeightData(l, w, i, v)),
        (k(), k(), 0usize..400).prop_map(|(l, w, n)| Mutation::TruncateWeight(l, w, n)),
        k().prop_map(Mutation::DropLayer),
        (
            0usize..6,
            prop_oneof![Just(f64::NAN), Just(f64::INFINITY), -1.0f64..2.0]
        )
            .prop_map(|(h, v)| Mutation::Hyper(h, v)),
        prop_oneof![Just(0u64), Just(u64::MAX), Just(u64::MAX - 1)].prop_map(Mutation::Iterations),
        (k(), 0usize..4, 0usize..400).prop_map(|(w, b, n)| Mutation::TruncateSlot(w, b, n)),
        (k(), 0usize..400).prop_map(|(w, n)| Mutation::PushSlot(w, n)),
        k().prop_map(Mutation::DropSlots),
        (k(), 0usize..4, 0usize..400, number()).prop_map(|(w, b, i, v)| Mutation::SlotValue(w, b, i, v)),
        prop::sample::select(&LOSSES[..]).prop_map(Mutation::Loss),
        prop_oneof![Just(f64::NAN), Just(-1.0), Just(1e300), 0.0f64..2.0].prop_map(Mutation::LossWeight),
        Just(Mutation::DropObjective),
    ]
}

/// Edits a layer's configuration as a JSON object (left as it is when it
/// is not one).
fn edit_config(layer: &mut FileLayer, f: impl FnOnce(&mut Map<String, Value>)) {
    if let Ok(mut map) = serde_json::from_str::<Map<String, Value>>(&layer.config) {
        f(&mut map);
        layer.config = Value::Object(map).to_string();
    }
}

/// Applies `m` where its indices point at something (modulo lengths).
fn apply(file: &mut FileModel, m: &Mutation) {
    let pick = |n: usize, i: usize| (n > 0).then(|| i % n);
    let compile = file.compile.as_mut();
    match m {
        Mutation::Option(l, o, v) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                edit_config(&mut file.layers[l], |map| {
                    if let Some(key) = pick(map.len(), *o).and_then(|o| map.keys().nth(o).cloned()) {
                        let value = v1::value_of(&key, v);
                        map.insert(key, value);
                    }
                });
            }
        }
        Mutation::ForeignOption(l, key, v) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                edit_config(&mut file.layers[l], |map| {
                    map.insert((*key).into(), v1::value_of(key, v));
                });
            }
        }
        Mutation::RawConfig(l, c) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                file.layers[l].config = (*c).into();
            }
        }
        Mutation::Class(l, c) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                file.layers[l].class_name = (*c).into();
            }
        }
        Mutation::Trainable(l) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                file.layers[l].trainable = !file.layers[l].trainable;
            }
        }
        Mutation::InputShape(shape) => file.input_shape = shape.clone(),
        Mutation::GraphInputShape(i, shape) => {
            if let Some(i) = pick(file.inputs.len(), *i) {
                file.inputs[i].shape = shape.clone();
            }
        }
        Mutation::CallLayer(c, l) => {
            if let Some(c) = pick(file.calls.len(), *c) {
                file.calls[c].layer = *l;
            }
        }
        Mutation::CallInput(c, i, r) => {
            if let Some(c) = pick(file.calls.len(), *c) {
                match pick(file.calls[c].inputs.len(), *i) {
                    Some(i) if i % 2 == 0 => file.calls[c].inputs[i] = *r,
                    _ => file.calls[c].inputs.push(*r),
                }
            }
        }
        Mutation::DropCall(c) => {
            if let Some(c) = pick(file.calls.len(), *c) {
                file.calls.remove(c);
            }
        }
        Mutation::Output(o, r) => {
            if let Some(o) = pick(file.outputs.len(), *o) {
                file.outputs[o] = *r;
            }
        }
        Mutation::WeightShape(l, w, shape) => {
            if let Some(l) = pick(file.layers.len(), *l)
                && let Some(w) = pick(file.layers[l].weights.len(), *w)
            {
                file.layers[l].weights[w].shape = shape.clone();
            }
        }
        Mutation::WeightData(l, w, i, v) => {
            if let Some(l) = pick(file.layers.len(), *l)
                && let Some(w) = pick(file.layers[l].weights.len(), *w)
                && let Some(i) = pick(file.layers[l].weights[w].data.len(), *i)
            {
                file.layers[l].weights[w].data[i] = *v;
            }
        }
        Mutation::TruncateWeight(l, w, n) => {
            if let Some(l) = pick(file.layers.len(), *l)
                && let Some(w) = pick(file.layers[l].weights.len(), *w)
            {
                file.layers[l].weights[w].data.truncate(*n);
            }
        }
        Mutation::DropLayer(l) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                file.layers.remove(l);
            }
        }
        Mutation::Hyper(h, v) => {
            if let Some(c) = compile
                && let Ok(mut values) = serde_json::from_str::<Map<String, Value>>(&c.config)
                && let Some(key) = pick(values.len(), *h).and_then(|h| values.keys().nth(h).cloned())
            {
                let value = serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number);
                values.insert(key, value);
                c.config = Value::Object(values).to_string();
            }
        }
        Mutation::Iterations(n) => {
            if let Some(c) = compile {
                c.iterations = *n;
            }
        }
        Mutation::TruncateSlot(w, b, n) => {
            if let Some(c) = compile
                && let Some(w) = pick(c.slots.len(), *w)
                && let Some(b) = pick(c.slots[w].len(), *b)
            {
                c.slots[w][b].truncate(*n);
            }
        }
        Mutation::PushSlot(w, n) => {
            if let Some(c) = compile
                && let Some(w) = pick(c.slots.len(), *w)
            {
                c.slots[w].push(vec![0.5; *n]);
            }
        }
        Mutation::DropSlots(w) => {
            if let Some(c) = compile
                && let Some(w) = pick(c.slots.len(), *w)
            {
                c.slots.remove(w);
            }
        }
        Mutation::SlotValue(w, b, i, v) => {
            if let Some(c) = compile
                && let Some(w) = pick(c.slots.len(), *w)
                && let Some(b) = pick(c.slots[w].len(), *b)
                && let Some(i) = pick(c.slots[w][b].len(), *i)
            {
                c.slots[w][b][i] = *v;
            }
        }
        Mutation::Loss(loss) => {
            if let Some(c) = compile
                && let Some(o) = c.outputs.first_mut()
            {
                o.loss = (*loss).into();
            }
        }
        Mutation::LossWeight(w) => {
            if let Some(c) = compile
                && let Some(o) = c.outputs.last_mut()
            {
                o.weight = *w;
            }
        }
        Mutation::DropObjective => {
            if let Some(c) = compile {
                c.outputs.pop();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Real files with one to four changes: loading and training never panic.
    #[test]
    fn mutated_files_never_panic(
        base in 0usize..4,
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut file = bases()[base].clone();
        for m in &mutations {
            apply(&mut file, m);
        }
        let outcome = std::panic::catch_unwind(|| {
            if let Ok(model) = load(&file) {
                train_and_predict(model);
            }
        });
        prop_assert!(outcome.is_ok(), "panicked after {mutations:?}");
    }
}
