//! A layer written outside kerust, by implementing `Layer`: it creates its
//! own weight by name, trains inside Sequential and functional models, and
//! its weights save and load; registered once, the whole model saves and
//! loads with it, and an unregistered class is an error that names it.

use approx::assert_abs_diff_eq;
use kerust::autograd::Var;
use kerust::layers::{Forward, FromConfig, LayerBase, LayerConfig, StdRng, register_layer};
use kerust::prelude::*;
use ndarray::{Array2, array};
use serde::{Deserialize, Serialize};

/// `y = x ⊙ scale`, one learned factor per feature, starting at `initial`.
#[derive(Debug)]
struct Scale {
    base: LayerBase,
    options: ScaleOptions,
}

/// The layer's own option, saved with the model.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ScaleOptions {
    initial: f32,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            base: LayerBase::default(),
            options: ScaleOptions { initial: 1.0 },
        }
    }
}

impl FromConfig for Scale {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        Ok(Scale {
            options: config.parse()?,
            ..Scale::default()
        })
    }
}

impl Layer for Scale {
    fn class_name(&self) -> &'static str {
        "Scale"
    }

    fn base(&self) -> &LayerBase {
        &self.base
    }

    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }

    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        let width = *input_shape.last().unwrap_or(&1);
        let initial = Initializer::Constant(self.options.initial);
        self.base
            .weights
            .add_weight("scale", &[width], initial, rng, true)?;
        Ok(input_shape.to_vec())
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        self.base.check_input(self, f, x)?;
        let scale = f.param("scale")?;
        f.tape.mul(x, scale)
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::new("Scale", &self.options)
    }
}

/// A layer no test registers: `y = x`.
#[derive(Debug, Default)]
struct Unregistered {
    base: LayerBase,
}

impl Layer for Unregistered {
    fn class_name(&self) -> &'static str {
        "Unregistered"
    }
    fn base(&self) -> &LayerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut LayerBase {
        &mut self.base
    }
    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        Ok(input_shape.to_vec())
    }
    fn forward(&mut self, _f: &mut Forward<'_>, x: Var) -> Result<Var> {
        Ok(x)
    }
}

/// Targets that are the inputs times (2, −1, 0.5).
fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((64, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5);
    let y = &x * &array![2.0f32, -1.0, 0.5];
    (x, y)
}

#[test]
fn a_user_layer_learns_its_weight_in_a_sequential_model() {
    let (x, y) = data();
    let mut model = sequential![Dense::new(3).use_bias(false).input_shape(3), Scale::default()];
    // Identity kernel, frozen: only the user layer's weight trains.
    model
        .set_weights(vec![
            Tensor::from_vec(&[3, 3], vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]).unwrap(),
            Tensor::ones(&[3]),
        ])
        .unwrap();
    model.get_layer("dense").unwrap().set_trainable(false);
    assert_eq!(model.get_layer_at(1).unwrap().name(), "scale");
    model
        .compile_with(SGD::new().learning_rate(2.0), "mse", ())
        .unwrap();
    model
        .fit(&x, &y, FitOptions::default().epochs(100).verbose(0))
        .unwrap();
    let learned = model.get_layer("scale").unwrap().params()[0].value.to_vec();
    for (got, want) in learned.iter().zip([2.0, -1.0, 0.5]) {
        assert_abs_diff_eq!(*got, want, epsilon = 1e-3);
    }

    // The weights save and load by name; the whole model names the class.
    let path = std::env::temp_dir().join(format!("kerust-custom-{}.safetensors", std::process::id()));
    model.save_weights(&path).unwrap();
    let mut copy = sequential![Dense::new(3).use_bias(false).input_shape(3), Scale::default()];
    copy.load_weights(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(
        copy.get_layer("scale").unwrap().params()[0].value.to_vec(),
        learned
    );
}

#[test]
fn saving_a_model_with_an_unregistered_layer_names_its_class() {
    let model = sequential![Dense::new(3).input_shape(3), Unregistered::default()];
    let path = std::env::temp_dir().join(format!("kerust-unregistered-{}.kerust", std::process::id()));
    let err = model.save(&path).unwrap_err();
    assert!(
        err.to_string()
            .contains("registered once with kerust::layers::register_layer, found the unregistered layer class Unregistered"),
        "{err}"
    );
    assert!(!path.exists());
}

#[test]
fn a_registered_user_layer_saves_and_loads_with_its_model() {
    register_layer::<Scale>("Scale").unwrap();
    let (x, y) = data();
    let input = Input::named("features", 3);
    let hidden = Dense::new(3).call(&input).unwrap();
    let scale = Scale {
        options: ScaleOptions { initial: 0.5 },
        ..Scale::default()
    };
    let output = scale.call(&hidden).unwrap();
    let mut model = Model::new(&input, &output).unwrap();
    assert_eq!(
        model.get_layer("scale").unwrap().params()[0].value.to_vec(),
        [0.5; 3]
    );
    model.compile_with(Adam::new(), "mse", ["mae"]).unwrap();
    model
        .fit(&x, &y, FitOptions::default().epochs(2).verbose(0))
        .unwrap();

    let path = std::env::temp_dir().join(format!("kerust-registered-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    std::fs::remove_file(&path).ok();
    // The option, the weights and the optimizer state all came back; the
    // layer knows it is built, and for which shape.
    let layer = loaded.get_layer("scale").unwrap();
    assert_eq!(layer.class_name(), "Scale");
    assert_eq!(layer.lock().base().built_for(), Some(&[vec![3]][..]));
    assert_eq!(layer.lock().config().get::<f32>("initial"), Some(0.5));
    assert_eq!(loaded.predict(&x).unwrap(), model.predict(&x).unwrap());
    let options = || FitOptions::default().epochs(1).verbose(0).shuffle(false);
    model.fit(&x, &y, options()).unwrap();
    loaded.fit(&x, &y, options()).unwrap();
    assert_eq!(loaded.get_weights(), model.get_weights());
}

#[test]
fn a_user_layer_joins_a_functional_graph() {
    let (x, y) = data();
    let input = Input::new(3);
    let scaled = Scale::default().call(&input).unwrap();
    let mut model = Model::new(&input, &scaled).unwrap();
    model
        .compile_with(SGD::new().learning_rate(2.0), "mse", ())
        .unwrap();
    model
        .fit(&x, &y, FitOptions::default().epochs(100).verbose(0))
        .unwrap();
    let got = model.predict(&x).unwrap();
    for (g, w) in got.iter().zip(y.iter()) {
        assert_abs_diff_eq!(*g, *w, epsilon = 1e-3);
    }
}
