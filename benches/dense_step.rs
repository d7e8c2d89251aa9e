//! One training step of a dense layer on the tape (forward, fused softmax
//! cross-entropy, backward) against its floor: the same gemm calls made
//! bare on preallocated buffers.
//!
//! ```text
//! cargo bench --bench dense_step
//! ```
//!
//! Prints the median over repeated runs of 1,500 steps (one epoch of 48,000
//! samples at batch 32) and the ratio to the floor.

use std::hint::black_box;
use std::time::Instant;

use kerust::autograd::Tape;
use kerust::ops::Activation;
use kerust::tensor::{Tensor, gemm};
use ndarray::Array2;

const STEPS: usize = 1_500;
const RUNS: usize = 7;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn time(mut f: impl FnMut()) -> f64 {
    median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    println!(
        "{:<16} {:>12} {:>12} {:>8}",
        "layer", "tape s", "floor s", "ratio"
    );
    for (fan_in, units) in [(784usize, 10usize), (784, 100)] {
        let batch = 32;
        let x = Tensor::full(&[batch, fan_in], 0.5);
        let w = Tensor::full(&[fan_in, units], 0.01);
        let b = Tensor::zeros(&[units]);
        let labels: Vec<usize> = (0..batch).map(|i| i % units).collect();

        let mut tape = Tape::new();
        let tape_s = time(|| {
            for _ in 0..STEPS {
                tape.clear();
                let xv = tape.constant(x.clone());
                let (wv, bv) = (tape.variable(w.clone()), tape.variable(b.clone()));
                let z = tape.dense(xv, wv, Some(bv), Activation::Linear).unwrap();
                let loss = tape.sparse_categorical_crossentropy(&labels, z, true).unwrap();
                tape.backward(loss).unwrap();
                black_box(tape.grad(wv).unwrap());
            }
        });

        // Floor: forward x·W and backward xᵀ·dZ, nothing else.
        let xa = Array2::<f32>::from_elem((batch, fan_in), 0.5);
        let wa = Array2::<f32>::from_elem((fan_in, units), 0.01);
        let mut z = Array2::<f32>::zeros((batch, units));
        let mut dw = Array2::<f32>::zeros((fan_in, units));
        let floor_s = time(|| {
            for _ in 0..STEPS {
                gemm(1.0, xa.view(), wa.view(), 0.0, z.view_mut()).unwrap();
                gemm(1.0, xa.t(), z.view(), 0.0, dw.view_mut()).unwrap();
                black_box(&dw);
            }
        });
        println!(
            "{:<16} {:>12.4} {:>12.4} {:>8.2}",
            format!("{fan_in}->{units}"),
            tape_s,
            floor_s,
            tape_s / floor_s
        );
    }
}
