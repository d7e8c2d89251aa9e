//! `predict`, `predict_many`, `predict_on_batch`: the model's outputs,
//! batch by batch, with dropout off. No compile needed, as in Keras.

use ndarray::ArrayD;

use super::Model;
use super::arrays::IntoInputs;
use super::dataset::Dataset;
use super::model::not_built;
use super::options::EvaluateOptions;
use crate::error::{Error, Result};
use crate::utils::progbar::{Progbar, Sink};

impl Model {
    /// The model's outputs for `x`, computed batch by batch (dropout off),
    /// with samples along axis 0: shape `(samples, outputs…)`. For a model
    /// with several outputs, see [`predict_many`](Model::predict_many).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
    /// let probabilities = model.predict(&ndarray::Array2::<f32>::ones((5, 4)))?;
    /// assert_eq!(probabilities.shape(), &[5, 3]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// If `x` does not fit the model's inputs, or the model has several outputs.
    pub fn predict<X: IntoInputs + ?Sized>(&mut self, x: &X) -> Result<ArrayD<f32>> {
        self.predict_with(x, EvaluateOptions::default().verbose(0))
    }

    /// [`predict`](Model::predict) with explicit options.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
    /// let x = ndarray::Array2::<f32>::ones((5, 4));
    /// let probabilities = model.predict_with(&x, EvaluateOptions::default().verbose(0))?;
    /// assert!((probabilities.sum() - 5.0).abs() < 1e-5); // each row sums to 1
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`predict`](Model::predict), and a `batch_size` of 0.
    pub fn predict_with<X: IntoInputs + ?Sized>(
        &mut self,
        x: &X,
        options: EvaluateOptions,
    ) -> Result<ArrayD<f32>> {
        let mut outputs = self.predict_many_with("predict", x, options)?;
        match outputs.len() {
            1 => Ok(outputs.remove(0)),
            n => Err(Error::invalid(
                "predict",
                "a model with one output",
                format!("{n} outputs (use predict_many)"),
            )),
        }
    }

    /// Every output of the model for `x`, in the order of its outputs.
    ///
    /// ```
    /// use kerust::prelude::*;
    /// let x = Input::new(4);
    /// let mut model = Model::new(&x, &[Dense::new(3).call(&x)?, Dense::new(1).call(&x)?])?;
    /// let outputs = model.predict_many(&ndarray::Array2::<f32>::ones((5, 4)))?;
    /// assert_eq!((outputs[0].shape(), outputs[1].shape()), (&[5, 3][..], &[5, 1][..]));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`predict`](Model::predict).
    pub fn predict_many<X: IntoInputs + ?Sized>(&mut self, x: &X) -> Result<Vec<ArrayD<f32>>> {
        self.predict_many_with("predict", x, EvaluateOptions::default().verbose(0))
    }

    /// The outputs for one batch, in one step (Keras' `predict_on_batch`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(3).input_shape(4)]);
    /// let out = model.predict_on_batch(&ndarray::Array2::<f32>::ones((2, 4)))?;
    /// assert_eq!(out[0].shape(), &[2, 3]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`predict`](Model::predict).
    pub fn predict_on_batch<X: IntoInputs + ?Sized>(&mut self, x: &X) -> Result<Vec<ArrayD<f32>>> {
        let rows = x
            .input_views()
            .first()
            .map_or(1, |v| v.shape().first().copied().unwrap_or(1));
        let options = EvaluateOptions::default().verbose(0).batch_size(rows.max(1));
        self.predict_many_with("predict_on_batch", x, options)
    }

    fn predict_many_with<X: IntoInputs + ?Sized>(
        &mut self,
        op: &'static str,
        x: &X,
        options: EvaluateOptions,
    ) -> Result<Vec<ArrayD<f32>>> {
        if options.batch_size == 0 {
            return Err(Error::invalid(op, "a batch_size of at least 1", "batch_size=0"));
        }
        let xs = self.prepare_inputs(op, x.input_views())?;
        let data = Dataset {
            xs,
            ys: Vec::new(),
            weights: None,
        };
        let n = data.len();
        let steps = n.div_ceil(options.batch_size) as u64;
        let mut bar = Progbar::new(steps, options.verbose, Sink::Stdout);
        let graph = self.graph.as_ref().ok_or_else(|| not_built(op))?;
        let mut outputs: Vec<Vec<ArrayD<f32>>> = vec![Vec::new(); graph.outputs.len()];
        let rows: Vec<usize> = (0..n).collect();
        for (b, chunk) in rows.chunks(options.batch_size).enumerate() {
            self.tape.clear();
            let batch = data.gather_x(chunk, &mut self.batches[0]);
            let pass = graph.forward(&mut self.tape, &mut self.rng, batch, false, &[])?;
            for (list, &out) in outputs.iter_mut().zip(&pass.outputs) {
                list.push(self.tape.value(out)?.view().to_owned());
            }
            bar.update(b as u64 + 1, &[]);
        }
        bar.finish(steps, &[]);
        outputs
            .iter()
            .map(|parts| {
                let views: Vec<_> = parts.iter().map(|o| o.view()).collect();
                Ok(ndarray::concatenate(ndarray::Axis(0), &views)?)
            })
            .collect()
    }
}
