//! Weight regularizers (`keras.regularizers`): penalties on a layer's
//! weights added to the loss, as Keras adds `model.losses`.
//! [`Regularizer::L1`] `l1·Σ|w|`, [`Regularizer::L2`] `l2·Σw²` and
//! [`Regularizer::L1L2`] both.

use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};

/// A penalty on a weight, added to the loss of every step (training and
/// evaluation alike, as Keras' `compute_loss` adds it).
///
/// ```
/// # use kerust::prelude::*;
/// use kerust::regularizers::Regularizer;
/// let layer = Dense::new(64).kernel_regularizer(Regularizer::l2(0.01));
/// # let _ = layer;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regularizer {
    /// `l1·Σ|w|`.
    L1 {
        /// The factor (Keras' default 0.01).
        l1: f32,
    },
    /// `l2·Σw²`.
    L2 {
        /// The factor (Keras' default 0.01).
        l2: f32,
    },
    /// `l1·Σ|w| + l2·Σw²`.
    L1L2 {
        /// The L1 factor (Keras' default 0).
        l1: f32,
        /// The L2 factor (Keras' default 0).
        l2: f32,
    },
}

impl Regularizer {
    /// Keras' `L1(l1)`.
    ///
    /// ```
    /// use kerust::regularizers::Regularizer;
    /// assert_eq!(Regularizer::l1(0.01), Regularizer::L1 { l1: 0.01 });
    /// ```
    pub fn l1(l1: f32) -> Self {
        Regularizer::L1 { l1 }
    }

    /// Keras' `L2(l2)`.
    ///
    /// ```
    /// use kerust::regularizers::Regularizer;
    /// assert_eq!(Regularizer::l2(0.01), Regularizer::L2 { l2: 0.01 });
    /// ```
    pub fn l2(l2: f32) -> Self {
        Regularizer::L2 { l2 }
    }

    /// Keras' `L1L2(l1, l2)`.
    ///
    /// ```
    /// use kerust::regularizers::Regularizer;
    /// assert_eq!(Regularizer::l1_l2(0.1, 0.2), Regularizer::L1L2 { l1: 0.1, l2: 0.2 });
    /// ```
    pub fn l1_l2(l1: f32, l2: f32) -> Self {
        Regularizer::L1L2 { l1, l2 }
    }

    /// Keras' name.
    ///
    /// ```
    /// assert_eq!(kerust::regularizers::Regularizer::l2(0.1).name(), "l2");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Regularizer::L1 { .. } => "l1",
            Regularizer::L2 { .. } => "l2",
            Regularizer::L1L2 { .. } => "l1_l2",
        }
    }

    /// The factors `(l1, l2)`.
    fn factors(&self) -> (f32, f32) {
        match *self {
            Regularizer::L1 { l1 } => (l1, 0.0),
            Regularizer::L2 { l2 } => (0.0, l2),
            Regularizer::L1L2 { l1, l2 } => (l1, l2),
        }
    }

    /// Checks the factors: finite and not negative.
    ///
    /// ```
    /// use kerust::regularizers::Regularizer;
    /// assert!(Regularizer::l2(-1.0).check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the factor.
    pub fn check(&self) -> Result<()> {
        let (l1, l2) = self.factors();
        for (name, v) in [("l1", l1), ("l2", l2)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid(
                    self.name(),
                    format!("a finite {name} >= 0"),
                    format!("{name}={v}"),
                ));
            }
        }
        Ok(())
    }

    /// Records the penalty of weight `w` on the tape.
    ///
    /// ```
    /// use kerust::autograd::Tape;
    /// use kerust::regularizers::Regularizer;
    /// use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let w = tape.variable(Tensor::from_vec(&[2], vec![1.0, -2.0])?);
    /// let p = Regularizer::l1_l2(0.5, 0.25).penalty(&mut tape, w)?;
    /// assert_eq!(tape.value(p)?.item()?, 0.5 * 3.0 + 0.25 * 5.0);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// The errors of [`check`](Regularizer::check), and of the tape.
    pub fn penalty(&self, tape: &mut Tape, w: Var) -> Result<Var> {
        self.check()?;
        let (l1, l2) = self.factors();
        // l1·Σ|w| + l2·Σw², each term only when its factor is set (and 0·Σw
        // when neither is, so the penalty is always a scalar on the tape).
        let mut total: Option<Var> = None;
        for (factor, squared) in [(l1, false), (l2, true)] {
            if factor <= 0.0 {
                continue;
            }
            let values = if squared { tape.mul(w, w)? } else { tape.abs(w)? };
            let sum = tape.sum(values)?;
            let term = tape.mul_scalar(sum, factor)?;
            total = Some(match total {
                Some(previous) => tape.add(previous, term)?,
                None => term,
            });
        }
        match total {
            Some(total) => Ok(total),
            None => {
                let sum = tape.sum(w)?;
                tape.mul_scalar(sum, 0.0)
            }
        }
    }
}

/// Resolves Keras' regularizer names to one with Keras' defaults (`l1`
/// and `l2`: 0.01; `l1_l2`: 0 and 0).
///
/// ```
/// use kerust::regularizers::{self, Regularizer};
/// assert_eq!(regularizers::get("l2")?, Regularizer::l2(0.01));
/// assert!(regularizers::get("l3").is_err());
/// # Ok::<(), kerust::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidArgument`] for an unknown name.
pub fn get(name: &str) -> Result<Regularizer> {
    match name {
        "l1" | "L1" => Ok(Regularizer::l1(0.01)),
        "l2" | "L2" => Ok(Regularizer::l2(0.01)),
        "l1_l2" | "L1L2" => Ok(Regularizer::l1_l2(0.0, 0.0)),
        other => Err(Error::invalid(
            "regularizers::get",
            "one of l1, l2, l1_l2",
            format!("the unknown regularizer identifier {other:?}"),
        )),
    }
}
