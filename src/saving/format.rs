//! The model file: a fixed header, then a bincode payload of plain
//! records.
//!
//! ```text
//! offset  0  magic "KERUSTMD"
//!         8  format version, u32 little-endian (2; 1 is still read)
//!        12  payload length, u64 little-endian
//!        20  SHA-256 of the payload (32 bytes)
//!        52  payload: bincode 2 (standard configuration) of `FileModel`
//! ```
//!
//! The records hold only strings, numbers and lists — every kind (layer
//! class, activation, loss, optimizer) is stored by its Keras name — so the
//! format does not depend on the order of any enum in the crate. The header
//! is checked (magic, version, a payload of at most 4 GiB, and, for a
//! regular file, that the file is exactly as long as the header says)
//! before any of the payload is read; the payload is then decoded as it
//! streams in, at most the announced length, and its checksum compared.
//! A checksum is no guarantee (anyone can recompute one): every value is
//! validated again when the model is rebuilt from the records. So a
//! damaged or hostile file is an error, never a panic, and never a read or
//! an allocation beyond what the header announced.

use std::io::Read;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::source::Source;
use crate::error::{Error, Result};

pub(crate) const MAGIC: &[u8; 8] = b"KERUSTMD";
/// The format version this kerust writes. It reads this one and every
/// earlier one (version 1 files, which held `Sequential` models only, are
/// migrated as they load).
///
/// ```
/// assert_eq!(kerust::saving::FORMAT_VERSION, 2);
/// ```
pub const FORMAT_VERSION: u32 = 2;
const HEADER: usize = 8 + 4 + 8 + 32;
/// Payloads larger than this are refused (4 GiB): the documented cap on
/// what loading a model may read.
const MAX_PAYLOAD: u64 = 1 << 32;
/// The decoder's own bound on what a payload may claim: the cap, or all
/// of memory where `usize` cannot hold it.
const DECODE_LIMIT: usize = if usize::BITS > 32 {
    MAX_PAYLOAD as usize
} else {
    usize::MAX
};

/// A saved model (format version 2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileModel {
    pub kerust_version: String,
    pub name: String,
    /// A `Sequential` (a chain of `layers`, built for `input_shape` when
    /// that is set) or a functional graph (`inputs`, `calls`, `outputs`).
    pub sequential: bool,
    pub input_shape: Option<Vec<u64>>,
    pub inputs: Vec<FileInput>,
    pub layers: Vec<FileLayer>,
    pub calls: Vec<FileCall>,
    pub outputs: Vec<FileRef>,
    pub compile: Option<FileCompile>,
}

/// An input of a functional model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileInput {
    pub name: String,
    pub shape: Vec<u64>,
}

/// A layer: its Keras class, name, configuration (a JSON object, as in
/// Keras' `config.json`), whether it trains, and its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileLayer {
    pub class_name: String,
    pub name: String,
    pub config: String,
    pub trainable: bool,
    pub weights: Vec<FileTensor>,
}

/// One call of a layer (an index into the layers) on earlier values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileCall {
    pub layer: u64,
    pub inputs: Vec<FileRef>,
}

/// A value of the graph: output `index` of `node`, where the nodes are the
/// inputs (numbered from 0) and then the calls.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileRef {
    pub node: u64,
    pub index: u64,
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
    /// One per model output.
    pub outputs: Vec<FileObjective>,
    /// The optimizer's class name and its configuration (a JSON object).
    pub optimizer: String,
    pub config: String,
    pub iterations: u64,
    pub slots: Vec<Vec<Vec<f32>>>,
}

/// The loss, its weight and the metrics of one output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileObjective {
    pub loss: String,
    pub from_logits: bool,
    pub weight: f64,
    pub metrics: Vec<String>,
}

/// Header and payload of `model`.
pub(crate) fn encode(model: &FileModel) -> Result<Vec<u8>> {
    encode_version(FORMAT_VERSION, model)
}

/// Header and payload of `records`, announced as format `version`.
pub(crate) fn encode_version<T: Serialize>(version: u32, records: &T) -> Result<Vec<u8>> {
    let payload = bincode::serde::encode_to_vec(records, bincode::config::standard())
        .map_err(|e| Error::invalid("save", "a model that can be encoded", e.to_string()))?;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Reads a model: the header first (magic, version, the payload's length
/// against the cap and against the file's own length), then the payload,
/// decoded as it streams in while its checksum is computed. Nothing beyond
/// the header's claim is read, and a payload that is not exactly one model
/// fails as soon as that shows.
pub(crate) fn read<R: Read>(src: &mut Source<R>) -> Result<FileModel> {
    let origin = src.origin.clone();
    let header = src.read_exact(HEADER, "a kerust model file header")?;
    if &header[..8] != MAGIC {
        return Err(Error::data(
            &origin,
            "a kerust model file (magic \"KERUSTMD\")",
            format!("magic bytes {:02x?}", &header[..8]),
        ));
    }
    let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if !(1..=FORMAT_VERSION).contains(&version) {
        return Err(Error::data(
            &origin,
            format!("format version 1 to {FORMAT_VERSION}, those this kerust reads"),
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
    let mut length_bytes = [0u8; 8];
    length_bytes.copy_from_slice(&header[12..20]);
    let length = u64::from_le_bytes(length_bytes);
    if length > MAX_PAYLOAD {
        return Err(Error::data(
            &origin,
            format!("a payload of at most {MAX_PAYLOAD} bytes"),
            format!("a header announcing {length} bytes"),
        ));
    }
    src.expect_remaining(length, "a payload")?;
    // Buffered outside the hashing, so the checksum is updated a block at
    // a time while the decoder reads a few bytes at a time.
    let mut payload = std::io::BufReader::with_capacity(
        1 << 16,
        Hashing {
            inner: src.take(length),
            hasher: Sha256::new(),
        },
    );
    let config = bincode::config::standard().with_limit::<DECODE_LIMIT>();
    let decoded = if version == 1 {
        bincode::serde::decode_from_std_read(&mut payload, config).map(Payload::V1)
    } else {
        bincode::serde::decode_from_std_read(&mut payload, config).map(Payload::V2)
    };
    // What the decoder left: read ahead into the buffer, or not read at all.
    let unused = payload.buffer().len() as u64 + payload.get_ref().inner.limit();
    let mut payload = payload.into_inner();
    let problem = match decoded {
        Ok(model) if unused == 0 => {
            if payload.hasher.finalize().as_slice() != &header[20..52] {
                return Err(corrupted(&origin, None));
            }
            src.expect_end("the payload")?;
            return match model {
                Payload::V1(old) => super::v1::migrate(old, &origin),
                Payload::V2(model) => Ok(model),
            };
        }
        Ok(_) => Error::data(
            &origin,
            "a payload that is exactly one model",
            format!("{unused} unused bytes"),
        ),
        Err(e) => Error::data(&origin, "a decodable model", e.to_string()),
    };
    // A payload that does not decode is most often a damaged one: say so
    // when the rest is small enough to hash at once.
    // (The buffer's bytes are already hashed; the rest is read here.)
    if unused <= 1 << 24
        && std::io::copy(&mut payload, &mut std::io::sink()).is_ok()
        && payload.inner.limit() == 0
        && payload.hasher.finalize().as_slice() != &header[20..52]
    {
        return Err(corrupted(&origin, Some(&problem)));
    }
    Err(problem)
}

/// A payload as decoded, in the records of its version.
enum Payload {
    V1(super::v1::FileModel),
    V2(FileModel),
}

#[cold]
fn corrupted(origin: &str, problem: Option<&Error>) -> Error {
    let found = match problem {
        Some(p) => format!("a corrupted payload ({p})"),
        None => "a corrupted payload".to_string(),
    };
    Error::data(origin, "a payload matching its checksum", found)
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
