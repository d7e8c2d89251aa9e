//! Softmax and log-softmax along an axis.
//!
//! Both subtract the lane's maximum before exponentiating, so logits of any
//! magnitude give finite results: `softmax(x)ᵢ = exp(xᵢ − m)/Σⱼ exp(xⱼ − m)`
//! and `log_softmax(x)ᵢ = xᵢ − m − ln Σⱼ exp(xⱼ − m)` with `m = maxⱼ xⱼ`.

use ndarray::{ArrayView1, ArrayViewMut1, Axis, Zip};

use super::exp::{exp, exp_in_place};
use crate::autograd::{Tape, Var};
use crate::error::Result;
use crate::tensor::{Tensor, normalize_axis};

/// The largest of `values`, NaN ignored (as with `f32::max`, whose NaN
/// handling costs a compare and a blend per element; this is one `maxss`).
#[inline]
pub(crate) fn lane_max<'a>(values: impl IntoIterator<Item = &'a f32>) -> f32 {
    values
        .into_iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

/// Replaces a lane by its softmax.
pub(crate) fn softmax_in_place(mut lane: ArrayViewMut1<'_, f32>) {
    let max = lane_max(&lane);
    lane.mapv_inplace(|v| v - max);
    match lane.as_slice_mut() {
        Some(values) => exp_in_place(values),
        None => lane.mapv_inplace(exp),
    }
    let mut sum = 0.0;
    for &e in &lane {
        sum += e;
    }
    let inv = 1.0 / sum;
    lane.mapv_inplace(|v| v * inv);
}

/// Replaces a lane by its log-softmax.
pub(crate) fn log_softmax_in_place(mut lane: ArrayViewMut1<'_, f32>) {
    let max = lane_max(&lane);
    let sum: f32 = lane.iter().map(|&v| exp(v - max)).sum();
    let shift = max + sum.ln();
    lane.mapv_inplace(|v| v - shift);
}

/// Softmax backward for one lane: `dx = y ⊙ (g − Σ g⊙y)`, written over `g`.
pub(crate) fn softmax_backward_in_place(mut g: ArrayViewMut1<'_, f32>, y: ArrayView1<'_, f32>) {
    let dot: f32 = g.iter().zip(y.iter()).map(|(&g, &y)| g * y).sum();
    Zip::from(&mut g).and(&y).for_each(|g, &y| *g = y * (*g - dot));
}

impl Tape {
    /// Softmax along `axis` (negative counts from the end; Keras uses -1).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[1, 4]));
    /// let p = tape.softmax(x, -1)?;
    /// assert_eq!(tape.value(p)?.to_vec(), vec![0.25; 4]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`](crate::Error::AxisOutOfRange) for a bad axis;
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn softmax(&mut self, x: Var, axis: isize) -> Result<Var> {
        self.check("softmax", x)?;
        let axis = Axis(normalize_axis("softmax", axis, self.get(x).ndim())?);
        let mut y = self.get(x).view().to_owned();
        for lane in y.lanes_mut(axis) {
            softmax_in_place(lane);
        }
        Ok(self.record(Tensor::from(y), &[x], move |mut dx, ctx| {
            Zip::from(dx.lanes_mut(axis))
                .and(ctx.output().view().lanes(axis))
                .for_each(softmax_backward_in_place);
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }

    /// Log-softmax along `axis`; backward `dx = g − softmax(x)·Σg`.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[1, 2]));
    /// let l = tape.log_softmax(x, -1)?;
    /// assert!((tape.value(l)?.to_vec()[0] + 2f32.ln()).abs() < 1e-6);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`](crate::Error::AxisOutOfRange) for a bad axis;
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn log_softmax(&mut self, x: Var, axis: isize) -> Result<Var> {
        self.check("log_softmax", x)?;
        let axis = Axis(normalize_axis("log_softmax", axis, self.get(x).ndim())?);
        let mut y = self.get(x).view().to_owned();
        for lane in y.lanes_mut(axis) {
            log_softmax_in_place(lane);
        }
        Ok(self.record(Tensor::from(y), &[x], move |mut dx, ctx| {
            Zip::from(dx.lanes_mut(axis))
                .and(ctx.output().view().lanes(axis))
                .for_each(|mut g, logp| {
                    let total: f32 = g.sum();
                    Zip::from(&mut g)
                        .and(&logp)
                        .for_each(|g, &lp| *g -= exp(lp) * total);
                });
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }
}
