//! Trains a 784 → 100 (relu) → 10 network with the raw autograd tape: no
//! Keras layer, just `dense`, the fused softmax cross-entropy, `backward`
//! and a plain SGD update. The data is synthetic (ten noisy class centres
//! in 784 dimensions), so the example runs anywhere.
//!
//! ```text
//! cargo run --release --example autograd_mlp
//! ```
//!
//! It prints the loss, accuracy and time of each epoch; comparing the time
//! with a debug build (`cargo run --example autograd_mlp`) shows what the
//! debug profile costs.

use std::time::Instant;

use kerust::Result;
use kerust::autograd::{Tape, Var};
use kerust::ops::Activation;
use kerust::tensor::Tensor;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal, Uniform};

const SAMPLES: usize = 48_000;
const FEATURES: usize = 784;
const HIDDEN: usize = 100;
const CLASSES: usize = 10;
const BATCH: usize = 32;
const EPOCHS: usize = 3;
const LEARNING_RATE: f32 = 0.05;

/// Ten class centres in [0, 1]^784 and samples scattered around them.
fn synthetic_data(rng: &mut StdRng) -> (Vec<f32>, Vec<usize>) {
    let unit = Uniform::new(0.0f32, 0.3).expect("valid range");
    let noise = Normal::new(0.0f32, 1.0).expect("valid deviation");
    let centres: Vec<f32> = (0..CLASSES * FEATURES).map(|_| unit.sample(rng)).collect();
    let labels: Vec<usize> = (0..SAMPLES).map(|_| rng.random_range(0..CLASSES)).collect();
    let mut x = Vec::with_capacity(SAMPLES * FEATURES);
    for &y in &labels {
        let centre = &centres[y * FEATURES..(y + 1) * FEATURES];
        x.extend(centre.iter().map(|&c| c + noise.sample(rng)));
    }
    (x, labels)
}

/// Glorot-uniform initialisation, as Keras gives a Dense kernel.
fn glorot(rng: &mut StdRng, fan_in: usize, fan_out: usize) -> Tensor {
    let limit = (6.0 / (fan_in + fan_out) as f32).sqrt();
    let dist = Uniform::new(-limit, limit).expect("valid range");
    let data = (0..fan_in * fan_out).map(|_| dist.sample(rng)).collect();
    Tensor::from_vec(&[fan_in, fan_out], data).expect("matching size")
}

fn main() -> Result<()> {
    let mut rng = StdRng::seed_from_u64(42);
    let (x, y) = synthetic_data(&mut rng);
    let mut params = [
        glorot(&mut rng, FEATURES, HIDDEN),
        Tensor::zeros(&[HIDDEN]),
        glorot(&mut rng, HIDDEN, CLASSES),
        Tensor::zeros(&[CLASSES]),
    ];
    let mut order: Vec<usize> = (0..SAMPLES).collect();
    let mut tape = Tape::new();
    let mut batch_x = vec![0.0f32; BATCH * FEATURES];

    for epoch in 1..=EPOCHS {
        let start = Instant::now();
        order.sort_by_cached_key(|_| rng.random::<u64>()); // shuffle
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        for chunk in order.chunks(BATCH) {
            let n = chunk.len();
            for (row, &i) in batch_x.chunks_exact_mut(FEATURES).zip(chunk) {
                row.copy_from_slice(&x[i * FEATURES..(i + 1) * FEATURES]);
            }
            let labels: Vec<usize> = chunk.iter().map(|&i| y[i]).collect();

            tape.clear();
            let xb = tape.constant(Tensor::from_vec(
                &[n, FEATURES],
                batch_x[..n * FEATURES].to_vec(),
            )?);
            let p: Vec<Var> = params.iter().map(|t| tape.variable(t.clone())).collect();
            let h = tape.dense(xb, p[0], Some(p[1]), Activation::Relu)?;
            let logits = tape.dense(h, p[2], Some(p[3]), Activation::Linear)?;
            let loss = tape.sparse_categorical_crossentropy(&labels, logits, true)?;
            tape.backward(loss)?;

            loss_sum += f64::from(tape.value(loss)?.item()?) * n as f64;
            let z = tape.value(logits)?.view();
            for (row, &label) in z.outer_iter().zip(&labels) {
                let best = row
                    .iter()
                    .enumerate()
                    .fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
                correct += usize::from(best.0 == label);
            }
            let grads: Vec<Tensor> = p
                .iter()
                .map(|&v| tape.take_grad(v))
                .collect::<Result<Option<Vec<_>>>>()?
                .expect("every parameter gets a gradient");
            tape.clear(); // release the tape's handles so the update below is in place
            for (param, grad) in params.iter_mut().zip(&grads) {
                param
                    .view_mut()
                    .zip_mut_with(&grad.view(), |w, &g| *w -= LEARNING_RATE * g);
            }
        }
        println!(
            "epoch {epoch}/{EPOCHS}: loss {:.4}, accuracy {:.4}, {:.2} s",
            loss_sum / SAMPLES as f64,
            correct as f64 / SAMPLES as f64,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
