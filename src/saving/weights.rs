//! Weights alone, in the safetensors format, for exchange with candle,
//! PyTorch and other tools.
//!
//! Each weight is stored as `float32` under `<layer name>/<weight name>`:
//! `dense/kernel`, `dense/bias`, `dense_1/kernel`, … A dense kernel has
//! Keras' layout `(inputs, units)` (PyTorch's `Linear` stores the
//! transpose).

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::Deserialize;

use super::source::Source;
use super::write_atomic;
use crate::error::{Error, Result, fmt_shape};
use crate::models::Model;
use crate::tensor::Tensor;

impl Model {
    /// Writes every weight to `path` in the safetensors format, named
    /// `<layer>/<weight>` (atomically, as [`save`](Model::save)).
    ///
    /// ```
    /// use kerust::prelude::*;
    ///
    /// let dir = std::env::temp_dir().join(format!("kerust-doc-weights-{}", std::process::id()));
    /// let model = Sequential::new(vec![Dense::new(3).input_shape(4)]);
    /// model.save_weights(dir.join("w.safetensors"))?;
    /// let mut other = Sequential::new(vec![Dense::new(3).input_shape(4)]);
    /// other.load_weights(dir.join("w.safetensors"))?;
    /// assert_eq!(other.get_weights(), model.get_weights());
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the model is not built;
    /// [`Error::Io`] if the file cannot be written.
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        if !self.is_built() {
            return Err(Error::invalid(
                "save_weights",
                "a built model",
                "a model with no weights yet",
            ));
        }
        let mut bytes: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for layer in self.layers() {
            for p in layer.params() {
                let name = format!("{}/{}", layer.name(), p.name);
                let data: Vec<u8> = p.value.view().iter().flat_map(|v| v.to_le_bytes()).collect();
                bytes.push((name, p.value.shape().to_vec(), data));
            }
        }
        let views = bytes
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| {
                        Error::invalid("save_weights", "weights safetensors can hold", e.to_string())
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let file = safetensors::serialize(views, None)
            .map_err(|e| Error::invalid("save_weights", "weights safetensors can hold", e.to_string()))?;
        write_atomic(path.as_ref(), &file)
    }

    /// Reads weights written by [`save_weights`](Model::save_weights)
    /// (or any safetensors file with the same names), checking that every
    /// weight of the model is there with dtype `float32` and the right
    /// shape, and that the file holds nothing else.
    ///
    /// The file is read header first: its header (at most
    /// [`MAX_HEADER_BYTES`](crate::saving::MAX_HEADER_BYTES)) is checked
    /// against the model before any weight is read, and then only the
    /// weights' own bytes are read, so a hostile or mistaken file fails
    /// without being read whole.
    ///
    /// ```
    /// # use kerust::prelude::*;
    /// let path = std::env::temp_dir().join("kerust-doc.safetensors");
    /// let a = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// a.save_weights(&path)?;
    /// let mut b = Sequential::new(vec![Dense::new(2).input_shape(3)]);
    /// b.load_weights(&path)?;
    /// assert_eq!(a.get_weights()[0].to_vec(), b.get_weights()[0].to_vec());
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), kerust::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the model is not built; [`Error::Io`]
    /// if the file cannot be read; [`Error::InvalidData`] naming the first
    /// weight that is missing, of another dtype or shape, or left over, or
    /// a file that is not safetensors or not as long as its header says —
    /// the model is then unchanged.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        if !self.is_built() {
            return Err(Error::invalid(
                "load_weights",
                "a built model",
                "a model with no weights yet",
            ));
        }
        let mut src = Source::open(path.as_ref())?;
        let origin = src.origin.clone();
        let unreadable = |why: String| {
            Error::data(
                &origin,
                "a safetensors file",
                format!("an unreadable one ({why})"),
            )
        };
        // The header: its length, then the header itself, both bounded.
        let prefix = src.read_exact(8, "a safetensors header length")?;
        let mut n = [0u8; 8];
        n.copy_from_slice(&prefix);
        let n = u64::from_le_bytes(n);
        if n > MAX_HEADER_BYTES as u64 {
            return Err(unreadable(format!(
                "a header of {n} bytes, more than the {MAX_HEADER_BYTES} allowed"
            )));
        }
        let header_bytes = src.read_exact(n as usize, "a safetensors header")?;
        let header: BTreeMap<String, serde_json::Value> =
            serde_json::from_slice(&header_bytes).map_err(|e| unreadable(e.to_string()))?;
        let mut entries = BTreeMap::new();
        for (name, value) in header {
            if name == "__metadata__" {
                continue;
            }
            let entry: Entry =
                serde_json::from_value(value).map_err(|e| unreadable(format!("{name}: {e}")))?;
            entries.insert(name, entry);
        }
        // Every weight of the model, by name, dtype and shape, from the header alone.
        let mut expected_names = Vec::new();
        for layer in self.layers() {
            for p in layer.params() {
                let name = format!("{}/{}", layer.name(), p.name);
                let want = format!("{name} of shape {} (float32)", fmt_shape(p.value.shape()));
                let entry = entries
                    .get(&name)
                    .ok_or_else(|| Error::data(&origin, want.clone(), format!("no tensor named {name}")))?;
                if entry.dtype != "F32" || entry.shape != p.value.shape() {
                    return Err(Error::data(
                        &origin,
                        want,
                        format!("{name} of shape {} ({})", fmt_shape(&entry.shape), entry.dtype),
                    ));
                }
                expected_names.push(name);
            }
        }
        if let Some(extra) = entries.keys().find(|n| !expected_names.contains(n)) {
            return Err(Error::data(
                &origin,
                format!("only the model's weights ({})", expected_names.join(", ")),
                format!("a tensor named {extra} that no layer has"),
            ));
        }
        // The data: exactly the model's weights, as the header lays them out.
        let data_len: usize = self.layers().iter().map(|l| 4 * l.count_params()).sum();
        let declared = entries.values().map(|e| e.data_offsets.1).max().unwrap_or(0);
        if declared != data_len {
            return Err(unreadable(format!(
                "a header laying out {declared} data bytes for weights of {data_len}"
            )));
        }
        src.expect_remaining(data_len as u64, "weights")?;
        // The whole file in one buffer, the weights read straight into it.
        let mut bytes = Vec::with_capacity(8 + header_bytes.len() + data_len);
        bytes.extend_from_slice(&prefix);
        bytes.extend_from_slice(&header_bytes);
        src.read_exact_onto(&mut bytes, data_len, "weights")?;
        src.expect_end("the weights")?;
        // safetensors checks the layout itself (offsets in order, no gaps or overlaps).
        let file = SafeTensors::deserialize(&bytes).map_err(|e| unreadable(e.to_string()))?;
        let mut loaded = Vec::with_capacity(expected_names.len());
        for name in &expected_names {
            let view = file.tensor(name).map_err(|e| unreadable(e.to_string()))?;
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            loaded.push(Tensor::from_vec(view.shape(), values)?);
        }
        self.set_weights(loaded)
    }
}

/// The largest safetensors header [`Model::load_weights`] reads:
/// 16 MiB, room for the names, shapes and offsets of some hundred
/// thousand weights.
///
/// ```
/// assert_eq!(kerust::saving::MAX_HEADER_BYTES, 16 << 20);
/// ```
pub const MAX_HEADER_BYTES: usize = 16 << 20;

/// One tensor's entry in a safetensors header.
#[derive(Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: (usize, usize),
}
