//! `fit`, `evaluate`, `train_on_batch`, `test_on_batch`: batches in, steps
//! run, callbacks told — for every model, whatever its inputs and outputs.
//! The loop only orchestrates; printing is the `ProgbarLogger`'s, the
//! record is the `History`'s, the running means are the `Tracker`'s.

use ndarray::{ArrayViewD, CowArray, IxDyn};
use rand::seq::SliceRandom;

use super::Model;
use super::arrays::{IntoInputs, IntoTargetList};
use super::data::{BatchTargets, TargetData, check_inputs, check_targets, targets_for};
use super::dataset::Dataset;
use super::model::{not_built, not_compiled};
use super::options::{EvaluateOptions, FitOptions, SampleWeighting};
use super::tracker::Tracker;
use crate::callbacks::{Callback, History, Logs, ProgbarLogger, TrainParams};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::tensor::background::Background;
use crate::utils::progbar::{Progbar, Sink};

impl Model {
    /// Trains the model on `x` (samples along axis 0) and targets `y`
    /// (integer class labels of any integer type, or `f32` arrays) and
    /// returns the [`History`] of every epoch's metrics. A model with
    /// several inputs (outputs) takes a list of arrays, one per input
    /// (output), in order: `model.fit(&[&images, &meta], &[&classes, &flags], …)`.
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
    /// model.compile_with(SGD::new().learning_rate(0.5), "sparse_categorical_crossentropy", ["accuracy"])?;
    /// let history = model.fit(&x, &y, FitOptions::default().epochs(20).verbose(0))?;
    /// assert_eq!(history.last("accuracy"), Some(1.0));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// If the model is not compiled; `x` and `y` differ in length, or in
    /// number from the model's inputs and outputs; `x`'s samples do not
    /// have the model's input shape; a label is not below the number of
    /// output units, or one-hot targets have the wrong width; `batch_size`
    /// is 0; the data is empty; `validation_split` is outside `[0, 1)`; `x`
    /// holds NaN or infinite values (the message names the row).
    pub fn fit<X, Y>(&mut self, x: &X, y: &Y, mut options: FitOptions<'_>) -> Result<History>
    where
        X: IntoInputs + ?Sized,
        Y: IntoTargetList + ?Sized,
    {
        const OP: &str = "fit";
        self.compiled(OP)?;
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
        let data = self.prepare(OP, x.input_views(), y.target_list()?, options.weights)?;
        let (train, validation) = match options.validation_data.take() {
            Some((vx, vy)) => {
                let validation = self.prepare(
                    "fit (validation_data)",
                    vx,
                    vy.target_list()?,
                    SampleWeighting::default(),
                )?;
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
                (data.slice(0..split_at), Some(data.slice(split_at..n)))
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

        let mut tracker = self.tracker(OP, &train.ys)?;
        self.build_optimizer();
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
            tracker.reset();
            // The batch gathered while the previous one trained.
            let mut gathered: Option<Vec<Tensor>> = None;
            let mut batches = order.chunks(batch_size).enumerate().peekable();
            while let Some((batch, rows)) = batches.next() {
                for c in callbacks.iter_mut() {
                    c.on_train_batch_begin(self, batch)?;
                }
                let targets = train.gather_y(rows);
                let weights = train.gather_weights(rows);
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
                let mut spare = std::mem::take(spare);
                match batches.peek() {
                    Some(&(_, next)) => {
                        let copy = train.row_copier(next, &mut spare);
                        let background = Background::start(next.len(), &copy);
                        let stepped = self.step(inputs, &targets, weights.as_deref(), true, &mut tracker);
                        background.finish();
                        drop(copy);
                        gathered = Some(spare.iter().flatten().cloned().collect());
                        stepped?;
                    }
                    None => self.step(inputs, &targets, weights.as_deref(), true, &mut tracker)?,
                }
                self.batches[(batch + 1) % 2] = spare;
                tracker.write_logs(&mut logs, "");
                for c in callbacks.iter_mut() {
                    c.on_train_batch_end(self, batch, &logs)?;
                }
                if self.stop_requested {
                    break;
                }
            }
            if let Some(validation) = &validation {
                let val = self.run_evaluation(validation, batch_size, None)?;
                val.write_logs(&mut logs, "val_");
            }
            // A scheduled rate is logged as ReduceLROnPlateau logs its own:
            // the rate the next step takes.
            if let Some(optimizer) = self.optimizer().filter(|o| o.has_schedule()) {
                logs.insert("learning_rate".into(), f64::from(optimizer.learning_rate()));
            }
            for c in callbacks.iter_mut() {
                c.on_epoch_end(self, epoch, &mut logs)?;
            }
            if self.stop_requested {
                break;
            }
        }
        if options.epochs > 0 {
            self.finalize_optimizer()?;
        }
        for c in callbacks.iter_mut() {
            c.on_train_end(self, &logs)?;
        }
        drop(callbacks);
        Ok(history)
    }

    /// Loss and metrics of the model on `x`, `y`: `[loss, metrics…]` in the
    /// order given to `compile`, as Keras' `evaluate` returns them (with
    /// several outputs: the total loss, each output's loss, then each
    /// output's metrics). The options hold Keras' `batch_size` (32),
    /// `verbose` (1: a progress bar) and `sample_weight`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let x = ndarray::Array2::<f32>::zeros((4, 3));
    /// let y = ndarray::Array1::<u8>::from(vec![0, 1, 0, 1]);
    /// let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    /// model.compile("sparse_categorical_crossentropy", ["accuracy"])?;
    /// let scores = model.evaluate(&x, &y, EvaluateOptions::default())?; // [loss, accuracy]
    /// assert!((scores[0] - 2f64.ln()).abs() < 1e-6); // zero inputs: uniform predictions
    /// let quiet = model.evaluate(&x, &y, EvaluateOptions::default().verbose(0))?;
    /// assert_eq!(quiet, scores);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Model::fit), for the data, and a `batch_size` of 0.
    pub fn evaluate<X, Y>(&mut self, x: &X, y: &Y, options: EvaluateOptions<'_>) -> Result<Vec<f64>>
    where
        X: IntoInputs + ?Sized,
        Y: IntoTargetList + ?Sized,
    {
        const OP: &str = "evaluate";
        self.compiled(OP)?;
        if options.batch_size == 0 {
            return Err(Error::invalid(OP, "a batch_size of at least 1", "batch_size=0"));
        }
        let weights = SampleWeighting {
            sample_weight: options.sample_weight,
            class_weight: None,
        };
        let data = self.prepare(OP, x.input_views(), y.target_list()?, weights)?;
        let tracker = self.run_evaluation(&data, options.batch_size, Some(options.verbose))?;
        Ok(tracker.values())
    }

    /// One training step on one batch (Keras' `train_on_batch`): the
    /// batch's loss and metrics, in the order of [`evaluate`](Model::evaluate).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let x = ndarray::Array2::<f32>::ones((4, 3));
    /// let y = ndarray::Array1::<u8>::from(vec![0, 1, 0, 1]);
    /// let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    /// model.compile("sparse_categorical_crossentropy", ["accuracy"])?;
    /// let before = model.get_weights()[0].to_vec();
    /// let [loss, accuracy] = model.train_on_batch(&x, &y)?[..] else { unreachable!() };
    /// assert!(loss > 0.0 && (0.0..=1.0).contains(&accuracy));
    /// assert_ne!(model.get_weights()[0].to_vec(), before); // one update
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`fit`](Model::fit), for the data.
    pub fn train_on_batch<X, Y>(&mut self, x: &X, y: &Y) -> Result<Vec<f64>>
    where
        X: IntoInputs + ?Sized,
        Y: IntoTargetList + ?Sized,
    {
        self.on_batch("train_on_batch", x, y, true)
    }

    /// The loss and metrics of one batch, without training (Keras'
    /// `test_on_batch`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let x = ndarray::Array2::<f32>::zeros((4, 3));
    /// let y = ndarray::Array1::<u8>::from(vec![0, 1, 0, 1]);
    /// let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    /// model.compile("sparse_categorical_crossentropy", ["accuracy"])?;
    /// let scores = model.test_on_batch(&x, &y)?;
    /// assert!((scores[0] - 2f64.ln()).abs() < 1e-6);
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`evaluate`](Model::evaluate).
    pub fn test_on_batch<X, Y>(&mut self, x: &X, y: &Y) -> Result<Vec<f64>>
    where
        X: IntoInputs + ?Sized,
        Y: IntoTargetList + ?Sized,
    {
        self.on_batch("test_on_batch", x, y, false)
    }

    fn on_batch<X, Y>(&mut self, op: &'static str, x: &X, y: &Y, training: bool) -> Result<Vec<f64>>
    where
        X: IntoInputs + ?Sized,
        Y: IntoTargetList + ?Sized,
    {
        self.compiled(op)?;
        let data = self.prepare(op, x.input_views(), y.target_list()?, SampleWeighting::default())?;
        let mut tracker = self.tracker(op, &data.ys)?;
        let rows: Vec<usize> = (0..data.len()).collect();
        let mut buffers = Vec::new();
        let inputs = data.gather_x(&rows, &mut buffers);
        if training {
            self.build_optimizer();
        }
        self.step(inputs, &data.gather_y(&rows), None, training, &mut tracker)?;
        Ok(tracker.values())
    }

    /// Builds the model from the data if needed, then validates inputs and
    /// targets against its inputs and outputs.
    fn prepare<'x>(
        &mut self,
        op: &'static str,
        xs: Vec<ArrayViewD<'x, f32>>,
        ys: Vec<TargetData>,
        weighting: SampleWeighting<'_>,
    ) -> Result<Dataset<'x>> {
        let xs = self.prepare_inputs(op, xs)?;
        let samples = xs.first().map_or(0, |x| x.shape()[0]);
        let graph = self.built_graph(op)?;
        let compiled = self.compiled(op)?;
        if ys.len() != graph.outputs.len() {
            return Err(Error::invalid(
                op,
                format!("one target array per model output ({})", graph.outputs.len()),
                format!("{} target arrays", ys.len()),
            ));
        }
        let ys = ys
            .into_iter()
            .zip(&graph.outputs)
            .zip(&compiled.outputs)
            .map(|((y, output), settled)| {
                let loss = settled.loss.builtin();
                let y = match loss {
                    Some(loss) => targets_for(op, y, loss)?,
                    None => y,
                };
                check_targets(op, &y, samples, output.shape(), loss)?;
                Ok(y)
            })
            .collect::<Result<Vec<_>>>()?;
        let weights = sample_weights(op, weighting, &ys, samples)?;
        Ok(Dataset { xs, ys, weights })
    }

    /// Builds a `Sequential` from the inputs' shape if needed, then checks
    /// each input array against the model's input.
    pub(crate) fn prepare_inputs<'x>(
        &mut self,
        op: &'static str,
        xs: Vec<ArrayViewD<'x, f32>>,
    ) -> Result<Vec<CowArray<'x, f32, IxDyn>>> {
        if self.sequential && self.pending.is_empty() {
            return Err(Error::invalid(
                op,
                "a model with at least one layer",
                "an empty Sequential",
            ));
        }
        if let Some(e) = &self.build_error {
            return Err(Error::invalid(op, "a model whose layers build", e.clone()));
        }
        if !self.is_built()
            && let [x] = xs.as_slice()
            && x.ndim() >= 2
        {
            self.build_chain(&x.shape()[1..])?;
        }
        let graph = self.built_graph(op)?;
        if xs.len() != graph.inputs.len() {
            return Err(Error::invalid(
                op,
                format!("one input array per model input ({})", graph.inputs.len()),
                format!("{} input arrays", xs.len()),
            ));
        }
        let xs = xs
            .into_iter()
            .zip(&graph.inputs)
            .map(|(x, input)| check_inputs(op, x, Some(input.shape())))
            .collect::<Result<Vec<_>>>()?;
        if let Some(x) = xs.iter().find(|x| x.shape()[0] != xs[0].shape()[0]) {
            return Err(Error::invalid(
                op,
                format!("input arrays of one length ({})", xs[0].shape()[0]),
                format!("an input array of {} samples", x.shape()[0]),
            ));
        }
        Ok(xs)
    }

    /// Fresh running means for this model's outputs on targets like `ys`.
    fn tracker(&self, op: &'static str, ys: &[TargetData]) -> Result<Tracker> {
        let graph = self.built_graph(op)?;
        let names = graph.outputs.iter().map(|t| t.source_name()).collect();
        let units: Vec<usize> = graph
            .outputs
            .iter()
            .map(|t| t.shape().last().copied().unwrap_or(1))
            .collect();
        Ok(Tracker::new(self.compiled(op)?, ys, names, &units))
    }

    /// Mean loss and metrics over `data`, in order, without training.
    fn run_evaluation(
        &mut self,
        data: &Dataset<'_>,
        batch_size: usize,
        verbose: Option<u8>,
    ) -> Result<Tracker> {
        let mut tracker = self.tracker("evaluate", &data.ys)?;
        let n = data.len();
        let steps = n.div_ceil(batch_size) as u64;
        // Only a visible bar needs the running values.
        let mut bar = verbose
            .filter(|&v| v > 0)
            .map(|v| Progbar::new(steps, v, Sink::Stdout));
        let rows: Vec<usize> = (0..n).collect();
        for (b, chunk) in rows.chunks(batch_size).enumerate() {
            self.tape.clear();
            let batch = data.gather_x(chunk, &mut self.batches[0]);
            let weights = data.gather_weights(chunk);
            self.step(
                batch,
                &data.gather_y(chunk),
                weights.as_deref(),
                false,
                &mut tracker,
            )?;
            if let Some(bar) = &mut bar {
                bar.update(b as u64 + 1, &tracker.entries());
            }
        }
        if let Some(bar) = &mut bar {
            bar.finish(steps, &tracker.entries());
        }
        Ok(tracker)
    }

    /// One batch: forward, losses, metrics, and with `training` backward and
    /// update. Counts the batch in `tracker`.
    fn step(
        &mut self,
        xs: Vec<Tensor>,
        ys: &[BatchTargets],
        weights: Option<&[f32]>,
        training: bool,
        tracker: &mut Tracker,
    ) -> Result<()> {
        let Model {
            graph,
            tape,
            rng,
            compiled,
            ..
        } = self;
        let graph = graph.as_ref().ok_or_else(|| not_built("fit"))?;
        let compiled = compiled.as_mut().ok_or_else(|| not_compiled("fit"))?;
        let rows = xs.first().map_or(0, |x| x.shape()[0]);
        // A cross-entropy on probabilities that follow a softmax (sigmoid) is
        // computed from the logits, as Keras' TensorFlow backend does: each
        // loss asks the graph for the logits before that activation, and the
        // graph leaves it out where the output's last layer can.
        let logits_of: Vec<_> = compiled.outputs.iter().map(|o| o.loss.logits_of()).collect();
        tape.clear();
        let pass = graph.forward(tape, rng, xs, training, &logits_of)?;
        let mut losses = Vec::with_capacity(pass.outputs.len());
        let mut values = Vec::with_capacity(pass.outputs.len());
        for (j, settled) in compiled.outputs.iter().enumerate() {
            let (out, skipped) = (pass.outputs[j], pass.skipped[j]);
            let loss = settled
                .loss
                .compute(tape, ys[j].as_targets(), out, skipped.is_some(), weights)?;
            values.push(tape.value(loss)?.item()?);
            tracker.add_scores(j, &ys[j], &tape.value(out)?.view(), skipped);
            losses.push(loss);
        }
        // The total: one output's loss as it is, or the weighted sum (a
        // graph has at least one output).
        let total = match (losses.as_slice(), compiled.outputs.as_slice()) {
            ([loss], [settled]) if settled.weight == 1.0 => *loss,
            _ => {
                let mut total = tape.constant(Tensor::scalar(0.0));
                for (&loss, settled) in losses.iter().zip(&compiled.outputs) {
                    let weighted = tape.mul_scalar(loss, settled.weight)?;
                    total = tape.add(total, weighted)?;
                }
                total
            }
        };
        // The regularizers' penalties join the total (and the logged loss),
        // as Keras adds `model.losses`.
        let mut total = total;
        for &penalty in &pass.penalties {
            total = tape.add(total, penalty)?;
        }
        tracker.add_losses(rows, tape.value(total)?.item()?, &values);
        if !training {
            return Ok(());
        }
        tape.backward(total)?;
        // The weights that train are the tape's variables (the forward pass
        // decided which); their gradients, in order.
        let mut grads = Vec::new();
        for &weight in &pass.params {
            if tape.requires_grad(weight)? {
                grads.push(tape.take_grad(weight)?);
            }
        }
        // Let go of the tape's handles so the update below is in place.
        tape.clear();
        let mut guards: Vec<_> = graph.layers.iter().map(|l| (l, l.lock())).collect();
        let mut params = super::compile::trained_values(&mut guards);
        compiled.optimizer.apply(&mut params, &grads)?;
        drop(params);
        // Each trained weight's constraint, after the update (as Keras'
        // optimizer applies `variable.constraint`).
        for (handle, layer) in guards
            .iter_mut()
            .filter(|(_, layer)| layer.base().weights.has_constraints())
        {
            for p in layer.params_mut() {
                if let Some(constraint) = p.constraint.filter(|_| handle.trains(p)) {
                    constraint.apply(&mut p.value)?;
                }
            }
        }
        drop(guards);
        for grad in grads.into_iter().flatten() {
            tape.recycle(grad);
        }
        Ok(())
    }
}

/// SplitMix64 of the seed and the epoch: well-spread seeds for neighbouring epochs.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    let mut z = seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The loss weight of each sample: `sample_weight` as given, or each
/// sample's class weight (Keras' `class_weight_to_sample_weights`: the
/// label, or the largest entry of a one-hot row; unlisted classes weigh 1).
fn sample_weights(
    op: &'static str,
    weighting: SampleWeighting<'_>,
    ys: &[TargetData],
    samples: usize,
) -> Result<Option<Vec<f32>>> {
    let check = |what: &str, w: f32| -> Result<()> {
        if w.is_finite() && w >= 0.0 {
            return Ok(());
        }
        Err(Error::invalid(
            op,
            "finite, non-negative weights",
            format!("{what} {w}"),
        ))
    };
    match (weighting.sample_weight, weighting.class_weight) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(Error::invalid(
            op,
            "sample_weight or class_weight",
            "both (Keras refuses them together too)",
        )),
        (Some(w), None) => {
            if w.len() != samples {
                return Err(Error::invalid(
                    op,
                    format!("one sample weight per sample ({samples})"),
                    format!("{} sample weights", w.len()),
                ));
            }
            for (i, &v) in w.iter().enumerate() {
                check(&format!("sample weight at index {i}:"), v)?;
            }
            Ok(Some(w.to_vec()))
        }
        (None, Some(classes)) => {
            let [y] = ys else {
                return Err(Error::invalid(
                    op,
                    "class_weight for a model with one output",
                    format!("a model with {} outputs (use sample_weight)", ys.len()),
                ));
            };
            for &(class, w) in classes {
                check(&format!("class weight for class {class}:"), w)?;
            }
            let weight_of = |class: usize| {
                classes
                    .iter()
                    .rev()
                    .find(|(c, _)| *c == class)
                    .map_or(1.0, |&(_, w)| w)
            };
            Ok(Some((0..samples).map(|i| weight_of(y.class_of(i))).collect()))
        }
    }
}
