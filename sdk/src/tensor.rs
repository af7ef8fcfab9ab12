//! Zero-copy tensor views into memory-mapped model files.

use crate::error::{Error, Result};
use crate::gguf::{dequant, GgmlType};
use std::path::Path;
use std::sync::Arc;

/// The bytes of a model file: a read-only memory map, or an owned buffer
/// (tests and in-memory images).
#[derive(Debug)]
pub enum Mapped {
    /// A read-only map of a file on disk.
    Map(memmap2::Mmap),
    /// Bytes held in memory.
    Owned(Vec<u8>),
}

impl Mapped {
    /// Map a file read-only.
    pub fn open(path: &Path) -> Result<Self> {
        let io = |source| Error::Io { path: path.into(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the map is read-only. Another process truncating the file
        // while it is mapped would fault on access; that is the documented
        // contract of every mmap-based model loader (llama.cpp's too), and
        // model files are not expected to change under a running engine.
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        Ok(Mapped::Map(map))
    }

    /// The mapped bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Mapped::Map(m) => m,
            Mapped::Owned(v) => v,
        }
    }
}

/// A tensor inside a mapped file: name, type, ggml-order dims and its bytes.
#[derive(Debug, Clone)]
pub struct TensorRef {
    /// Name as stored in the file.
    pub name: String,
    /// Element type.
    pub dtype: GgmlType,
    /// Dimensions in ggml order (`dims[0]` = row length).
    pub dims: Vec<u64>,
    map: Arc<Mapped>,
    start: usize,
    len: usize,
}

impl TensorRef {
    /// A view of `len` bytes at `start`; callers have checked the range.
    pub(crate) fn new(
        name: String,
        dtype: GgmlType,
        dims: Vec<u64>,
        map: Arc<Mapped>,
        start: usize,
        len: usize,
    ) -> Self {
        TensorRef { name, dtype, dims, map, start, len }
    }

    /// The raw bytes of the tensor.
    pub fn bytes(&self) -> &[u8] {
        &self.map.bytes()[self.start..self.start + self.len]
    }

    /// Elements per row (`dims[0]`).
    pub fn row_len(&self) -> usize {
        self.dims.first().copied().unwrap_or(1) as usize
    }

    /// Number of rows (product of the other dims).
    pub fn rows(&self) -> usize {
        self.dims.iter().skip(1).product::<u64>() as usize
    }

    /// Total element count.
    pub fn elements(&self) -> u64 {
        self.dims.iter().product()
    }

    /// Bytes per row.
    pub fn row_bytes(&self) -> usize {
        self.len.checked_div(self.rows()).unwrap_or(0)
    }

    /// The bytes of row `r`.
    pub fn row_bytes_of(&self, r: usize) -> &[u8] {
        let rb = self.row_bytes();
        &self.bytes()[r * rb..(r + 1) * rb]
    }

    /// Dequantize row `r` into `out` (length `row_len`).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) -> Result<()> {
        if r >= self.rows() || out.len() != self.row_len() {
            return Err(Error::InvalidArgument {
                reason: format!("row {r} of {:?} ({} rows of {})", self.name, self.rows(), self.row_len()),
            });
        }
        dequant::dequantize(self.dtype, self.row_bytes_of(r), out)
    }

    /// The whole tensor as f32 (for small tensors: norms, biases).
    pub fn to_f32(&self) -> Result<Vec<f32>> {
        let mut out = vec![0f32; self.elements() as usize];
        dequant::dequantize(self.dtype, self.bytes(), &mut out)?;
        Ok(out)
    }

    /// Check the dims against what the model expects (ggml order).
    pub fn expect_dims(&self, path: &Path, expected: &[u64]) -> Result<()> {
        if self.dims != expected {
            return Err(Error::WrongShape {
                path: path.into(),
                tensor: self.name.clone(),
                expected: expected.to_vec(),
                actual: self.dims.clone(),
            });
        }
        Ok(())
    }
}
