//! Finite-difference checks of the elementwise ops: unary maps,
//! activations, the broadcasting binary ops (maximum and minimum among
//! them), and concatenation.

mod common;

use common::*;

#[test]
fn unary_maps() {
    let mut rng = rng(1);
    for batch in batch_sizes(&mut rng) {
        let shape = [batch, width(&mut rng), width(&mut rng)];
        let any = uniform(&mut rng, &shape, -2.0, 2.0);
        let positive = uniform(&mut rng, &shape, 0.5, 2.0);
        assert_grads("neg", &[&any], |t, v| t.neg(v[0]));
        assert_grads("exp", &[&any], |t, v| t.exp(v[0]));
        assert_grads("add_scalar", &[&any], |t, v| t.add_scalar(v[0], 1.5));
        assert_grads("mul_scalar", &[&any], |t, v| t.mul_scalar(v[0], -0.7));
        assert_grads("log", &[&positive], |t, v| t.log(v[0]));
        assert_grads("sqrt", &[&positive], |t, v| t.sqrt(v[0]));
        // |x| away from its kink at 0: positive values and their negatives.
        assert_grads("abs", &[&positive], |t, v| t.abs(v[0]));
        let negative = kerust::tensor::Tensor::from(positive.as_array().mapv(|x| -x));
        assert_grads("abs of negatives", &[&negative], |t, v| t.abs(v[0]));
        assert_grads("pow 3", &[&any], |t, v| t.pow(v[0], 3.0));
        assert_grads("pow -1.5", &[&positive], |t, v| t.pow(v[0], -1.5));
        assert_grads("pow 0.5", &[&positive], |t, v| t.pow(v[0], 0.5));
    }
}

#[test]
fn activations() {
    let mut rng = rng(2);
    for batch in batch_sizes(&mut rng) {
        let shape = [batch, width(&mut rng)];
        // Magnitudes of at least 0.1 keep relu's kink 10 steps away.
        let x = away_from_zero(&mut rng, &shape, 0.1, 3.0);
        assert_grads("relu", &[&x], |t, v| t.relu(v[0]));
        assert_grads("sigmoid", &[&x], |t, v| t.sigmoid(v[0]));
        assert_grads("tanh", &[&x], |t, v| t.tanh(v[0]));
    }
}

#[test]
fn binary_ops_with_broadcasting() {
    let mut rng = rng(3);
    for batch in batch_sizes(&mut rng) {
        let (m, n) = (width(&mut rng), width(&mut rng));
        // (lhs, rhs) shape pairs: equal, row vector, column, scalar, rank-3 against rank-1.
        let pairs: Vec<(Vec<usize>, Vec<usize>)> = vec![
            (vec![batch, m], vec![batch, m]),
            (vec![batch, m], vec![m]),
            (vec![m], vec![batch, m]),
            (vec![batch, 1], vec![1, m]),
            (vec![batch, m], vec![]),
            (vec![batch, n, m], vec![n, 1]),
        ];
        for (ls, rs) in pairs {
            let a = uniform(&mut rng, &ls, -2.0, 2.0);
            let b = uniform(&mut rng, &rs, -2.0, 2.0);
            let b_nonzero = away_from_zero(&mut rng, &rs, 0.5, 2.0);
            assert_grads("add", &[&a, &b], |t, v| t.add(v[0], v[1]));
            assert_grads("sub", &[&a, &b], |t, v| t.sub(v[0], v[1]));
            assert_grads("mul", &[&a, &b], |t, v| t.mul(v[0], v[1]));
            assert_grads("div", &[&a, &b_nonzero], |t, v| t.div(v[0], v[1]));
        }
    }
}

#[test]
fn maximum_and_minimum_route_the_gradient_to_the_chosen_operand() {
    let mut rng = rng(5);
    for batch in batch_sizes(&mut rng) {
        let m = width(&mut rng);
        // |a| ≥ 0.5 and |b| ≤ 0.2: the operands never come within 0.3 of a
        // tie, so the finite differences never cross one; both win somewhere.
        for (ls, rs) in [(vec![batch, m], vec![batch, m]), (vec![batch, m], vec![m])] {
            let a = away_from_zero(&mut rng, &ls, 0.5, 2.0);
            let b = uniform(&mut rng, &rs, -0.2, 0.2);
            assert_grads("maximum", &[&a, &b], |t, v| t.maximum(v[0], v[1]));
            assert_grads("minimum", &[&a, &b], |t, v| t.minimum(v[0], v[1]));
            assert_grads("maximum (b, a)", &[&b, &a], |t, v| t.maximum(v[0], v[1]));
        }
    }
}

#[test]
fn concatenate_hands_each_input_its_slice() {
    let mut rng = rng(6);
    for batch in batch_sizes(&mut rng) {
        let (m, n) = (width(&mut rng), width(&mut rng));
        let a = uniform(&mut rng, &[batch, m, 2], -1.0, 1.0);
        let b = uniform(&mut rng, &[batch, n, 2], -1.0, 1.0);
        let c = uniform(&mut rng, &[batch, m, 3], -1.0, 1.0);
        assert_grads("concatenate axis 1", &[&a, &b], |t, v| {
            t.concatenate(&[v[0], v[1]], 1)
        });
        assert_grads("concatenate axis -1", &[&a, &c, &a], |t, v| {
            t.concatenate(&[v[0], v[1], v[2]], -1)
        });
        let d = uniform(&mut rng, &[batch + 1, m, 2], -1.0, 1.0);
        assert_grads("concatenate axis 0", &[&a, &d], |t, v| {
            t.concatenate(&[v[0], v[1]], 0)
        });
    }
}

#[test]
fn operand_used_twice_accumulates() {
    let mut rng = rng(4);
    let x = uniform(&mut rng, &[3, 4], -1.0, 1.0);
    // x·x + x/x·exp(x): x reaches the output along four paths.
    assert_grads("x*x + exp(x)*x/x", &[&x], |t, v| {
        let sq = t.mul(v[0], v[0])?;
        let e = t.exp(v[0])?;
        let ex = t.mul(e, v[0])?;
        let q = t.div(ex, v[0])?;
        t.add(sq, q)
    });
}

/// Every activation, as an op of its own and fused into dense and conv2d
/// (where GELU, SiLU, hard SiLU and Mish keep their input for the
/// backward). Inputs keep 0.1 from 0 and stay below 2.5, away from the
/// kinks of relu, relu6, leaky relu, selu and the hard functions (±3);
/// the fused checks, whose pre-activations may fall anywhere, take the
/// activations without kinks (the others share the element-wise backward
/// checked alone).
#[test]
fn every_activation_alone_and_fused() {
    use kerust::activations::{ALL, Activation};
    let mut rng = rng(9);
    for batch in batch_sizes(&mut rng) {
        let n = width(&mut rng) + 1;
        let x = away_from_zero(&mut rng, &[batch, n], 0.1, 2.5);
        let images = away_from_zero(&mut rng, &[batch, 4, 4, 2], 0.1, 1.0);
        let kernel = uniform(&mut rng, &[n, 3], -0.3, 0.3);
        let filters = uniform(&mut rng, &[2, 2, 2, 3], -0.3, 0.3);
        let bias = uniform(&mut rng, &[3], -0.1, 0.1);
        for activation in ALL {
            assert_grads(activation.name(), &[&x], |t, v| t.activation(v[0], activation));
            let kinked = matches!(
                activation,
                Activation::Relu
                    | Activation::Relu6
                    | Activation::LeakyRelu
                    | Activation::Selu
                    | Activation::HardSigmoid
                    | Activation::HardSilu
            );
            if kinked {
                continue;
            }
            let fused = format!("dense + {}", activation.name());
            assert_grads(&fused, &[&x, &kernel, &bias], |t, v| {
                t.dense(v[0], v[1], Some(v[2]), activation)
            });
            let conv = format!("conv2d + {}", activation.name());
            assert_grads(&conv, &[&images, &filters, &bias], |t, v| {
                t.conv2d(
                    v[0],
                    v[1],
                    Some(v[2]),
                    (1, 1),
                    kerust::ops::Padding::Valid,
                    activation,
                )
            });
        }
        assert_eq!(kerust::activations::get("swish").unwrap(), Activation::Silu);
    }
}

/// The parameterised forms the activation layers apply: Keras' relu with a
/// slope, a cap and a threshold, and elu with its alpha (inputs away from
/// the kinks at 0, the threshold 0.5 and the cap 1.5).
#[test]
fn relu_and_elu_with_their_options() {
    let mut rng = rng(10);
    for batch in batch_sizes(&mut rng) {
        let n = width(&mut rng);
        let raw = uniform(&mut rng, &[batch, n], -2.0, 2.5);
        let x = kerust::tensor::Tensor::from(raw.as_array().mapv(|v| {
            let mut v = v;
            for kink in [0.0f32, 0.5, 1.5] {
                if (v - kink).abs() < 0.05 {
                    v = kink + 0.1;
                }
            }
            v
        }));
        assert_grads("relu slope cap threshold", &[&x], |t, v| {
            t.relu_with(v[0], 0.1, Some(1.5), 0.5)
        });
        assert_grads("leaky relu 0.3", &[&x], |t, v| t.relu_with(v[0], 0.3, None, 0.0));
        assert_grads("elu 0.5", &[&x], |t, v| t.elu_with(v[0], 0.5));
    }
}
