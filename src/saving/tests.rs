//! Loading crafted model files: every record of a file is data, never
//! trusted, whatever its checksum says.

use super::format::{FileLayer, FileModel, FileTensor, encode};
use super::*;

fn dense_file(input: u64, units: &str, shape: Vec<u64>, data: Vec<f32>) -> FileModel {
    FileModel {
        kerust_version: "0".into(),
        name: "sequential".into(),
        input_shape: Some(vec![input]),
        layers: vec![FileLayer {
            class_name: "Dense".into(),
            name: "dense".into(),
            options: vec![
                ("units".into(), units.into()),
                ("activation".into(), "linear".into()),
                ("use_bias".into(), "false".into()),
                ("kernel_initializer".into(), "zeros".into()),
                ("bias_initializer".into(), "zeros".into()),
            ],
            weights: vec![FileTensor {
                name: "kernel".into(),
                shape,
                data,
            }],
        }],
        compile: None,
    }
}

fn load(file: &FileModel) -> Result<Sequential> {
    load_model_from_bytes(&encode(file)?, "crafted")
}

#[test]
fn huge_claims_in_a_well_formed_file_fail_without_allocating() {
    // A valid file, for reference.
    assert!(load(&dense_file(3, "2", vec![3, 2], vec![0.0; 6])).is_ok());
    // A tensor claiming 2^40 elements with one value.
    let err = load(&dense_file(3, "2", vec![1 << 40, 1], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string()
            .contains("found dense/kernel of shape (1099511627776, 1)"),
        "{err}"
    );
    // An input shape or unit count whose weights would need 2^40 values.
    let err = load(&dense_file(1 << 40, "2", vec![3, 2], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string()
            .contains("layers whose weights fit the 6 values in the file"),
        "{err}"
    );
    let err = load(&dense_file(3, "1000000", vec![3, 2], vec![0.0; 6])).unwrap_err();
    assert!(err.to_string().contains("layers whose weights fit"), "{err}");
    let err = load(&dense_file(3, "1099511627776", vec![3, 2], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string()
            .contains("an integer from 1 to 2147483648 for units"),
        "{err}"
    );
    // Unknown kinds are named.
    let mut file = dense_file(3, "2", vec![3, 2], vec![0.0; 6]);
    file.layers[0].class_name = "Conv7D".into();
    assert!(load(&file).unwrap_err().to_string().contains("found Conv7D"));
}

/// A compiled model trained one step with `optimizer`, as file records:
/// a dense layer of `inputs` × 10 (+ 10), so that large inputs give a
/// kernel long enough for the update to be split over threads.
fn trained_file(optimizer: impl crate::optimizers::Optimizer + 'static, inputs: usize) -> FileModel {
    let mut model = Sequential::new(vec![crate::layers::Dense::new(10).input_shape(inputs)]);
    model
        .compile_with(
            optimizer,
            crate::losses::Loss::MeanSquaredError,
            &[] as &[crate::metrics::Metric],
        )
        .unwrap();
    let x = ndarray::Array2::<f32>::ones((4, inputs));
    let y = ndarray::Array2::<f32>::zeros((4, 10));
    let options = crate::models::FitOptions::default().epochs(1).verbose(0);
    model.fit(&x, &y, options).unwrap();
    convert::to_file(&model).unwrap()
}

/// Loads `file` and, if that works, trains it one step.
fn load_and_fit(file: &FileModel, inputs: usize) -> Result<()> {
    let mut model = load(file)?;
    let x = ndarray::Array2::<f32>::ones((4, inputs));
    let y = ndarray::Array2::<f32>::zeros((4, 10));
    model.fit(&x, &y, crate::models::FitOptions::default().epochs(1).verbose(0))?;
    Ok(())
}

#[test]
fn every_optimizer_buffer_is_checked_at_load() {
    use crate::optimizers::{Adam, RMSprop, SGD};
    // For a kernel of 64 and of 5,000 elements (the latter split over threads).
    for inputs in [64, 500] {
        let adam = trained_file(Adam::new(), inputs);
        assert!(load_and_fit(&adam, inputs).is_ok());
        // The second buffer (v) of the kernel cut short.
        let mut short = adam.clone();
        short.compile.as_mut().unwrap().slots[0][1].truncate(7);
        let err = load_and_fit(&short, inputs).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "expected {} values in buffer v of weight 0, found 7 values",
                inputs * 10
            )),
            "{err}"
        );
        // A third buffer would silently have made this Adam AMSGrad.
        let mut third = adam.clone();
        let extra = third.compile.as_ref().unwrap().slots[0][0].clone();
        third.compile.as_mut().unwrap().slots[0].push(extra);
        let err = load_and_fit(&third, inputs).unwrap_err().to_string();
        assert!(
            err.contains("expected 2 Adam buffers [m, v] for weight 0, found 3 buffers"),
            "{err}"
        );
        // A buffer for a weight the model does not have.
        let mut more = adam.clone();
        more.compile
            .as_mut()
            .unwrap()
            .slots
            .push(vec![vec![0.0; 3], vec![0.0; 3]]);
        let err = load_and_fit(&more, inputs).unwrap_err().to_string();
        assert!(
            err.contains("expected Adam buffers for 2 weights, found buffers for 3"),
            "{err}"
        );
        // A negative second moment (its square root would be NaN).
        let mut negative = adam.clone();
        negative.compile.as_mut().unwrap().slots[1][1][0] = -1.0;
        let err = load_and_fit(&negative, inputs).unwrap_err().to_string();
        assert!(
            err.contains("non-negative values in buffer v of weight 1"),
            "{err}"
        );
    }
    let sgd = trained_file(SGD::new().momentum(0.9), 8);
    let mut none = sgd.clone();
    none.compile.as_mut().unwrap().slots[0].clear();
    let err = load_and_fit(&none, 8).unwrap_err().to_string();
    assert!(
        err.contains("expected 1 SGD buffers [momentum] for weight 0, found 0 buffers"),
        "{err}"
    );
    let rms = trained_file(RMSprop::new().centered(true), 8);
    let mut negative = rms.clone();
    negative.compile.as_mut().unwrap().slots[0][0][3] = -2.0;
    let err = load_and_fit(&negative, 8).unwrap_err().to_string();
    assert!(
        err.contains("non-negative values in buffer velocity of weight 0, found -2 at index 3"),
        "{err}"
    );
    // The centered average may be negative.
    let mut signed = rms.clone();
    signed.compile.as_mut().unwrap().slots[0][1][3] = -2.0;
    assert!(load_and_fit(&signed, 8).is_ok());
}

#[test]
fn step_counts_and_hyperparameters_are_checked_at_load() {
    use crate::optimizers::Adam;
    let file = trained_file(Adam::new(), 8);
    let mut endless = file.clone();
    endless.compile.as_mut().unwrap().iterations = u64::MAX;
    let err = load_and_fit(&endless, 8).unwrap_err().to_string();
    assert!(err.contains("iterations = 18446744073709551615"), "{err}");
    for bad in [f64::NAN, f64::INFINITY, -0.001] {
        let mut rate = file.clone();
        let hyper = &mut rate.compile.as_mut().unwrap().hyperparameters;
        hyper.iter_mut().find(|(k, _)| k == "learning_rate").unwrap().1 = bad;
        let err = load_and_fit(&rate, 8).unwrap_err().to_string();
        assert!(
            err.contains("expected a finite learning_rate >= 0"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn configurations_are_bounded_without_an_input_shape() {
    // No input shape: no weights to compare sizes with, nothing built
    // until fit. Each value is still bounded at load.
    let unbuilt = |units: &str| {
        let mut file = dense_file(3, units, vec![], vec![]);
        file.input_shape = None;
        file.layers[0].weights.clear();
        file
    };
    assert!(load(&unbuilt("10")).is_ok());
    for units in [
        "1e30",
        "1000000000000000000000000000000",
        "4294967296",
        "0",
        "-3",
        "2.5",
    ] {
        let err = load(&unbuilt(units)).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "expected an integer from 1 to 2147483648 for units of layer \"dense\", found {units}"
            )),
            "{units}: {err}"
        );
    }
    // The largest count loads; building it for real inputs is then an
    // error naming the weight, not an abort.
    let mut model = load(&unbuilt("2147483648")).unwrap();
    model.compile("mse", &[] as &[crate::metrics::Metric]).unwrap();
    let x = ndarray::Array2::<f32>::ones((2, 3));
    let y = ndarray::Array2::<f32>::zeros((2, 1));
    let err = model
        .fit(&x, &y, crate::models::FitOptions::default().verbose(0))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("a weight of at most 2147483648 elements, found a weight of shape (3, 2147483648)"),
        "{err}"
    );
    // Other kinds of values.
    let edit = |key: &str, value: &str| {
        let mut file = unbuilt("4");
        file.layers[0]
            .options
            .iter_mut()
            .find(|(k, _)| k == key)
            .unwrap()
            .1 = value.into();
        load(&file).map(|_| ()).unwrap_err().to_string()
    };
    assert!(edit("kernel_initializer", "random_uniform(1,0)").contains("min <= max"));
    assert!(edit("bias_initializer", "constant(NaN)").contains("a finite value"));
    let layer = |class: &str, options: &[(&str, &str)]| {
        let mut file = unbuilt("4");
        file.layers[0].class_name = class.into();
        file.layers[0].options = options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load(&file).map(|_| ()).unwrap_err().to_string()
    };
    assert!(layer("Dropout", &[("rate", "1")]).contains("a rate in [0, 1)"));
    assert!(layer("Dropout", &[("rate", "NaN")]).contains("a number in [0, 1] for rate"));
    assert!(layer("Reshape", &[("target_shape", "65536,65536,2")]).contains("a target shape that fits"));
    assert!(
        layer(
            "MaxPooling2D",
            &[
                ("pool_size", "99999999999,2"),
                ("strides", "1,1"),
                ("padding", "same")
            ]
        )
        .contains("an integer from 1 to 2147483648 for a window side or stride")
    );
    let bn = [
        ("momentum", "0.99"),
        ("epsilon", "-1"),
        ("center", "true"),
        ("scale", "true"),
    ];
    assert!(layer("BatchNormalization", &bn).contains("for epsilon"));
}

#[test]
fn the_payload_round_trips() {
    let file = dense_file(3, "2", vec![3, 2], vec![1.5; 6]);
    let bytes = encode(&file).unwrap();
    assert_eq!(
        format::read(&mut source::Source::bytes(&bytes, "x")).unwrap(),
        file
    );
}

/// Whole model files made of arbitrary records — any layer class, any
/// option text, any weights, any compile settings and optimizer state —
/// with a correct checksum: loading never panics, and a model that loads
/// with an input shape trains a step without panicking (an error is fine).
mod crafted_records {
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
                    .compile_with(optimizer, "sparse_categorical_crossentropy", &["accuracy"])
                    .unwrap();
                model
            }
            let trained = |mut model: Sequential, input: Vec<usize>| {
                let mut batch = vec![4];
                batch.extend(&input);
                let x = ndarray::ArrayD::<f32>::from_shape_fn(ndarray::IxDyn(&batch), |i| {
                    (i[0] + 1) as f32 * 0.1
                });
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
}
