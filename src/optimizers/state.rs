//! What an optimizer carries between steps — the step count and, per
//! weight, its buffers (moments, velocities) — and the checks that keep a
//! restored state from ever reaching the update loops in a shape they
//! cannot take.
//!
//! A saved state is data: a file can hold any number of buffers of any
//! length with any values, checksum or not. [`OptimizerState::check`]
//! validates the count, the length and the meaning of every buffer (which
//! buffer is which, and no negative averages of squares, which training
//! never produces and which would turn finite weights into NaN) before an
//! optimizer takes it, and [`Slots::prepare`] checks every buffer again
//! against the weights at each step. NaN is accepted: training that
//! diverged leaves it in the state as in the weights, and such a model
//! loads as it was saved.

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The step count and per-weight buffers (moments, velocities) an
/// optimizer keeps between steps.
///
/// ```
/// # use kerust::prelude::*;
/// let adam = Adam::new();
/// assert_eq!(adam.state().iterations, 0); // saved with the model, restored by load_model
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState {
    /// Steps taken.
    pub iterations: u64,
    /// For each weight, its buffers (empty before the first step).
    pub slots: Vec<Vec<Vec<f32>>>,
}

/// One of the buffers an optimizer keeps for each weight.
///
/// ```
/// # use kerust::prelude::*;
/// let names: Vec<_> = Adam::new().slot_specs().iter().map(|s| s.name).collect();
/// assert_eq!(names, ["m", "v"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotSpec {
    /// Its name, e.g. `m` (Adam's first moment) or `v` (its second).
    pub name: &'static str,
    /// Whether its values are never negative (averages of squares).
    pub non_negative: bool,
}

impl SlotSpec {
    /// A buffer that may hold any finite value.
    pub(crate) const fn signed(name: &'static str) -> SlotSpec {
        SlotSpec {
            name,
            non_negative: false,
        }
    }

    /// A buffer of averaged squares, never negative.
    pub(crate) const fn squares(name: &'static str) -> SlotSpec {
        SlotSpec {
            name,
            non_negative: true,
        }
    }
}

impl OptimizerState {
    /// Checks that this state fits an optimizer keeping `specs` for each
    /// weight and, when `weights` gives their element counts, those
    /// weights: a step count that can still grow, no slots (a state before
    /// the first step) or one set per weight, each with exactly the named
    /// buffers, each as long as its weight, with no negative values where
    /// the spec says so (averages of squares).
    ///
    /// ```
    /// use kerust::optimizers::OptimizerState;
    /// # use kerust::prelude::*;
    /// let specs = Adam::new().slot_specs();
    /// let state = OptimizerState { iterations: 3, slots: vec![vec![vec![0.1; 4], vec![0.2; 4]]] };
    /// assert!(state.check("Adam", &specs, Some(&[4])).is_ok());
    /// // A third buffer would be AMSGrad's: not what this Adam keeps.
    /// let mut three = state.clone();
    /// three.slots[0].push(vec![0.0; 4]);
    /// assert!(three.check("Adam", &specs, Some(&[4])).is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the first weight and buffer that
    /// does not fit, what was expected and what was found.
    pub fn check(&self, optimizer: &str, specs: &[SlotSpec], weights: Option<&[usize]>) -> Result<()> {
        let bad = |expected: String, found: String| Error::invalid("optimizer state", expected, found);
        if self.iterations == u64::MAX {
            return Err(bad(
                format!("a step count below {} for {optimizer}", u64::MAX),
                format!("iterations = {}", self.iterations),
            ));
        }
        if self.slots.is_empty() {
            return Ok(());
        }
        if let Some(weights) = weights
            && weights.len() != self.slots.len()
        {
            return Err(bad(
                format!("{optimizer} buffers for {} weights", weights.len()),
                format!("buffers for {} weights", self.slots.len()),
            ));
        }
        let names = || {
            let names: Vec<_> = specs.iter().map(|s| s.name).collect();
            format!("[{}]", names.join(", "))
        };
        for (i, buffers) in self.slots.iter().enumerate() {
            if buffers.len() != specs.len() {
                return Err(bad(
                    format!("{} {optimizer} buffers {} for weight {i}", specs.len(), names()),
                    format!("{} buffers", buffers.len()),
                ));
            }
            let len = weights.map_or_else(|| buffers.first().map_or(0, Vec::len), |w| w[i]);
            for (spec, buffer) in specs.iter().zip(buffers) {
                if buffer.len() != len {
                    return Err(bad(
                        format!("{len} values in buffer {} of weight {i}", spec.name),
                        format!("{} values", buffer.len()),
                    ));
                }
                if !spec.non_negative {
                    continue;
                }
                if let Some((at, v)) = buffer.iter().enumerate().find(|&(_, &v)| v < 0.0) {
                    return Err(bad(
                        format!("non-negative values in buffer {} of weight {i}", spec.name),
                        format!("{v} at index {at}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Per-weight state slots: `n` buffers per weight, created at the first step.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slots {
    buffers: Vec<Vec<Vec<f32>>>,
}

impl Slots {
    /// Creates `per_weight` buffers for each weight (buffer `k` filled
    /// with `init(k)`) on the first step; on later steps checks that every
    /// weight still has exactly `per_weight` buffers of its own length, so
    /// the update loops never meet a buffer that does not fit.
    pub(crate) fn prepare(
        &mut self,
        op: &'static str,
        params: &[&mut Tensor],
        per_weight: usize,
        init: impl Fn(usize) -> f32,
    ) -> Result<()> {
        if self.buffers.is_empty() {
            self.buffers = params
                .iter()
                .map(|p| (0..per_weight).map(|k| vec![init(k); p.len()]).collect())
                .collect();
            return Ok(());
        }
        if self.buffers.len() != params.len() {
            return Err(Error::shape(
                op,
                format!("the {} weights of earlier steps", self.buffers.len()),
                format!("{} weights", params.len()),
            ));
        }
        for (i, (b, p)) in self.buffers.iter().zip(params).enumerate() {
            let held = b.first().map(Vec::len);
            if b.len() == per_weight
                && per_weight > 0
                && b.iter().all(|s| Some(s.len()) == held)
                && held != Some(p.len())
            {
                // Consistent buffers, another weight: the caller's weights changed.
                return Err(Error::shape(
                    op,
                    format!(
                        "the weights of earlier steps (weight {i} of {} values)",
                        held.unwrap_or(0)
                    ),
                    format!("weight {i} of {} values", p.len()),
                ));
            }
            if b.len() != per_weight || b.iter().any(|s| s.len() != p.len()) {
                return Err(Error::shape(
                    op,
                    format!("{per_weight} buffers of {} values for weight {i}", p.len()),
                    format!(
                        "{} buffers of {:?} values",
                        b.len(),
                        b.iter().map(Vec::len).collect::<Vec<_>>()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether no buffers exist yet (before the first step).
    pub(crate) fn is_empty(&self) -> bool {
        self.buffers.is_empty()
    }

    /// The buffers of weight `i` (after [`prepare`](Slots::prepare)).
    pub(crate) fn of(&mut self, i: usize) -> &mut [Vec<f32>] {
        &mut self.buffers[i]
    }

    pub(crate) fn snapshot(&self) -> Vec<Vec<Vec<f32>>> {
        self.buffers.clone()
    }

    pub(crate) fn restore(&mut self, buffers: Vec<Vec<Vec<f32>>>) {
        self.buffers = buffers;
    }
}

/// The step count after one more step.
///
/// # Errors
/// [`Error::InvalidArgument`] when the count cannot grow.
pub(crate) fn next_iteration(op: &'static str, iterations: u64) -> Result<u64> {
    iterations.checked_add(1).ok_or_else(|| {
        Error::invalid(
            op,
            "a step count that can still grow",
            format!("iterations = {iterations}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::check_non_negative;

    const ADAM: [SlotSpec; 2] = [SlotSpec::signed("m"), SlotSpec::squares("v")];

    fn state(slots: Vec<Vec<Vec<f32>>>) -> OptimizerState {
        OptimizerState { iterations: 5, slots }
    }

    fn message(s: &OptimizerState, weights: Option<&[usize]>) -> String {
        s.check("Adam", &ADAM, weights).unwrap_err().to_string()
    }

    #[test]
    fn a_fitting_state_and_an_empty_one_pass() {
        let s = state(vec![
            vec![vec![-1.0, 2.0], vec![0.0, 3.0]],
            vec![vec![0.5], vec![0.25]],
        ]);
        assert!(s.check("Adam", &ADAM, Some(&[2, 1])).is_ok());
        assert!(s.check("Adam", &ADAM, None).is_ok());
        assert!(state(vec![]).check("Adam", &ADAM, Some(&[2, 1])).is_ok());
    }

    #[test]
    fn every_buffer_is_checked_not_only_the_first() {
        // The second buffer (v) is shorter than the weight: the kind of file
        // that made the update loop read out of range.
        let s = state(vec![vec![vec![0.0; 640], vec![0.0; 64]]]);
        assert_eq!(
            message(&s, Some(&[640])),
            "optimizer state: expected 640 values in buffer v of weight 0, found 64 values"
        );
        // Without the weights' sizes, the buffers must still agree.
        assert!(s.check("Adam", &ADAM, None).is_err());
    }

    #[test]
    fn a_third_buffer_is_not_amsgrad_in_disguise() {
        let s = state(vec![vec![vec![0.0; 4], vec![0.0; 4], vec![0.0; 4]]]);
        assert_eq!(
            message(&s, Some(&[4])),
            "optimizer state: expected 2 Adam buffers [m, v] for weight 0, found 3 buffers"
        );
    }

    #[test]
    fn counts_values_and_steps_are_checked() {
        let s = state(vec![vec![vec![0.0; 4], vec![0.0; 4]]]);
        assert_eq!(
            message(&s, Some(&[4, 4])),
            "optimizer state: expected Adam buffers for 2 weights, found buffers for 1 weights"
        );
        // A diverged state (NaN, as its weights) loads as it was saved.
        let nan = state(vec![vec![vec![0.0, f32::NAN], vec![f32::NAN, f32::INFINITY]]]);
        assert!(nan.check("Adam", &ADAM, Some(&[2])).is_ok());
        let negative = state(vec![vec![vec![-1.0; 2], vec![0.0, -0.5]]]);
        assert_eq!(
            message(&negative, Some(&[2])),
            "optimizer state: expected non-negative values in buffer v of weight 0, found -0.5 at index 1"
        );
        let minus_infinity = state(vec![vec![vec![0.0; 2], vec![f32::NEG_INFINITY, 0.0]]]);
        assert!(message(&minus_infinity, Some(&[2])).contains("found -inf at index 0"));
        let endless = OptimizerState {
            iterations: u64::MAX,
            slots: vec![],
        };
        assert!(message(&endless, None).contains("iterations = 18446744073709551615"));
    }

    #[test]
    fn prepare_rejects_buffers_that_do_not_fit_the_weights() {
        let mut w = Tensor::zeros(&[3]);
        let mut slots = Slots::default();
        slots.restore(vec![vec![vec![0.0; 3], vec![0.0; 2]]]);
        let err = slots.prepare("Adam", &[&mut w], 2, |_| 0.0).unwrap_err();
        assert!(
            err.to_string().contains("found 2 buffers of [3, 2] values"),
            "{err}"
        );
        slots.restore(vec![vec![vec![0.0; 3], vec![0.0; 3]]]);
        assert!(slots.prepare("Adam", &[&mut w], 2, |_| 0.0).is_ok());
        assert!(slots.prepare("Adam", &[&mut w], 3, |_| 0.0).is_err());
    }

    #[test]
    fn learning_rates_and_step_counts() {
        assert!(check_non_negative("SGD", "learning_rate", 0.0).is_ok());
        for bad in [f32::NAN, f32::INFINITY, -0.1] {
            assert!(check_non_negative("SGD", "learning_rate", bad).is_err(), "{bad}");
        }
        assert_eq!(next_iteration("SGD", 4).unwrap(), 5);
        assert!(next_iteration("SGD", u64::MAX).is_err());
    }
}
