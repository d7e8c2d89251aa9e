//! Everything the Keras walk-through needs, in one import:
//!
//! ```
//! use kerust::prelude::*;
//!
//! let model = Sequential::new(vec![Dense::new(10).activation(Softmax).input_shape(784)]);
//! # let _ = model;
//! ```

pub use crate::activations::Activation::{self, Linear, Relu, Sigmoid, Softmax, Tanh};
pub use crate::callbacks::{
    Callback, CsvLogger, EarlyStopping, History, LearningRateScheduler, Logs, ModelCheckpoint,
    ReduceLROnPlateau, TerminateOnNaN,
};
pub use crate::datasets::{fashion_mnist, mnist};
pub use crate::error::{Error, Result};
pub use crate::initializers::Initializer;
pub use crate::layers::{
    AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, MaxPooling2D, Reshape,
};
pub use crate::losses::Loss;
pub use crate::metrics::Metric;
pub use crate::model_selection::{KFold, StratifiedKFold, train_test_split, train_test_split_stratified};
pub use crate::models::{CallLayer, EvaluateOptions, FitOptions, Input, LayerRef, Model, Sequential};
pub use crate::ops::Padding;
pub use crate::optimizers::{
    Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, Optimizer, RMSprop, SGD,
};
pub use crate::saving::load_model;
pub use crate::sequential;
pub use crate::tensor::Tensor;
pub use crate::utils::{set_random_seed, to_categorical};
