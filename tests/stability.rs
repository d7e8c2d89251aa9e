//! Logits of ±1000 give finite losses and gradients.

use kerust::autograd::Tape;
use kerust::ops::Activation;
use kerust::tensor::Tensor;

fn huge_logits() -> Tensor {
    Tensor::from_vec(
        &[3, 3],
        vec![1000., -1000., 0., -1000., 1000., 999., 1000., 1000., -1000.],
    )
    .unwrap()
}

fn assert_finite(what: &str, tape: &Tape, loss: kerust::autograd::Var, z: kerust::autograd::Var) {
    let l = tape.value(loss).unwrap().item().unwrap();
    assert!(l.is_finite(), "{what}: loss {l}");
    let g = tape.grad(z).unwrap().expect("gradient");
    assert!(
        g.to_vec().iter().all(|v| v.is_finite()),
        "{what}: gradient {:?}",
        g.to_vec()
    );
}

#[test]
fn sparse_crossentropy_from_logits() {
    let mut tape = Tape::new();
    let z = tape.variable(huge_logits());
    let loss = tape.sparse_categorical_crossentropy(&[1, 0, 2], z, true).unwrap();
    tape.backward(loss).unwrap();
    assert_finite("scce", &tape, loss, z);
    // loss = lse − z[y] per row: row 0 lse 1000, z[1] = −1000 → 2000;
    // row 1 lse 1000 + ln(1+e⁻¹), z[0] = −1000; row 2 lse 1000 + ln 2, z[2] = −1000.
    let expected = (2000.0 + 2000.0 + (1.0 + (-1.0f64).exp()).ln() + 2000.0 + 2f64.ln()) / 3.0;
    approx::assert_relative_eq!(
        tape.value(loss).unwrap().item().unwrap(),
        expected as f32,
        max_relative = 1e-6
    );
}

#[test]
fn categorical_and_binary_crossentropy_from_logits() {
    let target = Tensor::from_vec(&[3, 3], vec![0., 1., 0., 1., 0., 0., 0., 0., 1.]).unwrap();
    for which in ["cce", "bce"] {
        let mut tape = Tape::new();
        let z = tape.variable(huge_logits());
        let loss = match which {
            "cce" => tape.categorical_crossentropy(&target, z, true),
            _ => tape.binary_crossentropy(&target, z, true),
        }
        .unwrap();
        tape.backward(loss).unwrap();
        assert_finite(which, &tape, loss, z);
    }
}

#[test]
fn probabilities_from_saturated_softmax_are_clipped() {
    let target = Tensor::from_vec(&[3, 3], vec![0., 1., 0., 1., 0., 0., 0., 0., 1.]).unwrap();
    for which in ["scce", "cce", "bce"] {
        let mut tape = Tape::new();
        let z = tape.variable(huge_logits());
        let p = if which == "bce" {
            tape.sigmoid(z)
        } else {
            tape.softmax(z, -1)
        }
        .unwrap();
        let loss = match which {
            "scce" => tape.sparse_categorical_crossentropy(&[1, 0, 2], p, false),
            "cce" => tape.categorical_crossentropy(&target, p, false),
            _ => tape.binary_crossentropy(&target, p, false),
        }
        .unwrap();
        tape.backward(loss).unwrap();
        assert_finite(which, &tape, loss, z);
        // Clipping bounds each term by −ln(1e-7) ≈ 16.12.
        assert!(tape.value(loss).unwrap().item().unwrap() <= 16.2, "{which}");
    }
}

#[test]
fn activations_and_softmaxes_stay_finite() {
    let mut tape = Tape::new();
    let z = tape.variable(huge_logits());
    let w = tape.variable(Tensor::from_vec(&[3, 3], vec![1., 0., 0., 0., 1., 0., 0., 0., 1.]).unwrap());
    let outs = [
        tape.softmax(z, -1).unwrap(),
        tape.log_softmax(z, -1).unwrap(),
        tape.log_softmax(z, 0).unwrap(),
        tape.sigmoid(z).unwrap(),
        tape.tanh(z).unwrap(),
        tape.dense(z, w, None, Activation::Softmax).unwrap(),
        tape.dense(z, w, None, Activation::Sigmoid).unwrap(),
    ];
    let mut total = tape.sum(outs[0]).unwrap();
    for &o in &outs[1..] {
        let s = tape.sum(o).unwrap();
        total = tape.add(total, s).unwrap();
    }
    tape.backward(total).unwrap();
    for &o in &outs {
        assert!(tape.value(o).unwrap().to_vec().iter().all(|v| v.is_finite()));
    }
    assert_finite("sum of activations", &tape, total, z);
}
