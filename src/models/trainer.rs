//! `fit`, `evaluate` and `predict`: batches in, steps run, callbacks told.
//! The loop only orchestrates; printing is the `ProgbarLogger`'s, the
//! record is the `History`'s.

use ndarray::{ArrayBase, ArrayD, ArrayViewD, CowArray, Data, Dimension, IxDyn};
use rand::seq::SliceRandom;

use super::Sequential;
use super::data::{BatchTargets, Dataset, IntoTargets, TargetData, check_inputs, check_targets, targets_for};
use super::options::{EvaluateOptions, FitOptions};
use crate::autograd::Var;
use crate::callbacks::{Callback, History, Logs, ProgbarLogger, TrainParams};
use crate::error::{Error, Result};
use crate::layers::Forward;
use crate::losses::{Loss, LossFn};
use crate::metrics::MetricState;
use crate::ops::Activation;
use crate::tensor::Tensor;
use crate::tensor::background::Background;
use crate::utils::progbar::{Progbar, Sink};

impl Sequential {
    /// Trains the model on `x` (samples along axis 0) and targets `y`
    /// (integer class labels of any integer type, or `f32` arrays) and
    /// returns the [`History`] of every epoch's metrics.
    ///
    /// Prints what Keras prints: `Epoch 1/5`, then a progress bar ending
    /// `1500/1500 ━━━━━━━━━━━━━━━━━━━━ 1s 1ms/step - accuracy: 0.7947 - loss: 0.6069`
    /// (with `val_` entries when there is validation data).
    ///
    /// ```
    /// use kerust::prelude::*;
    /// use ndarray::{Array1, Array2};
    ///
    /// let x = Array2::from_shape_fn((64, 2), |(i, j)| if (i % 2 == 0) == (j == 0) { 1.0 } else { 0.0 });
    /// let y = Array1::from_shape_fn(64, |i| (i % 2) as u8);
    /// let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(2)]);
    /// model.compile_with(SGD::new().learning_rate(0.5), "sparse_categorical_crossentropy", &["accuracy"])?;
    /// let history = model.fit(&x, &y, FitOptions::default().epochs(20).verbose(0))?;
    /// assert_eq!(history.last("accuracy"), Some(1.0));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// If the model is not compiled; `x` and `y` differ in length; `x`'s
    /// samples do not have the model's input shape; a label is not below
    /// the number of output units, or one-hot targets have the wrong width;
    /// `batch_size` is 0; the data is empty; `validation_split` is outside
    /// `[0, 1)`; `x` holds NaN or infinite values (the message names the row).
    pub fn fit<S, D, Y>(&mut self, x: &ArrayBase<S, D>, y: &Y, mut options: FitOptions<'_>) -> Result<History>
    where
        S: Data<Elem = f32>,
        D: Dimension,
        Y: IntoTargets + ?Sized,
    {
        const OP: &str = "fit";
        let loss = self.compiled(OP)?.loss.loss;
        if options.batch_size == 0 {
            return Err(Error::invalid(OP, "a batch_size of at least 1", "batch_size=0"));
        }
        if !(0.0..1.0).contains(&options.validation_split) {
            return Err(Error::invalid(
                OP,
                "validation_split in [0, 1)",
                format!("validation_split={}", options.validation_split),
            ));
        }
        let data = self.prepare(OP, x.view().into_dyn(), y.to_targets()?, loss)?;
        let (train, validation) = match options.validation_data {
            Some((vx, vy)) => {
                let validation = self.prepare("fit (validation_data)", vx, vy.to_targets()?, loss)?;
                (data, Some(validation))
            }
            None if options.validation_split > 0.0 => {
                let n = data.len();
                let split_at = (n as f64 * (1.0 - options.validation_split)).floor() as usize;
                if split_at == 0 || split_at == n {
                    return Err(Error::invalid(
                        OP,
                        "a validation_split that leaves samples for both training and validation",
                        format!(
                            "validation_split={} of {n} samples: {split_at} for training, {} for validation",
                            options.validation_split,
                            n - split_at
                        ),
                    ));
                }
                let x_val = data
                    .x
                    .slice_axis(ndarray::Axis(0), (split_at..n).into())
                    .to_owned();
                let validation = Dataset {
                    x: CowArray::from(x_val),
                    y: data.y.slice(split_at..n),
                };
                let x_train = data
                    .x
                    .slice_axis(ndarray::Axis(0), (0..split_at).into())
                    .to_owned();
                let train = Dataset {
                    x: CowArray::from(x_train),
                    y: data.y.slice(0..split_at),
                };
                (train, Some(validation))
            }
            None => (data, None),
        };

        let n = train.len();
        let batch_size = options.batch_size;
        let params = TrainParams {
            epochs: options.epochs,
            steps: n.div_ceil(batch_size),
            verbose: options.verbose,
        };
        // The user's callbacks first, then the record and the progress bar,
        // which therefore see what the others add to the logs.
        let mut history = History::default();
        let mut progress = ProgbarLogger::new();
        let mut callbacks: Vec<&mut dyn Callback> = options.callbacks.iter_mut().map(|c| &mut **c).collect();
        callbacks.push(&mut history);
        if options.verbose > 0 {
            callbacks.push(&mut progress);
        }
        self.stop_requested = false;
        for c in callbacks.iter_mut() {
            c.on_train_begin(self, &params)?;
        }

        let mut metrics = self.metric_states(&train.y)?;
        let mut order: Vec<usize> = (0..n).collect();
        let mut logs = Logs::new();
        for epoch in options.initial_epoch..options.epochs {
            logs.clear();
            for c in callbacks.iter_mut() {
                c.on_epoch_begin(self, epoch)?;
            }
            if let Some(seed) = options.seed {
                // Each epoch's randomness depends on the seed and the epoch
                // only (its permutation starts from 0..n), so a run resumed
                // at `initial_epoch` repeats it. Without a seed the model's
                // own generator keeps reshuffling the previous order.
                self.rng = rand::SeedableRng::seed_from_u64(epoch_seed(seed, epoch));
                order.iter_mut().enumerate().for_each(|(i, o)| *o = i);
            }
            if options.shuffle {
                order.shuffle(&mut self.rng);
            }
            metrics.iter_mut().for_each(MetricState::reset);
            let (mut loss_sum, mut seen) = (0.0f64, 0usize);
            // The batch gathered while the previous one trained.
            let mut gathered: Option<Tensor> = None;
            let mut batches = order.chunks(batch_size).enumerate().peekable();
            while let Some((batch, rows)) = batches.next() {
                for c in callbacks.iter_mut() {
                    c.on_train_batch_begin(self, batch)?;
                }
                let targets = train.y.gather(rows);
                self.tape.clear();
                let [current, spare] = &mut self.batches;
                let (current, spare) = if batch % 2 == 0 {
                    (current, spare)
                } else {
                    (spare, current)
                };
                let inputs = gathered.take().unwrap_or_else(|| train.gather_x(rows, current));
                // Gather the next batch on an idle helper thread while this
                // one trains: shuffled rows are scattered over the whole
                // array, and waiting for memory is most of a small step.
                let mut spare = spare.take();
                let loss_value = match batches.peek() {
                    Some(&(_, next)) => {
                        let copy = train.row_copier(next, &mut spare);
                        let background = Background::start(next.len(), &copy);
                        let loss_value = self.step(inputs, &targets, true, &mut metrics);
                        background.finish();
                        drop(copy);
                        gathered = spare.clone();
                        loss_value?
                    }
                    None => self.step(inputs, &targets, true, &mut metrics)?,
                };
                self.batches[(batch + 1) % 2] = spare;
                loss_sum += f64::from(loss_value) * rows.len() as f64;
                seen += rows.len();
                write_logs(&mut logs, "", loss_sum / seen as f64, &metrics);
                for c in callbacks.iter_mut() {
                    c.on_train_batch_end(self, batch, &logs)?;
                }
                if self.stop_requested {
                    break;
                }
            }
            if let Some(validation) = &validation {
                let (val_loss, val_metrics) = self.run_evaluation(validation, batch_size, None)?;
                write_logs(&mut logs, "val_", val_loss, &val_metrics);
            }
            for c in callbacks.iter_mut() {
                c.on_epoch_end(self, epoch, &mut logs)?;
            }
            if self.stop_requested {
                break;
            }
        }
        for c in callbacks.iter_mut() {
            c.on_train_end(self, &logs)?;
        }
        drop(callbacks);
        Ok(history)
    }

    /// Loss and metrics of the model on `x`, `y`: `[loss, metrics…]` in the
    /// order given to `compile`, as Keras' `evaluate` returns them. Prints a
    /// progress bar; see [`evaluate_with`](Sequential::evaluate_with) to
    /// change that or the batch size.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let x = ndarray::Array2::<f32>::zeros((4, 3));
    /// let y = ndarray::Array1::<u8>::from(vec![0, 1, 0, 1]);
    /// let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    /// model.compile("sparse_categorical_crossentropy", &["accuracy"])?;
    /// let scores = model.evaluate(&x, &y)?; // [loss, accuracy]
    /// assert!((scores[0] - 2f64.ln()).abs() < 1e-6); // zero inputs: uniform predictions
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Sequential::fit), for the data.
    pub fn evaluate<S, D, Y>(&mut self, x: &ArrayBase<S, D>, y: &Y) -> Result<Vec<f64>>
    where
        S: Data<Elem = f32>,
        D: Dimension,
        Y: IntoTargets + ?Sized,
    {
        self.evaluate_with(x, y, EvaluateOptions::default())
    }

    /// [`evaluate`](Sequential::evaluate) with explicit options.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let x = ndarray::Array2::<f32>::zeros((4, 3));
    /// let y = ndarray::Array1::<u8>::from(vec![0, 1, 0, 1]);
    /// let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    /// model.compile("sparse_categorical_crossentropy", &["accuracy"])?;
    /// let scores = model.evaluate_with(&x, &y, EvaluateOptions::default().verbose(0))?;
    /// assert_eq!(scores.len(), 2);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`evaluate`](Sequential::evaluate), and a `batch_size` of 0.
    pub fn evaluate_with<S, D, Y>(
        &mut self,
        x: &ArrayBase<S, D>,
        y: &Y,
        options: EvaluateOptions,
    ) -> Result<Vec<f64>>
    where
        S: Data<Elem = f32>,
        D: Dimension,
        Y: IntoTargets + ?Sized,
    {
        const OP: &str = "evaluate";
        let loss = self.compiled(OP)?.loss.loss;
        if options.batch_size == 0 {
            return Err(Error::invalid(OP, "a batch_size of at least 1", "batch_size=0"));
        }
        let data = self.prepare(OP, x.view().into_dyn(), y.to_targets()?, loss)?;
        let (loss, metrics) = self.run_evaluation(&data, options.batch_size, Some(options.verbose))?;
        Ok(std::iter::once(loss)
            .chain(metrics.iter().map(MetricState::result))
            .collect())
    }

    /// The model's outputs for `x`, computed batch by batch (dropout off),
    /// with samples along axis 0: shape `(samples, outputs…)`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
    /// model.compile("sparse_categorical_crossentropy", &["accuracy"])?;
    /// let probabilities = model.predict(&ndarray::Array2::<f32>::ones((5, 4)))?;
    /// assert_eq!(probabilities.shape(), &[5, 3]);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// If the model is not compiled, or `x` does not fit its input.
    pub fn predict<S, D>(&mut self, x: &ArrayBase<S, D>) -> Result<ArrayD<f32>>
    where
        S: Data<Elem = f32>,
        D: Dimension,
    {
        self.predict_with(x, EvaluateOptions::default().verbose(0))
    }

    /// [`predict`](Sequential::predict) with explicit options.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
    /// model.compile("sparse_categorical_crossentropy", &["accuracy"])?;
    /// let x = ndarray::Array2::<f32>::ones((5, 4));
    /// let probabilities = model.predict_with(&x, EvaluateOptions::default().verbose(0))?;
    /// assert!((probabilities.sum() - 5.0).abs() < 1e-5); // each row sums to 1
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`predict`](Sequential::predict), and a `batch_size` of 0.
    pub fn predict_with<S, D>(&mut self, x: &ArrayBase<S, D>, options: EvaluateOptions) -> Result<ArrayD<f32>>
    where
        S: Data<Elem = f32>,
        D: Dimension,
    {
        const OP: &str = "predict";
        self.compiled(OP)?;
        if options.batch_size == 0 {
            return Err(Error::invalid(OP, "a batch_size of at least 1", "batch_size=0"));
        }
        let x = self.prepare_inputs(OP, x.view().into_dyn())?;
        let n = x.shape()[0];
        let data = Dataset {
            x,
            y: TargetData::Classes(vec![0; n]),
        };
        let steps = n.div_ceil(options.batch_size) as u64;
        let mut bar = Progbar::new(steps, options.verbose, Sink::Stdout);
        let mut outputs = Vec::new();
        let rows: Vec<usize> = (0..n).collect();
        for (b, chunk) in rows.chunks(options.batch_size).enumerate() {
            self.tape.clear();
            let batch = data.gather_x(chunk, &mut self.batches[0]);
            let out = self.forward(batch, false, false)?;
            outputs.push(self.tape.value(out.0)?.view().to_owned());
            bar.update(b as u64 + 1, &[]);
        }
        bar.finish(steps, &[]);
        let views: Vec<_> = outputs.iter().map(|o| o.view()).collect();
        Ok(ndarray::concatenate(ndarray::Axis(0), &views)?)
    }

    /// Builds the model from the data if needed, then validates inputs and targets.
    fn prepare<'x>(
        &mut self,
        op: &'static str,
        x: ndarray::ArrayViewD<'x, f32>,
        y: TargetData,
        loss: Loss,
    ) -> Result<Dataset<'x>> {
        let x = self.prepare_inputs(op, x)?;
        let output = self.output_shape().map(<[usize]>::to_vec).unwrap_or_default();
        let y = targets_for(op, y, loss)?;
        check_targets(op, &y, x.shape()[0], &output, loss)?;
        Ok(Dataset { x, y })
    }

    fn prepare_inputs<'x>(
        &mut self,
        op: &'static str,
        x: ndarray::ArrayViewD<'x, f32>,
    ) -> Result<CowArray<'x, f32, IxDyn>> {
        if self.layers.is_empty() {
            return Err(Error::invalid(
                op,
                "a model with at least one layer",
                "an empty Sequential",
            ));
        }
        if let Some(e) = &self.build_error {
            return Err(Error::invalid(op, "a model whose layers build", e.clone()));
        }
        if !self.is_built() && x.ndim() >= 2 {
            self.build(&x.shape()[1..])?;
        }
        check_inputs(op, x, self.input_shape.as_deref())
    }

    fn metric_states(&self, targets: &TargetData) -> Result<Vec<MetricState>> {
        let outputs = self.output_shape().and_then(|s| s.last().copied()).unwrap_or(1);
        Ok(self
            .compiled("fit")?
            .metrics
            .iter()
            .map(|&(name, m)| MetricState::new(name, m.resolve(targets.is_sparse(), outputs)))
            .collect())
    }

    /// Mean loss and metrics over `data`, in order, without training.
    fn run_evaluation(
        &mut self,
        data: &Dataset<'_>,
        batch_size: usize,
        verbose: Option<u8>,
    ) -> Result<(f64, Vec<MetricState>)> {
        let mut metrics = self.metric_states(&data.y)?;
        let n = data.len();
        let steps = n.div_ceil(batch_size) as u64;
        // Only a visible bar needs the running values.
        let mut bar = verbose
            .filter(|&v| v > 0)
            .map(|v| Progbar::new(steps, v, Sink::Stdout));
        let mut logs = Logs::new();
        let (mut loss_sum, mut seen) = (0.0f64, 0usize);
        let rows: Vec<usize> = (0..n).collect();
        for (b, chunk) in rows.chunks(batch_size).enumerate() {
            let targets = data.y.gather(chunk);
            self.tape.clear();
            let batch = data.gather_x(chunk, &mut self.batches[0]);
            let loss_value = self.step(batch, &targets, false, &mut metrics)?;
            loss_sum += f64::from(loss_value) * chunk.len() as f64;
            seen += chunk.len();
            if let Some(bar) = &mut bar {
                write_logs(&mut logs, "", loss_sum / seen as f64, &metrics);
                let values: Vec<(&str, f64)> = logs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                bar.update(b as u64 + 1, &values);
            }
        }
        let loss = loss_sum / seen.max(1) as f64;
        if let Some(bar) = &mut bar {
            write_logs(&mut logs, "", loss, &metrics);
            let values: Vec<(&str, f64)> = logs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            bar.finish(steps, &values);
        }
        Ok((loss, metrics))
    }

    /// Records the forward pass of a batch on the tape. With `logits`, the
    /// last layer's final activation is left out and returned, for a loss
    /// computed from logits. The weights enter the tape as variables only
    /// when training.
    fn forward(
        &mut self,
        x: Tensor,
        training: bool,
        logits: bool,
    ) -> Result<(Var, Vec<Var>, Option<Activation>)> {
        let Sequential {
            layers, tape, rng, ..
        } = self;
        tape.clear();
        let mut h = tape.constant(x);
        let mut vars = Vec::new();
        let last = layers.len() - 1;
        let mut skipped = None;
        for (i, layer) in layers.iter_mut().enumerate() {
            // Each layer's weights enter the tape just before its op.
            let start = vars.len();
            for p in layer.params() {
                let value = p.value.clone();
                vars.push(if training && p.trainable {
                    tape.variable(value)
                } else {
                    tape.constant(value)
                });
            }
            let mut f = Forward {
                tape,
                params: &vars[start..],
                training,
                rng,
            };
            h = if i == last && logits {
                skipped = layer.output_activation();
                layer.forward_pre_activation(&mut f, h)?
            } else {
                layer.forward(&mut f, h)?
            };
        }
        Ok((h, vars, skipped))
    }

    /// One batch: forward, loss, metrics, and with `training` backward and
    /// update. Returns the batch loss.
    fn step(
        &mut self,
        x: Tensor,
        y: &BatchTargets,
        training: bool,
        metrics: &mut [MetricState],
    ) -> Result<f32> {
        let loss_fn = self.compiled("fit")?.loss;
        // A cross-entropy on probabilities that follow a softmax (sigmoid) is
        // computed from the logits, as Keras' TensorFlow backend does.
        let fuse = !loss_fn.from_logits
            && matches!(
                (
                    loss_fn.loss,
                    self.layers.last().and_then(|l| l.output_activation())
                ),
                (
                    Loss::SparseCategoricalCrossentropy | Loss::CategoricalCrossentropy,
                    Some(Activation::Softmax)
                ) | (Loss::BinaryCrossentropy, Some(Activation::Sigmoid))
            );
        let (out, vars, skipped) = self.forward(x, training, fuse)?;
        let effective = LossFn {
            loss: loss_fn.loss,
            from_logits: loss_fn.from_logits || fuse,
        };
        let loss = effective.compute(&mut self.tape, y.as_targets(), out)?;
        let loss_value = self.tape.value(loss)?.item()?;
        update_metrics(metrics, y, &self.tape.value(out)?.view(), skipped);
        if training {
            self.tape.backward(loss)?;
            let mut grads = Vec::new();
            let mut k = 0;
            for layer in &self.layers {
                for p in layer.params() {
                    if p.trainable {
                        grads.push(self.tape.take_grad(vars[k])?);
                    }
                    k += 1;
                }
            }
            // Let go of the tape's handles so the update below is in place.
            self.tape.clear();
            let Some(compiled) = self.compiled.as_mut() else {
                return Err(Error::invalid(
                    "fit",
                    "a compiled model",
                    "You must call `compile()` before using the model.",
                ));
            };
            let mut params: Vec<&mut Tensor> = self
                .layers
                .iter_mut()
                .flat_map(|l| l.params_mut())
                .filter(|p| p.trainable)
                .map(|p| &mut p.value)
                .collect();
            compiled.optimizer.apply(&mut params, &grads)?;
            for grad in grads.into_iter().flatten() {
                self.tape.recycle(grad);
            }
        }
        Ok(loss_value)
    }
}

/// Counts one batch in every metric. `skipped` is the final activation the
/// forward pass left out because the loss reads logits: decisions read the
/// logits in place (after a left-out sigmoid the binary decision is at
/// logit 0; arg-max is unchanged by softmax), values (mse, mae) read the
/// activated outputs, computed only when such a metric is there.
fn update_metrics(
    metrics: &mut [MetricState],
    targets: &BatchTargets,
    scores: &ArrayViewD<'_, f32>,
    skipped: Option<Activation>,
) {
    if metrics.is_empty() {
        return;
    }
    let threshold = if skipped == Some(Activation::Sigmoid) {
        0.0
    } else {
        0.5
    };
    let activated = skipped
        .filter(|_| metrics.iter().any(|m| m.kind.reads_values()))
        .map(|activation| {
            let mut a = scores.to_owned();
            activation.apply(a.view_mut());
            a
        });
    let activated = activated.as_ref().map(|a| a.view());
    let Some(logits) = rows(scores) else {
        return;
    };
    let values = activated.as_ref().and_then(|a| rows(a));
    for m in metrics {
        match &values {
            Some(v) if m.kind.reads_values() => m.update_scores(targets.as_targets(), v.view(), 0.5),
            _ => m.update_scores(targets.as_targets(), logits.view(), threshold),
        }
    }
}

/// Outputs `(samples, …)` as a row-major `(samples, values)` matrix.
fn rows<'a>(scores: &'a ArrayViewD<'_, f32>) -> Option<CowArray<'a, f32, ndarray::Ix2>> {
    let n = scores.shape().first().copied().unwrap_or(0);
    let width = scores.len() / n.max(1);
    // Row-major (made so) with n·width elements: always one matrix.
    scores.as_standard_layout().into_shape_with_order((n, width)).ok()
}

/// SplitMix64 of the seed and the epoch: well-spread seeds for neighbouring epochs.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    let mut z = seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Sets `loss` and each metric's result in `logs`, under `prefix` (`""` or
/// `"val_"`). Entries already there are updated in place, so the batch
/// loop allocates no keys after its first batch.
fn write_logs(logs: &mut Logs, prefix: &str, loss: f64, metrics: &[MetricState]) {
    let entries = std::iter::once(("loss", loss)).chain(metrics.iter().map(|m| (m.name, m.result())));
    for (name, value) in entries {
        match logs.get_mut(name).filter(|_| prefix.is_empty()) {
            Some(slot) => *slot = value,
            None => {
                logs.insert(format!("{prefix}{name}"), value);
            }
        }
    }
}
