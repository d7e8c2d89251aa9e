//! Splitting data for validation, as scikit-learn does it:
//! [`train_test_split`] and the k-fold splitters [`KFold`] and
//! [`StratifiedKFold`].
//!
//! The shuffles come from [`RandomState`], a reimplementation of NumPy's
//! legacy generator, so the same seed selects the same samples as in a
//! Python walk-through — `train_test_split(train_scaled, train_target,
//! test_size=0.2, random_state=42)` puts the same 12,000 Fashion-MNIST
//! images in the validation set in kerust as in scikit-learn.

mod kfold;
mod random_state;
mod split;

pub use kfold::{Fold, KFold, StratifiedKFold};
pub use random_state::RandomState;
pub use split::{Splits, train_test_split, train_test_split_stratified};
