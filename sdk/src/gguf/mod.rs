//! GGUF v2/v3 files, memory-mapped: metadata, tensor infos and zero-copy data.
//!
//! Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64
//! metadata count, the metadata key/value pairs, the tensor infos, padding to
//! `general.alignment` (default 32), then the tensor data. Tensor offsets are
//! relative to the start of the data section.

mod cursor;
pub mod dequant;
pub mod quantize;
mod types;
mod value;
mod writer;

pub use types::GgmlType;
pub use value::Value;
pub use writer::GgufWriter;

use crate::error::{Error, Result};
use crate::tensor::{Mapped, TensorRef};
use cursor::Cursor;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default data alignment when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// ggml tensors have at most four dimensions.
const MAX_DIMS: u32 = 4;
/// Arrays nested deeper than this are rejected (real files nest at most twice).
const MAX_ARRAY_DEPTH: u32 = 8;

/// Where and what one tensor is inside a GGUF file.
#[derive(Debug, Clone)]
pub struct TensorInfo {
    /// Tensor name, e.g. `blk.0.attn_q.weight`.
    pub name: String,
    /// Dimensions in ggml order: `dims[0]` is the row length (fastest varying).
    pub dims: Vec<u64>,
    /// Element type.
    pub dtype: GgmlType,
    /// Absolute byte offset of the data in the file.
    pub offset: u64,
    /// Size of the data in bytes.
    pub nbytes: u64,
}

/// A parsed, memory-mapped GGUF file.
#[derive(Debug)]
pub struct GgufFile {
    path: PathBuf,
    map: Arc<Mapped>,
    /// Format version (2 or 3).
    pub version: u32,
    /// Metadata in file order.
    pub metadata: Vec<(String, Value)>,
    index: HashMap<String, usize>,
    /// Tensor infos in file order.
    pub tensors: Vec<TensorInfo>,
    tensor_index: HashMap<String, usize>,
    /// Data alignment in bytes.
    pub alignment: u64,
}

impl GgufFile {
    /// Map and parse a GGUF file. Tensor data is not read.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let map = Arc::new(Mapped::open(path)?);
        Self::parse(path, map)
    }

    /// Parse an already mapped (or in-memory) GGUF image.
    pub fn parse(path: &Path, map: Arc<Mapped>) -> Result<Self> {
        let bytes = map.bytes();
        let mut c = Cursor::new(path, bytes);
        let magic: [u8; 4] = c.array(&|| "magic".into())?;
        if &magic != b"GGUF" {
            return Err(Error::BadMagic { path: path.into(), magic });
        }
        let version = c.u32(&|| "version".into())?;
        if !(2..=3).contains(&version) {
            return Err(Error::UnsupportedVersion { path: path.into(), version });
        }
        // A tensor info is at least 8 (name len) + 4 + 8 + 4 + 8 bytes; a
        // metadata pair at least 8 (key len) + 4 (type) + 1 bytes.
        let n_tensors = c.count(32, &|| "tensor".into())?;
        let n_kv = c.count(13, &|| "metadata".into())?;
        // The pairs, and the index's (key, position) entries with table overhead.
        c.charge(n_kv, std::mem::size_of::<(String, Value)>() + 48, &|| "metadata".into())?;
        let mut metadata = Vec::with_capacity(n_kv as usize);
        let mut index = HashMap::with_capacity(n_kv as usize);
        for i in 0..n_kv {
            let key = c.string(&|| format!("metadata key #{i}"))?;
            let ty = c.u32(&|| format!("type of {key}"))?;
            let value = read_value(&mut c, ty, &key, 0)?;
            if index.insert(key.clone(), metadata.len()).is_some() {
                return Err(Error::DuplicateKey { path: path.into(), key });
            }
            metadata.push((key, value));
        }
        let alignment = match metadata.iter().find(|(k, _)| k == "general.alignment") {
            None => DEFAULT_ALIGNMENT,
            Some((k, v)) => match v.as_u64() {
                Some(a) if a > 0 && a.is_power_of_two() => a,
                _ => {
                    return Err(Error::BadMetadata {
                        path: path.into(),
                        key: k.clone(),
                        reason: format!("alignment {v} is not a power of two"),
                    })
                }
            },
        };
        // The infos, their dims, the index and the overlap check's order.
        c.charge(n_tensors, std::mem::size_of::<TensorInfo>() + 4 * 8 + 56, &|| "tensor".into())?;
        let mut infos = Vec::with_capacity(n_tensors as usize);
        for i in 0..n_tensors {
            infos.push(read_tensor_info(&mut c, i)?);
        }
        let data_start = (c.pos as u64).div_ceil(alignment) * alignment;
        let tensors = place_tensors(path, infos, data_start, alignment, bytes.len() as u64)?;
        let mut tensor_index = HashMap::with_capacity(tensors.len());
        for (i, t) in tensors.iter().enumerate() {
            if tensor_index.insert(t.name.clone(), i).is_some() {
                return Err(Error::DuplicateTensor { path: path.into(), tensor: t.name.clone() });
            }
        }
        Ok(GgufFile { path: path.into(), map, version, metadata, index, tensors, tensor_index, alignment })
    }

    /// The file this was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size of the file in bytes.
    pub fn file_size(&self) -> u64 {
        self.map.bytes().len() as u64
    }

    /// A metadata value by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.index.get(key).map(|&i| &self.metadata[i].1)
    }

    /// A tensor's info by name.
    pub fn tensor_info(&self, name: &str) -> Option<&TensorInfo> {
        self.tensor_index.get(name).map(|&i| &self.tensors[i])
    }

    /// A zero-copy view of a tensor, or a typed error when it is missing.
    pub fn tensor(&self, name: &str) -> Result<TensorRef> {
        let info = self
            .tensor_info(name)
            .ok_or_else(|| Error::MissingTensor { path: self.path.clone(), tensor: name.into() })?;
        // place_tensors checked offset + nbytes against the file length.
        Ok(TensorRef::new(
            name.into(),
            info.dtype,
            info.dims.clone(),
            self.map.clone(),
            info.offset as usize,
            info.nbytes as usize,
        ))
    }
}

fn read_value(c: &mut Cursor<'_>, ty: u32, key: &str, depth: u32) -> Result<Value> {
    let w = || key.to_string();
    Ok(match ty {
        0 => Value::U8(c.u8(&w)?),
        1 => Value::I8(c.u8(&w)? as i8),
        2 => Value::U16(c.u16(&w)?),
        3 => Value::I16(c.u16(&w)? as i16),
        4 => Value::U32(c.u32(&w)?),
        5 => Value::I32(c.u32(&w)? as i32),
        6 => Value::F32(f32::from_bits(c.u32(&w)?)),
        7 => match c.u8(&w)? {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            b => return Err(bad(c, key, format!("bool byte {b} is neither 0 nor 1"))),
        },
        8 => Value::String(c.string(&w)?),
        9 => {
            if depth >= MAX_ARRAY_DEPTH {
                return Err(bad(c, key, "arrays nested too deeply".into()));
            }
            let elem = c.u32(&w)?;
            let min = min_value_bytes(elem).ok_or_else(|| bad(c, key, format!("unknown array element type {elem}")))?;
            let n = c.count(min, &w)?;
            c.charge(n, std::mem::size_of::<Value>(), &w)?;
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                items.push(read_value(c, elem, key, depth + 1)?);
            }
            Value::Array(items)
        }
        10 => Value::U64(c.u64(&w)?),
        11 => Value::I64(c.u64(&w)? as i64),
        12 => Value::F64(f64::from_bits(c.u64(&w)?)),
        other => return Err(bad(c, key, format!("unknown value type {other}"))),
    })
}

/// The fewest bytes one value of a type can take in the file.
fn min_value_bytes(ty: u32) -> Option<u64> {
    Some(match ty {
        0 | 1 | 7 => 1,
        2 | 3 => 2,
        4..=6 => 4,
        8 | 10 | 11 | 12 => 8,
        9 => 12,
        _ => return None,
    })
}

fn bad(c: &Cursor<'_>, key: &str, reason: String) -> Error {
    Error::BadMetadata { path: c.path.into(), key: key.into(), reason }
}

/// Tensor info as read; `offset` is still relative to the data section.
fn read_tensor_info(c: &mut Cursor<'_>, i: u64) -> Result<TensorInfo> {
    let name = c.string(&|| format!("name of tensor #{i}"))?;
    let w = || name.clone();
    let n_dims = c.u32(&w)?;
    if n_dims == 0 || n_dims > MAX_DIMS {
        return Err(bad_tensor(c.path, &name, format!("{n_dims} dimensions (allowed 1..={MAX_DIMS})")));
    }
    let mut dims = Vec::with_capacity(n_dims as usize);
    for _ in 0..n_dims {
        dims.push(c.u64(&w)?);
    }
    let type_id = c.u32(&w)?;
    let dtype = GgmlType::from_id(type_id).ok_or_else(|| Error::UnknownTensorType {
        path: c.path.into(),
        tensor: name.clone(),
        type_id,
    })?;
    let offset = c.u64(&w)?;
    let n = dims.iter().try_fold(1u64, |acc, &d| if d > i64::MAX as u64 { None } else { acc.checked_mul(d) });
    let n = n.ok_or_else(|| bad_tensor(c.path, &name, format!("element count of {dims:?} overflows")))?;
    if dims[0] % dtype.block_size() != 0 {
        return Err(bad_tensor(
            c.path,
            &name,
            format!("row length {} is not a multiple of the {dtype} block size {}", dims[0], dtype.block_size()),
        ));
    }
    let nbytes = dtype
        .bytes_for(n)
        .ok_or_else(|| bad_tensor(c.path, &name, format!("byte size of {dims:?} × {dtype} overflows")))?;
    Ok(TensorInfo { name, dims, dtype, offset, nbytes })
}

fn bad_tensor(path: &Path, name: &str, reason: String) -> Error {
    Error::BadTensor { path: path.into(), tensor: name.into(), reason }
}

/// Make offsets absolute, check alignment, bounds and overlap.
fn place_tensors(
    path: &Path,
    mut infos: Vec<TensorInfo>,
    data_start: u64,
    alignment: u64,
    file_len: u64,
) -> Result<Vec<TensorInfo>> {
    for t in &mut infos {
        if t.offset % alignment != 0 {
            return Err(bad_tensor(path, &t.name, format!("offset {} is not aligned to {alignment}", t.offset)));
        }
        let start = data_start.checked_add(t.offset);
        let end = start.and_then(|s| s.checked_add(t.nbytes));
        match (start, end) {
            (Some(s), Some(e)) if e <= file_len => t.offset = s,
            _ => {
                return Err(Error::Truncated {
                    path: path.into(),
                    what: format!("tensor {:?} ({} bytes at data offset {})", t.name, t.nbytes, t.offset),
                    needed: end.unwrap_or(u64::MAX),
                    len: file_len,
                })
            }
        }
    }
    let mut order: Vec<usize> = (0..infos.len()).collect();
    order.sort_by_key(|&i| infos[i].offset);
    for w in order.windows(2) {
        let (a, b) = (&infos[w[0]], &infos[w[1]]);
        if a.offset + a.nbytes > b.offset {
            return Err(bad_tensor(path, &b.name, format!("data overlaps tensor {:?}", a.name)));
        }
    }
    Ok(infos)
}
