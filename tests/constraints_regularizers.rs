//! Constraints and regularizers: constraints after every update, on the
//! weights that train; penalties in the loss and the step.

use kerust::optimizers::SGD;
use kerust::tensor::Tensor;

/// Constraints run after every update, on the weights that train, and
/// save with their layer.
#[test]
fn constraints_hold_after_every_update_and_save() {
    use kerust::constraints::Constraint;
    use kerust::layers::Dense;
    use kerust::saving::load_model;
    use ndarray::Array2;
    let x = Array2::from_shape_fn((16, 4), |(i, j)| ((i * 3 + j * 5) % 7) as f32 - 3.0);
    let y = Array2::from_shape_fn((16, 3), |(i, j)| ((i + j) % 4) as f32 * 10.0);
    let mut model = kerust::sequential![
        Dense::new(3)
            .kernel_constraint(Constraint::max_norm(0.5))
            .bias_constraint(Constraint::NonNeg)
            .input_shape(4)
    ];
    model
        .compile_with(SGD::new().learning_rate(0.1), "mse", ())
        .unwrap();
    for _ in 0..3 {
        model.train_on_batch(&x, &y).unwrap();
        let w = model.get_weights();
        let kernel = w[0].as_array();
        for column in kernel.lanes(ndarray::Axis(0)) {
            let norm = column.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!(norm <= 0.5 + 1e-5, "column norm {norm}");
        }
        assert!(w[1].to_vec().iter().all(|&b| b >= 0.0));
    }
    // Without the constraint the same step leaves the kernel longer.
    let mut free = kerust::sequential![Dense::new(3).input_shape(4)];
    free.set_weights(model.get_weights()).unwrap();
    free.compile_with(SGD::new().learning_rate(0.1), "mse", ())
        .unwrap();
    free.train_on_batch(&x, &y).unwrap();
    let longest = free.get_weights()[0]
        .as_array()
        .lanes(ndarray::Axis(0))
        .into_iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f32>().sqrt())
        .fold(0.0f32, f32::max);
    assert!(longest > 0.5, "the step alone breaks the bound ({longest})");
    // Saved in the layer's configuration.
    let config = model.layers()[0].lock().config();
    assert_eq!(
        config.get::<Constraint>("kernel_constraint"),
        Some(Constraint::max_norm(0.5))
    );
    let path = std::env::temp_dir().join(format!("kerust-constraints-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let loaded = load_model(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(loaded.layers()[0].lock().config(), config);
}

/// An L2 kernel penalty joins the loss and its gradient `2·l2·w` the step,
/// as Keras adds `model.losses`; an L1 penalty `l1·Σ|w|`.
#[test]
fn regularizers_join_the_loss_and_the_step() {
    use kerust::layers::Dense;
    use kerust::regularizers::Regularizer;
    use ndarray::Array2;
    let x = Array2::from_shape_fn((8, 3), |(i, j)| ((i * 2 + j) % 5) as f32 / 5.0);
    let y = Array2::from_shape_fn((8, 2), |(i, j)| (i + j) as f32 / 8.0);
    let start = vec![
        Tensor::from_vec(&[3, 2], vec![0.5, -0.25, 0.75, 1.0, -0.5, 0.25]).unwrap(),
        Tensor::from_vec(&[2], vec![0.1, -0.1]).unwrap(),
    ];
    let model = |regularizer: Option<Regularizer>| {
        let dense = match regularizer {
            Some(r) => Dense::new(2).kernel_regularizer(r).input_shape(3),
            None => Dense::new(2).input_shape(3),
        };
        let mut m = kerust::sequential![dense];
        m.set_weights(start.clone()).unwrap();
        m.compile_with(SGD::new().learning_rate(0.1), "mse", ()).unwrap();
        m
    };
    let (l1, l2) = (0.05f32, 0.01f32);
    let kernel = start[0].to_vec();
    let squares: f32 = kernel.iter().map(|w| w * w).sum();
    let absolutes: f32 = kernel.iter().map(|w| w.abs()).sum();
    let mut free = model(None);
    let mut ridge = model(Some(Regularizer::l2(l2)));
    let mut lasso = model(Some(Regularizer::l1(l1)));
    let quiet = || kerust::models::EvaluateOptions::default().verbose(0);
    let base = free.evaluate(&x, &y, quiet()).unwrap()[0];
    let with_l2 = ridge.evaluate(&x, &y, quiet()).unwrap()[0];
    let with_l1 = lasso.evaluate(&x, &y, quiet()).unwrap()[0];
    assert!(
        (with_l2 - base - f64::from(l2 * squares)).abs() < 1e-6,
        "{with_l2} - {base}"
    );
    assert!(
        (with_l1 - base - f64::from(l1 * absolutes)).abs() < 1e-6,
        "{with_l1} - {base}"
    );
    // One step: the penalties' gradients 2·l2·w and l1·sign(w) on the kernel only.
    free.train_on_batch(&x, &y).unwrap();
    ridge.train_on_batch(&x, &y).unwrap();
    lasso.train_on_batch(&x, &y).unwrap();
    let stepped = free.get_weights();
    for (k, &w) in kernel.iter().enumerate() {
        let plain = stepped[0].to_vec()[k];
        let r = ridge.get_weights()[0].to_vec()[k];
        let l = lasso.get_weights()[0].to_vec()[k];
        assert!(
            (r - (plain - 0.1 * 2.0 * l2 * w)).abs() < 1e-6,
            "ridge weight {k}"
        );
        assert!(
            (l - (plain - 0.1 * l1 * w.signum())).abs() < 1e-6,
            "lasso weight {k}"
        );
    }
    assert_eq!(ridge.get_weights()[1], stepped[1], "the bias has no penalty");
    // A frozen layer's weights are not penalized (Keras regularizes trainable weights).
    let frozen = model(Some(Regularizer::l2(l2)));
    frozen.layers()[0].set_trainable(false);
    let mut frozen = frozen;
    frozen.compile_with(SGD::new(), "mse", ()).unwrap();
    assert!((frozen.evaluate(&x, &y, quiet()).unwrap()[0] - base).abs() < 1e-9);
    // Saved in the layer's configuration.
    let config = ridge.layers()[0].lock().config();
    assert_eq!(
        config.get::<Regularizer>("kernel_regularizer"),
        Some(Regularizer::l2(l2))
    );
}

/// Keras' OrthogonalRegularizer, worked out by hand in f64 from its
/// formula (regularizers_test.py::test_orthogonal_regularizer), 1e-6.
#[test]
fn the_orthogonal_regularizer_as_keras_computes_it() {
    use kerust::autograd::Tape;
    use kerust::regularizers::{OrthogonalMode, Regularizer};
    let values = [1.0f32, 2.0, -1.0, 0.5, 3.0, 0.0, -2.0, 1.0, 1.5, 0.25, -0.5, 2.0];
    let (m, n) = (4, 3);
    let by_hand = |vectors: Vec<Vec<f64>>, factor: f64| {
        let units: Vec<Vec<f64>> = vectors
            .iter()
            .map(|v| {
                let len = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                v.iter().map(|x| x / len).collect()
            })
            .collect();
        let k = units.len();
        let mut total = 0.0;
        for i in 0..k {
            for j in 0..k {
                if i != j {
                    total += units[i]
                        .iter()
                        .zip(&units[j])
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
                        .abs();
                }
            }
        }
        let pairs = (k * (k - 1)) as f64 / 2.0;
        factor * 0.5 * total / pairs
    };
    let rows: Vec<Vec<f64>> = (0..m)
        .map(|i| (0..n).map(|j| f64::from(values[i * n + j])).collect())
        .collect();
    let columns: Vec<Vec<f64>> = (0..n)
        .map(|j| (0..m).map(|i| f64::from(values[i * n + j])).collect())
        .collect();
    for (mode, vectors) in [(OrthogonalMode::Rows, rows), (OrthogonalMode::Columns, columns)] {
        let mut tape = Tape::new();
        let w = tape.variable(Tensor::from_vec(&[m, n], values.to_vec()).unwrap());
        let p = Regularizer::orthogonal(0.1, mode).penalty(&mut tape, w).unwrap();
        let got = f64::from(tape.value(p).unwrap().item().unwrap());
        let expected = by_hand(vectors, 0.1);
        assert!((got - expected).abs() < 1e-6, "{mode:?}: {got} vs {expected}");
    }
    // Only matrices; a row of zeros stays finite; one row has no pairs.
    let mut tape = Tape::new();
    let cube = tape.constant(Tensor::ones(&[2, 2, 2]));
    let err = Regularizer::orthogonal(0.1, OrthogonalMode::Rows)
        .penalty(&mut tape, cube)
        .unwrap_err();
    assert!(err.to_string().contains("a matrix (rank 2)"), "{err}");
    let zero_row = tape.constant(Tensor::from_vec(&[2, 2], vec![0.0, 0.0, 1.0, 1.0]).unwrap());
    let p = Regularizer::orthogonal(0.1, OrthogonalMode::Rows)
        .penalty(&mut tape, zero_row)
        .unwrap();
    assert_eq!(tape.value(p).unwrap().item().unwrap(), 0.0);
    let one_row = tape.constant(Tensor::ones(&[1, 3]));
    let p = Regularizer::orthogonal(0.1, OrthogonalMode::Rows)
        .penalty(&mut tape, one_row)
        .unwrap();
    assert_eq!(tape.value(p).unwrap().item().unwrap(), 0.0);
    assert_eq!(
        kerust::regularizers::get("orthogonal_regularizer").unwrap(),
        Regularizer::orthogonal(0.01, OrthogonalMode::Rows)
    );
}

/// An activity penalty is the regularizer of the layer's output divided by
/// the batch size (Keras 3's `Layer.__call__`), in the loss of training
/// and evaluation alike, and saved with the layer.
#[test]
fn activity_regularizers_penalize_outputs_per_sample() {
    use kerust::layers::Dense;
    use kerust::prelude::Softmax;
    use kerust::regularizers::Regularizer;
    use ndarray::{Array1, Array2};
    let x = Array2::from_shape_fn((6, 3), |(i, j)| ((i * 2 + j) % 5) as f32 / 5.0 - 0.3);
    let y = Array2::from_shape_fn((6, 2), |(i, j)| (i + j) as f32 / 6.0);
    let start = vec![
        Tensor::from_vec(&[3, 2], vec![0.5, -0.25, 0.75, 1.0, -0.5, 0.25]).unwrap(),
        Tensor::from_vec(&[2], vec![0.1, -0.1]).unwrap(),
    ];
    let quiet = || kerust::models::EvaluateOptions::default().verbose(0);
    let mut free = kerust::sequential![Dense::new(2).input_shape(3)];
    free.set_weights(start.clone()).unwrap();
    free.compile_with(SGD::new(), "mse", ()).unwrap();
    let outputs = free.predict(&x).unwrap();
    let mut penalized = kerust::sequential![
        Dense::new(2)
            .activity_regularizer(Regularizer::l2(0.1))
            .input_shape(3)
    ];
    penalized.set_weights(start.clone()).unwrap();
    penalized.compile_with(SGD::new(), "mse", ()).unwrap();
    let squares: f64 = outputs.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let base = free.evaluate(&x, &y, quiet()).unwrap()[0];
    let with = penalized.evaluate(&x, &y, quiet()).unwrap()[0];
    assert!(
        (with - base - 0.1 * squares / 6.0).abs() < 1e-6,
        "{with} - {base}"
    );
    // After a softmax each row sums to 1: an L1 penalty of 0.05 on the
    // probabilities adds exactly 0.05 (the loss then reads probabilities,
    // not the logits it would otherwise take).
    let labels = Array1::from_shape_fn(6, |i| (i % 2) as u8);
    let classifier = |r: Option<Regularizer>| {
        let dense = Dense::new(2).activation(Softmax).input_shape(3);
        let dense = match r {
            Some(r) => dense.activity_regularizer(r),
            None => dense,
        };
        let mut m = kerust::sequential![dense];
        m.set_weights(start.clone()).unwrap();
        m.compile_with(SGD::new(), "sparse_categorical_crossentropy", ())
            .unwrap();
        m
    };
    let (mut plain, mut l1) = (classifier(None), classifier(Some(Regularizer::l1(0.05))));
    let base = plain.evaluate(&x, &labels, quiet()).unwrap()[0];
    let with = l1.evaluate(&x, &labels, quiet()).unwrap()[0];
    assert!((with - base - 0.05).abs() < 1e-6, "{with} - {base}");
    // It trains, and it saves with the layer.
    penalized.train_on_batch(&x, &y).unwrap();
    let path = std::env::temp_dir().join(format!("kerust-activity-{}.kerust", std::process::id()));
    penalized.save(&path).unwrap();
    let mut loaded = kerust::models::load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        loaded.layers()[0]
            .lock()
            .config()
            .get::<Regularizer>("activity_regularizer"),
        Some(Regularizer::l2(0.1))
    );
    assert_eq!(
        loaded.evaluate(&x, &y, quiet()).unwrap(),
        penalized.evaluate(&x, &y, quiet()).unwrap()
    );
}
