//! The Keras API on small data: building, names, summary, fit's record,
//! evaluate's order, predict, validation splits, determinism.

use kerust::prelude::*;
use ndarray::{Array1, Array2, Axis};

/// Two well-separated blobs in 4 dimensions, labels 0/1, shuffled order.
fn blobs(n: usize) -> (Array2<f32>, Array1<u8>) {
    let y = Array1::from_shape_fn(n, |i| ((i * 7 + 3) % 5 % 2) as u8);
    let x = Array2::from_shape_fn((n, 4), |(i, j)| {
        let centre = if y[i] == 1 { 1.0 } else { -1.0 };
        centre + 0.3 * (((i * 31 + j * 17) % 11) as f32 / 11.0 - 0.5)
    });
    (x, y)
}

#[test]
fn the_design_line_compiles_and_builds() {
    let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
    assert!(model.is_built());
    assert_eq!(model.count_params(), 7850);
    assert_eq!(model.output_shape(), Some(&[10][..]));
    let w = model.get_weights();
    assert_eq!(w[0].shape(), &[784, 10]);
    assert!(w[1].to_vec().iter().all(|&b| b == 0.0), "biases start at zero");
    let limit = (6.0f32 / 794.0).sqrt();
    assert!(
        w[0].to_vec().iter().all(|v| v.abs() <= limit),
        "Glorot-uniform kernel"
    );
}

#[test]
fn summary_matches_keras_3() {
    let model = sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(100).activation(Relu),
        Dropout::new(0.3),
        Dense::new(10).activation(Softmax),
    ];
    let expected = "\
Model: \"sequential\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 100)            │        78,500 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 100)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,010 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 79,510 (310.59 KB)
 Trainable params: 79,510 (310.59 KB)
 Non-trainable params: 0 (0.00 B)
";
    assert_eq!(model.summary_string(), expected);
}

#[test]
fn an_unbuilt_model_summarises_with_question_marks_and_builds_from_data() {
    let mut model = sequential![Dense::new(3).activation(Relu), Dense::new(2).activation(Softmax)];
    assert!(!model.is_built());
    let s = model.summary_string();
    assert!(
        s.contains("│ dense (Dense)                   │ ?                      │   0 (unbuilt) │"),
        "{s}"
    );
    model
        .compile("sparse_categorical_crossentropy", ["accuracy"])
        .unwrap();
    let (x, y) = blobs(40);
    model.fit(&x, &y, FitOptions::default().verbose(0)).unwrap();
    assert_eq!(model.input_shape(), Some(&[4][..]));
    assert_eq!(model.count_params(), 4 * 3 + 3 + 3 * 2 + 2);
}

#[test]
fn add_builds_layers_onto_a_built_model() {
    let mut model = Sequential::new(vec![Dense::new(5).input_shape(3)]);
    model.add(Dense::new(2)).unwrap();
    assert_eq!(model.count_params(), 3 * 5 + 5 + 5 * 2 + 2);
    let names: Vec<_> = model.layers().iter().map(|l| l.name()).collect();
    assert_eq!(names, ["dense", "dense_1"]);
}

#[test]
fn fit_records_every_epoch_with_keras_keys_and_learns() {
    set_random_seed(1);
    let (x, y) = blobs(200);
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(4)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    let history = model
        .fit(
            &x,
            &y,
            FitOptions::default().epochs(8).validation_split(0.25).verbose(0),
        )
        .unwrap();
    let keys: Vec<&str> = history.history.keys().map(String::as_str).collect();
    assert_eq!(keys, ["accuracy", "loss", "val_accuracy", "val_loss"]);
    assert_eq!(history.epoch, (0..8).collect::<Vec<_>>());
    assert_eq!(history.params.steps, 150usize.div_ceil(32));
    let loss = history.get("loss").unwrap();
    assert!(loss[7] < loss[0], "{loss:?}");
    assert!(history.last("val_accuracy").unwrap() > 0.95);

    // evaluate returns [loss, accuracy]; on the validation tail it agrees with val_*.
    let (x_val, y_val) = (x.slice(ndarray::s![150.., ..]), y.slice(ndarray::s![150..]));
    let scores = model
        .evaluate(&x_val, &y_val, EvaluateOptions::default().verbose(0))
        .unwrap();
    assert_eq!(scores.len(), 2);
    approx::assert_abs_diff_eq!(scores[0], history.last("val_loss").unwrap(), epsilon = 1e-6);
    approx::assert_abs_diff_eq!(scores[1], history.last("val_accuracy").unwrap(), epsilon = 1e-12);
}

#[test]
fn validation_split_takes_the_tail_before_shuffling() {
    // Samples 0..80 are class 0 and 80..100 class 1: a 20 % split validates
    // on class 1 only, as in Keras (keras-team/keras#8346).
    let x = Array2::from_shape_fn((100, 2), |(i, _)| if i < 80 { -1.0 } else { 1.0 });
    let y = Array1::from_shape_fn(100, |i| u8::from(i >= 80));
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(2)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    let h = model
        .fit(&x, &y, FitOptions::default().validation_split(0.2).verbose(0))
        .unwrap();
    // Validation loss equals the loss on exactly samples 80..100.
    let tail = model
        .evaluate(
            &x.slice(ndarray::s![80.., ..]),
            &y.slice(ndarray::s![80..]),
            EvaluateOptions::default().verbose(0),
        )
        .unwrap();
    approx::assert_abs_diff_eq!(h.last("val_loss").unwrap(), tail[0], epsilon = 1e-6);
    assert_eq!(h.params.steps, 3, "80 training samples in batches of 32");
}

#[test]
fn validation_data_and_one_hot_targets_with_categorical_crossentropy() {
    let (x, y) = blobs(120);
    let one_hot = to_categorical(&y, Some(2)).unwrap();
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(4)]);
    model
        .compile_with(
            Adam::new().learning_rate(0.05),
            Loss::CategoricalCrossentropy,
            [Metric::Accuracy],
        )
        .unwrap();
    let h = model
        .fit(
            &x,
            &one_hot,
            FitOptions::default()
                .epochs(5)
                .validation_data(&x, &one_hot)
                .verbose(0),
        )
        .unwrap();
    assert!(h.last("val_accuracy").unwrap() > 0.95);
}

#[test]
fn binary_classification_with_one_sigmoid_unit() {
    let (x, y) = blobs(160);
    let y_float = y.mapv(f32::from).insert_axis(Axis(1));
    let mut model = Sequential::new(vec![Dense::new(1).activation(Sigmoid).input_shape(4)]);
    model
        .compile_with(SGD::new().learning_rate(0.5), "binary_crossentropy", ["accuracy"])
        .unwrap();
    let h = model
        .fit(&x, &y_float, FitOptions::default().epochs(10).verbose(0))
        .unwrap();
    // "accuracy" with one output unit is binary accuracy.
    assert!(h.last("accuracy").unwrap() > 0.95, "{:?}", h.history);
    // Integer labels work for binary cross-entropy too.
    let h = model.fit(&x, &y, FitOptions::default().verbose(0)).unwrap();
    assert!(h.last("accuracy").unwrap() > 0.95);
}

#[test]
fn regression_with_mean_squared_error() {
    let x = Array2::from_shape_fn((64, 1), |(i, _)| i as f32 / 64.0);
    let y = x.mapv(|v| 3.0 * v - 1.0);
    let mut model = Sequential::new(vec![Dense::new(1).input_shape(1)]);
    model
        .compile_with(SGD::new().learning_rate(0.3), "mse", ())
        .unwrap();
    let h = model
        .fit(&x, &y, FitOptions::default().epochs(60).verbose(0))
        .unwrap();
    assert!(h.last("loss").unwrap() < 1e-3, "{:?}", h.get("loss"));
    let w = model.get_weights();
    approx::assert_abs_diff_eq!(w[0].to_vec()[0], 3.0, epsilon = 0.1);
    approx::assert_abs_diff_eq!(w[1].to_vec()[0], -1.0, epsilon = 0.05);
}

#[test]
fn predict_returns_probabilities_per_sample_and_dropout_is_off() {
    let (x, y) = blobs(70);
    let mut model = sequential![
        Dense::new(8).activation(Relu).input_shape(4),
        Dropout::new(0.5),
        Dense::new(2).activation(Softmax),
    ];
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    model
        .fit(&x, &y, FitOptions::default().epochs(3).verbose(0))
        .unwrap();
    let p = model.predict(&x).unwrap();
    assert_eq!(p.shape(), &[70, 2]);
    for row in p.outer_iter() {
        approx::assert_abs_diff_eq!(row.sum(), 1.0, epsilon = 1e-5);
    }
    // Inference is deterministic: dropout is off.
    assert_eq!(model.predict(&x).unwrap(), p);
    let batched = model
        .predict_with(&x, EvaluateOptions::default().batch_size(7).verbose(0))
        .unwrap();
    for (a, b) in batched.iter().zip(p.iter()) {
        approx::assert_abs_diff_eq!(a, b, epsilon = 1e-6);
    }
}

#[test]
fn the_same_seed_gives_the_same_training() {
    let (x, y) = blobs(100);
    let run = || {
        set_random_seed(7);
        let mut model = sequential![
            Dense::new(6).activation(Tanh).input_shape(4),
            Dropout::new(0.2),
            Dense::new(2).activation(Softmax)
        ];
        model
            .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
            .unwrap();
        model
            .fit(&x, &y, FitOptions::default().epochs(3).verbose(0))
            .unwrap();
        model.get_weights()
    };
    assert_eq!(run(), run());
}

#[test]
fn the_tape_differentiates_the_whole_model() {
    // One step of SGD on Dense(2, softmax) with zero weights, by hand:
    // logits 0 ⇒ p = ½; dL/dz = (p − onehot)/N; dW = xᵀ·dz; W ← −lr·dW.
    let x = ndarray::array![[1.0f32, 2.0], [3.0, -1.0]];
    let y = ndarray::array![0u8, 1];
    let mut model = Sequential::new(vec![
        Dense::new(2)
            .activation(Softmax)
            .kernel_initializer(Initializer::Zeros)
            .input_shape(2),
    ]);
    model
        .compile_with(
            SGD::new().learning_rate(1.0),
            Loss::SparseCategoricalCrossentropy,
            (),
        )
        .unwrap();
    model
        .fit(&x, &y, FitOptions::default().shuffle(false).verbose(0))
        .unwrap();
    // dz = [[−¼, ¼], [¼, −¼]]; dW = [[1·−¼ + 3·¼, 1·¼ + 3·−¼], [2·−¼ − 1·¼, 2·¼ + 1·¼]] = [[½, −½], [−¾, ¾]]
    let w = model.get_weights();
    assert_eq!(w[0].to_vec(), vec![-0.5, 0.5, 0.75, -0.75]);
    assert_eq!(w[1].to_vec(), vec![0.0, 0.0]);
}

#[test]
fn a_fit_seed_repeats_the_batch_order() {
    let (x, y) = blobs(100);
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(4)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
        .unwrap();
    let start = model.get_weights();
    let mut run = |seed| {
        model.set_weights(start.clone()).unwrap();
        let mut fresh = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(4)]);
        fresh
            .compile(Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])
            .unwrap();
        fresh.set_weights(start.clone()).unwrap();
        fresh
            .fit(&x, &y, FitOptions::default().epochs(2).seed(seed).verbose(0))
            .unwrap();
        fresh.get_weights()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn summary_counts_the_optimizer_after_training() {
    let (x, y) = blobs(40);
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(4)]);
    model
        .compile_with(
            Adam::new(),
            Loss::SparseCategoricalCrossentropy,
            [Metric::Accuracy],
        )
        .unwrap();
    assert!(!model.summary_string().contains("Optimizer params"));
    model.fit(&x, &y, FitOptions::default().verbose(0)).unwrap();
    // Adam keeps two moments per weight: 2·10 + iterations + learning rate.
    // Keras 3 adds them to the total (e.g. 50,890 + 101,782 = 152,672).
    let s = model.summary_string();
    assert!(s.contains(" Total params: 32 (128.00 B)\n"), "{s}");
    assert!(s.ends_with(" Optimizer params: 22 (88.00 B)\n"), "{s}");
}

#[test]
fn regression_metrics_mae_and_mse_are_logged_under_the_names_given() {
    // A regression: metrics=["mae", "mse"] as a Keras user writes them.
    let x = Array2::from_shape_fn((64, 3), |(i, j)| ((i * 3 + j) % 7) as f32 / 7.0);
    let y = Array2::from_shape_fn((64, 1), |(i, _)| (i % 5) as f32 / 2.0);
    let mut model = Sequential::new(vec![Dense::new(1).input_shape(3)]);
    model.compile("mse", ["mae", "mse"]).unwrap();
    let history = model
        .fit(
            &x,
            &y,
            FitOptions::default().epochs(2).verbose(0).validation_split(0.25),
        )
        .unwrap();
    let mut keys: Vec<_> = history.history.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["loss", "mae", "mse", "val_loss", "val_mae", "val_mse"]);
    // Against the predictions, by hand (tolerance 1e-5: f32 outputs, f64 sums).
    let scores = model
        .evaluate(&x, &y, EvaluateOptions::default().verbose(0))
        .unwrap();
    let p = model.predict(&x).unwrap();
    let n = p.len() as f64;
    let mae: f64 = p
        .iter()
        .zip(y.iter())
        .map(|(&p, &t)| f64::from((t - p).abs()))
        .sum::<f64>()
        / n;
    let mse: f64 = p
        .iter()
        .zip(y.iter())
        .map(|(&p, &t)| f64::from(t - p).powi(2))
        .sum::<f64>()
        / n;
    assert!((scores[1] - mae).abs() < 1e-5, "{scores:?} vs mae {mae}");
    assert!((scores[2] - mse).abs() < 1e-5, "{scores:?} vs mse {mse}");
    // The mse metric is the mse loss.
    assert!((scores[0] - scores[2]).abs() < 1e-5, "{scores:?}");
}

#[test]
fn value_metrics_read_probabilities_where_the_loss_reads_logits() {
    // Sigmoid + binary cross-entropy: the loss is computed from the logits,
    // but "mae" must compare the probabilities the model outputs.
    let x = Array2::from_shape_fn((32, 2), |(i, j)| ((i + 2 * j) % 5) as f32 - 2.0);
    let y = Array1::from_shape_fn(32, |i| (i % 2) as u8);
    let mut model = Sequential::new(vec![Dense::new(1).activation(Sigmoid).input_shape(2)]);
    model.compile("binary_crossentropy", ["acc", "mae"]).unwrap();
    let history = model
        .fit(&x, &y, FitOptions::default().epochs(1).verbose(0))
        .unwrap();
    assert!(history.history.contains_key("acc") && history.history.contains_key("mae"));
    let scores = model
        .evaluate(&x, &y, EvaluateOptions::default().verbose(0))
        .unwrap();
    let p = model.predict(&x).unwrap();
    assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let mae: f64 = p
        .iter()
        .zip(y.iter())
        .map(|(&p, &t)| f64::from((f32::from(t) - p).abs()))
        .sum::<f64>()
        / 32.0;
    assert!((scores[2] - mae).abs() < 1e-5, "{scores:?} vs mae {mae}");
    // A saved and loaded model logs the same names.
    let path = std::env::temp_dir().join(format!("kerust-metric-names-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    let again = loaded
        .fit(&x, &y, FitOptions::default().epochs(1).verbose(0))
        .unwrap();
    let mut keys: Vec<_> = again.history.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["acc", "loss", "mae"]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn layers_are_found_by_name_and_by_index() {
    let model = sequential![
        Flatten::new().input_shape([2, 2]),
        Dense::new(3).activation(Relu).name("hidden"),
        Dense::new(2),
    ];
    assert_eq!(
        model.get_layer("hidden").unwrap().params()[0].value.shape(),
        &[4, 3]
    );
    assert_eq!(model.get_layer_at(2).unwrap().name(), "dense");
    assert_eq!(
        model.get_layer("output").err().unwrap().to_string(),
        "get_layer: expected one of the model's 3 layers (flatten, hidden, dense), found no layer named \"output\""
    );
    assert_eq!(
        model.get_layer_at(3).err().unwrap().to_string(),
        "get_layer: expected one of the model's 3 layers (flatten, hidden, dense), found index 3"
    );
}
