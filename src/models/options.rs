//! The options of `fit` and `evaluate`, with Keras' defaults.

use ndarray::{ArrayBase, ArrayViewD, Data, Dimension};

use super::data::IntoTargets;
use crate::callbacks::Callback;

/// The options of [`Sequential::fit`](super::Sequential::fit), with Keras'
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
    pub(crate) validation_data: Option<(ArrayViewD<'a, f32>, &'a dyn IntoTargets)>,
    pub(crate) verbose: u8,
    pub(crate) initial_epoch: usize,
    pub(crate) seed: Option<u64>,
    pub(crate) callbacks: Vec<&'a mut dyn Callback>,
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
        }
    }
}

impl<'a> FitOptions<'a> {
    /// The epoch to stop after (default 1). Training runs epochs
    /// `initial_epoch..epochs`.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Samples per gradient step (default 32); the last batch of an epoch
    /// may be smaller.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Whether to shuffle the training samples before each epoch (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Holds out this fraction of the samples for validation, taken from
    /// the end of the data before any shuffling, as Keras does.
    pub fn validation_split(mut self, fraction: f64) -> Self {
        self.validation_split = fraction;
        self
    }

    /// Validates on these samples at the end of every epoch (overrides
    /// [`validation_split`](FitOptions::validation_split)).
    pub fn validation_data<S, D, Y>(mut self, x: &'a ArrayBase<S, D>, y: &'a Y) -> Self
    where
        S: Data<Elem = f32>,
        D: Dimension,
        Y: IntoTargets,
    {
        self.validation_data = Some((x.view().into_dyn(), y));
        self
    }

    /// 0 = silent, 1 = progress bar, 2 = one line per epoch (default 1).
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// The epoch to start from (default 0), to resume training.
    pub fn initial_epoch(mut self, epoch: usize) -> Self {
        self.initial_epoch = epoch;
        self
    }

    /// Adds a callback, called at each stage of training after the built-in
    /// `History` and progress bar.
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
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// The options of [`Sequential::evaluate_with`](super::Sequential::evaluate_with)
/// and [`Sequential::predict_with`](super::Sequential::predict_with):
/// batches of 32 and a progress bar by default.
#[derive(Clone, Copy, Debug)]
pub struct EvaluateOptions {
    pub(crate) batch_size: usize,
    pub(crate) verbose: u8,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions {
            batch_size: 32,
            verbose: 1,
        }
    }
}

impl EvaluateOptions {
    /// Samples per batch (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// 0 = silent, 1 = progress bar, 2 = one line (default 1).
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
}
