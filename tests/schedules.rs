//! Learning-rate schedules against Keras' own tests
//! (keras/src/optimizers/schedules/learning_rate_schedule_test.py; 1e-6
//! unless stated) and in training.

use kerust::optimizers::schedules::{
    CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay, PolynomialDecay, custom,
};
use kerust::prelude::*;
use ndarray::Array2;

fn close(a: f32, b: f64) {
    assert!(
        (f64::from(a) - b).abs() <= 1e-6 + 1e-6 * b.abs(),
        "{a} against {b}"
    );
}

/// Keras' `test_fit_lr_correctness`: Dense(2) from ones, Adam on
/// ExponentialDecay(0.05, 1, 0.9), mse, 3 epochs of 4 batches unshuffled.
#[test]
fn training_on_a_schedule_gives_keras_losses() {
    let mut model = sequential![
        Dense::new(2)
            .kernel_initializer(Initializer::Ones)
            .bias_initializer(Initializer::Ones)
            .input_shape(2)
    ];
    let adam = Adam::new().learning_rate_schedule(ExponentialDecay::new(0.05, 1, 0.9));
    model.compile_with(adam, "mse", ()).unwrap();
    let x = Array2::from_shape_fn((16, 2), |(i, j)| (2 * i + j) as f32);
    let history = model
        .fit(
            &x,
            &x,
            FitOptions::default()
                .epochs(3)
                .batch_size(4)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap();
    assert_eq!(model.optimizer().unwrap().iterations(), 12);
    // Keras: rtol 5e-5.
    for (got, keras) in history.history["loss"]
        .iter()
        .zip([230.794_570_92, 128.303_192_14, 79.336_486_82])
    {
        assert!((got - keras).abs() <= 5e-5 * keras, "{got} against {keras}");
    }
    // The rate of the next step is logged each epoch: 0.05·0.9^(4·epoch).
    for (e, lr) in history.history["learning_rate"].iter().enumerate() {
        let expected = 0.05 * 0.9f64.powi(4 * (e as i32 + 1));
        assert!((lr - expected).abs() < 1e-7, "{lr} against {expected}");
    }
}

#[test]
fn exponential_and_inverse_time_decay() {
    close(
        ExponentialDecay::new(0.05, 10, 0.96).rate(5),
        0.05 * 0.96f64.powf(0.5),
    );
    let stairs = ExponentialDecay::new(0.1, 3, 0.96).staircase(true);
    close(stairs.rate(1), 0.1);
    close(stairs.rate(2), 0.1);
    close(stairs.rate(100), 0.1 * 0.96f64.powi(100 / 3));
    let (initial, k, rate) = (0.1, 10, 0.5);
    for i in 0..30u64 {
        close(
            InverseTimeDecay::new(initial, k, rate).rate(i),
            initial / (1.0 + i as f64 / k as f64 * rate),
        );
        close(
            InverseTimeDecay::new(initial, k, rate).staircase(true).rate(i),
            initial / (1.0 + rate * (i / k) as f64),
        );
    }
}

#[test]
fn piecewise_constant_decay() {
    let decayed = PiecewiseConstantDecay::new(vec![100, 110, 120], vec![1.0, 0.1, 0.01, 0.001]).unwrap();
    for (step, expected) in [
        (0, 1.0),
        (100, 1.0),
        (105, 0.1),
        (110, 0.1),
        (120, 0.01),
        (999, 0.001),
    ] {
        close(decayed.rate(step), expected);
    }
    let boundary = PiecewiseConstantDecay::new(vec![1, 2, 3], vec![0.4, 0.5, 0.6, 0.7]).unwrap();
    for (step, expected) in [(0, 0.4), (1, 0.4), (2, 0.5), (3, 0.6), (4, 0.7)] {
        close(boundary.rate(step), expected);
    }
    assert!(PiecewiseConstantDecay::new(vec![1, 2], vec![1.0]).is_err());
    assert!(PiecewiseConstantDecay::new(vec![2, 1], vec![1.0, 0.5, 0.1]).is_err());
}

#[test]
fn polynomial_decay() {
    let (lr, end_lr, steps) = (0.05, 0.001, 10);
    close(
        PolynomialDecay::new(lr, steps).end_learning_rate(0.0).rate(5),
        lr * 0.5,
    );
    close(
        PolynomialDecay::new(lr, steps).end_learning_rate(end_lr).rate(10),
        end_lr,
    );
    close(
        PolynomialDecay::new(lr, steps).end_learning_rate(end_lr).rate(5),
        (lr + end_lr) * 0.5,
    );
    close(
        PolynomialDecay::new(lr, steps).end_learning_rate(end_lr).rate(15),
        end_lr,
    );
    close(
        PolynomialDecay::new(lr, steps)
            .end_learning_rate(end_lr)
            .cycle(true)
            .rate(15),
        (lr - end_lr) * 0.25 + end_lr,
    );
    let power = 0.5;
    close(
        PolynomialDecay::new(lr, steps)
            .end_learning_rate(0.0)
            .power(power)
            .rate(5),
        lr * 0.5f64.powf(power),
    );
    close(
        PolynomialDecay::new(lr, steps)
            .end_learning_rate(end_lr)
            .power(power)
            .cycle(true)
            .rate(15),
        (lr - end_lr) * 0.25f64.powf(power) + end_lr,
    );
    close(
        PolynomialDecay::new(lr, steps)
            .end_learning_rate(end_lr)
            .power(power)
            .cycle(true)
            .rate(0),
        lr,
    );
}

/// Keras' reference implementation in its test (`np_cosine_decay`).
fn np_cosine_decay(step: f64, decay_steps: f64, alpha: f64) -> f64 {
    let step = step.min(decay_steps);
    let decay = 0.5 * (1.0 + (std::f64::consts::PI * step / decay_steps).cos());
    (1.0 - alpha) * decay + alpha
}

#[test]
fn cosine_decay_with_and_without_warmup() {
    for step in (0..1500).step_by(250) {
        close(
            CosineDecay::new(1.0, 1000).rate(step),
            np_cosine_decay(step as f64, 1000.0, 0.0),
        );
        close(
            CosineDecay::new(1.0, 1000).alpha(0.1).rate(step),
            np_cosine_decay(step as f64, 1000.0, 0.1),
        );
        // Warmup from 0 to 10 over 1500 steps.
        close(
            CosineDecay::new(0.0, 10).warmup(10.0, 1500).rate(step),
            step as f64 / 1500.0 * 10.0,
        );
    }
    for step in (0..3000).step_by(250) {
        let expected = if step < 2001 {
            step as f64 / 2000.0 * 10.0
        } else {
            10.0 * np_cosine_decay(step as f64 - 2000.0, 1000.0, 0.0)
        };
        let got = CosineDecay::new(0.0, 1000).warmup(10.0, 2000).rate(step);
        assert!(
            (f64::from(got) - expected).abs() < 1e-5,
            "step {step}: {got} against {expected}"
        );
    }
}

/// Keras' reference implementation in its test (`np_cosine_decay_restarts`).
fn np_cosine_decay_restarts(mut step: f64, mut decay_steps: f64, t_mul: f64, m_mul: f64, alpha: f64) -> f64 {
    let mut fac = 1.0;
    while step >= decay_steps {
        step -= decay_steps;
        decay_steps *= t_mul;
        fac *= m_mul;
    }
    let decay = fac * 0.5 * (1.0 + (std::f64::consts::PI * step / decay_steps).cos());
    (1.0 - alpha) * decay + alpha
}

#[test]
fn cosine_decay_restarts() {
    for (t_mul, m_mul, alpha) in [
        (2.0, 1.0, 0.0),
        (1.0, 1.0, 0.0),
        (2.0, 0.5, 0.0),
        (3.0, 1.0, 0.1),
        (1.0, 0.9, 0.1),
    ] {
        let schedule = CosineDecayRestarts::new(1.0, 20)
            .t_mul(t_mul)
            .m_mul(m_mul)
            .alpha(alpha);
        for step in (0..1500).step_by(7) {
            let expected = np_cosine_decay_restarts(step as f64, 20.0, t_mul, m_mul, alpha);
            let got = schedule.rate(step);
            assert!(
                (f64::from(got) - expected).abs() < 1e-5,
                "t_mul {t_mul}, m_mul {m_mul}, alpha {alpha}, step {step}: {got} against {expected}"
            );
        }
    }
}

#[test]
fn schedules_save_with_the_model_and_closures_are_named() {
    let dir = std::env::temp_dir().join(format!("kerust-schedules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let x = Array2::from_shape_fn((8, 3), |(i, j)| (i + j) as f32 / 8.0);
    let y = Array2::from_shape_fn((8, 1), |(i, _)| i as f32 / 8.0);
    let schedules: Vec<Box<dyn Fn() -> AdamW>> = vec![
        Box::new(|| AdamW::new().learning_rate_schedule(CosineDecay::new(0.01, 100).warmup(0.1, 10))),
        Box::new(|| AdamW::new().learning_rate_schedule(CosineDecayRestarts::new(0.01, 5).m_mul(0.5))),
        Box::new(|| {
            AdamW::new()
                .learning_rate_schedule(PiecewiseConstantDecay::new(vec![3], vec![0.1, 0.01]).unwrap())
        }),
        Box::new(|| AdamW::new().learning_rate_schedule(PolynomialDecay::new(0.1, 20).cycle(true))),
        Box::new(|| AdamW::new().learning_rate_schedule(InverseTimeDecay::new(0.1, 2, 0.5))),
    ];
    for make in schedules {
        let mut model = sequential![Dense::new(1).input_shape(3)];
        model.compile_with(make(), "mse", ()).unwrap();
        let options = || {
            FitOptions::default()
                .epochs(2)
                .batch_size(4)
                .shuffle(false)
                .verbose(0)
        };
        model.fit(&x, &y, options()).unwrap();
        let path = dir.join("model.kerust");
        model.save(&path).unwrap();
        let mut loaded = load_model(&path).unwrap();
        assert_eq!(
            loaded.optimizer().unwrap().config(),
            model.optimizer().unwrap().config()
        );
        assert_eq!(
            loaded.optimizer().unwrap().learning_rate(),
            model.optimizer().unwrap().learning_rate()
        );
        model.fit(&x, &y, options()).unwrap();
        loaded.fit(&x, &y, options()).unwrap();
        assert_eq!(loaded.get_weights(), model.get_weights());
    }
    let mut model = sequential![Dense::new(1).input_shape(3)];
    let halving = custom("halving", |step| 0.1 / (1 + step / 10) as f32);
    model
        .compile_with(SGD::new().learning_rate_schedule(halving), "mse", ())
        .unwrap();
    let err = model.save(dir.join("never.kerust")).unwrap_err().to_string();
    assert!(
        err.contains("the schedule \"halving\", a schedule of your own"),
        "{err}"
    );
    assert!(!dir.join("never.kerust").exists());
    std::fs::remove_dir_all(&dir).ok();
}
