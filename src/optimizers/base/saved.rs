//! An optimizer's configuration, saved and read back: the base's options
//! and the rule's own in one object, as Keras' `get_config()` lists them.

use serde::{Deserialize, Serialize};

use super::{BaseOptimizer, UpdateRule};
use crate::error::{Error, Result};
use crate::optimizers::{Optimizer, OptimizerConfig, schedules};

/// An optimizer's configuration: the base's options and the rule's own, in
/// one object (as Keras' `get_config()` lists them).
#[derive(Serialize, Deserialize)]
struct Saved<R> {
    #[serde(default)]
    learning_rate: Option<SavedRate>,
    #[serde(default)]
    weight_decay: Option<f32>,
    #[serde(default)]
    clipnorm: Option<f32>,
    #[serde(default)]
    clipvalue: Option<f32>,
    #[serde(default)]
    global_clipnorm: Option<f32>,
    #[serde(default)]
    use_ema: bool,
    #[serde(default = "ema_momentum")]
    ema_momentum: f32,
    #[serde(default)]
    ema_overwrite_frequency: Option<u64>,
    #[serde(default)]
    gradient_accumulation_steps: Option<u64>,
    /// kerust's own: the names left out of weight decay.
    #[serde(default)]
    exclude_from_weight_decay: Vec<String>,
    #[serde(flatten)]
    rule: R,
}

/// A saved learning rate: a number, a schedule as Keras writes one
/// (`{"class_name": …, "config": {…}}`), or the name of one that could not
/// be saved.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum SavedRate {
    Constant(f32),
    Schedule {
        class_name: String,
        config: serde_json::Map<String, serde_json::Value>,
    },
    Unsaved {
        unsaved: String,
    },
}

/// Makes an optimizer from its configuration.
pub(crate) type Constructor = fn(&OptimizerConfig) -> Result<Box<dyn Optimizer>>;

/// The optimizer of rule `R` that `config` describes: every option known
/// (none ignored), every value in range.
pub(crate) fn from_config<R: UpdateRule>(config: &OptimizerConfig) -> Result<Box<dyn Optimizer>> {
    let saved: Saved<R> = config.parse()?;
    // Missing, the learning rate is the class's default; null is no rate.
    if config.contains("learning_rate") && saved.learning_rate.is_none() {
        return Err(Error::invalid(R::NAME, "a learning_rate", "null"));
    }
    // Flattened fields cannot deny unknown ones: an option the parsed
    // optimizer does not write back was not one of its own.
    let known = OptimizerConfig::new(R::NAME, &saved);
    if let Some(key) = config.keys().find(|k| !known.contains(k)) {
        return Err(Error::invalid(
            R::NAME,
            format!(
                "the options of {} ({})",
                R::NAME,
                known.keys().collect::<Vec<_>>().join(", ")
            ),
            format!("the unknown option {key:?}"),
        ));
    }
    let weight_decay = match config.contains("weight_decay") {
        true => saved.weight_decay,
        false => R::DEFAULT_WEIGHT_DECAY,
    };
    let (learning_rate, schedule) = match saved.learning_rate {
        None => (R::DEFAULT_LEARNING_RATE, None),
        Some(SavedRate::Constant(rate)) => (rate, None),
        Some(SavedRate::Schedule { class_name, config }) => {
            let config = OptimizerConfig::from_values(&class_name, config);
            (R::DEFAULT_LEARNING_RATE, Some(schedules::from_config(&config)?))
        }
        Some(SavedRate::Unsaved { unsaved: what }) => {
            return Err(Error::invalid(
                R::NAME,
                "a learning rate or a saved schedule",
                format!("the {what}, which cannot be saved"),
            ));
        }
    };
    let optimizer = BaseOptimizer {
        schedule,
        weight_decay,
        exclude_from_weight_decay: saved.exclude_from_weight_decay,
        clipnorm: saved.clipnorm,
        clipvalue: saved.clipvalue,
        global_clipnorm: saved.global_clipnorm,
        use_ema: saved.use_ema,
        ema_momentum: saved.ema_momentum,
        // 0 is Keras' falsy "off", as None.
        ema_overwrite_frequency: saved.ema_overwrite_frequency.filter(|&f| f != 0),
        gradient_accumulation_steps: saved.gradient_accumulation_steps.filter(|&s| s != 0),
        ..BaseOptimizer::with_rule(saved.rule, learning_rate)
    };
    optimizer.validate()?;
    Ok(Box::new(optimizer))
}

/// Keras' default `ema_momentum`.
fn ema_momentum() -> f32 {
    0.99
}

impl<R: UpdateRule> BaseOptimizer<R> {
    /// The configuration of this optimizer (see [`Optimizer::config`]).
    pub(super) fn saved_config(&self) -> OptimizerConfig {
        let learning_rate = match &self.schedule {
            None => SavedRate::Constant(self.learning_rate),
            Some(schedule) => match schedule.config() {
                Some(config) => SavedRate::Schedule {
                    class_name: config.class_name().to_string(),
                    config: config.values().clone(),
                },
                // Not saveable: recorded as such, refused when loaded.
                None => SavedRate::Unsaved {
                    unsaved: format!("{schedule:?}"),
                },
            },
        };
        OptimizerConfig::new(
            R::NAME,
            &Saved {
                learning_rate: Some(learning_rate),
                weight_decay: self.weight_decay,
                clipnorm: self.clipnorm,
                clipvalue: self.clipvalue,
                global_clipnorm: self.global_clipnorm,
                use_ema: self.use_ema,
                ema_momentum: self.ema_momentum,
                ema_overwrite_frequency: self.ema_overwrite_frequency,
                gradient_accumulation_steps: self.gradient_accumulation_steps,
                exclude_from_weight_decay: self.exclude_from_weight_decay.clone(),
                rule: self.rule.clone(),
            },
        )
    }
}
