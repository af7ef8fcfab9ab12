//! A GGUF v3 writer: metadata, tensor infos and aligned tensor data.
//!
//! Used by tests to build fixtures and by the synthetic-model generator. It
//! shares the type table with the reader, so a file it writes reads back.

use super::{GgmlType, Value, DEFAULT_ALIGNMENT};
use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Builds a GGUF file in memory.
#[derive(Debug, Default)]
pub struct GgufWriter {
    metadata: Vec<(String, Value)>,
    tensors: Vec<(String, GgmlType, Vec<u64>, Vec<u8>)>,
}

impl GgufWriter {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or replace) a metadata value.
    pub fn set(&mut self, key: &str, value: Value) -> &mut Self {
        self.metadata.retain(|(k, _)| k != key);
        self.metadata.push((key.into(), value));
        self
    }

    /// Add a tensor: `dims` in ggml order, `data` already encoded as `dtype`.
    pub fn tensor(&mut self, name: &str, dtype: GgmlType, dims: &[u64], data: Vec<u8>) -> Result<&mut Self> {
        let n: u64 = dims.iter().product();
        if dtype.bytes_for(n) != Some(data.len() as u64) {
            return Err(Error::InvalidArgument {
                reason: format!("tensor {name:?}: {} bytes do not hold {dims:?} of {dtype}", data.len()),
            });
        }
        self.tensors.push((name.into(), dtype, dims.to_vec(), data));
        Ok(self)
    }

    /// Add an f32 tensor.
    pub fn tensor_f32(&mut self, name: &str, dims: &[u64], values: &[f32]) -> Result<&mut Self> {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.tensor(name, GgmlType::F32, dims, data)
    }

    /// The encoded file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Write the file to `path` (streamed: tensor data is not copied again).
    pub fn write(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io { path: path.into(), source };
        let file = std::fs::File::create(path).map_err(io)?;
        let mut w = std::io::BufWriter::new(file);
        self.write_to(&mut w).map_err(io)?;
        w.flush().map_err(io)
    }

    /// Encode into any writer.
    pub fn write_to(&self, w: &mut impl Write) -> std::io::Result<()> {
        let align = self
            .metadata
            .iter()
            .find(|(k, _)| k == "general.alignment")
            .and_then(|(_, v)| v.as_u64())
            .filter(|a| a.is_power_of_two())
            .unwrap_or(DEFAULT_ALIGNMENT) as usize;
        let mut head = Vec::new();
        head.extend_from_slice(b"GGUF");
        head.extend_from_slice(&3u32.to_le_bytes());
        head.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        head.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (k, v) in &self.metadata {
            put_str(&mut head, k);
            head.extend_from_slice(&type_id(v).to_le_bytes());
            put_value(&mut head, v);
        }
        let mut offset = 0usize;
        for (name, dtype, dims, data) in &self.tensors {
            put_str(&mut head, name);
            head.extend_from_slice(&(dims.len() as u32).to_le_bytes());
            for d in dims {
                head.extend_from_slice(&d.to_le_bytes());
            }
            head.extend_from_slice(&dtype.id().to_le_bytes());
            head.extend_from_slice(&(offset as u64).to_le_bytes());
            offset += data.len().div_ceil(align) * align;
        }
        head.resize(head.len().div_ceil(align) * align, 0);
        w.write_all(&head)?;
        let zeros = vec![0u8; align];
        for (_, _, _, data) in &self.tensors {
            w.write_all(data)?;
            w.write_all(&zeros[..data.len().div_ceil(align) * align - data.len()])?;
        }
        Ok(())
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The GGUF value type id of a value.
pub fn type_id(v: &Value) -> u32 {
    match v {
        Value::U8(_) => 0,
        Value::I8(_) => 1,
        Value::U16(_) => 2,
        Value::I16(_) => 3,
        Value::U32(_) => 4,
        Value::I32(_) => 5,
        Value::F32(_) => 6,
        Value::Bool(_) => 7,
        Value::String(_) => 8,
        Value::Array(_) => 9,
        Value::U64(_) => 10,
        Value::I64(_) => 11,
        Value::F64(_) => 12,
    }
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::U8(x) => out.push(*x),
        Value::I8(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I16(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F32(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::Bool(x) => out.push(u8::from(*x)),
        Value::String(s) => put_str(out, s),
        Value::Array(items) => {
            // An empty array's element type is irrelevant; write u8.
            out.extend_from_slice(&items.first().map_or(0, type_id).to_le_bytes());
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                put_value(out, item);
            }
        }
        Value::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::I64(x) => out.extend_from_slice(&x.to_le_bytes()),
        Value::F64(x) => out.extend_from_slice(&x.to_le_bytes()),
    }
}
