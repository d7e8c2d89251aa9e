//! A layer written outside kerust, by implementing `Layer`: it creates its
//! own weight by name, trains inside Sequential and functional models, and
//! its weights save and load; saving the whole model names its class.

use approx::assert_abs_diff_eq;
use kerust::autograd::Var;
use kerust::layers::{Forward, Param, StdRng, Weights};
use kerust::prelude::*;
use ndarray::{Array2, array};

/// `y = x ⊙ scale`, one learned factor per feature, starting at 1.
#[derive(Debug, Default)]
struct Scale {
    name: Option<String>,
    built: bool,
    weights: Weights,
}

impl Layer for Scale {
    fn class_name(&self) -> &'static str {
        "Scale"
    }

    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn set_name(&mut self, name: String) {
        self.name = Some(name);
    }

    fn declared_input_shape(&self) -> Option<&[usize]> {
        None
    }

    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        let width = *input_shape.last().unwrap_or(&1);
        self.weights.add_weight("scale", Tensor::ones(&[width]), true);
        self.built = true;
        Ok(input_shape.to_vec())
    }

    fn is_built(&self) -> bool {
        self.built
    }

    fn forward(&mut self, f: &mut Forward<'_>, x: Var) -> Result<Var> {
        let scale = f.param("scale")?;
        f.tape.mul(x, scale)
    }

    fn params(&self) -> Vec<&Param> {
        self.weights.params()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.weights.params_mut()
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
    let err = model
        .save(std::env::temp_dir().join("never-written.kerust"))
        .unwrap_err();
    assert!(err.to_string().contains("the layer class Scale"), "{err}");
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
