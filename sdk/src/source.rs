//! A model on disk: a GGUF file or a Hugging Face folder. Loaders know formats;
//! only the model (see `model::names`) knows tensor names.

use crate::error::{Error, Result};
use crate::gguf::{GgmlType, GgufFile};
use crate::hf::{count_types, HfFolder};
use crate::tensor::TensorRef;
use std::path::Path;

/// An opened model file or folder.
#[derive(Debug)]
pub enum ModelSource {
    /// A `.gguf` file.
    Gguf(GgufFile),
    /// A Hugging Face folder with `config.json` and safetensors.
    Hf(HfFolder),
}

impl ModelSource {
    /// Open a `.gguf` file or a Hugging Face model folder.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| Error::Io { path: path.into(), source })?;
        if meta.is_dir() {
            Ok(ModelSource::Hf(HfFolder::open(path)?))
        } else {
            Ok(ModelSource::Gguf(GgufFile::open(path)?))
        }
    }

    /// The file or folder this came from.
    pub fn path(&self) -> &Path {
        match self {
            ModelSource::Gguf(g) => g.path(),
            ModelSource::Hf(h) => h.dir(),
        }
    }

    /// A tensor by its name in this source's naming scheme.
    pub fn tensor(&self, name: &str) -> Result<TensorRef> {
        match self {
            ModelSource::Gguf(g) => g.tensor(name),
            ModelSource::Hf(h) => h.tensor(name),
        }
    }

    /// Whether a tensor exists.
    pub fn has_tensor(&self, name: &str) -> bool {
        match self {
            ModelSource::Gguf(g) => g.tensor_info(name).is_some(),
            ModelSource::Hf(h) => h.has_tensor(name),
        }
    }

    /// Bytes on disk.
    pub fn file_size(&self) -> u64 {
        match self {
            ModelSource::Gguf(g) => g.file_size(),
            ModelSource::Hf(h) => h.file_size(),
        }
    }

    /// Tensor count by element type.
    pub fn type_counts(&self) -> Vec<(GgmlType, usize)> {
        match self {
            ModelSource::Gguf(g) => count_types(g.tensors.iter().map(|t| t.dtype)),
            ModelSource::Hf(h) => h.type_counts(),
        }
    }

    /// Number of tensors.
    pub fn tensor_count(&self) -> usize {
        self.type_counts().iter().map(|(_, n)| n).sum()
    }
}
