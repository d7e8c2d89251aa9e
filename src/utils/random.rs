//! One seed for everything random: weight initialisation, shuffling and
//! dropout.

use std::cell::RefCell;
use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The global generator models draw their own seeds from; `None` until
/// first used or seeded.
static GENERATOR: Mutex<Option<StdRng>> = Mutex::new(None);

thread_local! {
    /// The generator of a thread that called `set_random_seed`: models
    /// made on that thread draw from it, whatever other threads do.
    static THREAD_GENERATOR: RefCell<Option<StdRng>> = const { RefCell::new(None) };
}

/// Makes every model created afterwards reproducible, as
/// `keras.utils.set_random_seed(seed)` does: each new model takes its seed
/// for weight initialisation, shuffling and dropout from a generator
/// restarted at `seed`. Without it, that generator starts from the
/// operating system's entropy.
///
/// The models made on the thread that called it follow the seed whatever
/// other threads do meanwhile (two trainings in parallel, or tests, each
/// stay reproducible); models made on other threads draw from a global
/// generator that the call also restarts.
///
/// ```
/// use kerust::prelude::*;
///
/// set_random_seed(42);
/// let a = Sequential::new(vec![Dense::new(3).input_shape(2)]);
/// set_random_seed(42);
/// let b = Sequential::new(vec![Dense::new(3).input_shape(2)]);
/// assert_eq!(a.get_weights(), b.get_weights());
/// ```
pub fn set_random_seed(seed: u64) {
    THREAD_GENERATOR.with(|g| *g.borrow_mut() = Some(StdRng::seed_from_u64(seed)));
    *GENERATOR.lock().unwrap_or_else(|e| e.into_inner()) = Some(StdRng::seed_from_u64(seed));
}

/// A generator started at `seed`: what a layer's `build` receives, for
/// building a layer or its weights by hand (in tests, or outside a model).
///
/// ```
/// use kerust::initializers::Initializer;
/// let a = Initializer::GlorotUniform.initialize(&[3, 2], &mut kerust::utils::seeded_rng(7))?;
/// let b = Initializer::GlorotUniform.initialize(&[3, 2], &mut kerust::utils::seeded_rng(7))?;
/// assert_eq!(a.to_vec(), b.to_vec());
/// # Ok::<(), kerust::Error>(())
/// ```
pub fn seeded_rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A fresh generator for a new model, seeded from this thread's generator
/// if it was seeded, else from the global one.
pub(crate) fn model_rng() -> StdRng {
    let seeded = THREAD_GENERATOR.with(|g| g.borrow_mut().as_mut().map(|g| g.random::<u64>()));
    if let Some(seed) = seeded {
        return StdRng::seed_from_u64(seed);
    }
    let mut guard = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    let generator = guard.get_or_insert_with(|| StdRng::seed_from_u64(rand::rng().random()));
    StdRng::seed_from_u64(generator.random())
}
