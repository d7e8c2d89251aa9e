//! The pictures the examples write: the first training images, the
//! training curves, the confusion matrix on the test set and a grid of
//! mistakes. They go to `kerust-plots/<example>/` in the current folder;
//! `--no-plots` turns them off.

use std::path::PathBuf;

use kerust::prelude::*;
use ndarray::{Array1, ArrayView3};

/// Where the pictures go, if anywhere.
pub struct Pictures {
    dir: Option<PathBuf>,
}

impl Pictures {
    /// Reads `--no-plots` from the command line and says where the
    /// pictures will go and how to turn them off.
    pub fn from_args(example: &str) -> Pictures {
        let off = std::env::args().any(|a| a == "--no-plots");
        if off || cfg!(not(feature = "plot")) {
            if !off {
                println!("(pictures: kerust was built without its `plot` feature)");
            }
            return Pictures { dir: None };
        }
        let dir = PathBuf::from("kerust-plots").join(example);
        println!(
            "pictures go to {}/ (turn them off with: cargo run --release --example {example} -- --no-plots)",
            dir.display()
        );
        Pictures { dir: Some(dir) }
    }

    /// Runs `draw` on the picture's path and reports it (or why it failed:
    /// a picture that cannot be written does not stop the example).
    #[cfg_attr(not(feature = "plot"), allow(dead_code))]
    pub fn write(&self, file: &str, what: &str, draw: impl FnOnce(&std::path::Path) -> Result<()>) {
        if let Some(dir) = &self.dir {
            let path = dir.join(file);
            match draw(&path) {
                Ok(()) => println!("  wrote {} ({what})", path.display()),
                Err(e) => eprintln!("  could not write {}: {e}", path.display()),
            }
        }
    }

    /// The first ten images, titled with their class names, as the
    /// walk-through draws them (`imshow(..., cmap='gray_r')`).
    pub fn first_images(&self, images: ArrayView3<'_, u8>, labels: &Array1<u8>) {
        #[cfg(feature = "plot")]
        self.write("first-ten.png", "the first ten training images", |path| {
            let n = images.len_of(ndarray::Axis(0)).min(10);
            let titles: Vec<&str> = labels.iter().take(n).map(|&l| class_name(l as usize)).collect();
            kerust::plot::image_grid(&images.slice(ndarray::s![..n, .., ..]), &titles, 10, path)
        });
        #[cfg(not(feature = "plot"))]
        let _ = (images, labels);
    }

    /// The loss and accuracy per epoch, training and validation.
    pub fn curves(&self, history: &History) {
        #[cfg(feature = "plot")]
        self.write("curves.png", "loss and accuracy per epoch", |path| {
            kerust::plot::history(history, path)
        });
        #[cfg(not(feature = "plot"))]
        let _ = history;
    }

    /// `keys` of several runs, a line each (only the optimizers example
    /// draws it).
    #[allow(dead_code)]
    pub fn compare(&self, file: &str, runs: &[(&str, &History)], keys: &[&str]) {
        #[cfg(feature = "plot")]
        self.write(file, "the runs compared", |path| {
            kerust::plot::compare(runs, keys, path)
        });
        #[cfg(not(feature = "plot"))]
        let _ = (file, runs, keys);
    }

    /// The confusion matrix of `predicted` against `truth`, and the first
    /// ten test images the model got wrong, titled "true / predicted".
    pub fn test_results(&self, images: ArrayView3<'_, u8>, truth: &Array1<u8>, predicted: &Array1<usize>) {
        #[cfg(feature = "plot")]
        {
            self.write("confusion.png", "confusion matrix on the test set", |path| {
                kerust::plot::confusion_matrix(truth, predicted, &fashion_mnist::CLASS_NAMES, path)
            });
            self.write("mistakes.png", "the first ten wrong test predictions", |path| {
                let wrong: Vec<usize> = (0..truth.len())
                    .filter(|&i| truth[i] as usize != predicted[i])
                    .take(10)
                    .collect();
                if wrong.is_empty() {
                    return Ok(());
                }
                let chosen = images.select(ndarray::Axis(0), &wrong);
                let titles: Vec<kerust::plot::Title> = wrong
                    .iter()
                    .map(|&i| {
                        kerust::plot::Title::prediction(
                            class_name(truth[i] as usize),
                            class_name(predicted[i]),
                        )
                    })
                    .collect();
                kerust::plot::image_grid(&chosen, &titles, 5, path)
            });
        }
        #[cfg(not(feature = "plot"))]
        let _ = (images, truth, predicted);
    }
}

#[cfg_attr(not(feature = "plot"), allow(dead_code))]
fn class_name(label: usize) -> &'static str {
    fashion_mnist::CLASS_NAMES.get(label).copied().unwrap_or("?")
}
