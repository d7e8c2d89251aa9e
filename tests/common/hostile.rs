//! Hostile inputs, shared by `tests/hostile_files.rs` (which bounds them)
//! and `benches/hostile_files.rs` (which times them).

use std::io::Write;
use std::path::Path;

use kerust::prelude::*;

/// A gzip file of about 1 MiB: an IDX header with `dims`, then 1 GiB of zeros.
pub fn bomb(dims: &[u32]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut header = vec![0, 0, 0x08, dims.len() as u8];
    dims.iter().for_each(|d| header.extend(d.to_be_bytes()));
    enc.write_all(&header).expect("compress");
    let zeros = vec![0u8; 1 << 20];
    (0..1024).for_each(|_| enc.write_all(&zeros).expect("compress"));
    enc.finish().expect("compress")
}

/// The header of a model file announcing a payload of 2 GiB − 52 bytes,
/// so that with holes up to 2 GiB the file is as long as it says.
pub fn claiming_header() -> Vec<u8> {
    let mut header = b"KERUSTMD".to_vec();
    header.extend(1u32.to_le_bytes());
    header.extend(((2u64 << 30) - 52).to_le_bytes());
    header.extend([0u8; 32]);
    header
}

/// Makes `path` 2 GiB long with holes (a sparse file: no disk space used).
pub fn extend_to_2_gib(path: &Path) {
    let file = std::fs::OpenOptions::new().write(true).open(path).expect("open");
    file.set_len(2 << 30).expect("extend");
}

/// A compiled 4 → 3 softmax model.
pub fn small_model() -> Sequential {
    let mut model = Sequential::new(vec![Dense::new(3).activation(Softmax).input_shape(4)]);
    model
        .compile("sparse_categorical_crossentropy", ["accuracy"])
        .expect("compile");
    model
}

/// This process's peak resident memory in KiB (`VmHWM`), where Linux says.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
