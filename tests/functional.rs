//! The functional API: models of any shape from `Input` and layer calls,
//! shared layers, nested models, feature extraction, frozen layers, and
//! training with several inputs and outputs through the one trainer.

use approx::assert_abs_diff_eq;
use kerust::layers::{Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract};
use kerust::models::{KerasTensor, Objective};
use kerust::prelude::*;
use ndarray::{Array1, Array2, Axis, array};

fn quiet() -> FitOptions<'static> {
    FitOptions::default().verbose(0)
}

/// `x·W + b` by hand.
fn affine(x: &Array2<f32>, w: &Tensor, b: &Tensor) -> Array2<f32> {
    let w = w.view().into_dimensionality::<ndarray::Ix2>().unwrap().to_owned();
    let b = b.view().into_dimensionality::<ndarray::Ix1>().unwrap().to_owned();
    x.dot(&w) + &b
}

#[test]
fn two_inputs_joined_compute_what_the_layers_compute() {
    let (a, b) = (Input::named("a", 3), Input::named("b", 2));
    let joined = Concatenate::new().call(&[a.clone(), b.clone()]).unwrap();
    let dense = LayerRef::new(Dense::new(4).name("out"));
    let out = dense.call(&joined).unwrap();
    let mut model = Model::new(&[a, b], &out).unwrap();
    assert_eq!(model.layers().len(), 2);
    let xa = array![[1.0f32, 2.0, 3.0], [0.5, -1.0, 0.0]];
    let xb = array![[-1.0f32, 4.0], [2.0, 2.0]];
    let got = model.predict(&[&xa, &xb]).unwrap();
    let joined = ndarray::concatenate(Axis(1), &[xa.view(), xb.view()]).unwrap();
    let params = dense.params();
    let want = affine(&joined, &params[0].value, &params[1].value);
    assert_eq!(got.shape(), &[2, 4]);
    for (g, w) in got.iter().zip(want.iter()) {
        assert_abs_diff_eq!(g, w, epsilon = 1e-5);
    }
    // The inputs are checked one by one, and their number.
    let err = model.predict(&xa).unwrap_err().to_string();
    assert!(err.contains("one input array per model input (2)"), "{err}");
}

#[test]
fn each_elementwise_merge_computes_its_formula() {
    let x = array![[1.0f32, -2.0, 3.0]];
    let y = array![[2.0f32, -3.0, 1.0]];
    type Merge = Box<dyn Fn(&[KerasTensor]) -> Result<KerasTensor>>;
    let cases: Vec<(Merge, [f32; 3])> = vec![
        (Box::new(|t| Add::new().call(t)), [3.0, -5.0, 4.0]),
        (Box::new(|t| Subtract::new().call(t)), [-1.0, 1.0, 2.0]),
        (Box::new(|t| Multiply::new().call(t)), [2.0, 6.0, 3.0]),
        (Box::new(|t| Average::new().call(t)), [1.5, -2.5, 2.0]),
        (Box::new(|t| Maximum::new().call(t)), [2.0, -2.0, 3.0]),
        (Box::new(|t| Minimum::new().call(t)), [1.0, -3.0, 1.0]),
    ];
    for (merge, want) in cases {
        let (a, b) = (Input::new(3), Input::new(3));
        let out = merge(&[a.clone(), b.clone()]).unwrap();
        let mut model = Model::new(&[a, b], &out).unwrap();
        let got = model.predict(&[&x, &y]).unwrap();
        assert_eq!(got.iter().copied().collect::<Vec<_>>(), want);
    }
}

#[test]
fn shapes_are_checked_when_the_model_is_defined() {
    let x = Input::new(784);
    let err = Conv2D::new(8, 3).name("conv").call(&x).unwrap_err().to_string();
    assert!(err.contains("conv") && err.contains("(None, 784)"), "{err}");
    let (a, b) = (Input::new(3), Input::new(4));
    let err = Add::new().call(&[a.clone(), b.clone()]).unwrap_err().to_string();
    assert!(err.contains("(None, 3)") && err.contains("(None, 4)"), "{err}");
    assert!(Subtract::new().call(&[a.clone(), a.clone(), a.clone()]).is_err());
    // A shared layer built for one shape refuses another.
    let shared = LayerRef::new(Dense::new(2));
    shared.call(&a).unwrap();
    let err = shared.call(&b).unwrap_err().to_string();
    assert!(err.contains("(None, 3)") && err.contains("(None, 4)"), "{err}");
}

#[test]
fn an_output_that_needs_another_input_is_a_disconnected_graph() {
    let (a, b) = (Input::named("a", 2), Input::named("b", 2));
    let out = Add::new().call(&[a.clone(), b]).unwrap();
    let err = Model::new(&a, &out).unwrap_err().to_string();
    assert!(
        err.contains("needs the input b") && err.contains("disconnected"),
        "{err}"
    );
}

#[test]
fn a_shared_layer_has_one_set_of_weights_and_gets_both_gradients() {
    let (a, b) = (Input::new(2), Input::new(2));
    let shared = LayerRef::new(Dense::new(1).use_bias(false));
    let sum = Add::new()
        .call(&[shared.call(&a).unwrap(), shared.call(&b).unwrap()])
        .unwrap();
    let mut model = Model::new(&[a, b], &sum).unwrap();
    assert_eq!(model.count_params(), 2);
    model
        .set_weights(vec![Tensor::from_vec(&[2, 1], vec![0.0, 0.0]).unwrap()])
        .unwrap();
    model
        .compile_with(SGD::new().learning_rate(0.1), "mse", ())
        .unwrap();
    // y = w·a + w·b; from w = 0 with target 1: d(mse)/dw = −2·(a + b).
    let xa = array![[1.0f32, 0.0]];
    let xb = array![[2.0f32, 1.0]];
    let y = array![[1.0f32]];
    model.train_on_batch(&[&xa, &xb], &y).unwrap();
    let w = model.get_weights()[0].to_vec();
    assert_abs_diff_eq!(w[0], 0.1 * 2.0 * 3.0, epsilon = 1e-6);
    assert_abs_diff_eq!(w[1], 0.1 * 2.0 * 1.0, epsilon = 1e-6);
}

#[test]
fn a_model_called_as_a_layer_shares_its_weights() {
    let x = Input::new(3);
    let inner = Model::new(&x, &Dense::new(2).call(&x).unwrap()).unwrap();
    let y = Input::new(3);
    let head = Dense::new(1).call(&inner.call(&y).unwrap()).unwrap();
    let mut outer = Model::new(&y, &head).unwrap();
    assert_eq!(outer.count_params(), 8 + 3);
    outer
        .compile_with(SGD::new().learning_rate(0.5), "mse", ())
        .unwrap();
    let before = inner.get_weights()[0].to_vec();
    let x = Array2::from_shape_fn((8, 3), |(i, j)| (i * 3 + j) as f32 / 10.0);
    outer.fit(&x, &Array2::<f32>::ones((8, 1)), quiet()).unwrap();
    // Training the outer model trained the inner model's layer.
    assert_ne!(inner.get_weights()[0].to_vec(), before);
}

#[test]
fn a_feature_model_from_a_trained_model_reads_its_layer() {
    let x = Array2::from_shape_fn((32, 4), |(i, j)| ((i + j) % 5) as f32 / 5.0);
    let y = Array1::from_shape_fn(32, |i| (i % 3) as u8);
    let mut model = sequential![
        Dense::new(6).activation(Relu).input_shape(4),
        Dense::new(3).activation(Softmax)
    ];
    model
        .compile("sparse_categorical_crossentropy", ["accuracy"])
        .unwrap();
    model.fit(&x, &y, quiet().epochs(2)).unwrap();
    let first = model.get_layer_at(0).unwrap().clone();
    let mut features = Model::new(model.inputs().unwrap(), &first.output().unwrap()).unwrap();
    let got = features.predict(&x).unwrap();
    let p = first.params();
    let want = affine(&x, &p[0].value, &p[1].value).mapv(|v| v.max(0.0));
    assert_eq!(got.shape(), &[32, 6]);
    for (g, w) in got.iter().zip(want.iter()) {
        assert_abs_diff_eq!(g, w, epsilon = 1e-5);
    }
}

#[test]
fn frozen_layers_keep_their_weights_and_count_as_non_trainable() {
    let x = Array2::from_shape_fn((16, 4), |(i, j)| ((i * j) % 7) as f32 / 7.0);
    let y = Array2::<f32>::ones((16, 1));
    let mut model = sequential![
        Dense::new(5).input_shape(4),
        BatchNormalization::new(),
        Dense::new(1)
    ];
    model.get_layer("dense").unwrap().set_trainable(false);
    model
        .get_layer("batch_normalization")
        .unwrap()
        .set_trainable(false);
    let summary = model.summary_string();
    assert!(summary.contains("Trainable params: 6 "), "{summary}");
    assert!(summary.contains("Non-trainable params: 45 "), "{summary}");
    model.compile("mse", ()).unwrap();
    let before = model.get_weights();
    model.fit(&x, &y, quiet().epochs(2)).unwrap();
    let after = model.get_weights();
    // The frozen Dense and BatchNormalization (γ, β and, in inference
    // mode, the moving statistics) are untouched; the last Dense trained.
    for i in 0..6 {
        assert_eq!(before[i].to_vec(), after[i].to_vec(), "weight {i}");
    }
    assert_ne!(before[6].to_vec(), after[6].to_vec());
}

#[test]
fn two_outputs_train_with_weighted_losses_and_log_under_their_names() {
    let x = Array2::from_shape_fn((64, 4), |(i, j)| if (i >> j) & 1 == 1 { 1.0 } else { 0.0 });
    let classes = Array1::from_shape_fn(64, |i| (i % 4) as u8);
    let flag = Array2::from_shape_fn((64, 1), |(i, _)| (i % 2) as f32);
    let input = Input::new(4);
    let trunk = Dense::new(16).activation(Relu).call(&input).unwrap();
    let a = Dense::new(4)
        .activation(Softmax)
        .name("classes")
        .call(&trunk)
        .unwrap();
    let b = Dense::new(1)
        .activation(Sigmoid)
        .name("flag")
        .call(&trunk)
        .unwrap();
    let mut model = Model::new(&input, &[a, b]).unwrap();
    model
        .compile_outputs(
            Adam::new().learning_rate(0.05),
            vec![
                Objective::new("sparse_categorical_crossentropy").metrics(["accuracy"]),
                Objective::new("binary_crossentropy")
                    .loss_weight(0.5)
                    .metrics(["accuracy"]),
            ],
        )
        .unwrap();
    let history = model.fit(&x, &(&classes, &flag), quiet().epochs(30)).unwrap();
    for key in [
        "loss",
        "classes_loss",
        "flag_loss",
        "classes_accuracy",
        "flag_accuracy",
    ] {
        assert!(history.last(key).is_some(), "{key} missing");
    }
    assert_eq!(history.last("flag_accuracy"), Some(1.0));
    let scores = model
        .evaluate(&x, &(&classes, &flag), EvaluateOptions::default().verbose(0))
        .unwrap();
    // [loss, classes_loss, flag_loss, classes_accuracy, flag_accuracy]
    assert_eq!(scores.len(), 5);
    assert_abs_diff_eq!(scores[0], scores[1] + 0.5 * scores[2], epsilon = 1e-5);
}

#[test]
fn the_summary_of_a_graph_says_where_each_layer_reads_from() {
    let (a, b) = (Input::named("title", 4), Input::new(6));
    let ha = Dense::new(3).call(&a).unwrap();
    let hb = Dense::new(3).call(&b).unwrap();
    let joined = Concatenate::new().call(&[ha, hb]).unwrap();
    let out = Dense::new(1).name("priority").call(&joined).unwrap();
    let model = Model::new(&[a, b], &out).unwrap();
    let expected = "\
Model: \"functional\"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ title (InputLayer)  │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ input_layer         │ (None, 6)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense (Dense)       │ (None, 3)         │         15 │ title[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_1 (Dense)     │ (None, 3)         │         21 │ input_layer[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 6)         │          0 │ dense[0][0],      │
│ (Concatenate)       │                   │            │ dense_1[0][0]     │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ priority (Dense)    │ (None, 1)         │          7 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 43 (172.00 B)
 Trainable params: 43 (172.00 B)
 Non-trainable params: 0 (0.00 B)
";
    assert_eq!(model.summary_string(), expected);
    // A chain is printed without the column, its input as the first row.
    let x = Input::new(784);
    let chain = Model::new(&x, &Dense::new(10).call(&x).unwrap()).unwrap();
    let summary = chain.summary_string();
    assert!(!summary.contains("Connected to"), "{summary}");
    assert!(
        summary.contains("│ input_layer (InputLayer)        │ (None, 784)"),
        "{summary}"
    );
}

#[test]
fn a_graphs_weights_save_and_load_and_checkpoint_by_name() {
    let build = || {
        let (a, b) = (Input::new(3), Input::new(2));
        let joined = Concatenate::new()
            .call(&[Dense::new(4).call(&a).unwrap(), b.clone()])
            .unwrap();
        let out = Dense::new(1).name("out").call(&joined).unwrap();
        Model::new(&[a, b], &out).unwrap()
    };
    let xa = Array2::from_shape_fn((8, 3), |(i, j)| (i + j) as f32 / 8.0);
    let xb = Array2::from_shape_fn((8, 2), |(i, j)| (i * j) as f32 / 8.0);
    let y = Array2::from_shape_fn((8, 1), |(i, _)| i as f32 / 8.0);
    let mut model = build();
    model.compile("mse", ()).unwrap();
    let dir = std::env::temp_dir().join(format!("kerust-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("best.safetensors");
    let mut checkpoint = ModelCheckpoint::new(path.to_string_lossy().into_owned()).save_weights_only(true);
    model
        .fit(
            &[&xa, &xb],
            &y,
            FitOptions::default()
                .verbose(0)
                .epochs(2)
                .callback(&mut checkpoint),
        )
        .unwrap();
    // A model of the same graph, fresh weights, takes the checkpoint.
    let mut copy = build();
    copy.load_weights(&path).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        copy.predict(&[&xa, &xb]).unwrap(),
        model.predict(&[&xa, &xb]).unwrap()
    );
}

/// A whole functional model — two inputs, a layer shared by both, a merge,
/// two outputs with their own losses, weights and metrics, a frozen layer,
/// the optimizer's state — saves to one file and loads back: same names,
/// same predictions, same compile, and training continues identically.
#[test]
fn a_whole_functional_model_saves_and_loads() {
    let (a, b) = (Input::named("left", 3), Input::named("right", 3));
    let shared = LayerRef::new(Dense::new(4).activation("tanh").name("shared"));
    let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
    let sum = Add::new().call(&[ha.clone(), hb]).unwrap();
    let joined = Concatenate::new().call(&[ha, sum.clone()]).unwrap();
    let classes = Dense::new(3)
        .activation("softmax")
        .name("classes")
        .call(&joined)
        .unwrap();
    let frozen = LayerRef::new(Dense::new(2).name("frozen"));
    let value = frozen.call(&sum).unwrap();
    let mut model = Model::new(&[a, b], &[classes, value]).unwrap();
    frozen.set_trainable(false);
    model
        .compile_outputs(
            Adam::new(),
            vec![
                Objective::new("sparse_categorical_crossentropy").metrics(["accuracy"]),
                Objective::new("mse").loss_weight(0.25).metrics(["mae"]),
            ],
        )
        .unwrap();
    let xa = Array2::from_shape_fn((8, 3), |(i, j)| ((i * 3 + j) % 5) as f32 / 5.0);
    let xb = Array2::from_shape_fn((8, 3), |(i, j)| ((i + 2 * j) % 7) as f32 / 7.0);
    let labels = Array1::from_shape_fn(8, |i| (i % 3) as u8);
    let values = Array2::from_shape_fn((8, 2), |(i, j)| (i + j) as f32 / 10.0);
    let options = || {
        FitOptions::default()
            .epochs(2)
            .batch_size(4)
            .shuffle(false)
            .verbose(0)
    };
    model.fit(&[&xa, &xb], &(&labels, &values), options()).unwrap();

    let path = std::env::temp_dir().join(format!("kerust-functional-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(loaded.summary_string(), model.summary_string());
    assert!(!loaded.get_layer("frozen").unwrap().trainable());
    let input_names: Vec<_> = loaded.inputs().unwrap().iter().map(|t| t.source_name()).collect();
    assert_eq!(input_names, ["left", "right"]);
    assert_eq!(
        loaded.predict_many(&[&xa, &xb]).unwrap(),
        model.predict_many(&[&xa, &xb]).unwrap()
    );
    let before = model
        .evaluate(
            &[&xa, &xb],
            &(&labels, &values),
            EvaluateOptions::default().verbose(0),
        )
        .unwrap();
    assert_eq!(
        loaded
            .evaluate(
                &[&xa, &xb],
                &(&labels, &values),
                EvaluateOptions::default().verbose(0)
            )
            .unwrap(),
        before
    );
    assert_eq!(before.len(), 5, "loss, two output losses, accuracy and mae");
    // The optimizer continues from its state: one more epoch each, same weights.
    model.fit(&[&xa, &xb], &(&labels, &values), options()).unwrap();
    loaded.fit(&[&xa, &xb], &(&labels, &values), options()).unwrap();
    assert_eq!(loaded.get_weights(), model.get_weights());
    // A functional model is not a Sequential.
    assert!(Sequential::try_from(loaded).is_err());
}
