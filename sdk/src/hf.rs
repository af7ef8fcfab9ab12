//! Hugging Face model folders: `config.json` + `model.safetensors`, or shards
//! listed in `model.safetensors.index.json`. Tensors are memory-mapped.

use crate::error::{Error, Result};
use crate::gguf::GgmlType;
use crate::tensor::{Mapped, TensorRef};
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where one tensor lives: which shard, its type, dims (ggml order), byte range.
#[derive(Debug, Clone)]
struct Entry {
    shard: usize,
    dtype: GgmlType,
    dims: Vec<u64>,
    start: usize,
    len: usize,
}

/// A Hugging Face model folder with its safetensors files mapped.
#[derive(Debug)]
pub struct HfFolder {
    dir: PathBuf,
    /// The parsed `config.json`.
    pub config: serde_json::Value,
    shards: Vec<(PathBuf, Arc<Mapped>)>,
    tensors: HashMap<String, Entry>,
}

impl HfFolder {
    /// Open a model folder: reads `config.json`, maps every safetensors shard
    /// and validates each header (offsets contiguous, sizes match shape × dtype).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let config = read_json(&dir.join("config.json"))?;
        let mut folder = HfFolder { dir: dir.clone(), config, shards: Vec::new(), tensors: HashMap::new() };
        let index = dir.join("model.safetensors.index.json");
        if index.exists() {
            let json = read_json(&index)?;
            let map = json.get("weight_map").and_then(|m| m.as_object()).ok_or_else(|| Error::BadSafetensors {
                path: index.clone(),
                reason: "no \"weight_map\" object".into(),
            })?;
            let mut files: Vec<&str> = map.values().filter_map(|v| v.as_str()).collect();
            files.sort_unstable();
            files.dedup();
            for f in files {
                // Shard names come from the index: refuse paths that leave the folder.
                if f.contains('/') || f.contains('\\') || f == ".." {
                    return Err(Error::BadSafetensors {
                        path: index,
                        reason: format!("shard name {f:?} is not a plain file name"),
                    });
                }
                folder.add_shard(&dir.join(f))?;
            }
        } else {
            folder.add_shard(&dir.join("model.safetensors"))?;
        }
        Ok(folder)
    }

    /// An in-memory folder: `config.json` text and one safetensors image.
    /// Errors name `dir` as if the files were there. For bytes that did not
    /// come from disk (a download, a test, the fuzzers), checked exactly as
    /// [`open`](Self::open) checks files.
    pub fn from_memory(dir: impl AsRef<Path>, config_json: &[u8], safetensors: Vec<u8>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let config = serde_json::from_slice(config_json)
            .map_err(|e| Error::BadConfig { path: dir.join("config.json"), reason: e.to_string() })?;
        let mut folder = HfFolder { dir: dir.clone(), config, shards: Vec::new(), tensors: HashMap::new() };
        folder.add_mapped(&dir.join("model.safetensors"), Arc::new(Mapped::Owned(safetensors)))?;
        Ok(folder)
    }

    fn add_shard(&mut self, path: &Path) -> Result<()> {
        self.add_mapped(path, Arc::new(Mapped::open(path)?))
    }

    fn add_mapped(&mut self, path: &Path, map: Arc<Mapped>) -> Result<()> {
        let bad = |reason: String| Error::BadSafetensors { path: path.into(), reason };
        let (header_len, meta) = SafeTensors::read_metadata(map.bytes()).map_err(|e| bad(e.to_string()))?;
        let data_start = 8 + header_len;
        let shard = self.shards.len();
        for (name, info) in meta.tensors() {
            let dtype = match info.dtype {
                Dtype::F32 => GgmlType::F32,
                Dtype::F16 => GgmlType::F16,
                Dtype::BF16 => GgmlType::BF16,
                other => {
                    return Err(Error::UnsupportedType {
                        dtype: format!("safetensors {other:?} ({name})"),
                        op: "loading",
                    })
                }
            };
            // safetensors shapes are row-major [rows, cols]; ggml dims are reversed.
            let mut dims: Vec<u64> = info.shape.iter().rev().map(|&d| d as u64).collect();
            if dims.is_empty() {
                dims.push(1);
            }
            let (s, e) = info.data_offsets;
            let entry = Entry { shard, dtype, dims, start: data_start + s, len: e - s };
            if self.tensors.insert(name.clone(), entry).is_some() {
                return Err(Error::DuplicateTensor { path: path.into(), tensor: name });
            }
        }
        self.shards.push((path.to_path_buf(), map));
        Ok(())
    }

    /// The folder this was read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Names of all tensors.
    pub fn tensor_names(&self) -> impl Iterator<Item = &str> {
        self.tensors.keys().map(String::as_str)
    }

    /// Total bytes of the safetensors files.
    pub fn file_size(&self) -> u64 {
        self.shards.iter().map(|(_, m)| m.bytes().len() as u64).sum()
    }

    /// A zero-copy view of a tensor by its Hugging Face name.
    pub fn tensor(&self, name: &str) -> Result<TensorRef> {
        let e = self
            .tensors
            .get(name)
            .ok_or_else(|| Error::MissingTensor { path: self.dir.clone(), tensor: name.into() })?;
        let map = self.shards[e.shard].1.clone();
        Ok(TensorRef::new(name.into(), e.dtype, e.dims.clone(), map, e.start, e.len))
    }

    /// Whether a tensor exists.
    pub fn has_tensor(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Tensor count by element type.
    pub fn type_counts(&self) -> Vec<(GgmlType, usize)> {
        count_types(self.tensors.values().map(|e| e.dtype))
    }
}

/// Count occurrences of each type, sorted by type name.
pub(crate) fn count_types(types: impl Iterator<Item = GgmlType>) -> Vec<(GgmlType, usize)> {
    let mut counts: HashMap<GgmlType, usize> = HashMap::new();
    for t in types {
        *counts.entry(t).or_default() += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by_key(|(t, _)| t.name());
    v
}

/// Read and parse a JSON file, with typed errors naming it.
pub(crate) fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.into(), source })?;
    serde_json::from_str(&text).map_err(|e| Error::BadConfig { path: path.into(), reason: e.to_string() })
}
