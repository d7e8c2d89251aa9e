//! Bad input is an `Err` with a message naming what was expected and what
//! was found, never a panic. Each variant's text is asserted once.

use kerust::autograd::Tape;
use kerust::error::Error;
use kerust::ops::Activation;
use kerust::tensor::Tensor;

fn tape_with(shapes: &[&[usize]]) -> (Tape, Vec<kerust::autograd::Var>) {
    let mut tape = Tape::new();
    let vars = shapes.iter().map(|s| tape.variable(Tensor::ones(s))).collect();
    (tape, vars)
}

#[test]
fn matmul_with_mismatched_inner_dimensions() {
    let (mut t, v) = tape_with(&[&[32, 784], &[100, 10]]);
    let err = t.matmul(v[0], v[1]).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { op: "matmul", .. }));
    assert_eq!(
        err.to_string(),
        "matmul: expected rhs with 784 rows to match lhs shape (32, 784), found rhs shape (100, 10)"
    );
    let (mut t, v) = tape_with(&[&[2, 3, 4], &[4, 2]]);
    assert_eq!(
        t.matmul(v[0], v[1]).unwrap_err().to_string(),
        "matmul: expected a rank-2 lhs, found lhs shape (2, 3, 4)"
    );
}

#[test]
fn broadcasting_that_cannot_apply() {
    let (mut t, v) = tape_with(&[&[4, 3], &[4]]);
    for result in [
        t.add(v[0], v[1]),
        t.sub(v[0], v[1]),
        t.mul(v[0], v[1]),
        t.div(v[0], v[1]),
    ] {
        assert!(matches!(result.unwrap_err(), Error::Broadcast { .. }));
    }
    assert_eq!(
        t.mul(v[0], v[1]).unwrap_err().to_string(),
        "mul: shapes (4, 3) and (4,) cannot be broadcast together (trailing dimensions must be equal or 1)"
    );
}

#[test]
fn axes_out_of_range() {
    let (mut t, v) = tape_with(&[&[2, 3]]);
    let x = v[0];
    for result in [
        t.softmax(x, 2),
        t.log_softmax(x, -3),
        t.sum_axis(x, 5, false),
        t.mean_axis(x, -3, true),
    ] {
        assert!(matches!(result.unwrap_err(), Error::AxisOutOfRange { .. }));
    }
    assert_eq!(
        t.softmax(x, 2).unwrap_err().to_string(),
        "softmax: axis 2 is out of range for a tensor of rank 2 (expected -2 <= axis < 2)"
    );
}

#[test]
fn backward_on_a_non_scalar() {
    let (mut t, v) = tape_with(&[&[3]]);
    let y = t.exp(v[0]).unwrap();
    assert!(matches!(t.backward(y).unwrap_err(), Error::NotScalar { .. }));
    // A one-element tensor of any rank is a scalar.
    let s = t.sum_axis(y, 0, true).unwrap();
    t.backward(s).unwrap();
}

#[test]
fn dense_with_wrong_shapes() {
    let (mut t, v) = tape_with(&[&[32, 28], &[784, 10], &[10], &[5], &[784]]);
    assert_eq!(
        t.dense(v[0], v[1], Some(v[2]), Activation::Softmax)
            .unwrap_err()
            .to_string(),
        "dense: expected input of rank >= 2 with last axis 784 (the kernel's rows), found input shape (32, 28)"
    );
    let (mut t, v) = tape_with(&[&[32, 784], &[784, 10], &[5]]);
    assert_eq!(
        t.dense(v[0], v[1], Some(v[2]), Activation::Linear)
            .unwrap_err()
            .to_string(),
        "dense: expected bias shape (10,), found bias shape (5,)"
    );
    let (mut t, v) = tape_with(&[&[784], &[784, 10]]);
    assert!(t.dense(v[0], v[1], None, Activation::Linear).is_err());
    let (mut t, v) = tape_with(&[&[2, 784], &[784]]);
    assert!(t.dense(v[0], v[1], None, Activation::Linear).is_err());
}

#[test]
fn losses_with_wrong_targets() {
    let (mut t, v) = tape_with(&[&[4, 10]]);
    assert_eq!(
        t.sparse_categorical_crossentropy(&[1, 2, 3], v[0], true)
            .unwrap_err()
            .to_string(),
        "sparse_categorical_crossentropy: expected 4 labels, one per row of y_pred (4, 10), found 3 labels"
    );
    let err = t
        .sparse_categorical_crossentropy(&[1, 2, 10, 3], v[0], false)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::LabelOutOfRange {
            label: 10,
            index: 2,
            num_classes: 10,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "sparse_categorical_crossentropy: expected labels in 0..10 (one per class of the prediction), \
         found label 10 at index 2"
    );
    // Integer labels where one-hot targets are expected: Keras users' most common mistake.
    let labels = Tensor::ones(&[4]);
    assert_eq!(
        t.categorical_crossentropy(&labels, v[0], false)
            .unwrap_err()
            .to_string(),
        "categorical_crossentropy: expected y_true of the same shape as y_pred (4, 10), found y_true shape (4,)"
    );
    assert!(t.binary_crossentropy(&Tensor::ones(&[4, 9]), v[0], true).is_err());
    assert!(t.mean_squared_error(&Tensor::ones(&[10, 4]), v[0]).is_err());
    assert!(t.mean_absolute_error(&Tensor::ones(&[4]), v[0]).is_err());
    let (mut t, v) = tape_with(&[&[]]);
    assert!(t.sparse_categorical_crossentropy(&[0], v[0], true).is_err());
}

#[test]
fn shape_ops_with_wrong_arguments() {
    let (mut t, v) = tape_with(&[&[2, 3], &[]]);
    assert_eq!(
        t.reshape(v[0], &[4, 2]).unwrap_err().to_string(),
        "reshape: expected a target shape with 6 elements like the input (2, 3), found target shape (4, 2) with 8 elements"
    );
    assert_eq!(
        t.permute(v[0], &[0, 0]).unwrap_err().to_string(),
        "permute: expected a permutation of the axes 0..2, found [0, 0]"
    );
    assert!(t.permute(v[0], &[0, 1, 2]).is_err());
    assert!(t.permute(v[0], &[2, 0]).is_err());
    assert!(matches!(
        t.flatten(v[1]).unwrap_err(),
        Error::ShapeMismatch { op: "flatten", .. }
    ));
}

#[test]
fn seeds_of_the_wrong_shape() {
    let (mut t, v) = tape_with(&[&[2, 3]]);
    assert_eq!(
        t.backward_with(v[0], Tensor::ones(&[3])).unwrap_err().to_string(),
        "backward: expected a seed gradient of shape (2, 3), found shape (3,)"
    );
}

#[test]
fn variables_from_elsewhere_are_rejected_by_every_op() {
    let mut other = Tape::new();
    let foreign = other.variable(Tensor::ones(&[2, 2]));
    let (mut t, v) = tape_with(&[&[2, 2]]);
    let x = v[0];
    let results = [
        t.add(x, foreign),
        t.matmul(foreign, x),
        t.exp(foreign),
        t.relu(foreign),
        t.softmax(foreign, -1),
        t.sum(foreign),
        t.reshape(foreign, &[4]),
        t.dense(x, foreign, None, Activation::Linear),
        t.sparse_categorical_crossentropy(&[0, 1], foreign, true),
        t.mean_squared_error(&Tensor::ones(&[2, 2]), foreign),
    ];
    for r in results {
        assert!(matches!(r.unwrap_err(), Error::ForeignVar { .. }));
    }
    assert!(t.backward(foreign).is_err());
    assert!(t.grad(foreign).is_err());
}
