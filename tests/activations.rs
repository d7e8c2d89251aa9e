//! The activations' values against Keras' formulas
//! (keras/src/activations/activations.py), worked out in `f64` here; each
//! within 1e-6.

use kerust::activations::{self, Activation};
use kerust::autograd::Tape;
use kerust::tensor::Tensor;

fn apply(activation: Activation, x: &[f32]) -> Vec<f32> {
    let mut tape = Tape::new();
    let v = tape.constant(Tensor::from_vec(&[x.len()], x.to_vec()).unwrap());
    let y = tape.activation(v, activation).unwrap();
    tape.value(y).unwrap().to_vec()
}

fn phi(x: f64) -> f64 {
    // Beyond 6 standard deviations Φ is 1 (or 0) within 1e-9.
    if x.abs() > 6.0 {
        return if x > 0.0 { 1.0 } else { 0.0 };
    }
    // Φ by its series erf(z) = 2/√π Σ (−1)ⁿ z^(2n+1)/(n!(2n+1)).
    let z = x / std::f64::consts::SQRT_2;
    let mut term = z;
    let mut sum = z;
    for n in 1..120 {
        term *= -z * z / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    0.5 * (1.0 + 2.0 / std::f64::consts::PI.sqrt() * sum)
}

#[test]
fn values_follow_the_keras_formulas() {
    let xs = [-3.5f64, -1.0, -0.25, 0.0, 0.5, 1.0, 2.75, 7.0];
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let softplus = |x: f64| (1.0 + x.exp()).ln();
    let (alpha, scale) = (1.673_263_242_354_377_3, 1.050_700_987_355_480_5);
    let cases: [(Activation, &dyn Fn(f64) -> f64); 16] = [
        (Activation::Relu, &|x| x.max(0.0)),
        (Activation::Sigmoid, &sigmoid),
        (Activation::Tanh, &f64::tanh),
        (Activation::Relu6, &|x| x.clamp(0.0, 6.0)),
        (Activation::LeakyRelu, &|x| if x >= 0.0 { x } else { 0.2 * x }),
        (Activation::Elu, &|x| if x > 0.0 { x } else { x.exp() - 1.0 }),
        (Activation::Selu, &|x| {
            scale * if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
        }),
        (Activation::Gelu, &|x| x * phi(x)),
        (Activation::GeluApproximate, &|x| {
            0.5 * x * (1.0 + ((2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
        }),
        (Activation::Silu, &|x| x * sigmoid(x)),
        (Activation::HardSigmoid, &|x| ((x + 3.0).clamp(0.0, 6.0)) / 6.0),
        (Activation::HardSilu, &|x| x * ((x + 3.0).clamp(0.0, 6.0)) / 6.0),
        (Activation::Softplus, &softplus),
        (Activation::Softsign, &|x| x / (1.0 + x.abs())),
        (Activation::Mish, &|x| x * softplus(x).tanh()),
        (Activation::Exponential, &f64::exp),
    ];
    let input: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
    for (activation, f) in cases {
        let got = apply(activation, &input);
        for (&x, &y) in xs.iter().zip(&got) {
            let expected = f(x);
            let tol = 1e-6 * expected.abs().max(1.0);
            assert!(
                (f64::from(y) - expected).abs() <= tol,
                "{}({x}) = {y}, Keras' formula gives {expected}",
                activation.name()
            );
        }
        assert_eq!(activations::get(activation.name()).unwrap(), activation);
    }
    // Keras' docstring values: gelu(1) = 0.8413447, silu(1) = 0.7310586.
    assert!((apply(Activation::Gelu, &[1.0])[0] - 0.841_344_7).abs() < 1e-6);
    // log_softmax and softmax over the last axis.
    let mut tape = Tape::new();
    let v = tape.constant(Tensor::from_vec(&[2, 2], vec![0.0, 0.0, 1.0, 3.0]).unwrap());
    let l = tape.activation(v, Activation::LogSoftmax).unwrap();
    let got = tape.value(l).unwrap().to_vec();
    let lse = (1f64.exp() + 3f64.exp()).ln();
    let expected = [-(2f64.ln()), -(2f64.ln()), 1.0 - lse, 3.0 - lse];
    for (g, e) in got.iter().zip(expected) {
        assert!((f64::from(*g) - e).abs() < 1e-6, "{got:?}");
    }
    assert_eq!(activations::get("hard_swish").unwrap(), Activation::HardSilu);
}

#[test]
fn a_dense_layer_takes_the_new_activations_by_name_and_saves_them() {
    use kerust::prelude::*;
    let mut model = Sequential::new(vec![
        Dense::new(4).activation("gelu").input_shape(3),
        Dense::new(2).activation("swish"),
    ]);
    model.compile("mse", ()).unwrap();
    let x = ndarray::Array2::from_shape_fn((5, 3), |(i, j)| (i as f32 - j as f32) / 3.0);
    let y = ndarray::Array2::from_shape_fn((5, 2), |(i, j)| (i + j) as f32 / 5.0);
    model.train_on_batch(&x, &y).unwrap();
    let path = std::env::temp_dir().join(format!("kerust-activations-{}.kerust", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = kerust::models::load_model(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.predict(&x).unwrap(), model.predict(&x).unwrap());
    assert_eq!(
        loaded.layers()[1].lock().config().get::<String>("activation"),
        Some("silu".into())
    );
}

#[test]
fn the_activation_layers_as_keras_defines_them() {
    use kerust::layers::{ActivationLayer, ELU, LeakyReLU, ReLU, SoftmaxLayer};
    use kerust::prelude::*;
    let x = ndarray::Array2::from_shape_vec((1, 5), vec![-2.0f32, -0.5, 0.25, 3.0, 8.0]).unwrap();
    let run = |layer: Box<dyn Layer>| {
        let mut model = Sequential::new(vec![layer]);
        model.predict(&x).unwrap().iter().copied().collect::<Vec<f32>>()
    };
    let close = |got: Vec<f32>, expected: &[f64]| {
        for (g, e) in got.iter().zip(expected) {
            assert!((f64::from(*g) - e).abs() < 1e-6, "{got:?} vs {expected:?}");
        }
    };
    // keras.layers.ReLU(max_value=6, negative_slope=0.1, threshold=0.5):
    // x·[x > 0.5] capped at 6, minus 0.1·max(0.5 − x, 0).
    let relu = ReLU::new()
        .max_value(6.0)
        .negative_slope(0.1)
        .threshold(0.5)
        .input_shape(5);
    close(run(Box::new(relu)), &[-0.25, -0.1, -0.025, 3.0, 6.0]);
    close(
        run(Box::new(LeakyReLU::new().input_shape(5))),
        &[-0.6, -0.15, 0.25, 3.0, 8.0],
    );
    close(
        run(Box::new(ELU::new().alpha(0.5).input_shape(5))),
        &[
            0.5 * ((-2f64).exp() - 1.0),
            0.5 * ((-0.5f64).exp() - 1.0),
            0.25,
            3.0,
            8.0,
        ],
    );
    let softmax = run(Box::new(SoftmaxLayer::new().input_shape(5)));
    assert!((softmax.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    let relu6 = run(Box::new(ActivationLayer::new("relu6").unwrap().input_shape(5)));
    close(relu6, &[0.0, 0.0, 0.25, 3.0, 6.0]);
    // Keras' automatic names, and configurations that load back.
    let model = sequential![
        Dense::new(5).input_shape(5),
        ReLU::new().max_value(6.0),
        LeakyReLU::new().negative_slope(0.05),
        ELU::new(),
        SoftmaxLayer::new(),
        ActivationLayer::new("gelu").unwrap(),
    ];
    let names: Vec<_> = model.layers().iter().map(|l| l.name()).collect();
    assert_eq!(
        names,
        ["dense", "re_lu", "leaky_re_lu", "elu", "softmax", "activation"]
    );
    for layer in model.layers().iter().skip(1) {
        let config = layer.lock().config();
        let again = kerust::layers::layer_from_config(&config).unwrap();
        assert_eq!(again.config(), config);
    }
    assert!(
        ReLU::new()
            .negative_slope(-1.0)
            .input_shape(5)
            .build(&[5], &mut kerust::utils::seeded_rng(0))
            .is_err()
    );
}

#[test]
fn prelu_learns_its_slopes() {
    use kerust::layers::PReLU;
    use kerust::prelude::*;
    // α = 0.25 on x = [−2, 3]: outputs [−0.5, 3]. With MSE against 0 the
    // gradient of each output is the output itself (2·y/2), and of α the
    // output's gradient times min(x, 0): [1.0, 0]. SGD(0.1): α → [0.15, 0.25].
    let x = ndarray::Array2::from_shape_vec((1, 2), vec![-2.0f32, 3.0]).unwrap();
    let y = ndarray::Array2::<f32>::zeros((1, 2));
    for (shared, expected) in [(None, vec![0.15, 0.25]), (Some([1usize]), vec![0.15])] {
        let mut layer = PReLU::new()
            .alpha_initializer(Initializer::Constant(0.25))
            .input_shape(2);
        if let Some(axes) = shared {
            layer = layer.shared_axes(&axes);
        }
        let mut model = Sequential::new(vec![Box::new(layer) as Box<dyn Layer>]);
        let out = model.predict(&x).unwrap();
        assert_eq!(out.iter().copied().collect::<Vec<_>>(), [-0.5, 3.0]);
        model
            .compile_with(SGD::new().learning_rate(0.1), "mse", ())
            .unwrap();
        model.train_on_batch(&x, &y).unwrap();
        let alpha = model.get_weights()[0].to_vec();
        for (a, e) in alpha.iter().zip(&expected) {
            assert!((a - e).abs() < 1e-6, "{alpha:?} vs {expected:?}");
        }
        assert_eq!(alpha.len(), expected.len());
        let config = model.layers()[0].lock().config();
        assert_eq!(
            kerust::layers::layer_from_config(&config).unwrap().config(),
            config
        );
    }
    // Axis 2 of samples of shape (2,) does not exist: the model does not build.
    let bad = PReLU::new().shared_axes(&[2]).input_shape(2);
    let mut model = Sequential::new(vec![Box::new(bad) as Box<dyn Layer>]);
    let err = model.compile("mse", ()).unwrap_err().to_string();
    assert!(err.contains("shared axes from 1 to 1"), "{err}");
}
