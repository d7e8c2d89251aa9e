//! Batch normalization over the last axis, in training mode: every channel
//! is normalised with the mean and (biased) variance of the batch, over all
//! the other axes, then scaled by `gamma` and shifted by `beta`.
//!
//! Forward `x̂ = (x − μ)/√(σ² + ε)`, `y = γ·x̂ + β`; backward, with `m`
//! values per channel, `dx = (1/(m·√(σ²+ε)))·(m·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))`
//! where `dx̂ = γ·dy`, `dγ = Σ dy·x̂` and `dβ = Σ dy`.

use ndarray::{ArrayD, IxDyn};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;
use crate::tensor::layout::RowMajor;

impl Tape {
    /// Normalises `x` per channel (last axis) with the batch's statistics;
    /// `gamma` and `beta` (shape `(C,)`) scale and shift, or are 1 and 0
    /// when absent. Returns the output and the batch mean and variance
    /// (for a layer's moving averages; they carry no gradient).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2, 1], vec![1.0, 3.0])?);
    /// let (y, mean, variance) = tape.batch_norm(x, None, None, 0.0)?; // no gamma/beta, epsilon 0
    /// assert_eq!(tape.value(y)?.to_vec(), vec![-1.0, 1.0]);
    /// assert_eq!((mean.to_vec(), variance.to_vec()), (vec![2.0], vec![1.0]));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `x` has rank below 2 or `gamma`/`beta`
    /// are not `(C,)`; [`Error::ForeignVar`] for a variable of another tape.
    pub fn batch_norm(
        &mut self,
        x: Var,
        gamma: Option<Var>,
        beta: Option<Var>,
        epsilon: f32,
    ) -> Result<(Var, Tensor, Tensor)> {
        const OP: &str = "batch_norm";
        self.check(OP, x)?;
        for v in gamma.iter().chain(beta.iter()) {
            self.check(OP, *v)?;
        }
        let xt = self.get(x).clone();
        let shape = xt.shape().to_vec();
        if shape.len() < 2 {
            return Err(Error::shape(
                OP,
                "an input with a batch axis and channels",
                format!("input {}", fmt_shape(&shape)),
            ));
        }
        let c = shape.last().copied().unwrap_or(0);
        for v in gamma.iter().chain(beta.iter()) {
            let s = self.get(*v).shape();
            if s != [c] {
                return Err(Error::shape(
                    OP,
                    format!("gamma and beta of shape {}", fmt_shape(&[c])),
                    format!("shape {}", fmt_shape(s)),
                ));
            }
        }
        let g: Vec<f32> = gamma.map_or_else(|| vec![1.0; c], |v| self.get(v).to_vec());
        let b: Vec<f32> = beta.map_or_else(|| vec![0.0; c], |v| self.get(v).to_vec());
        let input = xt.as_array().as_standard_layout();
        let input = input.row_major()?;
        let m = input.len() / c;
        let mut mean = vec![0.0f64; c];
        for row in input.chunks_exact(c) {
            mean.iter_mut().zip(row).for_each(|(s, &v)| *s += f64::from(v));
        }
        mean.iter_mut().for_each(|s| *s /= m as f64);
        let mut var = vec![0.0f64; c];
        for row in input.chunks_exact(c) {
            var.iter_mut()
                .zip(row)
                .zip(&mean)
                .for_each(|((s, &v), mu)| *s += (f64::from(v) - mu).powi(2));
        }
        var.iter_mut().for_each(|s| *s /= m as f64);
        let inv_std: Vec<f32> = var.iter().map(|v| 1.0 / (*v as f32 + epsilon).sqrt()).collect();
        let mut xhat = vec![0.0f32; input.len()];
        let mut y = vec![0.0f32; input.len()];
        for ((row, hat), out) in input
            .chunks_exact(c)
            .zip(xhat.chunks_exact_mut(c))
            .zip(y.chunks_exact_mut(c))
        {
            for k in 0..c {
                hat[k] = (row[k] - mean[k] as f32) * inv_std[k];
                out[k] = g[k] * hat[k] + b[k];
            }
        }
        let mean_t = Tensor::from_vec(&[c], mean.iter().map(|&v| v as f32).collect())?;
        let var_t = Tensor::from_vec(&[c], var.iter().map(|&v| v as f32).collect())?;
        let y = Tensor::from_vec(&shape, y)?;
        let inputs: Vec<Var> = std::iter::once(x).chain(gamma).chain(beta).collect();
        let out = self.record(y, &inputs, move |dy, ctx| {
            let dy = dy.as_standard_layout();
            let dy = dy.row_major()?;
            let mut sum_dy = vec![0.0f32; c];
            let mut sum_dy_hat = vec![0.0f32; c];
            for (row, hat) in dy.chunks_exact(c).zip(xhat.chunks_exact(c)) {
                for k in 0..c {
                    sum_dy[k] += row[k];
                    sum_dy_hat[k] += row[k] * hat[k];
                }
            }
            if let Some(b) = beta {
                ctx.accumulate(b, ArrayD::from_shape_vec(IxDyn(&[c]), sum_dy.clone())?);
            }
            if let Some(gv) = gamma {
                ctx.accumulate(gv, ArrayD::from_shape_vec(IxDyn(&[c]), sum_dy_hat.clone())?);
            }
            if ctx.requires_grad(x) {
                // With dx̂ = γ·dy: Σdx̂ = γ·Σdy and Σ(dx̂·x̂) = γ·Σ(dy·x̂).
                let mut dx = vec![0.0f32; dy.len()];
                let mf = m as f32;
                for ((d, row), hat) in dx
                    .chunks_exact_mut(c)
                    .zip(dy.chunks_exact(c))
                    .zip(xhat.chunks_exact(c))
                {
                    for k in 0..c {
                        let dxhat = g[k] * row[k];
                        d[k] =
                            inv_std[k] / mf * (mf * dxhat - g[k] * sum_dy[k] - hat[k] * g[k] * sum_dy_hat[k]);
                    }
                }
                ctx.accumulate(x, ArrayD::from_shape_vec(IxDyn(&shape), dx)?);
            }
            Ok(())
        });
        Ok((out, mean_t, var_t))
    }
}
