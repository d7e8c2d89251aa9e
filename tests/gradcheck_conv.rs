//! Finite-difference checks of the 2-D convolution for batch 1 and more,
//! odd sizes, every stride and both paddings; and Keras' output sizes.

mod common;

use common::*;
use kerust::autograd::Tape;
use kerust::ops::{Activation, Padding, conv_output};
use kerust::tensor::Tensor;

#[test]
fn output_sizes_and_padding_follow_keras() {
    // valid: floor((in − k)/s) + 1; same: ceil(in/s), extra padding at the end.
    assert_eq!(conv_output("t", 28, 3, 1, Padding::Valid).unwrap(), (26, 0));
    assert_eq!(conv_output("t", 28, 3, 1, Padding::Same).unwrap(), (28, 1));
    assert_eq!(conv_output("t", 7, 3, 2, Padding::Valid).unwrap(), (3, 0));
    assert_eq!(conv_output("t", 7, 3, 2, Padding::Same).unwrap(), (4, 1));
    assert_eq!(conv_output("t", 6, 3, 2, Padding::Same).unwrap(), (3, 0)); // total 1: 0 before, 1 after
    assert_eq!(conv_output("t", 5, 2, 2, Padding::Same).unwrap(), (3, 0));
    assert!(conv_output("t", 2, 3, 1, Padding::Valid).is_err());
    assert!(conv_output("t", 5, 3, 0, Padding::Valid).is_err());
}

#[test]
fn a_hand_computed_convolution() {
    // 1×3×3×1 input 1..9, 2×2 kernel of ones, stride 1, valid: sums of 2×2 windows.
    let mut tape = Tape::new();
    let x = tape.constant(Tensor::from_vec(&[1, 3, 3, 1], (1..=9).map(|v| v as f32).collect()).unwrap());
    let k = tape.constant(Tensor::ones(&[2, 2, 1, 1]));
    let y = tape
        .conv2d(x, k, None, (1, 1), Padding::Valid, Activation::Linear)
        .unwrap();
    assert_eq!(tape.value(y).unwrap().shape(), &[1, 2, 2, 1]);
    assert_eq!(tape.value(y).unwrap().to_vec(), vec![12.0, 16.0, 24.0, 28.0]);
    // Same padding with a 3×3 kernel of ones: the centre sees all 9, a corner 4.
    let k3 = tape.constant(Tensor::ones(&[3, 3, 1, 1]));
    let y = tape
        .conv2d(x, k3, None, (1, 1), Padding::Same, Activation::Linear)
        .unwrap();
    let v = tape.value(y).unwrap().to_vec();
    assert_eq!((v[0], v[4]), (1.0 + 2.0 + 4.0 + 5.0, 45.0));
}

#[test]
fn convolution_gradients_for_every_stride_and_padding() {
    let mut rng = rng(50);
    for batch in batch_sizes(&mut rng) {
        for (h, w) in [(5, 5), (6, 7)] {
            for strides in [(1, 1), (2, 2), (1, 2), (3, 2)] {
                for padding in [Padding::Valid, Padding::Same] {
                    let (c, f) = (2, 3);
                    let x = uniform(&mut rng, &[batch, h, w, c], -1.0, 1.0);
                    let k = uniform(&mut rng, &[3, 2, c, f], -0.5, 0.5);
                    let b = uniform(&mut rng, &[f], -0.2, 0.2);
                    let what = format!("conv2d {strides:?} {padding:?}");
                    assert_grads(&what, &[&x, &k, &b], |t, v| {
                        t.conv2d(v[0], v[1], Some(v[2]), strides, padding, Activation::Tanh)
                    });
                }
            }
        }
    }
}

#[test]
fn convolution_shape_errors() {
    let mut tape = Tape::new();
    let x = tape.constant(Tensor::zeros(&[2, 5, 5, 3]));
    let k = tape.constant(Tensor::zeros(&[3, 3, 2, 4]));
    let err = tape
        .conv2d(x, k, None, (1, 1), Padding::Valid, Activation::Linear)
        .unwrap_err();
    assert!(
        err.to_string().contains("a kernel with 3 input channels"),
        "{err}"
    );
    let flat = tape.constant(Tensor::zeros(&[2, 25]));
    assert!(
        tape.conv2d(flat, k, None, (1, 1), Padding::Valid, Activation::Linear)
            .is_err()
    );
    let small = tape.constant(Tensor::zeros(&[1, 2, 2, 2]));
    assert!(
        tape.conv2d(small, k, None, (1, 1), Padding::Valid, Activation::Linear)
            .is_err()
    );
}

/// Distinct values 0.1 apart in random order: no two inputs of a window are
/// within reach of the difference step, so every max is clear.
fn distinct(rng: &mut rand::rngs::StdRng, shape: &[usize]) -> Tensor {
    use rand::RngExt;
    let n: usize = shape.iter().product();
    let mut values: Vec<f32> = (0..n).map(|i| i as f32 * 0.1 - n as f32 * 0.05).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        values.swap(i, j);
    }
    Tensor::from_vec(shape, values).unwrap()
}

#[test]
fn pooling_gradients_for_every_stride_and_padding() {
    let mut rng = rng(51);
    for batch in batch_sizes(&mut rng) {
        for (h, w) in [(4, 4), (5, 7)] {
            for (pool, strides) in [
                ((2, 2), (2, 2)),
                ((3, 3), (1, 1)),
                ((2, 3), (1, 2)),
                ((3, 2), (3, 3)),
            ] {
                for padding in [Padding::Valid, Padding::Same] {
                    let x = distinct(&mut rng, &[batch, h, w, 2]);
                    let what = format!("pool {pool:?} {strides:?} {padding:?}");
                    assert_grads(&format!("max {what}"), &[&x], |t, v| {
                        t.max_pool2d(v[0], pool, strides, padding)
                    });
                    assert_grads(&format!("average {what}"), &[&x], |t, v| {
                        t.average_pool2d(v[0], pool, strides, padding)
                    });
                }
            }
        }
    }
}

#[test]
fn pooling_by_hand() {
    // 1×4×4×1 input 0..16, 2×2 windows, stride 2.
    let mut tape = Tape::new();
    let x = tape.constant(Tensor::from_vec(&[1, 4, 4, 1], (0..16).map(|v| v as f32).collect()).unwrap());
    let m = tape.max_pool2d(x, (2, 2), (2, 2), Padding::Valid).unwrap();
    assert_eq!(tape.value(m).unwrap().to_vec(), vec![5.0, 7.0, 13.0, 15.0]);
    let a = tape.average_pool2d(x, (2, 2), (2, 2), Padding::Valid).unwrap();
    assert_eq!(tape.value(a).unwrap().to_vec(), vec![2.5, 4.5, 10.5, 12.5]);
    // 3×3 input, 2×2 "same" windows with stride 2: out 2×2; the last row and
    // column of windows hang over the edge, and the average counts only real cells.
    let x3 = tape.constant(Tensor::from_vec(&[1, 3, 3, 1], (1..=9).map(|v| v as f32).collect()).unwrap());
    let a = tape.average_pool2d(x3, (2, 2), (2, 2), Padding::Same).unwrap();
    assert_eq!(tape.value(a).unwrap().to_vec(), vec![3.0, 4.5, 7.5, 9.0]);
    let m = tape.max_pool2d(x3, (2, 2), (2, 2), Padding::Same).unwrap();
    assert_eq!(tape.value(m).unwrap().to_vec(), vec![5.0, 6.0, 8.0, 9.0]);
}

#[test]
fn batch_norm_gradients_and_values() {
    let mut rng = rng(52);
    for shape in [vec![2, 3], vec![1, 3, 2, 4], vec![5, 4]] {
        let c = *shape.last().unwrap();
        let x = uniform(&mut rng, &shape, -2.0, 2.0);
        let gamma = uniform(&mut rng, &[c], 0.5, 1.5);
        let beta = uniform(&mut rng, &[c], -0.5, 0.5);
        assert_grads("batch_norm", &[&x, &gamma, &beta], |t, v| {
            Ok(t.batch_norm(v[0], Some(v[1]), Some(v[2]), 1e-3)?.0)
        });
        assert_grads("batch_norm without gamma, beta", &[&x], |t, v| {
            Ok(t.batch_norm(v[0], None, None, 1e-3)?.0)
        });
    }
    // Each channel comes out with mean 0 and variance v/(v+ε).
    let mut tape = Tape::new();
    let x =
        tape.constant(Tensor::from_vec(&[4, 2], vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0]).unwrap());
    let (y, mean, var) = tape.batch_norm(x, None, None, 1e-3).unwrap();
    assert_eq!(mean.to_vec(), vec![2.5, 25.0]);
    assert_eq!(var.to_vec(), vec![1.25, 125.0]);
    let y = tape.value(y).unwrap().to_vec();
    let col0: Vec<f32> = y.iter().step_by(2).copied().collect();
    approx::assert_abs_diff_eq!(col0.iter().sum::<f32>(), 0.0, epsilon = 1e-5);
    approx::assert_abs_diff_eq!(col0[0], -1.5 / (1.25f32 + 1e-3).sqrt(), epsilon = 1e-5);
}
