//! Weight matrices on the GPU: the GPU layout of each type, repacking from the
//! file's blocks, and splitting by rows across storage bindings.
//!
//! Rows are streamed from the memory map straight into mapped upload buffers,
//! one chunk (≤ the binding limit) at a time: no second copy of the model in RAM.

use super::storage::{self, Storage};
use super::Gpu;
use crate::error::{Error, Result};
use crate::gguf::quantize::quantize;
use crate::gguf::{dequant, GgmlType};
use crate::tensor::TensorRef;

/// Weight types with GPU kernels. Other file types are converted at upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types, missing_docs)]
pub enum GpuType {
    F32,
    F16,
    Q8_0,
    Q4_0,
    Q4_K,
    Q6_K,
}

impl GpuType {
    /// Every type, for tests and validation.
    pub const ALL: [GpuType; 6] =
        [GpuType::F32, GpuType::F16, GpuType::Q8_0, GpuType::Q4_0, GpuType::Q4_K, GpuType::Q6_K];

    /// The WGSL binding and accessors (`w`, `load4`, the raw runs) of this
    /// type. Arithmetic is f32 in every variant; F16 weights are unpacked
    /// from u32 pairs (one 8-byte load per 4 weights on every adapter).
    pub fn snippet(self) -> &'static str {
        macro_rules! snippet {
            ($($file:literal),+) => {
                concat!(include_str!("../../../shaders/weight_rows.wgsl"), $(include_str!(concat!("../../../shaders/", $file))),+)
            };
        }
        match self {
            GpuType::F32 => snippet!("dtype_f32.wgsl", "raw_none.wgsl"),
            GpuType::F16 => snippet!("dtype_f16.wgsl", "raw_none.wgsl"),
            // The block types read their words through weights_storage.wgsl,
            // which `gpu::storage::texture_source` swaps for a texture.
            GpuType::Q8_0 => snippet!("weights_storage.wgsl", "dtype_q8_0.wgsl", "row_scales.wgsl"),
            GpuType::Q4_0 => snippet!("weights_storage.wgsl", "dtype_q4_0.wgsl", "row_scales.wgsl"),
            GpuType::Q4_K => snippet!("weights_storage.wgsl", "dtype_q4_k.wgsl"),
            GpuType::Q6_K => snippet!("weights_storage.wgsl", "dtype_q6_k.wgsl"),
        }
    }

    /// The file type with the same block format.
    pub fn ggml(self) -> GgmlType {
        match self {
            GpuType::F32 => GgmlType::F32,
            GpuType::F16 => GgmlType::F16,
            GpuType::Q8_0 => GgmlType::Q8_0,
            GpuType::Q4_0 => GgmlType::Q4_0,
            GpuType::Q4_K => GgmlType::Q4_K,
            GpuType::Q6_K => GgmlType::Q6_K,
        }
    }

    /// u32 words one row of `n` elements takes in the GPU layout.
    pub fn row_words(self, n: usize) -> usize {
        let groups = n.div_ceil(4);
        match self {
            GpuType::F32 => groups * 4,
            GpuType::F16 => groups * 2,
            // Quants (8 words per block), then the f16 scales two per word,
            // padded to whole vec4s (`shaders/dtype_q8_0.wgsl`).
            GpuType::Q8_0 => n / 32 * 8 + (n / 32).div_ceil(8) * 4,
            // Nibbles (4 words per block), then the f16 scales two per
            // word, padded to whole vec4s (`shaders/dtype_q4_0.wgsl`).
            GpuType::Q4_0 => n / 32 * 4 + (n / 32).div_ceil(8) * 4,
            GpuType::Q4_K => n / 256 * 36,
            // 210 bytes padded to 56 words (`shaders/dtype_q6_k.wgsl`).
            GpuType::Q6_K => n / 256 * 56,
        }
    }

    /// Where a file type runs: natively, or converted (Q8_0 where rows allow
    /// 32-blocks, else F32; BF16 → F32 since its range exceeds F16's).
    pub fn for_file_type(t: GgmlType, row_len: usize) -> GpuType {
        match t {
            GgmlType::F32 => GpuType::F32,
            GgmlType::F16 => GpuType::F16,
            GgmlType::Q8_0 => GpuType::Q8_0,
            GgmlType::Q4_0 => GpuType::Q4_0,
            GgmlType::Q4_K => GpuType::Q4_K,
            GgmlType::Q6_K => GpuType::Q6_K,
            GgmlType::BF16 => GpuType::F32,
            _ if row_len % 32 == 0 => GpuType::Q8_0,
            _ => GpuType::F32,
        }
    }
}

/// Repack one row from file blocks (`src`, of type `ty.ggml()`) into `dst` words.
pub fn repack_row(ty: GpuType, src: &[u8], dst: &mut [u32]) {
    let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    dst.fill(0);
    match ty {
        GpuType::F32 => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = word(s);
            }
        }
        GpuType::F16 => {
            for (i, s) in src.chunks_exact(2).enumerate() {
                dst[i / 2] |= u32::from(u16::from_le_bytes([s[0], s[1]])) << (16 * (i % 2));
            }
        }
        // All the row's quants, then all its scales (two per word): every
        // block's quants start on a 16-byte boundary.
        GpuType::Q8_0 | GpuType::Q4_0 => {
            let (bytes, words) = if ty == GpuType::Q8_0 { (34, 8) } else { (18, 4) };
            let blocks = src.len() / bytes;
            let (quants, scales) = dst.split_at_mut(blocks * words);
            for (u, b) in src.chunks_exact(bytes).enumerate() {
                for (d, s) in quants[words * u..words * (u + 1)].iter_mut().zip(b[2..].chunks_exact(4)) {
                    *d = word(s);
                }
                scales[u / 2] |= u32::from(u16::from_le_bytes([b[0], b[1]])) << (16 * (u % 2));
            }
        }
        GpuType::Q4_K | GpuType::Q6_K => {
            let (bytes, words) = if ty == GpuType::Q4_K { (144, 36) } else { (210, 56) };
            for (b, out) in src.chunks_exact(bytes).zip(dst.chunks_exact_mut(words)) {
                for (i, s) in b.chunks(4).enumerate() {
                    let mut w = [0u8; 4];
                    w[..s.len()].copy_from_slice(s);
                    out[i] = u32::from_le_bytes(w);
                }
            }
        }
    }
}

/// How the rows of several tensors make one matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Row r is row r / n of part r % n.
    Interleaved,
    /// Each part's rows after the previous part's.
    Stacked,
}

impl Rows {
    /// The part and its row that make row `r` of the matrix (`r` < total rows).
    fn source<'a>(self, parts: &[&'a TensorRef], mut r: usize) -> (&'a TensorRef, usize) {
        match self {
            Rows::Interleaved => (parts[r % parts.len()], r / parts.len()),
            Rows::Stacked => {
                for p in &parts[..parts.len() - 1] {
                    if r < p.rows() {
                        return (p, r);
                    }
                    r -= p.rows();
                }
                (parts[parts.len() - 1], r)
            }
        }
    }
}

/// One binding's worth of whole rows.
#[derive(Debug)]
pub struct Chunk {
    /// The rows, in the GPU layout.
    pub storage: Storage,
    /// Index of the first row.
    pub row_offset: usize,
    /// Number of rows.
    pub rows: usize,
}

/// A `[rows × cols]` weight matrix on the GPU.
#[derive(Debug)]
pub struct GpuMatrix {
    /// Name in the file.
    pub name: String,
    /// GPU type (after any conversion).
    pub ty: GpuType,
    /// Output rows.
    pub rows: usize,
    /// Row length.
    pub cols: usize,
    /// Words per row.
    pub row_words: usize,
    /// Rows per tile of the layout (`shaders/weight_rows.wgsl`): 1 (row after
    /// row) or `tiles::tile_height`. Chunks start on whole tiles and are padded
    /// to them.
    pub tile_rows: usize,
    /// Row chunks, each within the binding limit.
    pub chunks: Vec<Chunk>,
}

impl GpuMatrix {
    /// Upload a 2-D tensor (`dims = [cols, rows]`), converting its type if needed.
    pub fn upload(gpu: &Gpu, t: &TensorRef) -> Result<Self> {
        Self::upload_rows(gpu, &t.name, &[t], Rows::Stacked)
    }

    /// Whether the rows are in textures (`gpu::storage`).
    pub fn in_textures(&self) -> bool {
        self.chunks.first().is_some_and(|c| c.storage.is_texture())
    }

    /// Device bytes of the chunks.
    pub fn device_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.storage.bytes()).sum()
    }

    /// Whether every chunk holds whole (gate, up) pairs of an
    /// [`GpuMatrix::upload_interleaved`] matrix, as the SwiGLU kernels need
    /// (`PAIRS` in `matvec.wgsl` and `matmul.wgsl`).
    pub fn check_whole_pairs(&self) -> Result<()> {
        if self.chunks.iter().any(|c| c.rows % 2 != 0 || c.row_offset % 2 != 0) {
            return Err(Error::Gpu { reason: format!("{}: SwiGLU needs chunks of whole row pairs", self.name) });
        }
        Ok(())
    }

    /// Upload two tensors of one shape and type as one matrix with their rows
    /// interleaved (row 2i is `a`'s row i, row 2i + 1 is `b`'s): gate and up,
    /// so one matvec computes both and applies SwiGLU (`matvec.wgsl`, PAIRS).
    /// Chunks hold whole pairs.
    pub fn upload_interleaved(gpu: &Gpu, name: &str, a: &TensorRef, b: &TensorRef) -> Result<Self> {
        if a.rows() != b.rows() {
            return Err(Error::Gpu { reason: format!("{} and {} differ in shape; cannot interleave", a.name, b.name) });
        }
        Self::upload_rows(gpu, name, &[a, b], Rows::Interleaved)
    }

    /// Upload tensors of one type and row length as one matrix, the rows of
    /// each after those of the one before: Q, K and V, so one product
    /// computes all three (`[q_dim + 2 kv_dim × dim]`).
    pub fn upload_stacked(gpu: &Gpu, name: &str, parts: &[&TensorRef]) -> Result<Self> {
        Self::upload_rows(gpu, name, parts, Rows::Stacked)
    }

    /// Rows of `parts` (one tensor, or several interleaved or stacked) in the GPU layout.
    fn upload_rows(gpu: &Gpu, name: &str, parts: &[&TensorRef], order: Rows) -> Result<Self> {
        let Some(first) = parts.first() else {
            return Err(Error::Gpu { reason: format!("{name}: no tensor to upload") });
        };
        if let Some(p) = parts.iter().find(|p| p.dtype != first.dtype || p.row_len() != first.row_len()) {
            return Err(Error::Gpu {
                reason: format!("{} and {} differ in type or row length; cannot combine", first.name, p.name),
            });
        }
        // Rows are kept together in groups of `stride` (interleaved pairs).
        let stride = if order == Rows::Interleaved { parts.len() } else { 1 };
        let (rows, cols) = (parts.iter().map(|p| p.rows()).sum::<usize>(), first.row_len());
        let ty = GpuType::for_file_type(first.dtype, cols);
        if ty.ggml() != first.dtype {
            tracing::info!("{name}: {} has no GPU kernel; converting to {:?} at load", first.dtype, ty);
        }
        let row_words = ty.row_words(cols);
        let row_bytes = (row_words * 4) as u64;
        let (texture, limit) = (storage::in_textures(gpu, ty), storage::chunk_limit(gpu, ty));
        if row_bytes * stride as u64 > limit {
            return Err(Error::Gpu {
                reason: format!("{stride} row(s) of {name} ({row_bytes} bytes each) exceed the binding limit"),
            });
        }
        let (tile, per_chunk) = super::tiles::chunking(super::tiles::tile_height(gpu, ty), limit, row_words, stride);
        let source = |r: usize| order.source(parts, r);
        let mut chunks = Vec::new();
        let mut scratch = Vec::new();
        let mut row_f32 = vec![0f32; if ty.ggml() == first.dtype { 0 } else { cols }];
        // Rows are repacked on the host a batch (≤ ~1 MiB, whole tiles) at a
        // time: mapped views are write-only.
        let batch_rows = ((1 << 18) / row_words.max(1) + 1).div_ceil(tile) * tile;
        let mut batch = vec![0u32; batch_rows.min(rows.div_ceil(tile) * tile) * row_words];
        let mut tiled = vec![0u32; if tile > 1 { batch.len() } else { 0 }];
        for row_offset in (0..rows).step_by(per_chunk) {
            let n = per_chunk.min(rows - row_offset);
            let padded = n.div_ceil(tile) * tile;
            let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(name),
                size: storage::chunk_bytes(padded as u64 * row_bytes, texture),
                usage: super::STORAGE,
                mapped_at_creation: true,
            });
            {
                let gpu_err = |e: String| Error::Gpu { reason: format!("uploading {name}: {e}") };
                let mut view = buffer.slice(..).get_mapped_range_mut().map_err(|e| gpu_err(e.to_string()))?;
                for first_row in (0..n).step_by(batch_rows) {
                    let count = batch_rows.min(n - first_row);
                    let words = count.div_ceil(tile) * tile * row_words;
                    for (i, dst) in batch[..count * row_words].chunks_exact_mut(row_words).enumerate() {
                        let (t, r) = source(row_offset + first_row + i);
                        let src = t.row_bytes_of(r);
                        if ty.ggml() == t.dtype {
                            repack_row(ty, src, dst);
                        } else {
                            dequant::dequantize(t.dtype, src, &mut row_f32)?;
                            scratch.clear();
                            quantize(ty.ggml(), &row_f32, &mut scratch)?;
                            repack_row(ty, &scratch, dst);
                        }
                    }
                    // The last tile's missing rows are zeros (never read).
                    batch[count * row_words..words].fill(0);
                    let out = if tile > 1 {
                        super::tiles::to_tiles(&batch[..words], row_words, tile, &mut tiled[..words]);
                        &tiled[..words]
                    } else {
                        &batch[..words]
                    };
                    let start = first_row * row_words * 4;
                    let bytes: &[u8] = bytemuck::cast_slice(out);
                    view.slice(start..start + bytes.len()).copy_from_slice(bytes);
                }
            }
            buffer.unmap();
            let storage = if texture { Storage::texture_from(gpu, name, buffer)? } else { Storage::Buffer(buffer) };
            chunks.push(Chunk { storage, row_offset, rows: n });
        }
        Ok(GpuMatrix { name: name.to_owned(), ty, rows, cols, row_words, tile_rows: tile, chunks })
    }
}
