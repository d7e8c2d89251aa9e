//! The walk-through's second model with checkpointing and early stopping,
//! on the real Fashion-MNIST (required when `KERUST_REQUIRE_DATA=1`), as
//! `examples/fashion_mnist_mlp.rs` runs it.

use kerust::datasets::Lookup;
use kerust::prelude::*;

#[test]
fn the_best_checkpoint_of_the_dropout_mlp_reaches_keras_accuracy() {
    let ((train_input, train_target), _) = match fashion_mnist::load_data_with(&Lookup::new().download(false))
    {
        Ok(d) => d,
        Err(e) if std::env::var("KERUST_REQUIRE_DATA").as_deref() == Ok("1") => panic!("{e}"),
        Err(_) => return,
    };
    let scaled = train_input.mapv(|p| f32::from(p) / 255.0);
    let (x_train, x_val, y_train, y_val) = train_test_split(&scaled, &train_target, 0.2, 42).unwrap();
    set_random_seed(42);
    let mut model = sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(100).activation(Relu),
        Dropout::new(0.3),
        Dense::new(10).activation(Softmax),
    ];
    model
        .compile_with(
            Adam::new(),
            Loss::SparseCategoricalCrossentropy,
            [Metric::Accuracy],
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("kerust-ckpt-train-{}", std::process::id()));
    let best = dir.join("best.kerust");
    let mut checkpoint = ModelCheckpoint::new(best.to_string_lossy().into_owned()).save_best_only(true);
    let mut early = EarlyStopping::new().patience(2).restore_best_weights(true);
    let history = model
        .fit(
            &x_train,
            &y_train,
            FitOptions::default()
                .epochs(20)
                .validation_data(&x_val, &y_val)
                .verbose(0)
                .callback(&mut checkpoint)
                .callback(&mut early),
        )
        .unwrap();
    let mut loaded = load_model(&best).unwrap();
    let scores = loaded
        .evaluate(&x_val, &y_val, EvaluateOptions::default().verbose(0))
        .unwrap();
    eprintln!(
        "{} epochs, best epoch {}, best checkpoint validation accuracy {:.4}",
        history.epoch.len(),
        early.best_epoch() + 1,
        scores[1]
    );
    assert!(
        scores[1] >= 0.875,
        "Keras reaches 0.8785 on this protocol; got {}",
        scores[1]
    );
    // The restored model and the best checkpoint agree.
    let restored = model
        .evaluate(&x_val, &y_val, EvaluateOptions::default().verbose(0))
        .unwrap();
    approx::assert_abs_diff_eq!(restored[0], scores[0], epsilon = 1e-9);
    std::fs::remove_dir_all(&dir).unwrap();
}
