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

/// `ln Σ exp(v)` over `values`, as `max + ln Σ exp(v − max)` so that it is
/// finite for values of any magnitude.
#[inline]
pub(crate) fn log_sum_exp<'a, I>(values: I) -> f32
where
    I: IntoIterator<Item = &'a f32> + Copy,
{
    let max = lane_max(values);
    let sum: f32 = values.into_iter().map(|&v| exp(v - max)).sum();
    max + sum.ln()
}

/// Replaces each `width`-long row of `values` by its softmax, the
/// exponentials of all rows in one vectorised pass, and hands
/// `row_sum(i, Σ exp(zᵢ − max))` each row's sum before it divides by it.
pub(crate) fn softmax_rows(values: &mut [f32], width: usize, mut row_sum: impl FnMut(usize, f32)) {
    if width == 0 {
        return;
    }
    for row in values.chunks_exact_mut(width) {
        let max = lane_max(&*row);
        row.iter_mut().for_each(|v| *v -= max);
    }
    exp_in_place(values);
    for (i, row) in values.chunks_exact_mut(width).enumerate() {
        let mut sum = 0.0;
        for &e in row.iter() {
            sum += e;
        }
        row_sum(i, sum);
        let inv = 1.0 / sum;
        row.iter_mut().for_each(|v| *v *= inv);
    }
}

/// Replaces a lane by its softmax.
pub(crate) fn softmax_in_place(mut lane: ArrayViewMut1<'_, f32>) {
    if let Some(values) = lane.as_slice_mut() {
        let width = values.len();
        return softmax_rows(values, width, |_, _| {});
    }
    let max = lane_max(&lane);
    lane.mapv_inplace(|v| exp(v - max));
    let mut sum = 0.0;
    for &e in &lane {
        sum += e;
    }
    let inv = 1.0 / sum;
    lane.mapv_inplace(|v| v * inv);
}

/// Replaces a lane by its log-softmax.
pub(crate) fn log_softmax_in_place(mut lane: ArrayViewMut1<'_, f32>) {
    let shift = log_sum_exp(&lane);
    lane.mapv_inplace(|v| v - shift);
}

/// Softmax backward for one lane: `dx = y ⊙ (g − Σ g⊙y)`, written over `g`.
pub(crate) fn softmax_backward_in_place(mut g: ArrayViewMut1<'_, f32>, y: ArrayView1<'_, f32>) {
    let dot: f32 = g.iter().zip(y.iter()).map(|(&g, &y)| g * y).sum();
    Zip::from(&mut g).and(&y).for_each(|g, &y| *g = y * (*g - dot));
}

/// Log-softmax backward for one lane: `dx = g − softmax·Σg`, with the
/// softmax `e^y` of the lane's output `y`, written over `g`.
pub(crate) fn log_softmax_backward_in_place(mut g: ArrayViewMut1<'_, f32>, logp: ArrayView1<'_, f32>) {
    let total: f32 = g.sum();
    Zip::from(&mut g)
        .and(&logp)
        .for_each(|g, &lp| *g -= exp(lp) * total);
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
                .for_each(log_softmax_backward_in_place);
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn rows_at_once_match_strided_lanes_bit_for_bit() {
        // 7 rows of 10 logits, some large enough to need the max shift.
        let z = Array2::from_shape_fn((7, 10), |(i, j)| (i as f32 - 3.0) * 20.0 + (j * j) as f32 * 0.37);
        let mut rows = z.as_slice().expect("row-major").to_vec();
        let mut sums = Vec::new();
        softmax_rows(&mut rows, 10, |i, sum| sums.push((i, sum)));
        // The same rows as lanes of the transposed copy: strided, so they
        // take the other path.
        let mut columns = Array2::from_shape_fn((10, 7), |(j, i)| z[[i, j]]);
        for lane in columns.lanes_mut(Axis(0)) {
            assert!(lane.as_slice().is_none());
            softmax_in_place(lane);
        }
        let strided: Vec<u32> = columns.t().iter().map(|v| v.to_bits()).collect();
        let at_once: Vec<u32> = rows.iter().map(|v| v.to_bits()).collect();
        assert_eq!(at_once, strided);
        // Each row's sum of exponentials is handed over once, in order, and
        // the row sums to one.
        assert_eq!(
            sums.iter().map(|&(i, _)| i).collect::<Vec<_>>(),
            (0..7).collect::<Vec<_>>()
        );
        for (row, &(_, sum)) in rows.chunks(10).zip(&sums) {
            assert!(sum >= 1.0, "the largest term is exp(0)");
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        // And ln Σ exp matches the shifted log-softmax.
        let mut lane = z.row(2).to_owned();
        let lse = log_sum_exp(&lane);
        log_softmax_in_place(lane.view_mut());
        assert_eq!(lane[0], z[[2, 0]] - lse);
    }
}
