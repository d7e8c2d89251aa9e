//! Saving and loading whole models: exact round trips, continued training,
//! and damaged files that must be errors, never panics.

use kerust::prelude::*;
use kerust::saving::load_model_from_bytes;
use ndarray::{Array1, Array2, Array3};

fn data() -> (Array3<f32>, Array1<u8>) {
    let x = Array3::from_shape_fn((96, 4, 3), |(i, j, k)| ((i * 7 + j * 3 + k) % 11) as f32 / 11.0);
    let y = Array1::from_shape_fn(96, |i| (i % 3) as u8);
    (x, y)
}

fn trained() -> Sequential {
    set_random_seed(3);
    let mut model = sequential![
        Flatten::new().input_shape([4, 3]),
        Dense::new(8)
            .activation(Relu)
            .kernel_initializer(Initializer::HeUniform),
        Dropout::new(0.25),
        Dense::new(3)
            .activation(Softmax)
            .bias_initializer(Initializer::Constant(0.1)),
    ];
    model
        .compile_with(
            Adam::new().learning_rate(0.01),
            Loss::SparseCategoricalCrossentropy,
            &[Metric::Accuracy],
        )
        .unwrap();
    let (x, y) = data();
    model
        .fit(&x, &y, FitOptions::default().epochs(2).verbose(0))
        .unwrap();
    model
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("kerust-saving-{}-{name}", std::process::id()))
}

#[test]
fn a_loaded_model_predicts_exactly_what_the_saved_one_did() {
    let mut model = trained();
    let path = temp("roundtrip").join("nested").join("model.kerust");
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    let (x, y) = data();
    assert_eq!(loaded.predict(&x).unwrap(), model.predict(&x).unwrap());
    assert_eq!(loaded.get_weights(), model.get_weights());
    assert_eq!(loaded.summary_string(), model.summary_string());
    let o = loaded.optimizer().unwrap();
    assert_eq!((o.name(), o.learning_rate(), o.iterations()), ("Adam", 0.01, 6));
    assert_eq!(
        loaded
            .evaluate_with(&x, &y, EvaluateOptions::default().verbose(0))
            .unwrap(),
        model
            .evaluate_with(&x, &y, EvaluateOptions::default().verbose(0))
            .unwrap()
    );
    std::fs::remove_dir_all(temp("roundtrip")).unwrap();
}

#[test]
fn training_continues_after_a_load_as_if_never_interrupted() {
    let (x, y) = data();
    let mut model = trained();
    let path = temp("continue.kerust");
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    let options = || FitOptions::default().epochs(2).seed(11).verbose(0);
    model.fit(&x, &y, options()).unwrap();
    loaded.fit(&x, &y, options()).unwrap();
    assert_eq!(
        loaded.get_weights(),
        model.get_weights(),
        "optimizer state and weights carried over"
    );
    std::fs::remove_file(&path).unwrap();
}

fn small_file() -> Vec<u8> {
    let mut model = Sequential::new(vec![Dense::new(2).activation(Softmax).input_shape(3)]);
    model
        .compile(Loss::SparseCategoricalCrossentropy, &[Metric::Accuracy])
        .unwrap();
    let path = temp("small.kerust");
    model.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    bytes
}

#[test]
fn a_file_cut_at_any_byte_is_an_error() {
    let bytes = small_file();
    assert!(load_model_from_bytes(&bytes, "full").is_ok());
    for cut in 0..bytes.len() {
        assert!(
            load_model_from_bytes(&bytes[..cut], "cut").is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn one_flipped_byte_anywhere_is_an_error() {
    let bytes = small_file();
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5a;
        assert!(
            load_model_from_bytes(&damaged, "flipped").is_err(),
            "flip at {at}"
        );
    }
}

#[test]
fn wrong_magic_and_future_versions_are_named() {
    let mut bytes = small_file();
    bytes[0] = b'X';
    let msg = load_model_from_bytes(&bytes, "f").unwrap_err().to_string();
    assert!(
        msg.starts_with("f: expected a kerust model file (magic \"KERUSTMD\")"),
        "{msg}"
    );
    let mut bytes = small_file();
    bytes[8..12].copy_from_slice(&2u32.to_le_bytes());
    let msg = load_model_from_bytes(&bytes, "f").unwrap_err().to_string();
    assert_eq!(
        msg,
        "f: expected format version 1, the one this kerust reads, found version 2 (written by a newer kerust)"
    );
    let mut bytes = small_file();
    bytes.push(0);
    assert!(
        load_model_from_bytes(&bytes, "f")
            .unwrap_err()
            .to_string()
            .contains("trailing data")
    );
    assert!(matches!(
        load_model(temp("missing.kerust")).unwrap_err(),
        Error::Io { .. }
    ));
}

#[test]
fn saving_never_leaves_a_temporary_file() {
    let dir = temp("atomic");
    let model = trained();
    for _ in 0..3 {
        model.save(dir.join("m.kerust")).unwrap();
    }
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("m.kerust")]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_uncompiled_unbuilt_model_round_trips() {
    let model = sequential![Dense::new(4).activation(Tanh), Dense::new(1)];
    let path = temp("unbuilt.kerust");
    model.save(&path).unwrap();
    let mut loaded = load_model(&path).unwrap();
    assert!(!loaded.is_built());
    assert!(loaded.optimizer().is_none());
    loaded.compile("mse", &[] as &[Metric]).unwrap();
    let x = Array2::<f32>::zeros((5, 7));
    let y = Array2::<f32>::zeros((5, 1));
    loaded.fit(&x, &y, FitOptions::default().verbose(0)).unwrap();
    std::fs::remove_file(&path).unwrap();
}
