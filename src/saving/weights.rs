//! Weights alone, in the safetensors format, for exchange with candle,
//! PyTorch and other tools.
//!
//! Each weight is stored as `float32` under `<layer name>/<weight name>`:
//! `dense/kernel`, `dense/bias`, `dense_1/kernel`, … A dense kernel has
//! Keras' layout `(inputs, units)` (PyTorch's `Linear` stores the
//! transpose).

use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::write_atomic;
use crate::error::{Error, Result, fmt_shape};
use crate::models::Sequential;
use crate::tensor::Tensor;

impl Sequential {
    /// Writes every weight to `path` in the safetensors format, named
    /// `<layer>/<weight>` (atomically, as [`save`](Sequential::save)).
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
                let name = format!("{}/{}", layer.name().unwrap_or_default(), p.name);
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

    /// Reads weights written by [`save_weights`](Sequential::save_weights)
    /// (or any safetensors file with the same names), checking that every
    /// weight of the model is there with dtype `float32` and the right
    /// shape, and that the file holds nothing else.
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
    /// [`Error::Io`] if the file cannot be read; [`Error::InvalidData`]
    /// naming the first weight that is missing, of another dtype or shape,
    /// or left over — the model is then unchanged.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let file = SafeTensors::deserialize(&bytes)
            .map_err(|e| Error::data(&origin, "a safetensors file", format!("an unreadable one ({e})")))?;
        if !self.is_built() {
            return Err(Error::invalid(
                "load_weights",
                "a built model",
                "a model with no weights yet",
            ));
        }
        let mut loaded = Vec::new();
        let mut expected_names = Vec::new();
        for layer in self.layers() {
            for p in layer.params() {
                let name = format!("{}/{}", layer.name().unwrap_or_default(), p.name);
                let want = format!("{name} of shape {} (float32)", fmt_shape(p.value.shape()));
                let view = file
                    .tensor(&name)
                    .map_err(|_| Error::data(&origin, want.clone(), format!("no tensor named {name}")))?;
                if view.dtype() != Dtype::F32 || view.shape() != p.value.shape() {
                    return Err(Error::data(
                        &origin,
                        want,
                        format!("{name} of shape {} ({:?})", fmt_shape(view.shape()), view.dtype()),
                    ));
                }
                let values: Vec<f32> = view
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                loaded.push(Tensor::from_vec(view.shape(), values)?);
                expected_names.push(name);
            }
        }
        if let Some(extra) = file
            .names()
            .into_iter()
            .find(|n| !expected_names.iter().any(|e| e == n))
        {
            return Err(Error::data(
                &origin,
                format!("only the model's weights ({})", expected_names.join(", ")),
                format!("a tensor named {extra} that no layer has"),
            ));
        }
        self.set_weights(loaded)
    }
}
