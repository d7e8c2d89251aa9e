//! `train_test_split`, as scikit-learn computes it.

use std::collections::BTreeMap;

use ndarray::{Array, ArrayBase, Axis, Data, Dimension, RemoveAxis};

use super::RandomState;
use crate::error::{Error, Result};

/// The four arrays `train_test_split` returns, in scikit-learn's order:
/// `(x_train, x_test, y_train, y_test)`.
///
/// ```
/// # use kerust::prelude::*;
/// let x = ndarray::Array2::<f32>::zeros((10, 4));
/// let y = ndarray::Array1::<u8>::zeros(10);
/// let (x_train, x_test, y_train, y_test) = train_test_split(&x, &y, 0.2, 42)?;
/// assert_eq!((x_train.nrows(), x_test.nrows(), y_train.len(), y_test.len()), (8, 2, 8, 2));
/// # Ok::<(), kerust::Error>(())
/// ```
pub type Splits<A, D, B, E> = (Array<A, D>, Array<A, D>, Array<B, E>, Array<B, E>);

/// Splits samples (rows along axis 0) into a shuffled training part and a
/// test part holding `test_size` (a fraction in `(0, 1)`) of them, exactly
/// as `sklearn.model_selection.train_test_split(x, y, test_size=…,
/// random_state=seed)` does: the test part has `ceil(test_size·n)` samples,
/// and with the same seed the same samples land in each part, in the same
/// order.
///
/// ```
/// use kerust::model_selection::train_test_split;
/// use ndarray::{Array1, Array2};
///
/// let x = Array2::<f32>::zeros((60_000, 784));
/// let y = Array1::<u8>::zeros(60_000);
/// let (x_train, x_val, y_train, y_val) = train_test_split(&x, &y, 0.2, 42)?;
/// assert_eq!((x_train.nrows(), x_val.nrows()), (48_000, 12_000));
/// assert_eq!((y_train.len(), y_val.len()), (48_000, 12_000));
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] if `test_size` is not in `(0, 1)`, if `x` and
/// `y` have different numbers of samples, or if either part would be empty.
pub fn train_test_split<S, D, T, E>(
    x: &ArrayBase<S, D>,
    y: &ArrayBase<T, E>,
    test_size: f64,
    seed: u32,
) -> Result<Splits<S::Elem, D, T::Elem, E>>
where
    S: Data,
    S::Elem: Clone,
    D: RemoveAxis,
    T: Data,
    T::Elem: Clone,
    E: RemoveAxis,
{
    let (n_train, n_test) = sizes(x, y, test_size)?;
    let mut rng = RandomState::new(seed);
    let permutation = rng.permutation(n_train + n_test);
    let (test, train) = permutation.split_at(n_test);
    Ok(take(x, y, train, test))
}

/// [`train_test_split`] keeping each class's share of the samples in both
/// parts, as scikit-learn's `train_test_split(…, stratify=y)` does (same
/// seed, same split). `y` holds the class of each sample.
///
/// ```
/// use kerust::model_selection::train_test_split_stratified;
/// use ndarray::Array1;
///
/// let x = Array1::from_iter(0..100u32);
/// let y = x.mapv(|i| (i % 4) as u8); // 25 samples per class
/// let (_, _, y_train, y_test) = train_test_split_stratified(&x, &y, 0.2, 0)?;
/// assert_eq!(y_test.iter().filter(|&&c| c == 3).count(), 5);
/// assert_eq!(y_train.iter().filter(|&&c| c == 3).count(), 20);
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// As [`train_test_split`], and [`Error::InvalidArgument`] if `y` is not
/// one-dimensional, a class has a single sample, or there are fewer test or
/// training samples than classes.
pub fn train_test_split_stratified<S, D, T, E>(
    x: &ArrayBase<S, D>,
    y: &ArrayBase<T, E>,
    test_size: f64,
    seed: u32,
) -> Result<Splits<S::Elem, D, T::Elem, E>>
where
    S: Data,
    S::Elem: Clone,
    D: RemoveAxis,
    T: Data,
    T::Elem: Clone + Ord,
    E: RemoveAxis,
{
    const OP: &str = "train_test_split_stratified";
    let (n_train, n_test) = sizes(x, y, test_size)?;
    if y.ndim() != 1 {
        return Err(Error::invalid(
            OP,
            "one class label per sample (y of rank 1)",
            format!("y of rank {}", y.ndim()),
        ));
    }
    // Samples of each class in their original order (classes sorted, as np.unique).
    let mut by_class: BTreeMap<&T::Elem, Vec<usize>> = BTreeMap::new();
    for (i, label) in y.iter().enumerate() {
        by_class.entry(label).or_default().push(i);
    }
    let class_indices: Vec<Vec<usize>> = by_class.into_values().collect();
    let counts: Vec<usize> = class_indices.iter().map(Vec::len).collect();
    if counts.iter().any(|&c| c < 2) {
        return Err(Error::invalid(
            OP,
            "at least 2 samples of every class",
            format!(
                "a class with {} sample",
                counts.iter().min().copied().unwrap_or(0)
            ),
        ));
    }
    for (part, n) in [("test", n_test), ("training", n_train)] {
        if n < counts.len() {
            return Err(Error::invalid(
                OP,
                format!("at least one {part} sample per class ({} classes)", counts.len()),
                format!("{n} {part} samples"),
            ));
        }
    }

    let mut rng = RandomState::new(seed);
    let train_counts = approximate_mode(&counts, n_train, &mut rng);
    let remaining: Vec<usize> = counts.iter().zip(&train_counts).map(|(c, t)| c - t).collect();
    let test_counts = approximate_mode(&remaining, n_test, &mut rng);
    let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(n_test));
    for ((indices, &n_i), &t_i) in class_indices.iter().zip(&train_counts).zip(&test_counts) {
        let order = rng.permutation(indices.len());
        let shuffled: Vec<usize> = order.iter().map(|&k| indices[k]).collect();
        train.extend_from_slice(&shuffled[..n_i]);
        test.extend_from_slice(&shuffled[n_i..n_i + t_i]);
    }
    rng.shuffle(&mut train);
    rng.shuffle(&mut test);
    Ok(take(x, y, &train, &test))
}

/// scikit-learn's `_approximate_mode`: how many of `n_draws` to take from
/// each class so that the shares are closest to the class counts; ties in
/// the remainders are broken at random by `rng`.
fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut RandomState) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let continuous: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<usize> = continuous.iter().map(|c| c.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    if need > 0 {
        let remainder: Vec<f64> = continuous
            .iter()
            .zip(&floored)
            .map(|(c, &f)| c - f as f64)
            .collect();
        let mut values = remainder.clone();
        values.sort_by(|a, b| b.total_cmp(a));
        values.dedup();
        for value in values {
            let tied: Vec<usize> = (0..remainder.len()).filter(|&i| remainder[i] == value).collect();
            let add_now = tied.len().min(need);
            for k in rng.choice_without_replacement(tied.len(), add_now) {
                floored[tied[k]] += 1;
            }
            need -= add_now;
            if need == 0 {
                break;
            }
        }
    }
    floored
}

/// `(n_train, n_test)` for `n` samples, as scikit-learn's `_validate_shuffle_split`.
fn sizes<S: Data, D: Dimension, T: Data, E: Dimension>(
    x: &ArrayBase<S, D>,
    y: &ArrayBase<T, E>,
    test_size: f64,
) -> Result<(usize, usize)> {
    const OP: &str = "train_test_split";
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(Error::invalid(
            OP,
            "test_size as a fraction in (0, 1)",
            format!("test_size={test_size}"),
        ));
    }
    let n = x.shape().first().copied().unwrap_or(0);
    let ny = y.shape().first().copied().unwrap_or(0);
    if x.ndim() == 0 || y.ndim() == 0 || n != ny {
        return Err(Error::invalid(
            OP,
            "x and y with the same number of samples along axis 0",
            format!("x shape {:?} and y shape {:?}", x.shape(), y.shape()),
        ));
    }
    let n_test = (test_size * n as f64).ceil() as usize;
    let n_train = n - n_test.min(n);
    if n_test == 0 || n_train == 0 {
        return Err(Error::invalid(
            OP,
            "a split that leaves samples on both sides",
            format!("{n} samples with test_size={test_size}: {n_train} train, {n_test} test"),
        ));
    }
    Ok((n_train, n_test))
}

fn take<S, D, T, E>(
    x: &ArrayBase<S, D>,
    y: &ArrayBase<T, E>,
    train: &[usize],
    test: &[usize],
) -> Splits<S::Elem, D, T::Elem, E>
where
    S: Data,
    S::Elem: Clone,
    D: RemoveAxis,
    T: Data,
    T::Elem: Clone,
    E: RemoveAxis,
{
    (
        x.select(Axis(0), train),
        x.select(Axis(0), test),
        y.select(Axis(0), train),
        y.select(Axis(0), test),
    )
}
