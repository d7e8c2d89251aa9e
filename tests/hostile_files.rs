//! Hostile files fail fast and small: a gzip bomb among the dataset files,
//! a 2 GiB sparse model or weights file, `/dev/zero`. Each test checks the
//! process's peak resident memory afterwards (this binary holds only these
//! tests, so the peak is theirs): under 64 MiB, where reading such a file
//! whole would take gigabytes.
#![cfg(target_os = "linux")]

mod common;

use std::io::Write;

use common::idx_server::temp_dir;
use kerust::prelude::*;

/// The bound every test here must stay under.
const PEAK_BOUND_KB: u64 = 64 << 10;

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn assert_small() {
    let peak = peak_rss_kb();
    assert!(peak < PEAK_BOUND_KB, "peak RSS {peak} KiB");
}

/// A gzip file of about 1 MiB: an IDX header with `dims`, then 1 GiB of zeros.
fn bomb(dims: &[u32]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut header = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        header.extend(d.to_be_bytes());
    }
    enc.write_all(&header).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap()
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

/// Makes `path` 2 GiB long with holes (a sparse file: no disk space used).
fn extend_to_2_gib(path: &std::path::Path) {
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(2 << 30).unwrap();
}

fn small_model() -> Sequential {
    let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
    model
        .compile("sparse_categorical_crossentropy", &["accuracy"])
        .unwrap();
    model
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
    let mut header = Vec::new();
    header.extend_from_slice(b"KERUSTMD");
    header.extend_from_slice(&1u32.to_le_bytes());
    header.extend_from_slice(&((2u64 << 30) - 52).to_le_bytes());
    header.extend_from_slice(&[0; 32]);
    std::fs::write(&path, &header).unwrap();
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
