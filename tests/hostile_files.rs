//! Hostile files fail fast and small: a gzip bomb among the dataset files,
//! a 2 GiB sparse model or weights file, `/dev/zero`. Each test checks the
//! process's peak resident memory afterwards (this binary holds only these
//! tests, so the peak is theirs): under 64 MiB, where reading such a file
//! whole would take gigabytes.
#![cfg(target_os = "linux")]

mod common;

use common::hostile::{bomb, claiming_header, extend_to_2_gib, peak_rss_kb, small_model};
use common::idx_server::temp_dir;
use kerust::prelude::*;

/// The bound every test here must stay under.
const PEAK_BOUND_KB: u64 = 64 << 10;

fn assert_small() {
    let peak = peak_rss_kb().expect("VmHWM in /proc/self/status");
    assert!(peak < PEAK_BOUND_KB, "peak RSS {peak} KiB");
}

#[test]
fn gzip_bombs_among_the_dataset_files_fail_before_inflating() {
    let dir = temp_dir("bomb");
    let path = dir.join("train-images-idx3-ubyte.gz");
    // A header claiming a gigabyte of images.
    let lying = bomb(&[1 << 30]);
    assert!(lying.len() < 2 << 20, "{} bytes", lying.len());
    std::fs::write(&path, &lying).unwrap();
    let err = kerust::datasets::fashion_mnist::load_data_from(&dir)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected dimensions [60000, 28, 28], found dimensions [1073741824]"),
        "{err}"
    );
    assert_small();
    // The published header, then a gigabyte more than it announces.
    std::fs::write(&path, bomb(&[60000, 28, 28])).unwrap();
    let err = kerust::datasets::fashion_mnist::load_data_from(&dir)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("found more than 1048576 trailing bytes after them"),
        "{err}"
    );
    assert_small();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_2_gib_sparse_model_file_fails_before_it_is_read() {
    let dir = temp_dir("sparse");
    let path = dir.join("model.kerust");
    small_model().save(&path).unwrap();
    // A valid file followed by 2 GiB of holes: the length disagrees with
    // the header, which is seen before the payload is read.
    extend_to_2_gib(&path);
    let err = load_model(&path).unwrap_err().to_string();
    assert!(
        err.contains("(the file is truncated or has trailing data)"),
        "{err}"
    );
    assert_small();
    // A header that announces the 2 GiB: the payload decodes as a model
    // after five bytes, and the rest is refused unread.
    std::fs::write(&path, claiming_header()).unwrap();
    extend_to_2_gib(&path);
    let err = load_model(&path).unwrap_err().to_string();
    assert!(
        err.contains("expected a payload that is exactly one model"),
        "{err}"
    );
    assert_small();
    // The same for weights.
    let weights = dir.join("w.safetensors");
    let mut model = small_model();
    model.save_weights(&weights).unwrap();
    extend_to_2_gib(&weights);
    let err = model.load_weights(&weights).unwrap_err().to_string();
    assert!(
        err.contains("(the file is truncated or has trailing data)"),
        "{err}"
    );
    assert_small();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dev_zero_is_refused_at_its_first_bytes() {
    let err = load_model("/dev/zero").unwrap_err().to_string();
    assert!(
        err.contains("expected a kerust model file (magic \"KERUSTMD\")"),
        "{err}"
    );
    let mut model = small_model();
    let err = model.load_weights("/dev/zero").unwrap_err().to_string();
    assert!(err.contains("expected a safetensors file"), "{err}");
    assert_small();
}
