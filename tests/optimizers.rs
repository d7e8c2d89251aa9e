//! Optimizer updates against values from Keras' own tests and values worked
//! out by hand from the Keras formulas (tolerance 1e-6 unless stated).

use kerust::optimizers::{Adam, Optimizer, RMSprop, SGD};
use kerust::tensor::Tensor;

fn step(opt: &mut dyn Optimizer, w: &[f32], g: &[f32]) -> Vec<f32> {
    let mut param = Tensor::from_vec(&[w.len()], w.to_vec()).unwrap();
    let grad = Tensor::from_vec(&[g.len()], g.to_vec()).unwrap();
    opt.apply(&mut [&mut param], &[Some(grad)]).unwrap();
    param.to_vec()
}

fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{a:?} vs {b:?}");
    }
}

const W: [f32; 4] = [1.0, 2.0, 3.0, 4.0];
const G: [f32; 4] = [1.0, 6.0, 7.0, 2.0];

#[test]
fn single_steps_from_keras_tests() {
    // keras/src/optimizers/*_test.py::test_single_step, learning_rate=0.5,
    // grads [1, 6, 7, 2], vars [1, 2, 3, 4]; Keras asserts at 1e-4.
    assert_close(
        &step(&mut SGD::new().learning_rate(0.5), &W, &G),
        &[0.5, -1.0, -0.5, 3.0],
        1e-6,
    );
    assert_close(
        &step(&mut RMSprop::new().learning_rate(0.5), &W, &G),
        &[-0.5811, 0.4189, 1.4189, 2.4189],
        1e-4,
    );
    assert_close(
        &step(&mut Adam::new().learning_rate(0.5), &W, &G),
        &[0.5, 1.5, 2.5, 3.5],
        1e-4,
    );
}

#[test]
fn sgd_momentum_and_nesterov_by_hand() {
    // μ = 0.9, lr = 0.1, g = 1 twice:
    // m1 = −0.1, w1 = 1 − 0.1 = 0.9; m2 = 0.9·(−0.1) − 0.1 = −0.19, w2 = 0.71
    let mut sgd = SGD::new().learning_rate(0.1).momentum(0.9);
    let w1 = step(&mut sgd, &[1.0], &[1.0]);
    assert_close(&w1, &[0.9], 1e-6);
    assert_close(&step(&mut sgd, &w1, &[1.0]), &[0.71], 1e-6);
    // Nesterov: w1 = 1 + (0.9·(−0.1) − 0.1) = 0.81; m2 = −0.19, w2 = 0.81 + 0.9·(−0.19) − 0.1 = 0.539
    let mut nesterov = SGD::new().learning_rate(0.1).momentum(0.9).nesterov(true);
    let w1 = step(&mut nesterov, &[1.0], &[1.0]);
    assert_close(&w1, &[0.81], 1e-6);
    assert_close(&step(&mut nesterov, &w1, &[1.0]), &[0.539], 1e-6);
    assert_eq!(nesterov.iterations(), 2);
}

#[test]
fn rmsprop_two_steps_centered_and_momentum_by_hand() {
    // Plain, lr 0.01, g = 2 then 1:
    // v1 = 0.1·4 = 0.4, w1 = 1 − 0.02/√(0.4+1e-7) = 0.968377
    // v2 = 0.9·0.4 + 0.1·1 = 0.46, w2 = w1 − 0.01/√0.46 = 0.953633
    let mut r = RMSprop::new().learning_rate(0.01);
    let w1 = step(&mut r, &[1.0], &[2.0]);
    assert_close(&w1, &[1.0 - 0.02 / 0.4f32.sqrt()], 1e-6);
    assert_close(&step(&mut r, &w1, &[1.0]), &[w1[0] - 0.01 / 0.46f32.sqrt()], 1e-6);
    // Centered, g = 2: v = 0.4, a = 0.2, den = 0.4 − 0.04 = 0.36, w = 1 − 0.02/0.6
    let mut c = RMSprop::new().learning_rate(0.01).centered(true);
    assert_close(&step(&mut c, &[1.0], &[2.0]), &[1.0 - 0.02 / 0.6], 1e-6);
    // Momentum 0.5, g = 2 twice: inc1 = 0.02/√0.4, mom1 = inc1;
    // v2 = 0.36 + 0.4 = 0.76, inc2 = 0.02/√0.76, mom2 = 0.5·mom1 + inc2
    let mut m = RMSprop::new().learning_rate(0.01).momentum(0.5);
    let inc1 = 0.02 / 0.4f32.sqrt();
    let w1 = step(&mut m, &[1.0], &[2.0]);
    assert_close(&w1, &[1.0 - inc1], 1e-6);
    let mom2 = 0.5 * inc1 + 0.02 / 0.76f32.sqrt();
    assert_close(&step(&mut m, &w1, &[2.0]), &[w1[0] - mom2], 1e-6);
}

#[test]
fn adam_two_steps_and_amsgrad_by_hand() {
    // lr 0.1, g = 2 then −1.
    // t=1: m = 0.2, v = 0.004, α = 0.1·√0.001/0.1 = √0.001; w1 = 1 − α·0.2/(√0.004 + 1e-7)
    // t=2: m = 0.2 + (−1 − 0.2)·0.1 = 0.08, v = 0.004 + (1 − 0.004)·0.001 = 0.004996,
    //      α = 0.1·√(1−0.999²)/(1−0.9²); w2 = w1 − α·0.08/(√0.004996 + 1e-7)
    let mut adam = Adam::new().learning_rate(0.1);
    let a1 = 0.1 * (1.0f64 - 0.999).sqrt() / (1.0 - 0.9);
    let w1 = 1.0 - a1 * 0.2 / (0.004f64.sqrt() + 1e-7);
    let got1 = step(&mut adam, &[1.0], &[2.0]);
    assert_close(&got1, &[w1 as f32], 1e-6);
    let a2 = 0.1 * (1.0f64 - 0.999 * 0.999).sqrt() / (1.0 - 0.81);
    let w2 = w1 - a2 * 0.08 / (0.004996f64.sqrt() + 1e-7);
    assert_close(&step(&mut adam, &got1, &[-1.0]), &[w2 as f32], 1e-5);
    // AMSGrad: the second step uses max(v1, v2) = v2 here (v grows), and with
    // g = 0 at t=2 it uses v1 instead of the smaller v2.
    let mut ams = Adam::new().learning_rate(0.1).amsgrad(true);
    let w1 = step(&mut ams, &[1.0], &[2.0]);
    let m2 = 0.2 * 0.9f64;
    let v1 = 0.004f64;
    let expected = f64::from(w1[0]) - a2 * m2 / (v1.sqrt() + 1e-7);
    assert_close(&step(&mut ams, &w1, &[0.0]), &[expected as f32], 1e-5);
}

#[test]
fn bad_hyperparameters_and_mismatched_weights() {
    assert!(SGD::new().momentum(1.5).validate().is_err());
    assert!(RMSprop::new().rho(-0.1).validate().is_err());
    assert!(Adam::new().beta_1(1.0).validate().is_err());
    assert!(kerust::optimizers::get("Adam").is_ok());
    assert!(kerust::optimizers::get("adafactor").is_err());
    assert_eq!(kerust::optimizers::get("ADAGRAD").unwrap().name(), "Adagrad");
    let mut sgd = SGD::new().momentum(0.9);
    step(&mut sgd, &[1.0, 2.0], &[1.0, 1.0]);
    let mut other = Tensor::zeros(&[3]);
    let err = sgd
        .apply(&mut [&mut other], &[Some(Tensor::zeros(&[3]))])
        .unwrap_err();
    assert!(err.to_string().contains("weights of earlier steps"), "{err}");
    let mut w = Tensor::zeros(&[2]);
    let err = SGD::new()
        .apply(&mut [&mut w], &[Some(Tensor::zeros(&[3]))])
        .unwrap_err();
    assert!(err.to_string().contains("a gradient of 2 elements"), "{err}");
}

#[test]
fn decaying_state_is_flushed_to_zero_never_subnormal() {
    // One tiny gradient, then zeros: the moments decay geometrically. Keras
    // on TensorFlow computes in flush-to-zero mode, so they reach exactly 0
    // instead of passing through subnormal numbers. 5,000 weights take the
    // two-thread path, 3 the one-thread path.
    let optimizers = [
        ("Adam", Adam::new().config()),
        ("Adam amsgrad", Adam::new().amsgrad(true).config()),
        ("RMSprop", RMSprop::new().config()),
        (
            "RMSprop centered momentum",
            RMSprop::new().centered(true).momentum(0.9).config(),
        ),
        (
            "SGD momentum",
            SGD::new().learning_rate(0.01).momentum(0.9).config(),
        ),
    ];
    for (name, config) in optimizers {
        for n in [3usize, 5_000] {
            let mut opt = kerust::optimizers::from_config(&config).unwrap();
            let mut w = Tensor::full(&[n], 0.5);
            // g² = 1e-34: every first moment and average starts normal.
            let mut grad = Tensor::full(&[n], 1e-17);
            for step in 0..3_000 {
                opt.apply(&mut [&mut w], &[Some(grad.clone())]).unwrap();
                grad = Tensor::zeros(&[n]);
                let state = opt.state();
                let values = state.slots.iter().flatten().flatten();
                if let Some(bad) = values.clone().find(|x| !(**x == 0.0 || x.is_normal())) {
                    panic!("{name}, {n} weights, step {step}: state value {bad:e} is subnormal");
                }
                if step == 0 {
                    assert!(
                        values.clone().any(|x| *x != 0.0),
                        "{name}: the first step sets state"
                    );
                }
            }
            let state = opt.state();
            let v_hat_kept = name == "Adam amsgrad";
            for (k, slot) in state.slots[0].iter().enumerate() {
                // AMSGrad's running maximum of v does not decay.
                if v_hat_kept && k == 2 {
                    continue;
                }
                assert!(
                    slot.iter().all(|x| *x == 0.0),
                    "{name}, {n} weights: slot {k} decayed to 0"
                );
            }
            assert!(w.to_vec().iter().all(|x| x.is_finite()));
        }
    }
}

#[test]
fn learning_rates_that_are_not_finite_or_negative_are_errors_not_nan_weights() {
    for bad in [f32::NAN, f32::INFINITY, -0.01] {
        let mut opts: [Box<dyn Optimizer>; 3] = [
            Box::new(SGD::new().learning_rate(bad)),
            Box::new(RMSprop::new().learning_rate(bad)),
            Box::new(Adam::new().learning_rate(bad)),
        ];
        for opt in &mut opts {
            let err = opt.validate().unwrap_err().to_string();
            assert!(err.contains("expected a finite learning_rate >= 0"), "{err}");
            // Changed after compile (as a callback may): the step refuses too,
            // and the weight is left as it was.
            let mut param = Tensor::from_vec(&[4], W.to_vec()).unwrap();
            let grad = Tensor::from_vec(&[4], G.to_vec()).unwrap();
            assert!(opt.apply(&mut [&mut param], &[Some(grad)]).is_err());
            assert_eq!(param.to_vec(), W.to_vec());
        }
    }
    // Through fit: a schedule that returns NaN stops training with an error.
    use kerust::prelude::*;
    let mut model = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    model.compile("mse", ()).unwrap();
    let x = ndarray::Array2::<f32>::ones((8, 3));
    let y = ndarray::Array2::<f32>::zeros((8, 2));
    let before = model.get_weights();
    let mut schedule = kerust::callbacks::LearningRateScheduler::new(|_, _| f32::NAN);
    let options = FitOptions::default().epochs(1).verbose(0).callback(&mut schedule);
    let err = model.fit(&x, &y, options).unwrap_err().to_string();
    assert!(err.contains("learning_rate=NaN"), "{err}");
    assert_eq!(model.get_weights(), before);
}

#[test]
fn a_restored_state_must_fit_the_optimizer() {
    use kerust::optimizers::OptimizerState;
    let mut adam = Adam::new();
    step(&mut adam, &W, &G);
    let good = adam.state();
    assert_eq!(good.slots[0].len(), 2);
    // AMSGrad's third buffer, given to a plain Adam.
    let mut third = good.clone();
    third.slots[0].push(vec![0.0; 4]);
    let err = adam.set_state(third).unwrap_err().to_string();
    assert!(
        err.contains("expected 2 Adam buffers [m, v] for weight 0, found 3 buffers"),
        "{err}"
    );
    // Buffers of another length than the weight: refused at the next step.
    let short = OptimizerState {
        iterations: 1,
        slots: vec![vec![vec![0.0; 2], vec![0.0; 2]]],
    };
    adam.set_state(short).unwrap();
    let mut param = Tensor::from_vec(&[4], W.to_vec()).unwrap();
    let grad = Tensor::from_vec(&[4], G.to_vec()).unwrap();
    let err = adam
        .apply(&mut [&mut param], &[Some(grad)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "expected the weights of earlier steps (weight 0 of 2 values), found weight 0 of 4 values"
        ),
        "{err}"
    );
    // A step count that cannot grow.
    let mut sgd = SGD::new();
    let last = OptimizerState {
        iterations: u64::MAX,
        slots: vec![],
    };
    assert!(sgd.set_state(last).is_err());
    assert_eq!(sgd.iterations(), 0);
}

/// Applies one step of `opt` to several weights at once.
fn step_all(opt: &mut dyn Optimizer, ws: &[&[f32]], gs: &[&[f32]]) -> Vec<Vec<f32>> {
    let mut params: Vec<Tensor> = ws
        .iter()
        .map(|w| Tensor::from_vec(&[w.len()], w.to_vec()).unwrap())
        .collect();
    let grads: Vec<Option<Tensor>> = gs
        .iter()
        .map(|g| Some(Tensor::from_vec(&[g.len()], g.to_vec()).unwrap()))
        .collect();
    let mut refs: Vec<&mut Tensor> = params.iter_mut().collect();
    opt.apply(&mut refs, &grads).unwrap();
    params.iter().map(Tensor::to_vec).collect()
}

/// Keras' `_clip_gradients` tests (keras/src/optimizers/optimizer_test.py),
/// seen through SGD with learning rate 1 from zero weights: the step is
/// minus the clipped gradient.
#[test]
fn gradient_clipping_as_keras_tests_it() {
    let half_root_two = 2f32.sqrt() / 2.0;
    // test_clip_norm: [100, 100] with clipnorm=1 → [√2/2, √2/2].
    let w = step(
        &mut SGD::new().learning_rate(1.0).clipnorm(1.0),
        &[0.0, 0.0],
        &[100.0, 100.0],
    );
    assert_close(&w, &[-half_root_two, -half_root_two], 1e-6);
    // A gradient already within the norm is left as it is.
    let w = step(
        &mut SGD::new().learning_rate(1.0).clipnorm(1.0),
        &[0.0, 0.0],
        &[0.3, 0.4],
    );
    assert_close(&w, &[-0.3, -0.4], 1e-7);
    // test_clip_value: [100, 100] with clipvalue=1 → [1, 1]; small values stay.
    let w = step(
        &mut SGD::new().learning_rate(1.0).clipvalue(1.0),
        &[0.0; 3],
        &[100.0, -100.0, 0.25],
    );
    assert_close(&w, &[-1.0, 1.0, -0.25], 1e-7);
    // test_global_clip_norm: [50, 100] → itself over its norm; across two
    // weights the norm is the global one: [3, 4] and [0, 12] have norm 13.
    let norm = (50f32 * 50.0 + 100.0 * 100.0).sqrt();
    let w = step(
        &mut SGD::new().learning_rate(1.0).global_clipnorm(1.0),
        &[0.0, 0.0],
        &[50.0, 100.0],
    );
    assert_close(&w, &[-50.0 / norm, -100.0 / norm], 1e-6);
    let both = step_all(
        &mut SGD::new().learning_rate(1.0).global_clipnorm(1.0),
        &[&[0.0, 0.0], &[0.0, 0.0]],
        &[&[3.0, 4.0], &[0.0, 12.0]],
    );
    assert_close(&both[0], &[-3.0 / 13.0, -4.0 / 13.0], 1e-6);
    assert_close(&both[1], &[0.0, -12.0 / 13.0], 1e-6);
    // The clipped gradient is what the rule sees: Adam on a gradient clipped
    // to norm 1 moves as Adam on that gradient given directly.
    let clipped = step(&mut Adam::new().clipnorm(1.0), &W, &G);
    let norm = G.iter().map(|g| g * g).sum::<f32>().sqrt();
    let scaled: Vec<f32> = G.iter().map(|g| g / norm).collect();
    assert_close(&clipped, &step(&mut Adam::new(), &W, &scaled), 1e-7);
}

#[test]
fn decoupled_weight_decay_by_hand() {
    // Keras: w ← w − w·wd·lr, then the rule's step. lr = 0.1, wd = 0.01,
    // g = 0.5: w ← 0.999·w − 0.05, three times.
    let mut sgd = SGD::new().learning_rate(0.1).weight_decay(0.01);
    let mut w = vec![1.0f32, -2.0];
    let mut expected = [1.0f64, -2.0];
    for _ in 0..3 {
        w = step(&mut sgd, &w, &[0.5, 0.5]);
        expected = expected.map(|e| e * 0.999 - 0.05);
    }
    assert_close(&w, &expected.map(|e| e as f32), 1e-6);
    assert_close(&w, &[0.847_153, -2.143_856], 1e-6);
    // With Adam the decay comes before the Adam step.
    let decayed: Vec<f32> = W.iter().map(|w| w - w * 0.004 * 0.5).collect();
    assert_close(
        &step(&mut Adam::new().learning_rate(0.5).weight_decay(0.004), &W, &G),
        &step(&mut Adam::new().learning_rate(0.5), &decayed, &G),
        1e-7,
    );
}

#[test]
fn base_options_out_of_range_are_errors() {
    let refused = |opt: &mut dyn Optimizer| {
        let mut w = Tensor::from_vec(&[1], vec![1.0]).unwrap();
        let g = Tensor::from_vec(&[1], vec![1.0]).unwrap();
        let err = opt.apply(&mut [&mut w], &[Some(g)]).unwrap_err().to_string();
        assert_eq!(w.to_vec(), [1.0], "nothing moves");
        err
    };
    assert!(
        refused(&mut SGD::new().clipnorm(0.0)).contains("expected a finite clipnorm > 0, found clipnorm=0")
    );
    assert!(refused(&mut Adam::new().clipvalue(f32::NAN)).contains("a finite clipvalue > 0"));
    assert!(refused(&mut RMSprop::new().weight_decay(-1.0)).contains("weight_decay"));
    assert!(refused(&mut SGD::new().clipnorm(1.0).clipvalue(1.0)).contains(
        "expected only one of clipnorm, clipvalue and global_clipnorm, found clipnorm=1, clipvalue=1"
    ));
}

/// Runs Keras' `test_correctness_with_golden` sequence: one step with
/// gradients of 0.01, then steps with gradients 0.1, 0.2, …, 1.0, from
/// ten weights of 1; `golden[i]` is the weights before step `i + 1` of the
/// second kind. Keras checks at rtol = atol = 5e-4; so does this.
fn golden_run(opt: &mut dyn Optimizer, golden: &[[f32; 10]]) {
    let grads: Vec<f32> = (1..=10).map(|k| k as f32 / 10.0).collect();
    let mut w = step(opt, &[1.0; 10], &[0.01; 10]);
    for (i, row) in golden.iter().enumerate() {
        for (k, (a, b)) in w.iter().zip(row).enumerate() {
            assert!(
                (a - b).abs() <= 5e-4 + 5e-4 * b.abs(),
                "{}: step {i}, weight {k}: {a} against Keras' {b}",
                opt.name()
            );
        }
        w = step(opt, &w, &grads);
    }
}

/// A row of ten equal values.
fn tile(v: f32) -> [f32; 10] {
    [v; 10]
}

#[test]
fn the_keras_family_single_steps() {
    use kerust::optimizers::{Adadelta, Adagrad, AdamW, Adamax, Ftrl, Lion, Nadam};
    // keras/src/optimizers/*_test.py::test_single_step: learning_rate=0.5,
    // grads [1, 6, 7, 2], vars [1, 2, 3, 4]; Keras asserts at 1e-4.
    let cases: [(&mut dyn Optimizer, [f32; 4]); 7] = [
        (
            &mut Adagrad::new().learning_rate(0.5),
            [0.5233, 1.5007, 2.5005, 3.5061],
        ),
        (
            &mut Adadelta::new().learning_rate(0.5),
            [0.9993, 1.9993, 2.9993, 3.9993],
        ),
        (&mut Adamax::new().learning_rate(0.5), [0.5, 1.5, 2.5, 3.5]),
        (
            &mut Nadam::new().learning_rate(0.5),
            [0.4686, 1.4686, 2.4686, 3.4686],
        ),
        (&mut Lion::new().learning_rate(0.5), [0.5, 1.5, 2.5, 3.5]),
        (
            &mut AdamW::new().learning_rate(0.5),
            [0.4980, 1.4960, 2.494, 3.492],
        ),
        (
            &mut Ftrl::new().learning_rate(0.5),
            [0.2218, 1.3954, 2.3651, 2.8814],
        ),
    ];
    for (opt, expected) in cases {
        let got = step(opt, &W, &G);
        for (a, b) in got.iter().zip(expected) {
            assert!(
                (a - b).abs() <= 1e-4 + 1e-4 * b.abs(),
                "{}: {got:?} vs {expected:?}",
                opt.name()
            );
        }
    }
}

#[test]
fn sgd_rmsprop_and_adam_against_keras_golden_values() {
    // keras/src/optimizers/{sgd,rmsprop,adam}_test.py::test_correctness_with_golden.
    #[rustfmt::skip]
    golden_run(
        &mut SGD::new().nesterov(true),
        &[
            tile(0.9999),
            [0.9989, 0.9979, 0.9969, 0.9959, 0.9949, 0.9939, 0.9929, 0.9919, 0.9909, 0.9899],
            [0.9979, 0.9959, 0.9939, 0.9919, 0.9899, 0.9879, 0.9859, 0.9839, 0.9819, 0.9799],
            [0.9969, 0.9939, 0.9909, 0.9879, 0.9849, 0.9819, 0.9789, 0.9759, 0.9729, 0.9699],
            [0.9959, 0.9919, 0.9879, 0.9839, 0.9799, 0.9759, 0.9719, 0.9679, 0.9639, 0.9599],
        ],
    );
    golden_run(
        &mut RMSprop::new().centered(true),
        &[
            tile(0.9967),
            tile(0.9933),
            tile(0.9908),
            tile(0.9885),
            tile(0.9864),
        ],
    );
    golden_run(
        &mut Adam::new().amsgrad(true),
        &[
            tile(0.999),
            tile(0.9982),
            tile(0.9974),
            tile(0.9965),
            tile(0.9955),
        ],
    );
}

#[test]
fn the_keras_family_against_keras_golden_values() {
    use kerust::optimizers::{Adadelta, Adagrad, AdamW, Adamax, Ftrl, Lion, Nadam};
    #[rustfmt::skip]
    golden_run(
        &mut Adagrad::new().learning_rate(0.2).initial_accumulator_value(0.3).epsilon(1e-6),
        &[
            tile(0.9963),
            [0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209],
            [0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891],
            [0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579],
            [0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825],
        ],
    );
    golden_run(
        &mut Adadelta::new().learning_rate(1.0).rho(0.8).epsilon(1e-6),
        &[
            tile(0.9978),
            tile(0.9947),
            tile(0.9915),
            tile(0.9882),
            tile(0.9849),
        ],
    );
    #[rustfmt::skip]
    golden_run(
        &mut Adamax::new().learning_rate(0.2).beta_1(0.85).beta_2(0.95).epsilon(1e-6),
        &[
            tile(0.8),
            [0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691],
            [0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466],
            [0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848],
            [0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126],
        ],
    );
    #[rustfmt::skip]
    golden_run(
        &mut Nadam::new().learning_rate(0.5).beta_1(0.5).beta_2(0.67).epsilon(1e-5),
        &[
            tile(0.4281),
            [-0.1738, -0.1731, -0.1726, -0.1723, -0.1721, -0.172, -0.1719, -0.1718, -0.1718, -0.1717],
            [-0.7115, -0.7103, -0.7096, -0.7092, -0.709, -0.7088, -0.7086, -0.7085, -0.7085, -0.7084],
            [-1.2335, -1.2322, -1.2313, -1.2309, -1.2306, -1.2304, -1.2302, -1.2301, -1.23, -1.2299],
            [-1.7492, -1.7478, -1.7469, -1.7464, -1.7461, -1.7459, -1.7457, -1.7456, -1.7455, -1.7454],
        ],
    );
    golden_run(
        &mut Lion::new(),
        &[tile(0.999), tile(0.998), tile(0.997), tile(0.996), tile(0.995)],
    );
    #[rustfmt::skip]
    golden_run(
        &mut AdamW::new().learning_rate(1.0).weight_decay(0.5).epsilon(2.0),
        &[
            tile(0.4998),
            [0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382],
            [0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003],
            [0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258],
            [0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113, -0.0159],
        ],
    );
    #[rustfmt::skip]
    golden_run(
        &mut Ftrl::new()
            .learning_rate(0.05)
            .learning_rate_power(-0.2)
            .initial_accumulator_value(0.4)
            .l1_regularization_strength(0.05)
            .l2_regularization_strength(0.15)
            .l2_shrinkage_regularization_strength(0.01)
            .beta(0.3),
        &[
            tile(0.0),
            [-0.0034, -0.0077, -0.0118, -0.0157, -0.0194, -0.023, -0.0263, -0.0294, -0.0325, -0.0354],
            [-0.0078, -0.0162, -0.0242, -0.0317, -0.0387, -0.0454, -0.0516, -0.0575, -0.0631, -0.0685],
            [-0.0121, -0.0246, -0.0363, -0.0472, -0.0573, -0.0668, -0.0757, -0.0842, -0.0922, -0.0999],
            [-0.0164, -0.0328, -0.0481, -0.0623, -0.0753, -0.0875, -0.099, -0.1098, -0.1201, -0.1299],
        ],
    );
}

/// Every optimizer's state saves and restores: a copy that takes the
/// state (and the configuration) midway continues exactly as the original.
#[test]
fn every_optimizer_resumes_from_its_state() {
    let all: Vec<Box<dyn Optimizer>> = vec![
        Box::new(SGD::new().momentum(0.9)),
        Box::new(RMSprop::new().centered(true)),
        Box::new(Adam::new().amsgrad(true)),
        Box::new(kerust::optimizers::AdamW::new()),
        Box::new(kerust::optimizers::Adagrad::new()),
        Box::new(kerust::optimizers::Adadelta::new().learning_rate(1.0)),
        Box::new(kerust::optimizers::Adamax::new()),
        Box::new(kerust::optimizers::Nadam::new()),
        Box::new(kerust::optimizers::Lion::new()),
        Box::new(kerust::optimizers::Ftrl::new().l1_regularization_strength(0.01)),
        // The base's own buffers save and restore with the rule's.
        Box::new(Adam::new().use_ema(true).gradient_accumulation_steps(3)),
        Box::new(SGD::new().momentum(0.5).use_ema(true).ema_overwrite_frequency(2)),
    ];
    for mut opt in all {
        let mut w = W.to_vec();
        for _ in 0..5 {
            w = step(&mut *opt, &w, &G);
        }
        let mut copy = kerust::optimizers::from_config(&opt.config()).unwrap();
        copy.set_state(opt.state()).unwrap();
        let (mut a, mut b) = (w.clone(), w);
        for k in 0..5 {
            let g: Vec<f32> = G.iter().map(|g| g * (k as f32 - 2.0)).collect();
            a = step(&mut *opt, &a, &g);
            b = step(&mut *copy, &b, &g);
        }
        assert_eq!(a, b, "{}", opt.name());
        assert_eq!(copy.state().iterations, 10);
        // A state of another optimizer's shape is refused.
        let mut fresh = kerust::optimizers::from_config(&opt.config()).unwrap();
        let mut wrong = opt.state();
        wrong.slots.iter_mut().for_each(|s| s.push(vec![0.0; 4]));
        assert!(fresh.set_state(wrong).is_err(), "{}", opt.name());
    }
}
