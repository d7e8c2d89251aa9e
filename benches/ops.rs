//! Op-level micro-benchmarks, measured by criterion: one dense training
//! step on the tape against its bare gemm calls, the fused softmax
//! cross-entropy, the optimizer updates, and a convolution step.
//!
//! ```text
//! cargo bench --bench ops              # all of them
//! cargo bench --bench ops -- optimizer # one group
//! ```
//!
//! Criterion repeats each case until its estimate settles and prints the
//! confidence interval of the time per iteration; on a shared machine
//! compare cases of one run, not figures from different runs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kerust::autograd::Tape;
use kerust::ops::{Activation, Padding};
use kerust::optimizers::{Adam, Optimizer, RMSprop};
use kerust::tensor::{Tensor, gemm};
use ndarray::Array2;

const BATCH: usize = 32;

/// A weight's shape.
type Shape<'a> = &'a [usize];

/// A dense layer's step on the tape (forward, fused softmax cross-entropy,
/// backward) and the two products it cannot avoid (`x·W`, `xᵀ·dZ`).
fn dense_step(c: &mut Criterion) {
    let mut group = c.benchmark_group("dense_step");
    for (fan_in, units) in [(784usize, 10usize), (784, 100)] {
        let x = Tensor::full(&[BATCH, fan_in], 0.5);
        let w = Tensor::full(&[fan_in, units], 0.01);
        let b = Tensor::zeros(&[units]);
        let labels: Vec<usize> = (0..BATCH).map(|i| i % units).collect();
        let mut tape = Tape::new();
        group.bench_function(format!("tape {fan_in}->{units}"), |bench| {
            bench.iter(|| {
                tape.clear();
                let xv = tape.constant(x.clone());
                let (wv, bv) = (tape.variable(w.clone()), tape.variable(b.clone()));
                let z = tape.dense(xv, wv, Some(bv), Activation::Linear).unwrap();
                let loss = tape.sparse_categorical_crossentropy(&labels, z, true).unwrap();
                tape.backward(loss).unwrap();
                black_box(tape.grad(wv).unwrap());
            })
        });
        let xa = Array2::<f32>::from_elem((BATCH, fan_in), 0.5);
        let wa = Array2::<f32>::from_elem((fan_in, units), 0.01);
        let mut z = Array2::<f32>::zeros((BATCH, units));
        let mut dw = Array2::<f32>::zeros((fan_in, units));
        group.bench_function(format!("gemm floor {fan_in}->{units}"), |bench| {
            bench.iter(|| {
                gemm(1.0, xa.view(), wa.view(), 0.0, z.view_mut()).unwrap();
                gemm(1.0, xa.t(), z.view(), 0.0, dw.view_mut()).unwrap();
                black_box(&dw);
            })
        });
    }
    group.finish();
}

/// Softmax cross-entropy from logits, forward and backward, batch 32 × 10.
fn cross_entropy(c: &mut Criterion) {
    let logits = Tensor::from_vec(
        &[BATCH, 10],
        (0..BATCH * 10).map(|i| (i % 7) as f32 - 3.0).collect(),
    )
    .unwrap();
    let labels: Vec<usize> = (0..BATCH).map(|i| i % 10).collect();
    let mut tape = Tape::new();
    c.bench_function("sparse_categorical_crossentropy 32x10", |bench| {
        bench.iter(|| {
            tape.clear();
            let z = tape.variable(logits.clone());
            let loss = tape.sparse_categorical_crossentropy(&labels, z, true).unwrap();
            tape.backward(loss).unwrap();
            black_box(tape.grad(z).unwrap());
        })
    });
}

/// One update of the `mlp` weights (784×100 + 100 + 100×10 + 10) by Adam
/// and of the `seed` weights (784×10 + 10) by RMSprop, after a first step
/// has created their state.
fn optimizer(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimizer");
    let mlp: [&[usize]; 4] = [&[784, 100], &[100], &[100, 10], &[10]];
    let seed: [&[usize]; 2] = [&[784, 10], &[10]];
    let cases: [(&str, &[Shape], Box<dyn Optimizer>); 2] = [
        ("Adam mlp", &mlp, Box::new(Adam::new())),
        ("RMSprop seed", &seed, Box::new(RMSprop::new())),
    ];
    for (name, shapes, mut opt) in cases {
        let mut params: Vec<Tensor> = shapes.iter().map(|s| Tensor::full(s, 0.01)).collect();
        let grads: Vec<Option<Tensor>> = shapes.iter().map(|s| Some(Tensor::full(s, 1e-3))).collect();
        let mut refs: Vec<&mut Tensor> = params.iter_mut().collect();
        opt.apply(&mut refs, &grads).unwrap();
        group.bench_function(name, |bench| bench.iter(|| opt.apply(&mut refs, &grads).unwrap()));
    }
    group.finish();
}

/// The first block of the Fashion-MNIST CNN on a batch of 32 images:
/// Conv2D(32, 3×3, same, relu) and MaxPooling2D(2), forward and backward.
fn conv_step(c: &mut Criterion) {
    let x = Tensor::from_vec(
        &[BATCH, 28, 28, 1],
        (0..BATCH * 28 * 28).map(|i| (i % 255) as f32 / 255.0).collect(),
    )
    .unwrap();
    let kernel = Tensor::from_vec(
        &[3, 3, 1, 32],
        (0..288).map(|i| (i % 13) as f32 / 13.0 - 0.5).collect(),
    )
    .unwrap();
    let bias = Tensor::zeros(&[32]);
    let mut tape = Tape::new();
    c.bench_function("conv2d+max_pool2d 32x28x28x1 -> 32 filters", |bench| {
        bench.iter(|| {
            tape.clear();
            let xv = tape.constant(x.clone());
            let (k, b) = (tape.variable(kernel.clone()), tape.variable(bias.clone()));
            let h = tape
                .conv2d(xv, k, Some(b), (1, 1), Padding::Same, Activation::Relu)
                .unwrap();
            let p = tape.max_pool2d(h, (2, 2), (2, 2), Padding::Valid).unwrap();
            let loss = tape.sum(p).unwrap();
            tape.backward(loss).unwrap();
            black_box(tape.grad(k).unwrap());
        })
    });
}

criterion_group!(benches, dense_step, cross_entropy, optimizer, conv_step);
criterion_main!(benches);
