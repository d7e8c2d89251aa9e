//! Each loss's formula, as Keras 3 writes it in `keras/src/losses/losses.py`:
//! one value per sample (Keras' `call`), then the reduction (Keras'
//! `reduce_weighted_values`).

use super::{Loss, LossFn, Targets};
use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::ops::{Along, EPSILON, binary_crossentropy, sign, softplus};
use crate::tensor::Tensor;

impl LossFn {
    /// Records the loss of `y_pred` against `y_true` on the tape, reduced
    /// over the batch. `y_pred` holds logits if `self.from_logits`, else
    /// probabilities (for the cross-entropies) or values.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::losses::{Loss, LossFn, Targets};
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let y_pred = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let y_true = Tensor::from_vec(&[2, 1], vec![1.0, 1.0])?;
    /// let mse = LossFn::from(Loss::MeanSquaredError).compute(&mut tape, Targets::Dense(&y_true), y_pred)?;
    /// assert_eq!(tape.value(mse)?.item()?, 2.0); // (0 + 4) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the targets are of the wrong kind
    /// (integer labels for a one-hot loss or the reverse) or an option is
    /// not the loss's, and the shape errors of the ops.
    pub fn compute(&self, tape: &mut Tape, y_true: Targets<'_>, y_pred: Var) -> Result<Var> {
        self.compute_weighted(tape, y_true, y_pred, None)
    }

    /// [`compute`](LossFn::compute) with Keras' `sample_weight`: one
    /// weight per sample, reduced as [`reduction`](LossFn::reduction)
    /// says (by default `Σ wᵢ·lᵢ / N`, the weighted sum over the batch
    /// size, not over the weights' sum).
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::losses::{Loss, LossFn, Targets};
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let y_pred = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let y_true = Tensor::from_vec(&[2, 1], vec![0.0, 1.0])?;
    /// let mse = LossFn::from(Loss::MeanSquaredError);
    /// let loss = mse.compute_weighted(&mut tape, Targets::Dense(&y_true), y_pred, Some(&[1.0, 0.5]))?;
    /// assert_eq!(tape.value(loss)?.item()?, 1.5); // (1·1 + 0.5·4) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`compute`](LossFn::compute), and weights that are not one
    /// finite, non-negative value per sample.
    pub fn compute_weighted(
        &self,
        tape: &mut Tape,
        y_true: Targets<'_>,
        y_pred: Var,
        weights: Option<&[f32]>,
    ) -> Result<Var> {
        let (values, mask) = self.per_sample(tape, y_true, y_pred)?;
        tape.reduce_loss(values, weights, mask.as_deref(), self.reduction)
    }

    /// The loss of each sample (Keras' `call`), and the mask of the values
    /// that count (`ignore_class`).
    ///
    /// # Errors
    /// As [`compute`](LossFn::compute).
    pub fn per_sample(
        &self,
        tape: &mut Tape,
        y_true: Targets<'_>,
        y_pred: Var,
    ) -> Result<(Var, Option<Vec<bool>>)> {
        self.check()?;
        let name = self.loss.name();
        let labels = match (self.loss, y_true) {
            (Loss::SparseCategoricalCrossentropy, Targets::Classes(c)) => c,
            (Loss::SparseCategoricalCrossentropy, Targets::Dense(t)) => {
                return Err(Error::invalid(
                    name,
                    "integer class labels, one per sample",
                    format!(
                        "float targets of shape {}; for one-hot targets use categorical_crossentropy",
                        fmt_shape(t.shape())
                    ),
                ));
            }
            (Loss::CategoricalCrossentropy | Loss::CategoricalFocalCrossentropy, Targets::Classes(c)) => {
                return Err(Error::invalid(
                    name,
                    "one-hot targets, one row per sample",
                    format!(
                        "{} integer labels; use sparse_categorical_crossentropy, or one-hot encode them with to_categorical",
                        c.len()
                    ),
                ));
            }
            (_, Targets::Classes(c)) => {
                // Labels for a loss on floats: cast, as Keras casts y_true.
                let t = Tensor::from_vec(&[c.len()], c.iter().map(|&v| v as f32).collect())?;
                return self.per_sample(tape, Targets::Dense(&t), y_pred);
            }
            (_, Targets::Dense(t)) => return Ok((self.dense(tape, t, y_pred)?, None)),
        };
        self.sparse(tape, labels, y_pred)
    }

    /// Sparse categorical cross-entropy, with `ignore_class` as a mask.
    fn sparse(&self, tape: &mut Tape, labels: &[usize], y_pred: Var) -> Result<(Var, Option<Vec<bool>>)> {
        let y_pred = class_axis_last(tape, y_pred, self.axis)?;
        let Some(ignore) = self.ignore_class else {
            let values = tape.sparse_categorical_crossentropy_rows(labels, y_pred, self.from_logits)?;
            return Ok((values, None));
        };
        // Keras: ignored rows take label 0, their loss is 0, and they are
        // masked out of the mean.
        let keep: Vec<bool> = labels.iter().map(|&l| i64::try_from(l) != Ok(ignore)).collect();
        let valid: Vec<usize> = labels
            .iter()
            .zip(&keep)
            .map(|(&l, &k)| if k { l } else { 0 })
            .collect();
        let values = tape.sparse_categorical_crossentropy_rows(&valid, y_pred, self.from_logits)?;
        Ok((values, Some(keep)))
    }

    /// Every loss on float targets.
    fn dense(&self, tape: &mut Tape, t: &Tensor, y_pred: Var) -> Result<Var> {
        let name = self.loss.name();
        let logits = self.from_logits;
        match self.loss {
            Loss::SparseCategoricalCrossentropy => unreachable_sparse(),
            Loss::MeanSquaredError => tape.mean_squared_error_rows(t, y_pred),
            Loss::MeanAbsoluteError => tape.mean_absolute_error_rows(t, y_pred),
            Loss::MeanAbsolutePercentageError => {
                tape.elementwise_loss(name, t, y_pred, Along::Mean, |t, p| {
                    let scale = 100.0 / t.abs().max(EPSILON);
                    ((t - p).abs() * scale, sign(p - t) * scale)
                })
            }
            Loss::MeanSquaredLogarithmicError => {
                tape.elementwise_loss(name, t, y_pred, Along::Mean, |t, p| {
                    let (a, b) = ((p.max(EPSILON) + 1.0).ln(), (t.max(EPSILON) + 1.0).ln());
                    let through = if p >= EPSILON { 1.0 / (p + 1.0) } else { 0.0 };
                    ((a - b) * (a - b), 2.0 * (a - b) * through)
                })
            }
            Loss::Huber => {
                let delta = self.delta;
                tape.elementwise_loss(name, t, y_pred, Along::Mean, move |t, p| {
                    let e = p - t;
                    if e.abs() <= delta {
                        (0.5 * e * e, e)
                    } else {
                        (delta * e.abs() - 0.5 * delta * delta, delta * sign(e))
                    }
                })
            }
            Loss::LogCosh => tape.elementwise_loss(name, t, y_pred, Along::Mean, |t, p| {
                let x = p - t;
                (x + softplus(-2.0 * x) - std::f32::consts::LN_2, x.tanh())
            }),
            Loss::Poisson => tape.elementwise_loss(name, t, y_pred, Along::Mean, |t, p| {
                (p - t * (p + EPSILON).ln(), 1.0 - t / (p + EPSILON))
            }),
            Loss::KLDivergence => tape.elementwise_loss(name, t, y_pred, Along::Sum, |t, p| {
                let t = t.clamp(EPSILON, 1.0);
                let inside = (EPSILON..=1.0).contains(&p);
                let p = p.clamp(EPSILON, 1.0);
                (t * (t / p).ln(), if inside { -t / p } else { 0.0 })
            }),
            Loss::Hinge | Loss::SquaredHinge => {
                let t = hinge_labels(t);
                let squared = self.loss == Loss::SquaredHinge;
                tape.elementwise_loss(name, &t, y_pred, Along::Mean, move |t, p| {
                    let margin = 1.0 - t * p;
                    match (margin >= 0.0, squared) {
                        (false, _) => (0.0, 0.0),
                        (true, false) => (margin, -t),
                        (true, true) => (margin * margin, -2.0 * margin * t),
                    }
                })
            }
            Loss::CategoricalHinge => tape.rowwise_loss(name, t, y_pred, categorical_hinge),
            Loss::CosineSimilarity => {
                let (t, y_pred) = both_axis_last(tape, t, y_pred, self.axis)?;
                tape.rowwise_loss(name, &t, y_pred, cosine_similarity)
            }
            Loss::BinaryCrossentropy => {
                let (t, y_pred) = both_axis_last(tape, t, y_pred, self.axis)?;
                let t = smoothed(&t, self.label_smoothing, 2.0);
                tape.binary_crossentropy_rows(&t, y_pred, logits)
            }
            Loss::BinaryFocalCrossentropy => {
                let (t, y_pred) = both_axis_last(tape, t, y_pred, self.axis)?;
                let t = smoothed(&t, self.label_smoothing, 2.0);
                let (alpha, gamma, balance) = (self.alpha, self.gamma, self.apply_class_balancing);
                tape.elementwise_loss(name, &t, y_pred, Along::Mean, move |t, v| {
                    binary_focal(t, v, logits, alpha, gamma, balance)
                })
            }
            Loss::CategoricalCrossentropy => {
                let (t, y_pred) = both_axis_last(tape, t, y_pred, self.axis)?;
                let classes = t.shape().last().copied().unwrap_or(1) as f32;
                let t = smoothed(&t, self.label_smoothing, classes);
                tape.categorical_crossentropy_rows(&t, y_pred, logits)
            }
            Loss::CategoricalFocalCrossentropy => {
                let (t, y_pred) = both_axis_last(tape, t, y_pred, self.axis)?;
                let classes = t.shape().last().copied().unwrap_or(1) as f32;
                let t = smoothed(&t, self.label_smoothing, classes);
                let (alpha, gamma) = (self.alpha, self.gamma);
                tape.rowwise_loss(name, &t, y_pred, move |t, p, d| {
                    categorical_focal(t, p, d, logits, alpha, gamma)
                })
            }
        }
    }
}

#[cold]
fn unreachable_sparse() -> Result<Var> {
    Err(Error::invalid(
        "sparse_categorical_crossentropy",
        "integer class labels",
        "float targets",
    ))
}

/// Keras' label smoothing: `t·(1 − s) + s/k` (`k` = 2 for the binary
/// losses, the class count for the categorical ones).
fn smoothed(t: &Tensor, s: f32, k: f32) -> Tensor {
    if s == 0.0 {
        return t.clone();
    }
    Tensor::from(t.as_array().mapv(|t| t * (1.0 - s) + s / k))
}

/// Keras' `convert_binary_labels_to_hinge`: labels that are all 0 or 1
/// become −1 and 1; other labels stay.
fn hinge_labels(t: &Tensor) -> Tensor {
    if t.as_array().iter().all(|&v| v == 0.0 || v == 1.0) {
        Tensor::from(t.as_array().mapv(|v| 2.0 * v - 1.0))
    } else {
        t.clone()
    }
}

/// The class axis as the last one (Keras' `axis` argument), for `y_pred`.
fn class_axis_last(tape: &mut Tape, y_pred: Var, axis: isize) -> Result<Var> {
    let rank = tape.value(y_pred)?.shape().len();
    match permutation(rank, axis)? {
        None => Ok(y_pred),
        Some(order) => tape.permute(y_pred, &order),
    }
}

/// [`class_axis_last`] for the targets and the predictions together.
fn both_axis_last(tape: &mut Tape, t: &Tensor, y_pred: Var, axis: isize) -> Result<(Tensor, Var)> {
    let rank = tape.value(y_pred)?.shape().len();
    match permutation(rank, axis)? {
        None => Ok((t.clone(), y_pred)),
        Some(order) => {
            let moved = Tensor::from(
                t.as_array()
                    .view()
                    .permuted_axes(order.clone())
                    .as_standard_layout()
                    .into_owned(),
            );
            Ok((moved, tape.permute(y_pred, &order)?))
        }
    }
}

/// The axis order that moves `axis` last, or `None` when it is last.
fn permutation(rank: usize, axis: isize) -> Result<Option<Vec<usize>>> {
    let resolved = crate::ops::resolve_axis("loss", axis, rank)?;
    if rank == 0 || resolved + 1 == rank {
        return Ok(None);
    }
    let mut order: Vec<usize> = (0..rank).filter(|&a| a != resolved).collect();
    order.push(resolved);
    Ok(Some(order))
}

/// Keras' `categorical_hinge` of one row, and its derivative.
fn categorical_hinge(t: &[f32], p: &[f32], d: &mut [f32]) -> f32 {
    let pos: f32 = t.iter().zip(p).map(|(t, p)| t * p).sum();
    let (arg, neg) = t.iter().zip(p).map(|(t, p)| (1.0 - t) * p).enumerate().fold(
        (0, f32::NEG_INFINITY),
        |best, (k, v)| if v > best.1 { (k, v) } else { best },
    );
    let loss = neg - pos + 1.0;
    d.fill(0.0);
    if loss >= 0.0 {
        for (k, (d, &t)) in d.iter_mut().zip(t).enumerate() {
            *d = -t + if k == arg { 1.0 - t } else { 0.0 };
        }
    }
    loss.max(0.0)
}

/// `1 / max(‖x‖, ε)`: Keras' `normalize` scale.
fn inverse_norm(x: &[f32]) -> (f32, bool) {
    let norm = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt() as f32;
    if norm > EPSILON {
        (1.0 / norm, true)
    } else {
        (1.0 / EPSILON, false)
    }
}

/// Keras' `cosine_similarity` of one row (`−t̂·p̂`), and its derivative.
fn cosine_similarity(t: &[f32], p: &[f32], d: &mut [f32]) -> f32 {
    let (it, _) = inverse_norm(t);
    let (ip, unit) = inverse_norm(p);
    let dot: f32 = t.iter().zip(p).map(|(t, p)| t * it * p * ip).sum();
    for ((d, &t), &p) in d.iter_mut().zip(t).zip(p) {
        // d(−t̂·p/‖p‖)/dp = −(t̂ − (t̂·p̂)·p̂)/‖p‖ (only t̂/ε where ‖p‖ ≤ ε).
        *d = if unit {
            -(t * it - dot * p * ip) * ip
        } else {
            -t * it * ip
        };
    }
    -dot
}

/// Keras' binary focal cross-entropy of one element, and its derivative
/// in the prediction `v` (a logit when `from_logits`).
fn binary_focal(t: f32, v: f32, from_logits: bool, alpha: f32, gamma: f32, balance: bool) -> (f32, f32) {
    let p = if from_logits { crate::ops::sigmoid(v) } else { v };
    let (bce, dbce) = binary_crossentropy(t, p, false);
    let p_t = t * p + (1.0 - t) * (1.0 - p);
    let focal = (1.0 - p_t).powf(gamma);
    let dfocal = if gamma == 0.0 {
        0.0
    } else {
        -gamma * (1.0 - p_t).powf(gamma - 1.0) * (2.0 * t - 1.0)
    };
    let weight = if balance {
        t * alpha + (1.0 - t) * (1.0 - alpha)
    } else {
        1.0
    };
    let value = weight * focal * bce;
    let dp = weight * (dfocal * bce + focal * dbce);
    (value, if from_logits { dp * p * (1.0 - p) } else { dp })
}

/// Keras' categorical focal cross-entropy of one row, and its derivative.
fn categorical_focal(t: &[f32], p: &[f32], d: &mut [f32], from_logits: bool, alpha: f32, gamma: f32) -> f32 {
    // Probabilities: a softmax of logits, else the row renormalised.
    let probs: Vec<f32> = if from_logits {
        let max = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let e: Vec<f32> = p.iter().map(|&z| (z - max).exp()).collect();
        let sum: f32 = e.iter().sum();
        e.iter().map(|v| v / sum).collect()
    } else {
        p.to_vec()
    };
    let sum: f32 = probs.iter().sum();
    let mut loss = 0.0f64;
    // g[k] = dL/dn_k, for n = probs/sum (clipped to [ε, 1 − ε]).
    let mut g = vec![0.0f32; p.len()];
    for (k, (&t, &q)) in t.iter().zip(&probs).enumerate() {
        let n = q / sum;
        let inside = (EPSILON..=1.0 - EPSILON).contains(&n);
        let o = n.clamp(EPSILON, 1.0 - EPSILON);
        let cce = -t * o.ln();
        let focal = (1.0 - o).powf(gamma);
        loss += f64::from(alpha * focal * cce);
        if inside {
            let dfocal = if gamma == 0.0 {
                0.0
            } else {
                -gamma * (1.0 - o).powf(gamma - 1.0)
            };
            g[k] = alpha * (dfocal * cce + focal * (-t / o));
        }
    }
    // Through the renormalisation: dL/dq_j = (g_j − Σ g_k·n_k)/sum.
    let weighted: f32 = g.iter().zip(&probs).map(|(g, q)| g * q / sum).sum();
    for (d, &g) in d.iter_mut().zip(&g) {
        *d = (g - weighted) / sum;
    }
    if from_logits {
        // Through the softmax: dL/dz_j = q_j·(dL/dq_j − Σ q_k·dL/dq_k).
        let inner: f32 = d.iter().zip(&probs).map(|(d, q)| d * q).sum();
        for (d, &q) in d.iter_mut().zip(&probs) {
            *d = q * (*d - inner);
        }
    }
    loss as f32
}
