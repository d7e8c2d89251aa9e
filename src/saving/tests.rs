//! Loading crafted model files: every record of a file is data, never
//! trusted, whatever its checksum says.

use super::format::{FileModel, FileTensor, encode, encode_version};
use super::v1::{self, FileLayer};
use super::*;
use crate::models::Sequential;
use crate::optimizers::OptimizerConfig;

/// A version 1 file of one Dense layer (v1 files are still read; their
/// option text reaches the layers through the migration).
fn dense_file(input: u64, units: &str, shape: Vec<u64>, data: Vec<f32>) -> v1::FileModel {
    v1::FileModel {
        kerust_version: "0".into(),
        name: "sequential".into(),
        input_shape: Some(vec![input]),
        layers: vec![FileLayer {
            class_name: "Dense".into(),
            name: "dense".into(),
            options: vec![
                ("units".into(), units.into()),
                ("activation".into(), "linear".into()),
                ("use_bias".into(), "false".into()),
                ("kernel_initializer".into(), "zeros".into()),
                ("bias_initializer".into(), "zeros".into()),
            ],
            weights: vec![FileTensor {
                name: "kernel".into(),
                shape,
                data,
            }],
        }],
        compile: None,
    }
}

fn load(file: &FileModel) -> Result<Model> {
    load_model_from_bytes(&encode(file)?, "crafted")
}

fn load_v1(file: &v1::FileModel) -> Result<Model> {
    load_model_from_bytes(&encode_version(1, file)?, "crafted")
}

#[test]
fn huge_claims_in_a_well_formed_file_fail_without_allocating() {
    // A valid file, for reference.
    assert!(load_v1(&dense_file(3, "2", vec![3, 2], vec![0.0; 6])).is_ok());
    // A tensor claiming 2^40 elements with one value.
    let err = load_v1(&dense_file(3, "2", vec![1 << 40, 1], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string().contains(
            "expected a sample of at most 2147483648 values, found a sample of shape (1099511627776, 1)"
        ),
        "{err}"
    );
    // An input shape or unit count whose weights would need 2^40 values:
    // refused by the bound on one sample, and by the layer's own
    // `add_weight` against the values the file holds.
    let err = load_v1(&dense_file(1 << 40, "2", vec![3, 2], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string().contains(
            "expected a sample of at most 2147483648 values, found a sample of shape (1099511627776,)"
        ),
        "{err}"
    );
    let err = load_v1(&dense_file(3, "1000000", vec![3, 2], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string().contains(
            "expected layers whose weights fit the 6 values in the file, found a weight kernel of shape (3, 1000000)"
        ),
        "{err}"
    );
    let err = load_v1(&dense_file(3, "1099511627776", vec![3, 2], vec![0.0; 6])).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected units from 1 to 2147483648, found units=1099511627776"),
        "{err}"
    );
    // Unknown kinds are named.
    let mut file = dense_file(3, "2", vec![3, 2], vec![0.0; 6]);
    file.layers[0].class_name = "Conv7D".into();
    let err = load_v1(&file).unwrap_err().to_string();
    assert!(err.contains("found the layer class Conv7D"), "{err}");
}

/// The same bound holds for any layer, kerust's or registered: a graph
/// file whose Conv2D claims more filters than the file holds values.
#[test]
fn every_layer_builds_within_the_values_the_file_holds() {
    let x = crate::models::Input::new((6, 6, 1));
    let y = crate::models::CallLayer::call(crate::layers::Conv2D::new(2, 3), &x).unwrap();
    let model = Model::new(&x, &y).unwrap();
    let mut file = convert::to_file(&model).unwrap();
    assert!(load(&file).is_ok());
    file.layers[0].config = file.layers[0]
        .config
        .replace("\"filters\":2", "\"filters\":2000000");
    let err = load(&file).unwrap_err().to_string();
    assert!(
        err.contains("expected layers whose weights fit the 20 values in the file, found a weight kernel of shape (3, 3, 1, 2000000)"),
        "{err}"
    );
}

#[test]
fn the_trainable_flag_is_read_and_checked() {
    let mut file = dense_file(3, "2", vec![3, 2], vec![0.0; 6]);
    file.layers[0].options.push(("trainable".into(), "false".into()));
    let model = load_v1(&file).unwrap();
    assert!(!model.layers()[0].trainable());
    file.layers[0].options.last_mut().unwrap().1 = "maybe".into();
    let err = load_v1(&file).unwrap_err().to_string();
    assert!(
        err.contains("expected trainable true or false for layer \"dense\", found maybe"),
        "{err}"
    );
}

/// A compiled model trained one step with `optimizer`, as file records:
/// a dense layer of `inputs` × 10 (+ 10), so that large inputs give a
/// kernel long enough for the update to be split over threads.
fn trained_file(optimizer: impl crate::optimizers::Optimizer + 'static, inputs: usize) -> FileModel {
    let mut model = Sequential::new(vec![crate::layers::Dense::new(10).input_shape(inputs)]);
    model
        .compile_with(
            optimizer,
            crate::losses::Loss::MeanSquaredError,
            &[] as &[crate::metrics::Metric],
        )
        .unwrap();
    let x = ndarray::Array2::<f32>::ones((4, inputs));
    let y = ndarray::Array2::<f32>::zeros((4, 10));
    let options = crate::models::FitOptions::default().epochs(1).verbose(0);
    model.fit(&x, &y, options).unwrap();
    convert::to_file(&model).unwrap()
}

/// Loads `file` and, if that works, trains it one step.
fn load_and_fit(file: &FileModel, inputs: usize) -> Result<()> {
    let mut model = load(file)?;
    let x = ndarray::Array2::<f32>::ones((4, inputs));
    let y = ndarray::Array2::<f32>::zeros((4, 10));
    model.fit(&x, &y, crate::models::FitOptions::default().epochs(1).verbose(0))?;
    Ok(())
}

#[test]
fn every_optimizer_buffer_is_checked_at_load() {
    use crate::optimizers::{Adam, RMSprop, SGD};
    // For a kernel of 64 and of 5,000 elements (the latter split over threads).
    for inputs in [64, 500] {
        let adam = trained_file(Adam::new(), inputs);
        assert!(load_and_fit(&adam, inputs).is_ok());
        // The second buffer (v) of the kernel cut short.
        let mut short = adam.clone();
        short.compile.as_mut().unwrap().slots[0][1].truncate(7);
        let err = load_and_fit(&short, inputs).unwrap_err().to_string();
        assert!(
            err.contains(&format!(
                "expected {} values in buffer v of weight 0, found 7 values",
                inputs * 10
            )),
            "{err}"
        );
        // A third buffer would silently have made this Adam AMSGrad.
        let mut third = adam.clone();
        let extra = third.compile.as_ref().unwrap().slots[0][0].clone();
        third.compile.as_mut().unwrap().slots[0].push(extra);
        let err = load_and_fit(&third, inputs).unwrap_err().to_string();
        assert!(
            err.contains("expected 2 Adam buffers [m, v] for weight 0, found 3 buffers"),
            "{err}"
        );
        // A buffer for a weight the model does not have.
        let mut more = adam.clone();
        more.compile
            .as_mut()
            .unwrap()
            .slots
            .push(vec![vec![0.0; 3], vec![0.0; 3]]);
        let err = load_and_fit(&more, inputs).unwrap_err().to_string();
        assert!(
            err.contains("expected Adam buffers for 2 weights, found buffers for 3"),
            "{err}"
        );
        // A negative second moment (its square root would be NaN).
        let mut negative = adam.clone();
        negative.compile.as_mut().unwrap().slots[1][1][0] = -1.0;
        let err = load_and_fit(&negative, inputs).unwrap_err().to_string();
        assert!(
            err.contains("non-negative values in buffer v of weight 1"),
            "{err}"
        );
    }
    let sgd = trained_file(SGD::new().momentum(0.9), 8);
    let mut none = sgd.clone();
    none.compile.as_mut().unwrap().slots[0].clear();
    let err = load_and_fit(&none, 8).unwrap_err().to_string();
    assert!(
        err.contains("expected 1 SGD buffers [momentum] for weight 0, found 0 buffers"),
        "{err}"
    );
    let rms = trained_file(RMSprop::new().centered(true), 8);
    let mut negative = rms.clone();
    negative.compile.as_mut().unwrap().slots[0][0][3] = -2.0;
    let err = load_and_fit(&negative, 8).unwrap_err().to_string();
    assert!(
        err.contains("non-negative values in buffer velocity of weight 0, found -2 at index 3"),
        "{err}"
    );
    // The centered average may be negative.
    let mut signed = rms.clone();
    signed.compile.as_mut().unwrap().slots[0][1][3] = -2.0;
    assert!(load_and_fit(&signed, 8).is_ok());
}

#[test]
fn step_counts_and_hyperparameters_are_checked_at_load() {
    use crate::optimizers::Adam;
    let file = trained_file(Adam::new(), 8);
    let mut endless = file.clone();
    endless.compile.as_mut().unwrap().iterations = u64::MAX;
    let err = load_and_fit(&endless, 8).unwrap_err().to_string();
    assert!(err.contains("iterations = 18446744073709551615"), "{err}");
    let config = |file: &FileModel| -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(&file.compile.as_ref().unwrap().config).unwrap()
    };
    assert_eq!(config(&file)["learning_rate"], serde_json::json!(0.001));
    for (bad, why) in [
        (serde_json::json!(-0.001), "expected a finite learning_rate >= 0"),
        (serde_json::json!(null), "expected a learning_rate, found null"),
        (serde_json::json!("fast"), "did not match any variant"),
        (serde_json::json!(1e300), "expected a finite learning_rate >= 0"),
    ] {
        let mut rate = file.clone();
        let mut values = config(&rate);
        values.insert("learning_rate".into(), bad.clone());
        rate.compile.as_mut().unwrap().config = serde_json::Value::Object(values).to_string();
        let err = load_and_fit(&rate, 8).unwrap_err().to_string();
        assert!(
            err.contains("expected a usable optimizer") && err.contains(why),
            "{bad}: {err}"
        );
    }
    // Options no optimizer of that class has, and the base's options.
    let mut extra = file.clone();
    let mut values = config(&extra);
    values.insert("beta_3".into(), serde_json::json!(0.5));
    extra.compile.as_mut().unwrap().config = serde_json::Value::Object(values).to_string();
    let err = load_and_fit(&extra, 8).unwrap_err().to_string();
    assert!(err.contains("found the unknown option \"beta_3\""), "{err}");
    let mut clipped = file.clone();
    let mut values = config(&clipped);
    values.insert("clipnorm".into(), serde_json::json!(-1.0));
    clipped.compile.as_mut().unwrap().config = serde_json::Value::Object(values).to_string();
    let err = load_and_fit(&clipped, 8).unwrap_err().to_string();
    assert!(
        err.contains("expected a finite clipnorm > 0, found clipnorm=-1"),
        "{err}"
    );
}

/// The base options (decay, clipping) and every rule's own options save
/// and load with the model.
#[test]
fn every_optimizer_option_saves_and_loads() {
    use crate::optimizers::{Adam, Optimizer, RMSprop, SGD};
    let optimizers: Vec<Box<dyn Optimizer>> = vec![
        Box::new(
            SGD::new()
                .learning_rate(0.05)
                .momentum(0.8)
                .nesterov(true)
                .weight_decay(0.01),
        ),
        Box::new(
            RMSprop::new()
                .rho(0.8)
                .centered(true)
                .momentum(0.5)
                .clipvalue(0.3),
        ),
        Box::new(
            Adam::new()
                .beta_1(0.8)
                .beta_2(0.99)
                .epsilon(1e-6)
                .amsgrad(true)
                .global_clipnorm(2.0),
        ),
        Box::new(Adam::new().clipnorm(1.5)),
    ];
    for optimizer in optimizers {
        let config = optimizer.config();
        let again = crate::optimizers::from_config(
            &OptimizerConfig::from_json(config.class_name(), &config.to_json()).unwrap(),
        )
        .unwrap();
        assert_eq!(again.config(), config);
    }
}

#[test]
fn configurations_are_bounded_without_an_input_shape() {
    // No input shape: nothing is built until fit. Each value is still
    // checked at load, by the layer's own configuration.
    let unbuilt = |units: &str| {
        let mut file = dense_file(3, units, vec![], vec![]);
        file.input_shape = None;
        file.layers[0].weights.clear();
        file
    };
    assert!(load_v1(&unbuilt("10")).is_ok());
    let refused = |file: &v1::FileModel| load_v1(file).map(|_| ()).unwrap_err().to_string();
    for (units, why) in [
        ("1e30", "invalid type: floating point"),
        ("1000000000000000000000000000000", "invalid type: floating point"),
        ("2.5", "invalid type: floating point"),
        ("-3", "invalid value: integer `-3`"),
        (
            "4294967296",
            "expected units from 1 to 2147483648, found units=4294967296",
        ),
        ("0", "expected units from 1 to 2147483648, found units=0"),
    ] {
        let err = refused(&unbuilt(units));
        assert!(
            err.contains("expected a usable configuration for layer \"dense\"") && err.contains(why),
            "{units}: {err}"
        );
    }
    // The largest count loads; building it for real inputs is then an
    // error naming the weight, not an abort.
    let mut model = load_v1(&unbuilt("2147483648")).unwrap();
    model.compile("mse", ()).unwrap();
    let x = ndarray::Array2::<f32>::ones((2, 3));
    let y = ndarray::Array2::<f32>::zeros((2, 1));
    let err = model
        .fit(&x, &y, crate::models::FitOptions::default().verbose(0))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("a weight of at most 2147483648 elements, found a weight of shape (3, 2147483648)"),
        "{err}"
    );
    // Other kinds of values.
    let edit = |key: &str, value: &str| {
        let mut file = unbuilt("4");
        file.layers[0]
            .options
            .iter_mut()
            .find(|(k, _)| k == key)
            .unwrap()
            .1 = value.into();
        refused(&file)
    };
    assert!(edit("kernel_initializer", "random_uniform(1,0)").contains("min <= max"));
    assert!(edit("bias_initializer", "constant(NaN)").contains("invalid type: null"));
    assert!(edit("activation", "softmaxx").contains("the unknown activation identifier \"softmaxx\""));
    assert!(edit("use_bias", "yes").contains("invalid type: string \"yes\", expected a boolean"));
    let layer = |class: &str, options: &[(&str, &str)]| {
        let mut file = unbuilt("4");
        file.layers[0].class_name = class.into();
        file.layers[0].options = options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        refused(&file)
    };
    assert!(layer("Dropout", &[("rate", "1")]).contains("a rate in [0, 1)"));
    assert!(layer("Dropout", &[("rate", "NaN")]).contains("invalid type: string \"NaN\", expected f32"));
    assert!(layer("Dropout", &[("rate", "0.5"), ("units", "3")]).contains("unknown field `units`"));
    assert!(layer("Reshape", &[("target_shape", "65536,65536,2")]).contains("a sample of at most"));
    assert!(
        layer(
            "MaxPooling2D",
            &[
                ("pool_size", "99999999999,2"),
                ("strides", "1,1"),
                ("padding", "same")
            ]
        )
        .contains("expected pool_size from 1 to 2147483648")
    );
    assert!(
        layer("MaxPooling2D", &[("pool_size", "2,2"), ("padding", "full")])
            .contains("unknown variant `full`")
    );
    let bn = [
        ("momentum", "0.99"),
        ("epsilon", "-1"),
        ("center", "true"),
        ("scale", "true"),
    ];
    assert!(layer("BatchNormalization", &bn).contains("epsilon"));
}

#[test]
fn the_payload_round_trips() {
    let model = crate::sequential![crate::layers::Dense::new(2).input_shape(3)];
    let file = convert::to_file(&model).unwrap();
    let bytes = encode(&file).unwrap();
    assert_eq!(
        format::read(&mut source::Source::bytes(&bytes, "x")).unwrap(),
        file
    );
}

mod crafted_records;
mod mutated_files;
