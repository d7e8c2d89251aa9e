//! Weight constraints (`keras.constraints`), applied to a weight after
//! every optimizer update: [`Constraint::MaxNorm`],
//! [`Constraint::MinMaxNorm`], [`Constraint::NonNeg`] and
//! [`Constraint::UnitNorm`].
//!
//! The norms are taken along one axis of the weight (Keras' default axis
//! 0: for a `Dense` kernel `(inputs, units)`, the vector of each unit's
//! incoming weights), with Keras' fuzz factor 1e-7 in the denominators.

use ndarray::{ArrayD, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ops::EPSILON;
use crate::tensor::Tensor;

/// A constraint on a weight's values, applied after each update.
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::constraints::Constraint;
/// let layer = Dense::new(64).kernel_constraint(Constraint::max_norm(3.0));
/// # let _ = layer;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// Vectors along `axis` longer than `max_value` are scaled down to it.
    MaxNorm {
        /// The largest norm (Keras' default 2).
        max_value: f32,
        /// The axis the norms run along (default 0).
        axis: isize,
    },
    /// Norms along `axis` moved `rate` of the way into `[min_value, max_value]`.
    MinMaxNorm {
        /// The smallest norm (default 0).
        min_value: f32,
        /// The largest norm (default 1).
        max_value: f32,
        /// How far to move: 1 all the way (default), less to move gradually.
        rate: f32,
        /// The axis the norms run along (default 0).
        axis: isize,
    },
    /// Negative values set to 0.
    NonNeg,
    /// Vectors along `axis` scaled to norm 1.
    UnitNorm {
        /// The axis the norms run along (default 0).
        axis: isize,
    },
}

impl Constraint {
    /// Keras' `MaxNorm(max_value)`, along axis 0.
    ///
    /// ```
    /// use kerust::constraints::Constraint;
    /// assert_eq!(Constraint::max_norm(2.0), Constraint::MaxNorm { max_value: 2.0, axis: 0 });
    /// ```
    pub fn max_norm(max_value: f32) -> Self {
        Constraint::MaxNorm { max_value, axis: 0 }
    }

    /// Keras' `UnitNorm()`, along axis 0.
    ///
    /// ```
    /// use kerust::constraints::Constraint;
    /// assert_eq!(Constraint::unit_norm(), Constraint::UnitNorm { axis: 0 });
    /// ```
    pub fn unit_norm() -> Self {
        Constraint::UnitNorm { axis: 0 }
    }

    /// Keras' `MinMaxNorm(min_value, max_value)`, rate 1, along axis 0.
    ///
    /// ```
    /// use kerust::constraints::Constraint;
    /// let c = Constraint::min_max_norm(0.2, 0.5);
    /// assert_eq!(c, Constraint::MinMaxNorm { min_value: 0.2, max_value: 0.5, rate: 1.0, axis: 0 });
    /// ```
    pub fn min_max_norm(min_value: f32, max_value: f32) -> Self {
        Constraint::MinMaxNorm {
            min_value,
            max_value,
            rate: 1.0,
            axis: 0,
        }
    }

    /// Keras' name.
    ///
    /// ```
    /// assert_eq!(kerust::constraints::Constraint::NonNeg.name(), "non_neg");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Constraint::MaxNorm { .. } => "max_norm",
            Constraint::MinMaxNorm { .. } => "min_max_norm",
            Constraint::NonNeg => "non_neg",
            Constraint::UnitNorm { .. } => "unit_norm",
        }
    }

    /// Checks the arguments: finite, non-negative norms with
    /// `min_value <= max_value`, a rate in `[0, 1]`.
    ///
    /// ```
    /// use kerust::constraints::Constraint;
    /// assert!(Constraint::max_norm(-1.0).check().is_err());
    /// assert!(Constraint::min_max_norm(0.5, 0.2).check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the argument.
    pub fn check(&self) -> Result<()> {
        let bad = |expected: &str, found: String| Err(Error::invalid(self.name(), expected, found));
        match *self {
            Constraint::MaxNorm { max_value, .. } if !(max_value.is_finite() && max_value >= 0.0) => {
                bad("a finite max_value >= 0", format!("max_value={max_value}"))
            }
            Constraint::MinMaxNorm {
                min_value,
                max_value,
                rate,
                ..
            } if !(min_value.is_finite()
                && max_value.is_finite()
                && 0.0 <= min_value
                && min_value <= max_value
                && (0.0..=1.0).contains(&rate)) =>
            {
                bad(
                    "finite 0 <= min_value <= max_value and a rate in [0, 1]",
                    format!("min_value={min_value}, max_value={max_value}, rate={rate}"),
                )
            }
            _ => Ok(()),
        }
    }

    /// Applies the constraint to `weight` in place.
    ///
    /// ```
    /// use kerust::constraints::Constraint;
    /// use kerust::tensor::Tensor;
    /// let mut w = Tensor::from_vec(&[2, 2], vec![3.0, 0.0, 4.0, -1.0])?;
    /// Constraint::max_norm(2.0).apply(&mut w)?; // column norms 5 and 1
    /// let v = w.to_vec();
    /// assert!((v[0] - 1.2).abs() < 1e-6 && (v[2] - 1.6).abs() < 1e-6); // scaled to norm 2
    /// assert!((v[3] + 1.0).abs() < 1e-6); // within the bound: unchanged (but for ε)
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for an axis the weight does not have, and
    /// the errors of [`check`](Constraint::check).
    pub fn apply(&self, weight: &mut Tensor) -> Result<()> {
        self.check()?;
        let mut w: ArrayD<f32> = weight.as_array().to_owned();
        let scale_norms = |w: &mut ArrayD<f32>, axis: isize, desired: &dyn Fn(f32) -> f32| -> Result<()> {
            let axis = Axis(crate::ops::resolve_axis(self.name(), axis, w.ndim())?);
            for mut lane in w.lanes_mut(axis) {
                let norm = lane.iter().map(|v| v * v).sum::<f32>().sqrt();
                let factor = desired(norm) / (EPSILON + norm);
                lane.iter_mut().for_each(|v| *v *= factor);
            }
            Ok(())
        };
        match *self {
            Constraint::NonNeg => w.iter_mut().for_each(|v| *v = if *v >= 0.0 { *v } else { 0.0 }),
            Constraint::MaxNorm { max_value, axis } => {
                scale_norms(&mut w, axis, &|n| n.clamp(0.0, max_value))?
            }
            Constraint::UnitNorm { axis } => scale_norms(&mut w, axis, &|_| 1.0)?,
            Constraint::MinMaxNorm {
                min_value,
                max_value,
                rate,
                axis,
            } => scale_norms(&mut w, axis, &|n| {
                rate * n.clamp(min_value, max_value) + (1.0 - rate) * n
            })?,
        }
        *weight = Tensor::from(w);
        Ok(())
    }
}

/// Resolves Keras' constraint names to a constraint with Keras' defaults
/// (`max_norm`: 2; `min_max_norm`: [0, 1], rate 1; all along axis 0).
///
/// ```
/// use kerust::constraints::{self, Constraint};
/// assert_eq!(constraints::get("unit_norm")?, Constraint::unit_norm());
/// assert_eq!(constraints::get("NonNeg")?, Constraint::NonNeg);
/// assert!(constraints::get("typo").is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown name.
pub fn get(name: &str) -> Result<Constraint> {
    let all = [
        Constraint::max_norm(2.0),
        Constraint::min_max_norm(0.0, 1.0),
        Constraint::NonNeg,
        Constraint::unit_norm(),
    ];
    let snake = crate::models::functional::snake_case(name);
    all.into_iter()
        .find(|c| c.name() == name || c.name() == snake)
        .ok_or_else(|| {
            Error::invalid(
                "constraints::get",
                "one of max_norm, min_max_norm, non_neg, unit_norm",
                format!("the unknown constraint identifier {name:?}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn example() -> Tensor {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3537);
        let mut v: Vec<f32> = (0..100 * 100)
            .map(|_| rng.random_range(0.0..1.0f32) * 100.0 - 50.0)
            .collect();
        v[0] = 0.0;
        Tensor::from_vec(&[100, 100], v).unwrap()
    }

    fn column_norms(w: &Tensor) -> Vec<f32> {
        let a = w.as_array();
        a.lanes(Axis(0))
            .into_iter()
            .map(|l| l.iter().map(|v| v * v).sum::<f32>().sqrt())
            .collect()
    }

    /// Keras' constraints_test.py.
    #[test]
    fn keras_constraint_tests() {
        // test_max_norm: columns [0,0,0], [1,0,0], [3,0,0], [3,3,3].
        let x = [
            [0.0f32, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [3.0, 0.0, 0.0],
            [3.0, 3.0, 3.0],
        ];
        let data: Vec<f32> = (0..3).flat_map(|r| x.iter().map(move |c| c[r])).collect();
        let mut w = Tensor::from_vec(&[3, 4], data).unwrap();
        Constraint::max_norm(2.0).apply(&mut w).unwrap();
        let s = 2.0 / 3f32.sqrt();
        let target = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [s, s, s]];
        let got = w.to_vec();
        for (c, column) in target.iter().enumerate() {
            for (r, &t) in column.iter().enumerate() {
                assert!(
                    (got[r * 4 + c] - t).abs() < 1e-6,
                    "({r}, {c}): {} against {t}",
                    got[r * 4 + c]
                );
            }
        }
        let mut w = example();
        Constraint::NonNeg.apply(&mut w).unwrap();
        assert!(w.to_vec().iter().all(|&v| v >= 0.0));
        let mut w = example();
        Constraint::unit_norm().apply(&mut w).unwrap();
        assert!(column_norms(&w).iter().all(|n| (n - 1.0).abs() < 1e-5));
        let mut w = example();
        Constraint::min_max_norm(0.2, 0.5).apply(&mut w).unwrap();
        assert!(
            column_norms(&w)
                .iter()
                .all(|&n| (0.2 - 1e-6..=0.5 + 1e-6).contains(&n))
        );
        // Along axis 1: the rows.
        let mut w = example();
        Constraint::UnitNorm { axis: 1 }.apply(&mut w).unwrap();
        let rows: Vec<f32> = w
            .as_array()
            .lanes(Axis(1))
            .into_iter()
            .map(|l| l.iter().map(|v| v * v).sum::<f32>().sqrt())
            .collect();
        assert!(rows.iter().all(|n| (n - 1.0).abs() < 1e-5));
        assert!(Constraint::UnitNorm { axis: 2 }.apply(&mut w).is_err());
    }
}
