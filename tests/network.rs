//! A two-layer network built only from ops, checked against finite
//! differences on every parameter; and the fused ops against the same
//! network composed from primitives.

mod common;

use common::*;
use kerust::autograd::gradcheck::GradCheck;
use kerust::autograd::{Tape, Var};
use kerust::ops::Activation;
use kerust::tensor::Tensor;

const BATCH: usize = 4;
const IN: usize = 5;
const HIDDEN: usize = 6;
const CLASSES: usize = 3;
const LABELS: [usize; BATCH] = [2, 0, 1, 2];

/// x → matmul → +b1 → tanh → matmul → +b2 → log_softmax → pick labels → mean.
fn composed(tape: &mut Tape, x: Var, p: &[Var]) -> kerust::Result<Var> {
    let h = tape.matmul(x, p[0])?;
    let h = tape.add(h, p[1])?;
    let h = tape.tanh(h)?;
    let z = tape.matmul(h, p[2])?;
    let z = tape.add(z, p[3])?;
    let logp = tape.log_softmax(z, -1)?;
    let mut one_hot = vec![0.0; BATCH * CLASSES];
    for (i, &y) in LABELS.iter().enumerate() {
        one_hot[i * CLASSES + y] = -1.0 / BATCH as f32;
    }
    let picks = tape.constant(Tensor::from_vec(&[BATCH, CLASSES], one_hot)?);
    let weighted = tape.mul(logp, picks)?;
    tape.sum(weighted)
}

/// The same network with the fused dense and softmax-cross-entropy ops.
fn fused(tape: &mut Tape, x: Var, p: &[Var]) -> kerust::Result<Var> {
    let h = tape.dense(x, p[0], Some(p[1]), Activation::Tanh)?;
    let z = tape.dense(h, p[2], Some(p[3]), Activation::Linear)?;
    tape.sparse_categorical_crossentropy(&LABELS, z, true)
}

fn parameters() -> (Tensor, Vec<Tensor>) {
    let mut rng = rng(40);
    let x = uniform(&mut rng, &[BATCH, IN], -1.0, 1.0);
    let params = vec![
        uniform(&mut rng, &[IN, HIDDEN], -0.8, 0.8),
        uniform(&mut rng, &[HIDDEN], -0.2, 0.2),
        uniform(&mut rng, &[HIDDEN, CLASSES], -0.8, 0.8),
        uniform(&mut rng, &[CLASSES], -0.2, 0.2),
    ];
    (x, params)
}

#[test]
fn every_parameter_of_a_composed_two_layer_network() {
    let (x, params) = parameters();
    assert_grads("composed network", &params.iter().collect::<Vec<_>>(), |t, p| {
        let x = t.constant(x.clone());
        composed(t, x, p)
    });
}

#[test]
fn every_parameter_of_a_fused_two_layer_network() {
    let (x, params) = parameters();
    assert_grads("fused network", &params.iter().collect::<Vec<_>>(), |t, p| {
        let x = t.constant(x.clone());
        fused(t, x, p)
    });
}

#[test]
fn fused_and_composed_networks_agree() {
    let (x, params) = parameters();
    let run = |f: fn(&mut Tape, Var, &[Var]) -> kerust::Result<Var>| {
        let mut tape = Tape::new();
        let xv = tape.constant(x.clone());
        let p: Vec<Var> = params.iter().map(|t| tape.variable(t.clone())).collect();
        let loss = f(&mut tape, xv, &p).unwrap();
        tape.backward(loss).unwrap();
        let value = tape.value(loss).unwrap().item().unwrap();
        let grads: Vec<Vec<f32>> = p
            .iter()
            .map(|&v| tape.grad(v).unwrap().unwrap().to_vec())
            .collect();
        (value, grads)
    };
    let (lc, gc) = run(composed);
    let (lf, gf) = run(fused);
    approx::assert_abs_diff_eq!(lc, lf, epsilon = 1e-6);
    for (a, b) in gc.iter().zip(&gf) {
        for (a, b) in a.iter().zip(b) {
            approx::assert_abs_diff_eq!(a, b, epsilon = 1e-6);
        }
    }
}

#[test]
fn the_checker_catches_a_wrong_gradient() {
    // A custom op y = x² whose backward claims dy/dx = x (half the truth).
    let x = uniform(&mut rng(41), &[3], 0.5, 1.5);
    let report = GradCheck::default()
        .run(&[x], |tape, v| {
            let x = v[0];
            let y = Tensor::from(tape.value(x)?.view().mapv(|a| a * a));
            Ok(tape.record(y, &[x], move |g, ctx| {
                let dx = &g * &ctx.value(x).view();
                ctx.accumulate(x, dx);
                Ok(())
            }))
        })
        .unwrap();
    assert!(
        !report.passed(),
        "a halved gradient must fail the check: {report}"
    );
}

#[test]
fn gradient_descent_on_the_network_lowers_the_loss() {
    let (x, mut params) = parameters();
    let mut losses = Vec::new();
    for _ in 0..50 {
        let mut tape = Tape::new();
        let xv = tape.constant(x.clone());
        let p: Vec<Var> = params.iter().map(|t| tape.variable(t.clone())).collect();
        let loss = fused(&mut tape, xv, &p).unwrap();
        tape.backward(loss).unwrap();
        losses.push(tape.value(loss).unwrap().item().unwrap());
        let grads: Vec<Tensor> = p.iter().map(|&v| tape.take_grad(v).unwrap().unwrap()).collect();
        drop(tape);
        for (param, grad) in params.iter_mut().zip(&grads) {
            param.view_mut().zip_mut_with(&grad.view(), |w, &g| *w -= 0.5 * g);
        }
    }
    assert!(
        losses[49] < 0.5 * losses[0],
        "loss went from {} to {}",
        losses[0],
        losses[49]
    );
}
