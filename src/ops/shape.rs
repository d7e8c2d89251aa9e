//! Operations that move elements without computing: reshape, flatten,
//! transpose and permute. Their backward moves the gradient back.

use ndarray::IxDyn;

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result, fmt_shape};
use crate::tensor::Tensor;

impl Tape {
    /// The same elements (in row-major order) under a new shape with the
    /// same number of elements. A contiguous input is not copied.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[2, 6]));
    /// let y = tape.reshape(x, &[3, 4])?;
    /// assert_eq!(tape.value(y)?.shape(), &[3, 4]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if the element
    /// counts differ; [`Error::ForeignVar`](crate::Error::ForeignVar) if `x`
    /// is not on this tape.
    pub fn reshape(&mut self, x: Var, shape: &[usize]) -> Result<Var> {
        self.check("reshape", x)?;
        let xv = self.get(x);
        let count: usize = shape.iter().product();
        if count != xv.len() {
            return Err(Error::shape(
                "reshape",
                format!(
                    "a target shape with {} elements like the input {}",
                    xv.len(),
                    fmt_shape(xv.shape())
                ),
                format!("target shape {} with {count} elements", fmt_shape(shape)),
            ));
        }
        let y = reshaped(xv, shape)?;
        Ok(self.record(y, &[x], move |grad, ctx| {
            let shape = ctx.value(x).shape();
            let grad = if grad.is_standard_layout() {
                grad
            } else {
                grad.as_standard_layout().into_owned()
            };
            let dx = grad.into_shape_with_order(IxDyn(shape))?;
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }

    /// Flattens all axes but the first: `(N, d₁, …, dₖ)` → `(N, d₁·…·dₖ)`,
    /// like Keras' `Flatten` layer (a rank-1 input becomes `(N, 1)`).
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[32, 28, 28]));
    /// let y = tape.flatten(x)?;
    /// assert_eq!(tape.value(y)?.shape(), &[32, 784]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) for a rank-0
    /// input; [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not
    /// on this tape.
    pub fn flatten(&mut self, x: Var) -> Result<Var> {
        self.check("flatten", x)?;
        let shape = self.get(x).shape();
        let Some((&batch, rest)) = shape.split_first() else {
            return Err(Error::shape(
                "flatten",
                "an input with a batch axis (rank >= 1)",
                "a scalar",
            ));
        };
        let target = [batch, rest.iter().product()];
        self.reshape(x, &target)
    }

    /// Reverses the order of the axes (a matrix transpose for rank 2), as a
    /// strided view: nothing is copied.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?);
    /// let y = tape.transpose(x)?;
    /// assert_eq!(tape.value(y)?.shape(), &[3, 2]);
    /// assert_eq!(tape.value(y)?.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ForeignVar`](crate::Error::ForeignVar) if `x` is not on this tape.
    pub fn transpose(&mut self, x: Var) -> Result<Var> {
        self.check("transpose", x)?;
        let axes: Vec<usize> = (0..self.get(x).ndim()).rev().collect();
        self.permute(x, &axes)
    }

    /// Reorders the axes: output axis `i` is input axis `axes[i]`. A strided
    /// view; nothing is copied.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::zeros(&[2, 3, 4]));
    /// let y = tape.permute(x, &[2, 0, 1])?;
    /// assert_eq!(tape.value(y)?.shape(), &[4, 2, 3]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `axes`
    /// is not a permutation of `0..rank`; [`Error::ForeignVar`](crate::Error::ForeignVar)
    /// if `x` is not on this tape.
    pub fn permute(&mut self, x: Var, axes: &[usize]) -> Result<Var> {
        self.check("permute", x)?;
        let ndim = self.get(x).ndim();
        let mut seen = vec![false; ndim];
        let valid = axes.len() == ndim
            && axes
                .iter()
                .all(|&a| a < ndim && !std::mem::replace(&mut seen[a], true));
        if !valid {
            return Err(Error::invalid(
                "permute",
                format!("a permutation of the axes 0..{ndim}"),
                format!("{axes:?}"),
            ));
        }
        let y = Tensor::from(self.get(x).as_array().clone().permuted_axes(IxDyn(axes)));
        let mut inverse = vec![0; ndim];
        for (i, &a) in axes.iter().enumerate() {
            inverse[a] = i;
        }
        Ok(self.record(y, &[x], move |grad, ctx| {
            ctx.accumulate(x, grad.permuted_axes(IxDyn(&inverse)));
            Ok(())
        }))
    }
}

/// `t` under `shape` (same element count), sharing storage when `t` is contiguous.
fn reshaped(t: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let array = t.as_array();
    let result = if array.is_standard_layout() {
        array.clone().into_shape_with_order(IxDyn(shape))
    } else {
        array
            .as_standard_layout()
            .into_owned()
            .into_shared()
            .into_shape_with_order(IxDyn(shape))
    };
    Ok(Tensor::from(result?))
}
