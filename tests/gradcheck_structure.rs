//! Finite-difference checks of reductions, shape ops and softmax along
//! every axis.

mod common;

use common::*;

#[test]
fn reductions_over_all_and_each_axis() {
    let mut rng = rng(10);
    for batch in batch_sizes(&mut rng) {
        let shape = [batch, width(&mut rng), width(&mut rng)];
        let x = uniform(&mut rng, &shape, -2.0, 2.0);
        assert_grads("sum", &[&x], |t, v| t.sum(v[0]));
        assert_grads("mean", &[&x], |t, v| t.mean(v[0]));
        for axis in [-3isize, -2, -1, 0, 1, 2] {
            for keepdims in [false, true] {
                assert_grads(&format!("sum_axis {axis} {keepdims}"), &[&x], |t, v| {
                    t.sum_axis(v[0], axis, keepdims)
                });
                assert_grads(&format!("mean_axis {axis} {keepdims}"), &[&x], |t, v| {
                    t.mean_axis(v[0], axis, keepdims)
                });
            }
        }
    }
}

#[test]
fn shape_ops() {
    let mut rng = rng(11);
    for batch in batch_sizes(&mut rng) {
        let (h, w) = (width(&mut rng), width(&mut rng));
        let x = uniform(&mut rng, &[batch, h, w], -2.0, 2.0);
        assert_grads("reshape", &[&x], |t, v| t.reshape(v[0], &[w, batch * h]));
        assert_grads("flatten", &[&x], |t, v| t.flatten(v[0]));
        assert_grads("transpose", &[&x], |t, v| t.transpose(v[0]));
        assert_grads("permute", &[&x], |t, v| t.permute(v[0], &[1, 2, 0]));
        // A reshape of a transposed (non-contiguous) value must copy in order.
        assert_grads("transpose then reshape", &[&x], |t, v| {
            let tr = t.transpose(v[0])?;
            t.reshape(tr, &[batch * h * w])
        });
        let v1 = uniform(&mut rng, &[batch], -2.0, 2.0);
        assert_grads("flatten rank 1", &[&v1], |t, v| t.flatten(v[0]));
    }
}

#[test]
fn softmax_and_log_softmax_on_each_axis() {
    let mut rng = rng(12);
    for batch in batch_sizes(&mut rng) {
        let shape = [batch, width(&mut rng), width(&mut rng)];
        let x = uniform(&mut rng, &shape, -3.0, 3.0);
        for axis in [-1isize, 0, 1, 2] {
            assert_grads(&format!("softmax {axis}"), &[&x], |t, v| t.softmax(v[0], axis));
            assert_grads(&format!("log_softmax {axis}"), &[&x], |t, v| {
                t.log_softmax(v[0], axis)
            });
        }
    }
}

#[test]
fn softmax_rows_sum_to_one() {
    let mut tape = kerust::autograd::Tape::new();
    let x = tape.constant(uniform(&mut rng(13), &[4, 7], -5.0, 5.0));
    let y = tape.softmax(x, -1).unwrap();
    let sums = tape.sum_axis(y, -1, false).unwrap();
    for s in tape.value(sums).unwrap().to_vec() {
        approx::assert_abs_diff_eq!(s, 1.0, epsilon = 1e-6);
    }
}

#[test]
fn dropout_with_a_fixed_mask() {
    use rand::SeedableRng;
    let mut rng = rng(14);
    for batch in batch_sizes(&mut rng) {
        let x = uniform(&mut rng, &[batch, 7], -2.0, 2.0);
        // A fresh generator with the same seed in every evaluation: the same mask.
        assert_grads("dropout 0.4", &[&x], |t, v| {
            t.dropout(v[0], 0.4, &mut rand::rngs::StdRng::seed_from_u64(3))
        });
    }
}

#[test]
fn dropout_keeps_the_expected_value() {
    use rand::SeedableRng;
    let mut tape = kerust::autograd::Tape::new();
    let x = tape.constant(kerust::tensor::Tensor::ones(&[100, 100]));
    let y = tape
        .dropout(x, 0.3, &mut rand::rngs::StdRng::seed_from_u64(0))
        .unwrap();
    let v = tape.value(y).unwrap().to_vec();
    let zeros = v.iter().filter(|&&e| e == 0.0).count() as f32 / v.len() as f32;
    assert!((zeros - 0.3).abs() < 0.02, "dropped {zeros}");
    assert!(v.iter().all(|&e| e == 0.0 || (e - 1.0 / 0.7).abs() < 1e-6));
    let mean = v.iter().sum::<f32>() / v.len() as f32;
    assert!((mean - 1.0).abs() < 0.03, "mean {mean}");
    assert!(
        tape.dropout(x, 1.0, &mut rand::rngs::StdRng::seed_from_u64(0))
            .is_err()
    );
}

#[test]
fn regularizer_penalties() {
    use kerust::regularizers::{OrthogonalMode, Regularizer};
    let mut rng = rng(7);
    for _ in 0..3 {
        let (m, n) = (width(&mut rng) + 1, width(&mut rng) + 1);
        // Entries away from 0 keep |w| off its kink; the products of unit
        // rows are kept off 0 by the same margin in practice.
        let w = away_from_zero(&mut rng, &[m, n], 0.2, 2.0);
        for r in [
            Regularizer::l1(0.3),
            Regularizer::l2(0.2),
            Regularizer::l1_l2(0.1, 0.4),
            Regularizer::orthogonal(0.5, OrthogonalMode::Rows),
            Regularizer::orthogonal(0.5, OrthogonalMode::Columns),
        ] {
            assert_grads(&format!("{r:?} on {m}x{n}"), &[&w], |t, v| r.penalty(t, v[0]));
        }
    }
}
