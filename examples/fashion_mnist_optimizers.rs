//! The textbook's comparison of optimizers on the walk-through's MLP: the
//! same model, the same initial weights and the same batches, trained with
//! each optimizer; their validation curves in one picture and a table.
//!
//! ```text
//! cargo run --release --example fashion_mnist_optimizers            # 5 epochs each
//! cargo run --release --example fashion_mnist_optimizers -- --epochs 10
//! ```
//!
//! Flatten → Dense(100, relu) → Dense(10, softmax), with SGD, SGD with
//! Nesterov momentum, Adagrad, RMSprop, Adam, and AdamW on a cosine decay.

mod data;
// Shared with the other examples; this one draws only the comparison.
#[allow(dead_code)]
mod pictures;

use std::time::Instant;

use kerust::optimizers::schedules::CosineDecay;
use kerust::prelude::*;
use ndarray::Array3;

fn main() -> Result<()> {
    let start = Instant::now();
    let epochs = epochs_from_args().unwrap_or(5);
    let pictures = pictures::Pictures::from_args("fashion_mnist_optimizers");
    let ((train_input, train_target), _) = data::fashion_mnist()?;
    let train_scaled = scale(&train_input);
    drop(train_input);
    let (train_scaled, val_scaled, train_target, val_target) =
        train_test_split(&train_scaled, &train_target, 0.2, 42)?;
    let steps = (train_scaled.shape()[0].div_ceil(32) * epochs) as u64;

    let optimizers: Vec<(&str, Box<dyn Optimizer>)> = vec![
        ("sgd", Box::new(SGD::new())),
        ("sgd+nesterov", Box::new(SGD::new().momentum(0.9).nesterov(true))),
        ("adagrad", Box::new(Adagrad::new())),
        ("rmsprop", Box::new(RMSprop::new())),
        ("adam", Box::new(Adam::new())),
        (
            "adamw+cosine",
            Box::new(AdamW::new().learning_rate_schedule(CosineDecay::new(1e-3, steps))),
        ),
    ];
    let mut runs = Vec::new();
    let mut table = Vec::new();
    for (name, optimizer) in optimizers {
        // The same initial weights and batch order for every optimizer.
        set_random_seed(42);
        let mut model = sequential![
            Flatten::new().input_shape([28, 28]),
            Dense::new(100).activation(Relu),
            Dense::new(10).activation(Softmax),
        ];
        model.compile_with(optimizer, Loss::SparseCategoricalCrossentropy, [Metric::Accuracy])?;
        let fit_start = Instant::now();
        let history = model.fit(
            &train_scaled,
            &train_target,
            FitOptions::default()
                .epochs(epochs)
                .seed(42)
                .verbose(0)
                .validation_data(&val_scaled, &val_target),
        )?;
        let per_epoch = fit_start.elapsed().as_secs_f64() / epochs as f64;
        let last = |key: &str| {
            history
                .get(key)
                .and_then(|v| v.last().copied())
                .unwrap_or(f64::NAN)
        };
        println!(
            "{name:<13} validation accuracy {:.4}, loss {:.4} ({per_epoch:.2} s per epoch)",
            last("val_accuracy"),
            last("val_loss")
        );
        table.push((name, last("val_accuracy"), last("val_loss"), per_epoch));
        runs.push((name.to_string(), history));
    }

    println!("\n| optimizer | validation accuracy | validation loss | s / epoch |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, accuracy, loss, seconds) in &table {
        println!("| {name} | {accuracy:.4} | {loss:.4} | {seconds:.2} |");
    }
    let runs: Vec<(&str, &History)> = runs.iter().map(|(n, h)| (n.as_str(), h)).collect();
    pictures.compare("optimizers.png", &runs, &["val_loss", "val_accuracy"]);
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Pixels / 255.
fn scale(images: &Array3<u8>) -> Array3<f32> {
    images.mapv(|p| f32::from(p) / 255.0)
}

/// `--epochs N` from the command line.
fn epochs_from_args() -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--epochs")?;
    args.get(at + 1)?.parse().ok()
}
