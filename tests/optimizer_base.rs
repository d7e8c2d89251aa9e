//! What every optimizer shares beyond its rule: the weights' moving
//! average (`use_ema`), gradient accumulation and the names left out of
//! weight decay, against Keras' own tests (keras/src/optimizers/
//! optimizer_test.py, adam_test.py) and values worked out by hand.

use kerust::optimizers::schedules::PiecewiseConstantDecay;
use kerust::optimizers::{self, Adam, Optimizer, SGD};
use kerust::prelude::*;
use kerust::tensor::Tensor;

fn tensor(v: &[f32]) -> Tensor {
    Tensor::from_vec(&[v.len()], v.to_vec()).unwrap()
}

/// One step on one weight, in place.
fn step(opt: &mut dyn Optimizer, w: &mut Tensor, g: &[f32]) {
    opt.apply(&mut [w], &[Some(tensor(g))]).unwrap();
}

/// Buffer `k` of weight 0.
fn buffer(opt: &dyn Optimizer, k: usize) -> Vec<f32> {
    opt.state().slots[0][k].clone()
}

fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
    }
}

#[test]
fn ema_as_keras_tests_it() {
    // optimizer_test.py::test_ema: SGD(1.0), momentum 0.9, overwrite every
    // 3 steps; gradients of 1 on [[3, 4], [5, 6]] (flattened here).
    let mut sgd = SGD::new()
        .learning_rate(1.0)
        .use_ema(true)
        .ema_momentum(0.9)
        .ema_overwrite_frequency(3);
    let names: Vec<_> = sgd.slot_specs().iter().map(|s| s.name).collect();
    assert_eq!(names, ["average"]);
    let mut w = tensor(&[3.0, 4.0, 5.0, 6.0]);
    step(&mut sgd, &mut w, &[1.0; 4]);
    assert_eq!(w.to_vec(), [2.0, 3.0, 4.0, 5.0]);
    assert_eq!(buffer(&sgd, 0), [2.0, 3.0, 4.0, 5.0]); // the first step copies
    step(&mut sgd, &mut w, &[1.0; 4]);
    assert_eq!(w.to_vec(), [1.0, 2.0, 3.0, 4.0]);
    assert_close(&buffer(&sgd, 0), &[1.9, 2.9, 3.9, 4.9], 1e-6);
    step(&mut sgd, &mut w, &[1.0; 4]);
    // Third step: the averages overwrite the weights.
    assert_close(&w.to_vec(), &[1.71, 2.71, 3.71, 4.71], 1e-6);
    assert_close(&buffer(&sgd, 0), &[1.71, 2.71, 3.71, 4.71], 1e-6);
}

#[test]
fn adam_ema_and_finalize() {
    // adam_test.py::test_ema: Adam(1.0) with an average at momentum 0.9.
    let mut adam = Adam::new().learning_rate(1.0).use_ema(true).ema_momentum(0.9);
    let mut w = tensor(&[1.0, 2.0]);
    step(&mut adam, &mut w, &[0.1, 0.2]);
    let v1 = w.to_vec();
    assert_eq!(buffer(&adam, 2), v1);
    step(&mut adam, &mut w, &[0.1, 0.2]);
    let v2 = w.to_vec();
    let expected: Vec<f32> = v1.iter().zip(&v2).map(|(a, b)| 0.9 * a + 0.1 * b).collect();
    assert_close(&buffer(&adam, 2), &expected, 1e-6);
    // The weights are not the averages until the optimizer finalizes.
    assert_eq!(w.to_vec(), v2);
    adam.finalize(&mut [&mut w]).unwrap();
    assert_close(&w.to_vec(), &expected, 1e-6);
    // Other weights than those it averaged are refused.
    let mut other = tensor(&[0.0; 3]);
    assert!(adam.finalize(&mut [&mut other]).is_err());
}

#[test]
fn fit_ends_with_the_moving_average() {
    // optimizer_test.py::test_ema_with_model_fit: Dense(2) of ones without
    // bias, x = [[1]], y = [[0]], MSE, SGD(0.1) with an average at 0.9, two
    // epochs of one batch. By hand: the gradient of each weight is w, so
    // w = 0.9 then 0.81; the average 0.9 then 0.9·0.9 + 0.1·0.81 = 0.891,
    // which fit leaves in the model.
    let x = ndarray::Array2::<f32>::ones((1, 1));
    let y = ndarray::Array2::<f32>::zeros((1, 2));
    let mut model = sequential![
        Dense::new(2)
            .kernel_initializer(Initializer::Ones)
            .use_bias(false)
            .input_shape(1)
    ];
    let sgd = SGD::new().learning_rate(0.1).use_ema(true).ema_momentum(0.9);
    model.compile_with(sgd, "mse", ()).unwrap();
    model
        .fit(&x, &y, FitOptions::default().epochs(2).batch_size(1).verbose(0))
        .unwrap();
    assert_close(&model.get_weights()[0].to_vec(), &[0.891, 0.891], 1e-6);
}

#[test]
fn gradient_accumulation_as_keras_tests_it() {
    // optimizer_test.py::test_gradient_accumulation: SGD(1.0) over 3 steps;
    // gradients of 1 on [[1, 2], [3, 4]].
    let mut sgd = SGD::new().learning_rate(1.0).gradient_accumulation_steps(3);
    let mut w = tensor(&[1.0, 2.0, 3.0, 4.0]);
    let expected = [
        ([1.0, 2.0, 3.0, 4.0], [1.0; 4], 1, 0),
        ([1.0, 2.0, 3.0, 4.0], [2.0; 4], 2, 0),
        ([0.0, 1.0, 2.0, 3.0], [0.0; 4], 3, 1),
        ([0.0, 1.0, 2.0, 3.0], [1.0; 4], 4, 1),
    ];
    for (weights, accumulated, calls, updates) in expected {
        step(&mut sgd, &mut w, &[1.0; 4]);
        assert_eq!(w.to_vec(), weights);
        assert_eq!(buffer(&sgd, 0), accumulated);
        // Keras' `_iterations` (saved) and `iterations` (updates).
        assert_eq!((sgd.state().iterations, sgd.iterations()), (calls, updates));
    }
}

#[test]
fn accumulating_three_batches_is_one_step_on_their_mean() {
    // optimizer_test.py::test_gradient_accumulation_with_weigth_decay, for
    // every optimizer, with weight decay 0.05: three accumulated batches
    // move the weights as one step on the mean gradient. Keras compares at
    // 1e-6; the sums are taken in the same order here, so the weights are
    // the same to the bit.
    for name in [
        "adam", "sgd", "adamw", "adagrad", "rmsprop", "adadelta", "adamax", "lion", "nadam", "ftrl",
    ] {
        let class = optimizers::get(name).unwrap().name();
        let config = |extra: &str| {
            let json = format!(r#"{{"weight_decay": 0.05{extra}}}"#);
            optimizers::from_config(&kerust::config::Config::from_json(class, &json).unwrap()).unwrap()
        };
        let (mut one, mut three) = (config(""), config(r#", "gradient_accumulation_steps": 3"#));
        let (mut w1, mut w3) = (tensor(&[0.9, 0.5]), tensor(&[0.9, 0.5]));
        for epoch in 0..8 {
            let grads: Vec<[f32; 2]> = (0..3)
                .map(|b| {
                    let k = (epoch * 3 + b) as f32;
                    [(k * 0.37).sin().abs(), (k * 0.71).cos().abs()]
                })
                .collect();
            let mean: Vec<f32> = (0..2)
                .map(|j| (grads[0][j] + grads[1][j] + grads[2][j]) / 3.0)
                .collect();
            step(&mut *one, &mut w1, &mean);
            for g in &grads {
                step(&mut *three, &mut w3, g);
            }
        }
        assert_eq!(w1.to_vec(), w3.to_vec(), "{class}");
        assert_eq!((one.iterations(), three.iterations()), (8, 8), "{class}");
    }
}

#[test]
fn accumulation_clips_the_mean_and_schedules_follow_the_batches() {
    // Global clipping applies to the mean of the accumulated gradients:
    // batches [3, 0] and [5, 0] have mean [4, 0], clipped to norm 1: [1, 0].
    let mut sgd = SGD::new()
        .learning_rate(1.0)
        .global_clipnorm(1.0)
        .gradient_accumulation_steps(2);
    let mut w = tensor(&[0.0, 0.0]);
    step(&mut sgd, &mut w, &[3.0, 0.0]);
    step(&mut sgd, &mut w, &[5.0, 0.0]);
    assert_eq!(w.to_vec(), [-1.0, 0.0]);
    // A schedule sees the batches, as Keras' `_iterations`: the update on
    // the second batch takes the rate of step 1, here 0.5 (1.0 at step 0).
    let schedule = PiecewiseConstantDecay::new(vec![0], vec![1.0, 0.5]).unwrap();
    let mut sgd = SGD::new()
        .learning_rate_schedule(schedule)
        .gradient_accumulation_steps(2);
    let mut w = tensor(&[0.0]);
    step(&mut sgd, &mut w, &[1.0]);
    step(&mut sgd, &mut w, &[1.0]);
    assert_eq!(w.to_vec(), [-0.5]);
}

#[test]
fn weight_decay_leaves_out_the_named_weights() {
    // SGD(0.5) with decay 0.1 and zero gradients: w − w·0.1·0.5 for the
    // kernel, nothing for the bias.
    let mut sgd = SGD::new()
        .learning_rate(0.5)
        .weight_decay(0.1)
        .exclude_from_weight_decay(&["bias"]);
    let (mut kernel, mut bias) = (tensor(&[2.0, -4.0]), tensor(&[1.0]));
    let grads = [Some(tensor(&[0.0, 0.0])), Some(tensor(&[0.0]))];
    // Without the weights' names the optimizer cannot tell which is which.
    let err = sgd.apply(&mut [&mut kernel, &mut bias], &grads).unwrap_err();
    assert!(err.to_string().contains("from build()"), "{err}");
    assert_eq!(kernel.to_vec(), [2.0, -4.0]);
    sgd.build(&["kernel", "bias"]);
    sgd.apply(&mut [&mut kernel, &mut bias], &grads).unwrap();
    assert_eq!((kernel.to_vec(), bias.to_vec()), (vec![1.9, -3.8], vec![1.0]));
    // Saved with the configuration, so a loaded optimizer decays the same.
    let config = sgd.config();
    assert_eq!(
        config.get::<Vec<String>>("exclude_from_weight_decay"),
        Some(vec!["bias".into()])
    );
    let mut again = optimizers::from_config(&config).unwrap();
    again.build(&["kernel", "bias"]);
    let (mut k2, mut b2) = (tensor(&[2.0, -4.0]), tensor(&[1.0]));
    again.apply(&mut [&mut k2, &mut b2], &grads).unwrap();
    assert_eq!((k2.to_vec(), b2.to_vec()), (vec![1.9, -3.8], vec![1.0]));
}

#[test]
fn fit_tells_the_optimizer_the_names_of_the_weights() {
    // AdamW leaving the biases alone: with zero learning signal (targets
    // equal to the outputs of zero weights), only decay moves anything,
    // and the biases, set to 1, stay at 1.
    let x = ndarray::Array2::<f32>::zeros((4, 3));
    let y = ndarray::Array2::<f32>::ones((4, 2));
    let mut model = sequential![
        Dense::new(2)
            .kernel_initializer(Initializer::Ones)
            .bias_initializer(Initializer::Ones)
            .input_shape(3)
    ];
    let adamw = optimizers::AdamW::new()
        .learning_rate(0.1)
        .weight_decay(0.5)
        .exclude_from_weight_decay(&["bias"]);
    model.compile_with(adamw, "mse", ()).unwrap();
    model
        .fit(&x, &y, FitOptions::default().epochs(1).batch_size(4).verbose(0))
        .unwrap();
    let weights = model.get_weights();
    // Kernel: 1 − 1·0.5·0.1 (its gradient is zero: the inputs are zero).
    assert_close(&weights[0].to_vec(), &[0.95; 6], 1e-6);
    assert_eq!(weights[1].to_vec(), [1.0, 1.0]);
}

#[test]
fn base_options_out_of_range_are_errors() {
    let bad: Vec<(Box<dyn Optimizer>, &str)> = vec![
        (
            Box::new(SGD::new().use_ema(true).ema_momentum(1.5)),
            "ema_momentum=1.5",
        ),
        (
            Box::new(SGD::new().gradient_accumulation_steps(1)),
            "gradient_accumulation_steps=1",
        ),
        (
            Box::new(SGD::new().exclude_from_weight_decay(&[""])),
            "the empty name",
        ),
    ];
    for (opt, found) in bad {
        let err = opt.validate().unwrap_err().to_string();
        assert!(err.contains(found), "{err}");
    }
    // Keras' falsy 0 turns accumulation and overwriting off.
    assert!(SGD::new().gradient_accumulation_steps(0).validate().is_ok());
    let config = SGD::new().use_ema(true).ema_overwrite_frequency(0).config();
    assert_eq!(config.get::<Option<u64>>("ema_overwrite_frequency"), Some(None));
    // A configuration with the options, as Keras writes them, loads.
    let json = r#"{"learning_rate": 0.01, "use_ema": true, "ema_momentum": 0.9,
        "ema_overwrite_frequency": null, "gradient_accumulation_steps": 4}"#;
    let sgd = optimizers::from_config(&kerust::config::Config::from_json("SGD", json).unwrap()).unwrap();
    let names: Vec<_> = sgd.slot_specs().iter().map(|s| s.name).collect();
    assert_eq!(names, ["average", "gradient_accumulator"]);
}

#[test]
fn the_base_options_and_buffers_save_load_and_resume_exactly() {
    let x = ndarray::Array2::from_shape_fn((40, 3), |(i, j)| ((i * 5 + j * 3) % 7) as f32 / 7.0 - 0.4);
    let y = ndarray::Array1::from_shape_fn(40, |i| (i % 2) as u8);
    set_random_seed(4);
    let mut model = sequential![
        Dense::new(6).activation(Relu).input_shape(3),
        Dense::new(2).activation(Softmax),
    ];
    let adam = Adam::new()
        .learning_rate(0.01)
        .weight_decay(0.01)
        .exclude_from_weight_decay(&["bias"])
        .use_ema(true)
        .ema_momentum(0.9)
        .gradient_accumulation_steps(2);
    model
        .compile_with(adam, "sparse_categorical_crossentropy", ["accuracy"])
        .unwrap();
    let options = || FitOptions::default().epochs(2).batch_size(8).seed(9).verbose(0);
    model.fit(&x, &y, options()).unwrap();
    let path = std::env::temp_dir().join(format!("kerust-optimizer-base-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let (saved, restored) = (model.optimizer().unwrap(), loaded.optimizer().unwrap());
    assert_eq!(saved.config(), restored.config());
    assert_eq!(saved.state(), restored.state());
    // 2 epochs of 5 batches: 10 batches, 5 updates; m, v, average and the
    // accumulator for each of the 4 weights.
    assert_eq!((restored.state().iterations, restored.iterations()), (10, 5));
    assert_eq!(restored.state().slots.len(), 4);
    assert!(restored.state().slots.iter().all(|s| s.len() == 4));
    model.fit(&x, &y, options()).unwrap();
    loaded.fit(&x, &y, options()).unwrap();
    assert_eq!(loaded.get_weights(), model.get_weights());
}
