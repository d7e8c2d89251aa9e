//! Whole model files made of arbitrary records — any layer class, any
//! option text, any weights, any compile settings and optimizer state —
//! with a correct checksum: loading never panics, and a model that loads
//! with an input shape trains a step without panicking (an error is fine).

use proptest::prelude::*;

use super::*;
use crate::saving::format::FileCompile;

const CLASSES: [&str; 9] = [
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
const KEYS: [&str; 16] = [
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
const VALUES: [&str; 30] = [
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
const LOSSES: [&str; 4] = [
    "mse",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "hinge",
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

fn number() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(0.0f32),
        Just(1.0),
        Just(-1.0),
        Just(f32::NAN),
        Just(f32::INFINITY),
        -2.0f32..2.0
    ]
}

fn tensor() -> impl Strategy<Value = FileTensor> {
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

fn layer() -> impl Strategy<Value = FileLayer> {
    (
        prop::sample::select(&CLASSES[..]),
        prop::collection::vec(
            (prop::sample::select(&KEYS[..]), prop::sample::select(&VALUES[..])),
            0..12,
        ),
        prop::collection::vec(tensor(), 0..4),
    )
        .prop_map(|(class, options, weights)| FileLayer {
            class_name: class.into(),
            name: "layer".into(),
            options: options.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            weights,
        })
}

fn compile() -> impl Strategy<Value = Option<FileCompile>> {
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
            .prop_map(|(loss, optimizer, hyper, iterations, slots)| FileCompile {
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

fn model() -> impl Strategy<Value = FileModel> {
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
            FileModel {
                kerust_version: "0".into(),
                name: "crafted".into(),
                input_shape,
                layers,
                compile,
            }
        })
}

/// Real files to mutate: three trained models covering every layer
/// class and optimizer, with their state.
fn bases() -> &'static [(FileModel, Vec<usize>)] {
    use crate::layers::{
        AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, Reshape,
    };
    use crate::optimizers::{Adam, RMSprop, SGD};
    static BASES: std::sync::OnceLock<Vec<(FileModel, Vec<usize>)>> = std::sync::OnceLock::new();
    BASES.get_or_init(|| {
        fn compiled(
            mut model: Sequential,
            optimizer: impl crate::optimizers::Optimizer + 'static,
        ) -> Sequential {
            model
                .compile_with(optimizer, "sparse_categorical_crossentropy", ["accuracy"])
                .unwrap();
            model
        }
        let trained = |mut model: Sequential, input: Vec<usize>| {
            let mut batch = vec![4];
            batch.extend(&input);
            let x =
                ndarray::ArrayD::<f32>::from_shape_fn(ndarray::IxDyn(&batch), |i| (i[0] + 1) as f32 * 0.1);
            let y = ndarray::Array1::<u8>::from_vec(vec![0, 1, 2, 1]);
            let options = crate::models::FitOptions::default()
                .epochs(2)
                .batch_size(2)
                .verbose(0);
            model.fit(&x, &y, options).unwrap();
            (convert::to_file(&model).unwrap(), input)
        };
        vec![
            trained(
                compiled(
                    crate::sequential![
                        Dense::new(8).activation("relu").input_shape(6),
                        Dropout::new(0.25),
                        Dense::new(3).activation("softmax"),
                    ],
                    Adam::new().amsgrad(true),
                ),
                vec![6],
            ),
            trained(
                compiled(
                    crate::sequential![
                        Conv2D::new(2, 3).input_shape((6, 6, 1)),
                        MaxPooling2D::new(2),
                        Flatten::new(),
                        Dense::new(3).activation("softmax"),
                    ],
                    RMSprop::new().centered(true).momentum(0.5),
                ),
                vec![6, 6, 1],
            ),
            trained(
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
                vec![32],
            ),
        ]
    })
}

/// One change to a file's records.
#[derive(Clone, Debug)]
enum Mutation {
    Option(usize, usize, &'static str),
    ForeignOption(usize, &'static str, &'static str),
    Class(usize, &'static str),
    InputShape(Option<Vec<u64>>),
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
}

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
        (k(), prop::sample::select(&CLASSES[..])).prop_map(|(l, c)| Mutation::Class(l, c)),
        prop::option::of(prop::collection::vec(
            prop_oneof![Just(0u64), 1u64..40, Just(1 << 40)],
            0..4
        ))
        .prop_map(Mutation::InputShape),
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
    ]
}

/// Applies `m` where its indices point at something (modulo lengths).
fn apply(file: &mut FileModel, m: &Mutation) {
    let pick = |n: usize, i: usize| (n > 0).then(|| i % n);
    let compile = file.compile.as_mut();
    match m {
        Mutation::Option(l, o, v) => {
            if let Some(l) = pick(file.layers.len(), *l)
                && let Some(o) = pick(file.layers[l].options.len(), *o)
            {
                file.layers[l].options[o].1 = (*v).into();
            }
        }
        Mutation::ForeignOption(l, key, v) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                file.layers[l].options.push(((*key).into(), (*v).into()));
            }
        }
        Mutation::Class(l, c) => {
            if let Some(l) = pick(file.layers.len(), *l) {
                file.layers[l].class_name = (*c).into();
            }
        }
        Mutation::InputShape(shape) => file.input_shape = shape.clone(),
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
                && let Some(h) = pick(c.hyperparameters.len(), *h)
            {
                c.hyperparameters[h].1 = *v;
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
            if let Some(c) = compile {
                c.loss = (*loss).into();
            }
        }
    }
}

/// Loads `file`; if it has an input shape of few values and is
/// compiled, trains it one step. Errors are fine; panics are not.
fn load_and_train(file: &FileModel) {
    let Ok(mut model) = load(file) else { return };
    let Some(shape) = model.input_shape().map(<[usize]>::to_vec) else {
        return;
    };
    if model.optimizer().is_none() || shape.iter().product::<usize>() > 10_000 {
        return;
    }
    let mut batch = vec![2];
    batch.extend(&shape);
    let x = ndarray::ArrayD::<f32>::from_elem(ndarray::IxDyn(&batch), 0.5);
    let y = ndarray::Array1::<u8>::from_vec(vec![0, 1]);
    let options = crate::models::FitOptions::default().epochs(1).verbose(0);
    let _ = model.fit(&x, &y, options);
    let _ = model.predict(&x);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Real files with one to four changes: loading and training never panic.
    #[test]
    fn mutated_files_never_panic(
        base in 0usize..3,
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let (file, _) = &bases()[base];
        let mut file = file.clone();
        for m in &mutations {
            apply(&mut file, m);
        }
        let outcome = std::panic::catch_unwind(|| load_and_train(&file));
        prop_assert!(outcome.is_ok(), "panicked after {mutations:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn crafted_records_never_panic(file in model()) {
        let outcome = std::panic::catch_unwind(|| {
            let Ok(mut model) = load(&file) else { return };
            let (Some(shape), true) = (model.input_shape().map(<[usize]>::to_vec), model.optimizer().is_some()) else {
                return;
            };
            let mut batch = vec![2];
            batch.extend(&shape);
            let x = ndarray::ArrayD::<f32>::from_elem(ndarray::IxDyn(&batch), 0.5);
            let y = ndarray::Array1::<u8>::zeros(2);
            let options = crate::models::FitOptions::default().epochs(1).verbose(0);
            let _ = model.fit(&x, &y, options);
        });
        prop_assert!(outcome.is_ok(), "a crafted file panicked: {file:?}");
    }
}
