//! Finite-difference checks of matmul and the fused dense op.

mod common;

use common::*;
use kerust::autograd::Tape;
use kerust::ops::Activation;
use kerust::tensor::Tensor;

#[test]
fn matmul_including_strided_operands() {
    let mut rng = rng(20);
    for batch in batch_sizes(&mut rng) {
        let (k, n) = (width(&mut rng), width(&mut rng));
        let a = uniform(&mut rng, &[batch, k], -2.0, 2.0);
        let b = uniform(&mut rng, &[k, n], -2.0, 2.0);
        assert_grads("matmul", &[&a, &b], |t, v| t.matmul(v[0], v[1]));
        // aᵀ as a strided view on both sides: (aᵀ)ᵀ·b
        let at = uniform(&mut rng, &[k, batch], -2.0, 2.0);
        assert_grads("matmul of transposes", &[&at, &b], |t, v| {
            let a = t.transpose(v[0])?;
            t.matmul(a, v[1])
        });
    }
}

#[test]
fn dense_with_each_activation() {
    let mut rng = rng(21);
    let activations = [
        Activation::Linear,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softmax,
    ];
    for batch in batch_sizes(&mut rng) {
        let (fan_in, units) = (width(&mut rng), width(&mut rng) + 1);
        // Redraw until every pre-activation is at least 0.05 from relu's kink
        // (five difference steps), so the check measures the gradient, not the kink.
        let (x, w, b) = loop {
            let x = uniform(&mut rng, &[batch, fan_in], -1.0, 1.0);
            let w = uniform(&mut rng, &[fan_in, units], -1.0, 1.0);
            let b = uniform(&mut rng, &[units], -0.5, 0.5);
            let z = x
                .view()
                .into_dimensionality::<ndarray::Ix2>()
                .unwrap()
                .dot(&w.view().into_dimensionality::<ndarray::Ix2>().unwrap());
            let no_bias_ok = z.iter().all(|v| v.abs() > 0.05);
            let with_bias_ok = (&z + &b.view()).iter().all(|v| v.abs() > 0.05);
            if no_bias_ok && with_bias_ok {
                break (x, w, b);
            }
        };
        for act in activations {
            assert_grads(&format!("dense {}", act.name()), &[&x, &w, &b], |t, v| {
                t.dense(v[0], v[1], Some(v[2]), act)
            });
            assert_grads(&format!("dense {} no bias", act.name()), &[&x, &w], |t, v| {
                t.dense(v[0], v[1], None, act)
            });
        }
    }
}

#[test]
fn dense_on_rank_3_input_contracts_the_last_axis() {
    let mut rng = rng(22);
    let x = uniform(&mut rng, &[2, 3, 4], -1.0, 1.0);
    let w = uniform(&mut rng, &[4, 5], -1.0, 1.0);
    let b = uniform(&mut rng, &[5], -0.5, 0.5);
    assert_grads("dense rank 3", &[&x, &w, &b], |t, v| {
        t.dense(v[0], v[1], Some(v[2]), Activation::Tanh)
    });
}

#[test]
fn dense_adds_to_gradients_that_are_already_there() {
    // x and w each feed two ops, so when the inner dense runs its backward,
    // both of its gradients already hold the outer ops' share: its two
    // products (gemms with beta = 1) must add to them, not overwrite them.
    let mut rng = rng(24);
    let x = uniform(&mut rng, &[3, 4], -1.0, 1.0);
    let w = uniform(&mut rng, &[4, 4], -1.0, 1.0);
    assert_grads("dense reusing x and w", &[&x, &w], |t, v| {
        let h = t.dense(v[0], v[1], None, Activation::Tanh)?;
        let h = t.add(h, v[0])?;
        t.dense(h, v[1], None, Activation::Linear)
    });
}

#[test]
fn dense_matches_its_composition_from_primitives() {
    let mut rng = rng(23);
    let x = uniform(&mut rng, &[5, 4], -1.0, 1.0);
    let w = uniform(&mut rng, &[4, 3], -1.0, 1.0);
    let b = uniform(&mut rng, &[3], -0.5, 0.5);
    let mut tape = Tape::new();
    let (xv, wv, bv) = (tape.constant(x), tape.variable(w), tape.variable(b));
    let fused = tape.dense(xv, wv, Some(bv), Activation::Softmax).unwrap();
    let z = tape.matmul(xv, wv).unwrap();
    let z = tape.add(z, bv).unwrap();
    let composed = tape.softmax(z, -1).unwrap();
    let (f, c) = (
        tape.value(fused).unwrap().to_vec(),
        tape.value(composed).unwrap().to_vec(),
    );
    for (f, c) in f.iter().zip(&c) {
        approx::assert_abs_diff_eq!(f, c, epsilon = 1e-6);
    }
}

#[test]
fn constant_input_batches_get_no_gradient() {
    let mut tape = Tape::new();
    let x = tape.constant(Tensor::ones(&[2, 3]));
    let w = tape.variable(Tensor::ones(&[3, 4]));
    let y = tape.dense(x, w, None, Activation::Relu).unwrap();
    let loss = tape.sum(y).unwrap();
    tape.backward(loss).unwrap();
    assert!(tape.grad(x).unwrap().is_none());
    // d/dW of Σ relu(x·W) with x = 1, W = 1: every entry is the batch size.
    assert_eq!(tape.grad(w).unwrap().unwrap().to_vec(), vec![2.0; 12]);
}
