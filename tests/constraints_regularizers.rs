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
