//! A loss with its options ([`LossFn`]): Keras' constructor arguments
//! (`from_logits`, `label_smoothing`, `axis`, `ignore_class`, `delta`,
//! `alpha`, `gamma`, `apply_class_balancing`, `reduction`), which of them
//! each loss takes, and its configuration for saving.

use serde::{Deserialize, Serialize};

use super::{Loss, Reduction};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ops::Activation;

/// A loss with its options, as Keras' loss classes take them:
/// `keras.losses.Huber(delta=2.0)` is `Loss::Huber.delta(2.0)`. Options a
/// loss does not take are refused by `compile` (as Keras refuses an
/// unexpected keyword argument).
///
/// ```
/// use kerust::losses::{Loss, LossFn, Reduction};
/// let smooth = Loss::CategoricalCrossentropy.label_smoothing(0.1).from_logits(true);
/// assert!(smooth.check().is_ok());
/// assert!(Loss::MeanSquaredError.label_smoothing(0.1).check().is_err());
/// let f: LossFn = Loss::BinaryCrossentropy.into();
/// assert!(!f.from_logits);
/// assert_eq!(f.reduction, Reduction::SumOverBatchSize);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossFn {
    /// Which loss.
    pub loss: Loss,
    /// Whether predictions are logits (`from_logits=True`; the
    /// cross-entropies).
    pub from_logits: bool,
    /// How the per-sample values become the batch's loss.
    pub reduction: Reduction,
    /// Targets pulled towards uniform: `t·(1 − s) + s/classes` (or `+ s/2`
    /// for the binary losses).
    pub label_smoothing: f32,
    /// The class axis (the cross-entropies, cosine similarity), −1 by default.
    pub axis: isize,
    /// A label whose rows count for nothing (sparse categorical
    /// cross-entropy; e.g. a segmentation's "void" class).
    pub ignore_class: Option<i64>,
    /// Huber's threshold `δ` (1 by default).
    pub delta: f32,
    /// The focal losses' weight `α` (0.25 by default).
    pub alpha: f32,
    /// The focal losses' focusing exponent `γ` (2 by default).
    pub gamma: f32,
    /// Binary focal cross-entropy's class balancing with `α`.
    pub apply_class_balancing: bool,
}

impl From<Loss> for LossFn {
    fn from(loss: Loss) -> Self {
        LossFn {
            loss,
            from_logits: false,
            reduction: Reduction::SumOverBatchSize,
            label_smoothing: 0.0,
            axis: -1,
            ignore_class: None,
            delta: 1.0,
            alpha: 0.25,
            gamma: 2.0,
            apply_class_balancing: false,
        }
    }
}

/// Each builder once, on [`LossFn`] and, for `Loss::X.option(…)`, on [`Loss`].
macro_rules! options {
    ($($(#[$doc:meta])* $name:ident: $ty:ty => $set:expr;)*) => {
        impl LossFn {
            $(
                $(#[$doc])*
                pub fn $name(mut self, $name: $ty) -> Self {
                    let set: fn(&mut LossFn, $ty) = $set;
                    set(&mut self, $name);
                    self
                }
            )*
        }

        impl Loss {
            $(
                $(#[$doc])*
                pub fn $name(self, $name: $ty) -> LossFn {
                    LossFn::from(self).$name($name)
                }
            )*
        }
    };
}

options! {
    /// Predictions are logits (`from_logits=True`).
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let mut model = Sequential::new(vec![Dense::new(10).input_shape(784)]);
    /// model.compile(Loss::SparseCategoricalCrossentropy.from_logits(true), ["accuracy"])?;
    /// # Ok::<(), kerust::Error>(())
    /// ```
    from_logits: bool => |f, v| f.from_logits = v;
    /// Keras' `label_smoothing`, in `[0, 1]`.
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::CategoricalCrossentropy.label_smoothing(0.1);
    /// # let _ = loss;
    /// ```
    label_smoothing: f32 => |f, v| f.label_smoothing = v;
    /// Keras' `axis`: the class axis (negative counts from the end).
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::CosineSimilarity.axis(1);
    /// # let _ = loss;
    /// ```
    axis: isize => |f, v| f.axis = v;
    /// Keras' `ignore_class`: rows with this label count for nothing.
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::SparseCategoricalCrossentropy.ignore_class(255);
    /// # let _ = loss;
    /// ```
    ignore_class: i64 => |f, v| f.ignore_class = Some(v);
    /// Keras' `reduction`.
    ///
    /// ```
    /// # use kerust::losses::{Loss, Reduction};
    /// let loss = Loss::MeanSquaredError.reduction(Reduction::Sum);
    /// # let _ = loss;
    /// ```
    reduction: Reduction => |f, v| f.reduction = v;
    /// Huber's `delta`, above 0.
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::Huber.delta(2.0);
    /// # let _ = loss;
    /// ```
    delta: f32 => |f, v| f.delta = v;
    /// The focal losses' `alpha`.
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::BinaryFocalCrossentropy.alpha(0.5).apply_class_balancing(true);
    /// # let _ = loss;
    /// ```
    alpha: f32 => |f, v| f.alpha = v;
    /// The focal losses' `gamma`, at least 0.
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::CategoricalFocalCrossentropy.gamma(1.0);
    /// # let _ = loss;
    /// ```
    gamma: f32 => |f, v| f.gamma = v;
    /// Binary focal cross-entropy's `apply_class_balancing`.
    ///
    /// ```
    /// # use kerust::losses::Loss;
    /// let loss = Loss::BinaryFocalCrossentropy.apply_class_balancing(true);
    /// # let _ = loss;
    /// ```
    apply_class_balancing: bool => |f, v| f.apply_class_balancing = v;
}

/// The options a loss takes besides `reduction`, as Keras' constructors do.
fn takes(loss: Loss) -> &'static [&'static str] {
    use Loss::*;
    match loss {
        SparseCategoricalCrossentropy => &["from_logits", "ignore_class", "axis"],
        CategoricalCrossentropy | BinaryCrossentropy => &["from_logits", "label_smoothing", "axis"],
        CategoricalFocalCrossentropy => &["alpha", "gamma", "from_logits", "label_smoothing", "axis"],
        BinaryFocalCrossentropy => &[
            "apply_class_balancing",
            "alpha",
            "gamma",
            "from_logits",
            "label_smoothing",
            "axis",
        ],
        CosineSimilarity => &["axis"],
        Huber => &["delta"],
        MeanSquaredError
        | MeanAbsoluteError
        | MeanAbsolutePercentageError
        | MeanSquaredLogarithmicError
        | LogCosh
        | Poisson
        | KLDivergence
        | Hinge
        | SquaredHinge
        | CategoricalHinge => &[],
    }
}

impl LossFn {
    /// Each option by Keras name, and whether it is set away from its
    /// default (no allocation: this runs at every step).
    fn changed(&self) -> [(&'static str, bool); 8] {
        let d = LossFn::from(self.loss);
        [
            ("from_logits", self.from_logits != d.from_logits),
            ("label_smoothing", self.label_smoothing != d.label_smoothing),
            ("axis", self.axis != d.axis),
            ("ignore_class", self.ignore_class != d.ignore_class),
            ("delta", self.delta != d.delta),
            ("alpha", self.alpha != d.alpha),
            ("gamma", self.gamma != d.gamma),
            (
                "apply_class_balancing",
                self.apply_class_balancing != d.apply_class_balancing,
            ),
        ]
    }

    /// The value of option `name`, for messages.
    #[cold]
    fn shown(&self, name: &str) -> String {
        match name {
            "from_logits" => self.from_logits.to_string(),
            "label_smoothing" => self.label_smoothing.to_string(),
            "axis" => self.axis.to_string(),
            "ignore_class" => format!("{:?}", self.ignore_class),
            "delta" => self.delta.to_string(),
            "alpha" => self.alpha.to_string(),
            "gamma" => self.gamma.to_string(),
            _ => self.apply_class_balancing.to_string(),
        }
    }

    /// Checks that the loss takes every option set, each within its range
    /// (`label_smoothing` in `[0, 1]`, `delta` above 0, `gamma` at least 0,
    /// `alpha` finite).
    ///
    /// ```
    /// use kerust::losses::Loss;
    /// assert!(Loss::Huber.delta(0.5).check().is_ok());
    /// let err = Loss::Huber.from_logits(true).check().unwrap_err();
    /// assert!(err.to_string().contains("Huber takes delta, reduction"));
    /// assert!(Loss::Huber.delta(-1.0).check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the option.
    pub fn check(&self) -> Result<()> {
        let class = self.loss.class_name();
        let takes = takes(self.loss);
        if let Some((name, _)) = self
            .changed()
            .into_iter()
            .find(|&(n, set)| set && !takes.contains(&n))
        {
            let mut list: Vec<&str> = takes.to_vec();
            list.push("reduction");
            return Err(Error::invalid(
                class,
                format!("options that {class} takes ({class} takes {})", list.join(", ")),
                format!("{name}={}", self.shown(name)),
            ));
        }
        let range = |name: &str, ok: bool, value: f32, expected: &str| {
            if ok {
                Ok(())
            } else {
                Err(Error::invalid(
                    class,
                    format!("{name} {expected}"),
                    format!("{name}={value}"),
                ))
            }
        };
        let s = self.label_smoothing;
        range("label_smoothing", (0.0..=1.0).contains(&s), s, "in [0, 1]")?;
        range(
            "delta",
            self.delta.is_finite() && self.delta > 0.0,
            self.delta,
            "> 0",
        )?;
        range(
            "gamma",
            self.gamma.is_finite() && self.gamma >= 0.0,
            self.gamma,
            ">= 0",
        )?;
        range("alpha", self.alpha.is_finite(), self.alpha, "finite")
    }

    /// The configuration Keras' `get_config()` gives: the class name, the
    /// options the loss takes and its reduction.
    ///
    /// ```
    /// use kerust::losses::{Loss, LossFn};
    /// let config = Loss::Huber.delta(2.0).config();
    /// assert_eq!(config.class_name(), "Huber");
    /// assert_eq!(config.get::<f32>("delta"), Some(2.0));
    /// assert_eq!(LossFn::from_config(&config)?, Loss::Huber.delta(2.0));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    pub fn config(&self) -> Config {
        let all = Saved {
            from_logits: Some(self.from_logits),
            label_smoothing: Some(self.label_smoothing),
            axis: Some(self.axis),
            ignore_class: self.ignore_class,
            delta: Some(self.delta),
            alpha: Some(self.alpha),
            gamma: Some(self.gamma),
            apply_class_balancing: Some(self.apply_class_balancing),
            reduction: Some(self.reduction),
            name: None,
        };
        let full = Config::new(self.loss.class_name(), &all);
        let takes = takes(self.loss);
        let mut values = serde_json::Map::new();
        for key in full.keys().filter(|k| takes.contains(k) || *k == "reduction") {
            if let Some(v) = full.values().get(key) {
                values.insert(key.to_string(), v.clone());
            }
        }
        if takes.contains(&"ignore_class") && !values.contains_key("ignore_class") {
            values.insert("ignore_class".into(), serde_json::Value::Null);
        }
        Config::from_values(self.loss.class_name(), values)
    }

    /// The loss a configuration describes (a Keras class name and its
    /// options; `name` is accepted and ignored).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown class, an option the
    /// class does not take, or a value out of range.
    pub fn from_config(config: &Config) -> Result<LossFn> {
        let loss: Loss = config.class_name().parse()?;
        let saved: Saved = config.parse()?;
        let mut f = LossFn::from(loss);
        f.from_logits = saved.from_logits.unwrap_or(f.from_logits);
        f.label_smoothing = saved.label_smoothing.unwrap_or(f.label_smoothing);
        f.axis = saved.axis.unwrap_or(f.axis);
        f.ignore_class = saved.ignore_class;
        f.delta = saved.delta.unwrap_or(f.delta);
        f.alpha = saved.alpha.unwrap_or(f.alpha);
        f.gamma = saved.gamma.unwrap_or(f.gamma);
        f.apply_class_balancing = saved.apply_class_balancing.unwrap_or(f.apply_class_balancing);
        f.reduction = saved.reduction.unwrap_or(f.reduction);
        f.check()?;
        Ok(f)
    }

    /// The loss saved as a Keras identifier: its name when every option
    /// is the default, else its configuration as JSON
    /// (`{"class_name": …, "config": {…}}`), which [`LossFn::from_identifier`] reads.
    pub(crate) fn identifier(&self) -> String {
        let plain = LossFn {
            from_logits: false,
            ..LossFn::from(self.loss)
        };
        if (LossFn {
            from_logits: false,
            ..*self
        }) == plain
        {
            return self.loss.name().to_string();
        }
        let config = self.config();
        serde_json::json!({"class_name": config.class_name(), "config": config.values()}).to_string()
    }

    /// The loss an identifier names: a Keras name, or a configuration as
    /// JSON (`{"class_name": …, "config": {…}}`).
    ///
    /// ```
    /// use kerust::losses::{Loss, LossFn};
    /// assert_eq!(LossFn::from_identifier("mse")?, LossFn::from(Loss::MeanSquaredError));
    /// let huber = LossFn::from_identifier(r#"{"class_name": "Huber", "config": {"delta": 2.0}}"#)?;
    /// assert_eq!(huber, Loss::Huber.delta(2.0));
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an unknown name or class, or a
    /// configuration [`from_config`](LossFn::from_config) refuses.
    pub fn from_identifier(identifier: &str) -> Result<LossFn> {
        if !identifier.trim_start().starts_with('{') {
            return Ok(LossFn::from(identifier.parse::<Loss>()?));
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Serialized {
            class_name: String,
            #[serde(default)]
            config: serde_json::Map<String, serde_json::Value>,
            #[serde(default)]
            #[allow(dead_code)]
            module: Option<String>,
            #[serde(default)]
            #[allow(dead_code)]
            registered_name: Option<String>,
        }
        let s: Serialized = serde_json::from_str(identifier).map_err(|e| {
            Error::invalid(
                "losses::get",
                "a loss name or {\"class_name\", \"config\"}",
                e.to_string(),
            )
        })?;
        LossFn::from_config(&Config::from_values(&s.class_name, s.config))
    }

    /// The final activation whose logits this loss would rather read: a
    /// cross-entropy on probabilities after a softmax (sigmoid) is computed
    /// from the logits before it, as Keras' TensorFlow backend does; a
    /// model leaves that activation out of its output for the loss.
    ///
    /// ```
    /// use kerust::losses::{Loss, LossFn};
    /// use kerust::ops::Activation;
    /// assert_eq!(LossFn::from(Loss::SparseCategoricalCrossentropy).logits_of(), Some(Activation::Softmax));
    /// assert_eq!(LossFn::from(Loss::BinaryCrossentropy).logits_of(), Some(Activation::Sigmoid));
    /// assert_eq!(LossFn::from(Loss::MeanSquaredError).logits_of(), None);
    /// ```
    pub fn logits_of(&self) -> Option<Activation> {
        match (self.from_logits, self.loss) {
            (true, _) => None,
            (_, Loss::SparseCategoricalCrossentropy | Loss::CategoricalCrossentropy) if self.axis == -1 => {
                Some(Activation::Softmax)
            }
            (_, Loss::BinaryCrossentropy) => Some(Activation::Sigmoid),
            _ => None,
        }
    }
}

/// A loss configuration as Keras writes it (every key optional).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from_logits: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label_smoothing: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    axis: Option<isize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ignore_class: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delta: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alpha: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gamma: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    apply_class_balancing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reduction: Option<Reduction>,
    /// Keras' loss name (ignored: `compile` logs `loss`).
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    name: Option<String>,
}
