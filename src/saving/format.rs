//! The model file: a fixed header, then a bincode payload of plain
//! records.
//!
//! ```text
//! offset  0  magic "KERUSTMD"
//!         8  format version, u32 little-endian (1)
//!        12  payload length, u64 little-endian
//!        20  SHA-256 of the payload (32 bytes)
//!        52  payload: bincode 2 (standard configuration) of `FileModel`
//! ```
//!
//! The records hold only strings, numbers and lists — every kind (layer
//! class, activation, loss, optimizer) is stored by its Keras name — so the
//! format does not depend on the order of any enum in the crate. The header
//! is checked (magic, version, that the payload is exactly as long as
//! stated, its checksum) before the payload is decoded, and decoding is
//! bounded, so a damaged or hostile file is an error, never a panic or a
//! huge allocation.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub(crate) const MAGIC: &[u8; 8] = b"KERUSTMD";
/// The format version this kerust writes and reads.
///
/// ```
/// assert_eq!(kerust::saving::FORMAT_VERSION, 1);
/// ```
pub const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8 + 32;
/// Payloads larger than this are refused (4 GiB).
const MAX_PAYLOAD: u64 = 1 << 32;

/// A saved model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileModel {
    pub kerust_version: String,
    pub name: String,
    pub input_shape: Option<Vec<u64>>,
    pub layers: Vec<FileLayer>,
    pub compile: Option<FileCompile>,
}

/// A layer: its Keras class, name, options as text, and weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileLayer {
    pub class_name: String,
    pub name: String,
    pub options: Vec<(String, String)>,
    pub weights: Vec<FileTensor>,
}

impl FileLayer {
    /// The value of option `key`, if the layer has it.
    pub(crate) fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A named tensor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileTensor {
    pub name: String,
    pub shape: Vec<u64>,
    pub data: Vec<f32>,
}

/// What `compile` set, and the optimizer's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileCompile {
    pub loss: String,
    pub from_logits: bool,
    pub metrics: Vec<String>,
    pub optimizer: String,
    pub hyperparameters: Vec<(String, f64)>,
    pub iterations: u64,
    pub slots: Vec<Vec<Vec<f32>>>,
}

/// Header and payload of `model`.
pub(crate) fn encode(model: &FileModel) -> Result<Vec<u8>> {
    let payload = bincode::serde::encode_to_vec(model, bincode::config::standard())
        .map_err(|e| Error::invalid("save", "a model that can be encoded", e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// The model in `bytes`, after checking the header and checksum.
pub(crate) fn decode(bytes: &[u8], origin: &str) -> Result<FileModel> {
    if bytes.len() < HEADER {
        return Err(Error::data(
            origin,
            format!("a kerust model file of at least {HEADER} bytes"),
            format!("{} bytes", bytes.len()),
        ));
    }
    if &bytes[..8] != MAGIC {
        return Err(Error::data(
            origin,
            "a kerust model file (magic \"KERUSTMD\")",
            format!("magic bytes {:02x?}", &bytes[..8]),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(Error::data(
            origin,
            format!("format version {FORMAT_VERSION}, the one this kerust reads"),
            format!(
                "version {version}{}",
                if version > FORMAT_VERSION {
                    " (written by a newer kerust)"
                } else {
                    ""
                }
            ),
        ));
    }
    let length = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let actual = (bytes.len() - HEADER) as u64;
    if length != actual || length > MAX_PAYLOAD {
        return Err(Error::data(
            origin,
            format!("a payload of {length} bytes, as the header says"),
            format!("{actual} bytes (the file is truncated or has trailing data)"),
        ));
    }
    let payload = &bytes[HEADER..];
    if Sha256::digest(payload).as_slice() != &bytes[20..52] {
        return Err(Error::data(
            origin,
            "a payload matching its checksum",
            "a corrupted payload",
        ));
    }
    let config = bincode::config::standard().with_limit::<{ 1 << 32 }>();
    let (model, used): (FileModel, usize) = bincode::serde::decode_from_slice(payload, config)
        .map_err(|e| Error::data(origin, "a decodable model", e.to_string()))?;
    if used != payload.len() {
        return Err(Error::data(
            origin,
            "a payload that is exactly one model",
            format!("{} unused bytes", payload.len() - used),
        ));
    }
    Ok(model)
}
