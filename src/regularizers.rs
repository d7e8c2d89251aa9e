//! Weight regularizers (`keras.regularizers`): penalties on a layer's
//! weights added to the loss, as Keras adds `model.losses`.
//! [`Regularizer::L1`] `l1·Σ|w|`, [`Regularizer::L2`] `l2·Σw²`,
//! [`Regularizer::L1L2`] both, and [`Regularizer::Orthogonal`], which
//! pushes the rows (or columns) of a matrix towards orthogonality.

use serde::{Deserialize, Serialize};

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

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
    /// Keras' `OrthogonalRegularizer` on a matrix: with its rows (or
    /// columns) scaled to unit length, `factor · ½ · Σ_{i≠j} |uᵢ·uⱼ|`
    /// divided by the `n(n − 1)/2` pairs. A row of zeros stays zero (its
    /// length is floored at 1e-7, as Keras' `normalize`), and a single
    /// row has no pairs: its penalty is 0, where Keras divides 0 by 0.
    #[serde(rename = "orthogonal_regularizer")]
    Orthogonal {
        /// The factor (Keras' default 0.01).
        factor: f32,
        /// Whether the rows or the columns should be orthogonal.
        mode: OrthogonalMode,
    },
}

/// Which vectors of a matrix [`Regularizer::Orthogonal`] compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrthogonalMode {
    /// The rows (Keras' default): for a Dense kernel `(inputs, units)`,
    /// each input's weights to all units.
    #[default]
    Rows,
    /// The columns: for a Dense kernel, each unit's weights.
    Columns,
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

    /// Keras' `OrthogonalRegularizer(factor, mode)`.
    ///
    /// ```
    /// use kerust::regularizers::{OrthogonalMode, Regularizer};
    /// let r = Regularizer::orthogonal(0.01, OrthogonalMode::Rows);
    /// assert_eq!(r.name(), "orthogonal_regularizer");
    /// ```
    pub fn orthogonal(factor: f32, mode: OrthogonalMode) -> Self {
        Regularizer::Orthogonal { factor, mode }
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
            Regularizer::Orthogonal { .. } => "orthogonal_regularizer",
        }
    }

    /// The factors by name.
    fn factors(&self) -> [(&'static str, f32); 2] {
        match *self {
            Regularizer::L1 { l1 } => [("l1", l1), ("l2", 0.0)],
            Regularizer::L2 { l2 } => [("l1", 0.0), ("l2", l2)],
            Regularizer::L1L2 { l1, l2 } => [("l1", l1), ("l2", l2)],
            Regularizer::Orthogonal { factor, .. } => [("factor", factor), ("factor", factor)],
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
        for (name, v) in self.factors() {
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
        let (l1, l2) = match *self {
            Regularizer::Orthogonal { factor, mode } => return orthogonal(tape, w, factor, mode),
            Regularizer::L1 { l1 } => (l1, 0.0),
            Regularizer::L2 { l2 } => (0.0, l2),
            Regularizer::L1L2 { l1, l2 } => (l1, l2),
        };
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

/// `factor · ½ · Σ_{i≠j} |uᵢ·uⱼ| / (n(n − 1)/2)` over the unit-length rows
/// (or columns) `uᵢ` of the matrix `w`, as Keras' `OrthogonalRegularizer`.
fn orthogonal(tape: &mut Tape, w: Var, factor: f32, mode: OrthogonalMode) -> Result<Var> {
    let shape = tape.value(w)?.shape().to_vec();
    let &[rows, columns] = shape.as_slice() else {
        return Err(Error::invalid(
            "orthogonal_regularizer",
            "a matrix (rank 2)",
            format!("a tensor of shape {shape:?}"),
        ));
    };
    // Rows mode compares the rows; columns mode the rows of the transpose.
    let (w, n) = match mode {
        OrthogonalMode::Rows => (w, rows),
        OrthogonalMode::Columns => (tape.transpose(w)?, columns),
    };
    // Keras' normalize: x · min(1/√Σx², 1/ε), i.e. x / max(‖x‖, ε).
    let squares = tape.mul(w, w)?;
    let sums = tape.sum_axis(squares, 1, true)?;
    let lengths = tape.sqrt(sums)?;
    let floor = tape.constant(Tensor::full(&[n, 1], 1e-7));
    let lengths = tape.maximum(lengths, floor)?;
    let units = tape.div(w, lengths)?;
    let transposed = tape.transpose(units)?;
    let products = tape.matmul(units, transposed)?;
    let off_diagonal = Tensor::from_vec(
        &[n, n],
        (0..n * n)
            .map(|k| if k % (n + 1) == 0 { 0.0 } else { 1.0 })
            .collect(),
    )?;
    let mask = tape.constant(off_diagonal);
    let products = tape.mul(products, mask)?;
    let magnitudes = tape.abs(products)?;
    let total = tape.sum(magnitudes)?;
    // One vector has no pairs: Keras divides 0 by 0 (NaN); 0 here.
    let pairs = (n * n.saturating_sub(1)) as f32 / 2.0;
    let scale = if pairs > 0.0 { factor * 0.5 / pairs } else { 0.0 };
    tape.mul_scalar(total, scale)
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
        "orthogonal_regularizer" | "OrthogonalRegularizer" => {
            Ok(Regularizer::orthogonal(0.01, OrthogonalMode::Rows))
        }
        other => Err(Error::invalid(
            "regularizers::get",
            "one of l1, l2, l1_l2, orthogonal_regularizer",
            format!("the unknown regularizer identifier {other:?}"),
        )),
    }
}
