//! Inverted dropout: each element is zeroed with probability `rate` and the
//! survivors are scaled by `1/(1 − rate)`, so the expected value is kept and
//! inference needs no rescaling. The backward applies the same mask.

use ndarray::{ArrayD, IxDyn, Zip};
use rand::RngExt;
use rand::rngs::StdRng;

use crate::autograd::{Tape, Var};
use crate::error::{Error, Result};
use crate::tensor::Tensor;

impl Tape {
    /// Drops elements of `x` with probability `rate`, drawing the mask from
    /// `rng`. A rate of 0 returns `x` itself.
    ///
    /// ```
    /// # use kerust::autograd::Tape;
    /// # use kerust::tensor::Tensor;
    /// use rand::SeedableRng;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// let mut tape = Tape::new();
    /// let x = tape.variable(Tensor::ones(&[1000]));
    /// let y = tape.dropout(x, 0.5, &mut rng)?;
    /// // Kept values are scaled by 1/(1 − rate), so the mean stays near 1.
    /// let kept = tape.value(y)?.to_vec();
    /// assert!(kept.iter().all(|&v| v == 0.0 || v == 2.0));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless `0 ≤ rate < 1`;
    /// [`Error::ForeignVar`] if `x` is not on this tape.
    pub fn dropout(&mut self, x: Var, rate: f32, rng: &mut StdRng) -> Result<Var> {
        self.check("dropout", x)?;
        if !(0.0..1.0).contains(&rate) {
            return Err(Error::invalid(
                "dropout",
                "a rate in [0, 1)",
                format!("rate={rate}"),
            ));
        }
        if rate == 0.0 {
            return Ok(x);
        }
        let scale = 1.0 / (1.0 - rate);
        let shape = self.get(x).shape().to_vec();
        let mask = ArrayD::from_shape_simple_fn(IxDyn(&shape), || {
            if rng.random::<f32>() < rate { 0.0 } else { scale }
        });
        let mut y = self.get(x).view().to_owned();
        y *= &mask;
        Ok(self.record(Tensor::from(y), &[x], move |mut dx, ctx| {
            Zip::from(&mut dx).and(&mask).for_each(|d, &m| *d *= m);
            ctx.accumulate(x, dx);
            Ok(())
        }))
    }
}
