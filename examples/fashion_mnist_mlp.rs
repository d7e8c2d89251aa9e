//! The walk-through's next model: a hidden layer with dropout, trained with
//! Adam until the validation loss stops improving, keeping the best epoch.
//!
//! ```text
//! cargo run --release --example fashion_mnist_mlp
//! ```
//!
//! Flatten → Dense(100, relu) → Dropout(0.3) → Dense(10, softmax), up to 20
//! epochs with `ModelCheckpoint(save_best_only)` and
//! `EarlyStopping(patience 2, restore_best_weights)`; then the best
//! checkpoint is loaded back and evaluated on the test set.

mod data;
mod pictures;

use std::time::Instant;

use kerust::prelude::*;
use ndarray::Array3;

fn main() -> Result<()> {
    let start = Instant::now();
    set_random_seed(42);
    let pictures = pictures::Pictures::from_args("fashion_mnist_mlp");
    let ((train_input, train_target), (test_input, test_target)) = data::fashion_mnist()?;
    pictures.first_images(train_input.view(), &train_target);
    let train_scaled = scale(&train_input);
    drop(train_input);
    let split = train_test_split(&train_scaled, &train_target, 0.2, 42)?;
    drop(train_scaled);
    let (train_scaled, val_scaled, train_target, val_target) = split;

    let mut model = sequential![
        Flatten::new().input_shape([28, 28]),
        Dense::new(100).activation(Relu),
        Dropout::new(0.3),
        Dense::new(10).activation(Softmax),
    ];
    model.summary();
    model.compile_with(
        Adam::new(),
        Loss::SparseCategoricalCrossentropy,
        [Metric::Accuracy],
    )?;

    let dir = std::env::temp_dir().join("kerust-fashion-mnist-mlp");
    let best = dir.join("best-model.kerust");
    println!("checkpoints go to {}", dir.display());
    let mut checkpoint = ModelCheckpoint::new(best.to_string_lossy().into_owned()).save_best_only(true);
    let mut early = EarlyStopping::new()
        .patience(2)
        .restore_best_weights(true)
        .verbose(1);
    let history = model.fit(
        &train_scaled,
        &train_target,
        FitOptions::default()
            .epochs(20)
            .validation_data(&val_scaled, &val_target)
            .callback(&mut checkpoint)
            .callback(&mut early),
    )?;
    println!(
        "epochs run: {}, best epoch: {}, best val_loss {:.4}",
        history.epoch.len(),
        early.best_epoch() + 1,
        history
            .get("val_loss")
            .map_or(f64::NAN, |v| v[early.best_epoch()])
    );

    let t = Instant::now();
    let mut best_model = load_model(&best)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    best_model.save(dir.join("reloaded.kerust"))?;
    let save_ms = t.elapsed().as_secs_f64() * 1e3;
    let quiet = EvaluateOptions::default().verbose(0);
    let val = best_model.evaluate(&val_scaled, &val_target, quiet)?;
    let test_scaled = scale(&test_input);
    let test = best_model.evaluate(&test_scaled, &test_target, quiet)?;
    println!(
        "best checkpoint: validation [loss, accuracy] [{:.4}, {:.4}]",
        val[0], val[1]
    );
    println!(
        "best checkpoint: test [loss, accuracy] [{:.4}, {:.4}]",
        test[0], test[1]
    );
    println!(
        "checkpoint file: {} bytes (weights and Adam's moments), saved in {save_ms:.1} ms, loaded in {load_ms:.1} ms",
        std::fs::metadata(&best).map_or(0, |m| m.len()),
    );
    pictures.curves(&history);
    let predicted = kerust::metrics::predicted_classes(best_model.predict_with(&test_scaled, quiet)?.view());
    pictures.test_results(test_input.view(), &test_target, &predicted);
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Pixels / 255 (the images keep their 28×28 shape; `Flatten` flattens them).
fn scale(images: &Array3<u8>) -> Array3<f32> {
    images.mapv(|p| f32::from(p) / 255.0)
}
