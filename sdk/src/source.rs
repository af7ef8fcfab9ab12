//! A model on disk: a GGUF file or a Hugging Face folder. Loaders know formats;
//! only the model (see `model::names`) knows tensor names.

use crate::error::{Error, Result};
use crate::gguf::{GgmlType, GgufFile};
use crate::hf::{count_types, HfFolder};
use crate::tensor::TensorRef;
use crate::tokenizer::Tokenizer;
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

/// The model's tokenizer: `override_path` (a tokenizer.json or a GGUF with
/// vocabulary metadata) if given, else the GGUF's own vocabulary or the HF
/// folder's `tokenizer.json`.
pub fn load_tokenizer(src: &ModelSource, override_path: Option<&Path>) -> Result<Tokenizer> {
    if let Some(p) = override_path {
        let is_gguf = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("gguf"));
        return if is_gguf { Tokenizer::from_gguf(&GgufFile::open(p)?) } else { Tokenizer::from_json_file(p) };
    }
    match src {
        ModelSource::Gguf(g) => Tokenizer::from_gguf(g),
        ModelSource::Hf(h) => {
            let p = h.dir().join("tokenizer.json");
            if p.exists() {
                Tokenizer::from_json_file(&p)
            } else {
                Err(Error::Tokenizer {
                    reason: format!(
                        "{} has no tokenizer.json; pass one (or a GGUF vocabulary) explicitly",
                        h.dir().display()
                    ),
                })
            }
        }
    }
}

/// The model's Jinja chat template text, if it has one: GGUF
/// `tokenizer.chat_template`, or for HF folders `chat_template.jinja` or the
/// `chat_template` of `tokenizer_config.json` (a string, or a list of named
/// templates of which "default" is used).
pub fn chat_template_source(src: &ModelSource) -> Option<String> {
    match src {
        ModelSource::Gguf(g) => g.get("tokenizer.chat_template").and_then(|v| v.as_str()).map(str::to_owned),
        ModelSource::Hf(h) => {
            if let Ok(t) = std::fs::read_to_string(h.dir().join("chat_template.jinja")) {
                return Some(t);
            }
            let cfg = crate::hf::read_json(&h.dir().join("tokenizer_config.json")).ok()?;
            match cfg.get("chat_template")? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(list) => list
                    .iter()
                    .find(|t| t.get("name").and_then(|n| n.as_str()) == Some("default"))
                    .and_then(|t| t.get("template")?.as_str().map(str::to_owned)),
                _ => None,
            }
        }
    }
}
