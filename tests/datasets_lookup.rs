//! Where dataset files are looked for, and the error when they are nowhere.

mod common;

use common::idx_server::*;
use kerust::Error;
use kerust::datasets::{Lookup, fashion_mnist};

#[test]
fn an_explicit_folder_is_read_alone() {
    let data = synthetic("lk-dir", None);
    let dir = temp_dir("lk-dir");
    data.write_to(&dir);
    let files = data.dataset.load(&Lookup::only_dir(&dir)).unwrap();
    assert_eq!(files[2].array.shape(), &[3, 2, 2]);
    // Uncompressed files work too.
    for (name, bytes) in &data.files {
        std::fs::remove_file(dir.join(format!("{name}.gz"))).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    assert_eq!(data.dataset.load(&Lookup::only_dir(&dir)).unwrap(), files);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_environment_variable_comes_before_the_cache() {
    let var = "KERUST_TEST_LOOKUP_ENV_DIR";
    let data = synthetic("lk-env", Some(var));
    let (env_dir, cache) = (temp_dir("lk-env"), temp_dir("lk-env-cache"));
    data.write_to(&env_dir);
    // SAFETY: this variable is read by this test only.
    unsafe { std::env::set_var(var, &env_dir) };
    let lookup = Lookup::new().use_system(false).download(false).cache_dir(&cache);
    assert!(data.dataset.load(&lookup).is_ok());
    // A wrong file in the variable's folder: the search moves on to the cache.
    std::fs::write(
        env_dir.join("train-labels-idx1-ubyte.gz"),
        gzip(&idx_bytes(&[1], &[0])),
    )
    .unwrap();
    data.write_to(&cache);
    assert!(data.dataset.load(&lookup).is_ok());
    // The variable's folder is never modified, even when its file is wrong.
    assert_eq!(listing(&env_dir).len(), 4);
    unsafe { std::env::remove_var(var) };
    std::fs::remove_dir_all(&env_dir).unwrap();
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn nothing_found_lists_every_place_and_the_fixes() {
    let var = "KERUST_TEST_LOOKUP_MISSING_DIR";
    let mut data = synthetic("lk-missing", Some(var));
    let (env_dir, cache, system) = (temp_dir("lk-m-env"), temp_dir("lk-m-cache"), temp_dir("lk-m-sys"));
    data.dataset.system_dir = Some(system.clone());
    data.dataset.install_hint = Some("install the package dataset-synthetic".into());
    std::fs::write(system.join("train-images-idx3-ubyte.gz"), b"garbage").unwrap();
    unsafe { std::env::set_var(var, &env_dir) };
    let lookup = Lookup::new().download(false).cache_dir(&cache);
    let err = data.dataset.load(&lookup).unwrap_err();
    unsafe { std::env::remove_var(var) };
    assert!(matches!(err, Error::DatasetUnavailable { .. }));
    let message = err.to_string();
    for needle in [
        "could not load the Synthetic lk-missing file train-images-idx3-ubyte; tried:",
        &format!(
            "  - ${var} {}: no train-images-idx3-ubyte.gz or train-images-idx3-ubyte",
            env_dir.display()
        ),
        &format!("  - the user cache {}: no", cache.display()),
        &format!("  - the system copy {}: ", system.display()),
        "found magic number 0x67617262",
        "To fix: install the package dataset-synthetic; put train-images-idx3-ubyte.gz, ",
        &format!("in a folder and set {var} to it"),
    ] {
        assert!(message.contains(needle), "missing {needle:?} in:\n{message}");
    }
    // The system copy is never touched.
    assert_eq!(listing(&system), vec!["train-images-idx3-ubyte.gz"]);
    for d in [env_dir, cache, system] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn fashion_mnist_from_an_empty_folder_says_how_to_get_it() {
    let dir = temp_dir("lk-fmnist");
    let message = fashion_mnist::load_data_from(&dir).unwrap_err().to_string();
    assert!(
        message.contains("could not load the Fashion-MNIST file train-images-idx3-ubyte"),
        "{message}"
    );
    assert!(
        message.contains("apt-get install dataset-fashion-mnist"),
        "{message}"
    );
    assert!(message.contains(&format!("put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in {}", dir.display())), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}
