//! The options of `fit` and `evaluate`, with Keras' defaults.

use ndarray::ArrayViewD;

use super::arrays::{IntoInputs, IntoTargetList};
use crate::callbacks::Callback;

/// The options of [`Model::fit`](super::Model::fit), with Keras'
/// defaults: 1 epoch, batches of 32, shuffled every epoch, no validation,
/// a progress bar (`verbose` 1).
///
/// ```
/// use kerust::models::FitOptions;
///
/// let options = FitOptions::default().epochs(5).batch_size(64).validation_split(0.2).verbose(2);
/// # let _ = options;
/// ```
pub struct FitOptions<'a> {
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) shuffle: bool,
    pub(crate) validation_split: f64,
    pub(crate) validation_data: Option<(Vec<ArrayViewD<'a, f32>>, &'a dyn IntoTargetList)>,
    pub(crate) verbose: u8,
    pub(crate) initial_epoch: usize,
    pub(crate) seed: Option<u64>,
    pub(crate) callbacks: Vec<&'a mut dyn Callback>,
    pub(crate) weights: SampleWeighting<'a>,
}

/// Per-sample weights for the loss: given directly, or from class weights.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SampleWeighting<'a> {
    pub(crate) sample_weight: Option<&'a [f32]>,
    pub(crate) class_weight: Option<&'a [(usize, f32)]>,
}

impl Default for FitOptions<'_> {
    fn default() -> Self {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            validation_split: 0.0,
            validation_data: None,
            verbose: 1,
            initial_epoch: 0,
            seed: None,
            callbacks: Vec::new(),
            weights: SampleWeighting::default(),
        }
    }
}

impl<'a> FitOptions<'a> {
    /// The epoch to stop after (default 1). Training runs epochs
    /// `initial_epoch..epochs`.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = FitOptions::default().epochs(5); // fit(x, y, epochs=5)
    /// # let _ = options;
    /// ```
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Samples per gradient step (default 32); the last batch of an epoch
    /// may be smaller.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = FitOptions::default().batch_size(64); // fit(x, y, batch_size=64)
    /// # let _ = options;
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Whether to shuffle the training samples before each epoch (default true).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = FitOptions::default().shuffle(false); // keep the samples' order
    /// # let _ = options;
    /// ```
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Holds out this fraction of the samples for validation, taken from
    /// the end of the data before any shuffling, as Keras does.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // fit(x, y, epochs=20, validation_split=0.2): the last 20 % validates.
    /// let options = FitOptions::default().epochs(20).validation_split(0.2);
    /// # let _ = options;
    /// ```
    pub fn validation_split(mut self, fraction: f64) -> Self {
        self.validation_split = fraction;
        self
    }

    /// Validates on these samples at the end of every epoch (overrides
    /// [`validation_split`](FitOptions::validation_split)).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let (val_x, val_y) = (ndarray::Array2::<f32>::zeros((10, 784)), ndarray::Array1::<u8>::zeros(10));
    /// let options = FitOptions::default().validation_data(&val_x, &val_y);
    /// # let _ = options;
    /// ```
    pub fn validation_data<X, Y>(mut self, x: &'a X, y: &'a Y) -> Self
    where
        X: IntoInputs + ?Sized,
        Y: IntoTargetList,
    {
        self.validation_data = Some((x.input_views(), y));
        self
    }

    /// 0 = silent, 1 = progress bar, 2 = one line per epoch (default 1).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let quiet = FitOptions::default().verbose(0);
    /// let one_line_per_epoch = FitOptions::default().verbose(2);
    /// # let _ = (quiet, one_line_per_epoch);
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// The epoch to start from (default 0), to resume training.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// // Resume a run that stopped after epoch 5: epochs 6 to 10 follow.
    /// let options = FitOptions::default().initial_epoch(5).epochs(10);
    /// # let _ = options;
    /// ```
    pub fn initial_epoch(mut self, epoch: usize) -> Self {
        self.initial_epoch = epoch;
        self
    }

    /// Adds a callback, called at each stage of training after the built-in
    /// `History` and progress bar.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut early = EarlyStopping::new().patience(2);
    /// let options = FitOptions::default().epochs(20).callback(&mut early);
    /// # let _ = options;
    /// ```
    pub fn callback(mut self, callback: &'a mut dyn Callback) -> Self {
        self.callbacks.push(callback);
        self
    }

    /// Draws each epoch's batch order and dropout masks from a generator
    /// seeded with `seed` and the epoch number, so they repeat from run to
    /// run — and a run resumed with [`initial_epoch`](FitOptions::initial_epoch)
    /// (after [`load_model`](crate::saving::load_model), say) sees the same
    /// batches an uninterrupted run would have. Weight initialisation
    /// happens earlier, when the model is built: seed it with
    /// [`set_random_seed`](crate::utils::set_random_seed).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = FitOptions::default().epochs(3).seed(42); // the same batches every run
    /// # let _ = options;
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// One weight per training sample (Keras' `sample_weight`): each
    /// sample's loss counts that many times, the batch loss being
    /// `Σ wᵢ·lᵢ / batch size` as in Keras (metrics are not weighted, as
    /// Keras' `metrics` are not). With several outputs the weights apply to
    /// each. A `validation_split` splits them with the samples.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let weights = vec![1.0, 1.0, 5.0, 1.0]; // the third sample matters five times as much
    /// let options = FitOptions::default().sample_weight(&weights);
    /// # let _ = options;
    /// ```
    pub fn sample_weight(mut self, weights: &'a [f32]) -> Self {
        self.weights.sample_weight = Some(weights);
        self
    }

    /// A weight per class (Keras' `class_weight={0: 1.0, 1: 5.0}`): each
    /// sample's loss is weighted by the weight of its class (its label, or
    /// the largest entry of a one-hot target); classes not listed weigh 1.
    /// For a model with one output, and not together with
    /// [`sample_weight`](FitOptions::sample_weight), as in Keras.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = FitOptions::default().class_weight(&[(0, 1.0), (1, 5.0)]);
    /// # let _ = options;
    /// ```
    pub fn class_weight(mut self, weights: &'a [(usize, f32)]) -> Self {
        self.weights.class_weight = Some(weights);
        self
    }
}

/// The options of [`Model::evaluate`](super::Model::evaluate)
/// and [`Model::predict_with`](super::Model::predict_with):
/// batches of 32 and a progress bar by default.
///
/// ```
/// # use kerust::prelude::*;
/// # #[allow(dead_code)]
/// # fn demo(model: &mut Sequential, x: &ndarray::Array2<f32>, y: &ndarray::Array1<u8>) -> Result<()> {
/// // evaluate(x, y, batch_size=128, verbose=0)
/// let scores = model.evaluate(x, y, EvaluateOptions::default().batch_size(128).verbose(0))?;
/// # let _ = scores; Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct EvaluateOptions<'a> {
    pub(crate) batch_size: usize,
    pub(crate) verbose: u8,
    pub(crate) sample_weight: Option<&'a [f32]>,
}

impl Default for EvaluateOptions<'_> {
    fn default() -> Self {
        EvaluateOptions {
            batch_size: 32,
            verbose: 1,
            sample_weight: None,
        }
    }
}

impl<'a> EvaluateOptions<'a> {
    /// Samples per batch (default 32).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = EvaluateOptions::default().batch_size(256);
    /// # let _ = options;
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// 0 = silent, 1 = progress bar, 2 = one line (default 1).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let options = EvaluateOptions::default().verbose(0); // no progress bar
    /// # let _ = options;
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// One weight per sample for the loss (Keras' `sample_weight`), as in
    /// [`FitOptions::sample_weight`]; `predict` has no loss and ignores it.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let x = ndarray::Array2::<f32>::zeros((2, 3));
    /// let y = ndarray::Array2::<f32>::from_shape_vec((2, 1), vec![1.0, 2.0]).unwrap();
    /// let mut model = Sequential::new(vec![Dense::new(1).input_shape(3)]);
    /// model.compile("mse", ())?;
    /// let options = EvaluateOptions::default().verbose(0).sample_weight(&[1.0, 0.0]);
    /// assert_eq!(model.evaluate(&x, &y, options)?[0], 0.5); // (1·1 + 0·4) / 2
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn sample_weight(mut self, weights: &'a [f32]) -> Self {
        self.sample_weight = Some(weights);
        self
    }
}
