//! A functional model with two outputs sharing one convolutional trunk:
//! the ten classes, and "is it footwear" (sandal, sneaker, ankle boot)
//! with a sigmoid, trained together with `loss_weights`; then a
//! feature-extraction model from its first convolution, whose feature maps
//! for a few test images are drawn, as the textbook's next chapter draws them.
//!
//! ```text
//! cargo run --release --example fashion_mnist_functional
//! ```
//!
//! image (28, 28, 1) → Conv2D(32, 3, relu, same) → MaxPooling2D(2) →
//! Conv2D(64, 3, relu, same) → MaxPooling2D(2) → Flatten → Dense(100, relu)
//! → Dropout(0.4) → { classes: Dense(10, softmax), footwear: Dense(1, sigmoid) };
//! losses sparse_categorical_crossentropy and binary_crossentropy with
//! weights 1 and 0.5; Adam; the walk-through's 0.2 validation split with
//! seed 42; 3 epochs (`-- --epochs N` for more).

mod data;
mod pictures;

use std::time::Instant;

use kerust::models::Objective;
use kerust::prelude::*;
use ndarray::{Array1, Array2, Array3, Array4, Axis};

/// Sandal, sneaker and ankle boot.
const FOOTWEAR: [u8; 3] = [5, 7, 9];

fn main() -> Result<()> {
    let start = Instant::now();
    set_random_seed(42);
    let epochs = epochs_from_args().unwrap_or(3);
    let pictures = pictures::Pictures::from_args("fashion_mnist_functional");
    let ((train_input, train_target), (test_input, test_target)) = data::fashion_mnist()?;
    pictures.first_images(train_input.view(), &train_target);
    let train_scaled = images(&train_input);
    drop(train_input);
    let (train_scaled, val_scaled, train_target, val_target) =
        train_test_split(&train_scaled, &train_target, 0.2, 42)?;
    let (train_footwear, val_footwear) = (footwear(&train_target), footwear(&val_target));
    println!(
        "train {:?}, validation {:?}; footwear in training: {:.1}%",
        train_scaled.shape(),
        val_scaled.shape(),
        100.0 * train_footwear.mean().unwrap_or(0.0)
    );

    // The trunk, shared by both heads.
    let image = Input::named("image", (28, 28, 1));
    let x = Conv2D::new(32, 3)
        .activation(Relu)
        .padding(Padding::Same)
        .call(&image)?;
    let x = MaxPooling2D::new(2).call(&x)?;
    let x = Conv2D::new(64, 3)
        .activation(Relu)
        .padding(Padding::Same)
        .call(&x)?;
    let x = MaxPooling2D::new(2).call(&x)?;
    let x = Flatten::new().call(&x)?;
    let x = Dense::new(100).activation(Relu).call(&x)?;
    let trunk = Dropout::new(0.4).call(&x)?;
    let classes = Dense::new(10).activation(Softmax).name("classes").call(&trunk)?;
    let footwear_head = Dense::new(1).activation(Sigmoid).name("footwear").call(&trunk)?;
    let mut model = Model::new(&image, &[classes, footwear_head])?;
    model.summary();
    model.compile_outputs(
        Adam::new(),
        vec![
            Objective::new("sparse_categorical_crossentropy").metrics(["accuracy"]),
            Objective::new("binary_crossentropy")
                .loss_weight(0.5)
                .metrics(["accuracy"]),
        ],
    )?;

    let validation_targets = (&val_target, &val_footwear);
    let fit_start = Instant::now();
    let history = model.fit(
        &train_scaled,
        &(&train_target, &train_footwear),
        FitOptions::default()
            .epochs(epochs)
            .validation_data(&val_scaled, &validation_targets),
    )?;
    let per_epoch = fit_start.elapsed().as_secs_f64() / history.epoch.len().max(1) as f64;
    println!("{per_epoch:.1} s per epoch");

    // [loss, classes_loss, footwear_loss, classes_accuracy, footwear_accuracy]
    let quiet = EvaluateOptions::default().verbose(0);
    let val = model.evaluate(&val_scaled, &validation_targets, quiet)?;
    println!(
        "validation: classes accuracy {:.4}, footwear accuracy {:.4} (loss {:.4} = {:.4} + 0.5 × {:.4})",
        val[3], val[4], val[0], val[1], val[2]
    );
    let test_images = images(&test_input);
    let test = model.evaluate(&test_images, &(&test_target, &footwear(&test_target)), quiet)?;
    println!(
        "test: classes accuracy {:.4}, footwear accuracy {:.4}",
        test[3], test[4]
    );
    pictures.curves(&history);
    let outputs = model.predict_many(&test_images)?;
    let predicted = kerust::metrics::predicted_classes(outputs[0].view());
    pictures.test_results(test_input.view(), &test_target, &predicted);

    // keras.Model(model.inputs, model.layers[1].output): the first
    // convolution's feature maps (layer 0 is the input in Keras' list).
    let conv = model.get_layer("conv2d")?;
    let mut features = Model::new(model.inputs()?, &conv.output()?)?;
    let maps = features.predict(&test_images.slice(ndarray::s![..2, .., .., ..]))?;
    println!(
        "feature maps of the first convolution for 2 test images: {:?}",
        maps.shape()
    );
    draw_feature_maps(&pictures, &maps);

    // model.save("two_heads.keras"); keras.models.load_model(...): the
    // whole graph, weights, compile and optimizer state in one file.
    let path = std::env::temp_dir().join(format!("kerust-two-heads-{}.kerust", std::process::id()));
    model.save(&path)?;
    let mut loaded = load_model(&path)?;
    std::fs::remove_file(&path).ok();
    let again = loaded.evaluate(&test_images, &(&test_target, &footwear(&test_target)), quiet)?;
    println!(
        "saved and loaded: test classes accuracy {:.4}, footwear accuracy {:.4} (the same model)",
        again[3], again[4]
    );
    println!("done in {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Pixels / 255, with a channel axis: (N, 28, 28) → (N, 28, 28, 1).
fn images(pixels: &Array3<u8>) -> Array4<f32> {
    pixels.mapv(|p| f32::from(p) / 255.0).insert_axis(Axis(3))
}

/// 1.0 for sandals, sneakers and ankle boots, else 0.0: shape (N, 1).
fn footwear(labels: &Array1<u8>) -> Array2<f32> {
    labels
        .mapv(|l| f32::from(u8::from(FOOTWEAR.contains(&l))))
        .insert_axis(Axis(1))
}

/// `--epochs N` from the command line.
fn epochs_from_args() -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--epochs")?;
    args.get(at + 1)?.parse().ok()
}

/// Each image's 32 feature maps in a grid of 8 columns, each map scaled to
/// its own range (as `imshow` scales), dark where the map is high.
fn draw_feature_maps(pictures: &pictures::Pictures, maps: &ndarray::ArrayD<f32>) {
    #[cfg(feature = "plot")]
    {
        let Ok(maps) = maps.view().into_dimensionality::<ndarray::Ix4>() else {
            return;
        };
        for (i, image) in maps.axis_iter(Axis(0)).enumerate() {
            let file = format!("feature-maps-{i}.png");
            pictures.write(&file, "the first convolution's 32 feature maps", |path| {
                let scaled: Vec<Array2<f32>> = image
                    .axis_iter(Axis(2))
                    .map(|map| {
                        let (lo, hi) = map
                            .iter()
                            .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                        let span = (hi - lo).max(f32::EPSILON);
                        map.mapv(|v| (v - lo) / span)
                    })
                    .collect();
                kerust::plot::image_grid(&scaled, &[] as &[&str], 8, path)
            });
        }
    }
    #[cfg(not(feature = "plot"))]
    let _ = (pictures, maps);
}
