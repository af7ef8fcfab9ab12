//! Bytes and FLOPs of a forward pass, to turn tokens/s into GB/s and FLOP/s.

use crate::gpu::weights::GpuMatrix;
use crate::gpu::GpuModel;

/// Bytes a product reads from a matrix: its blocks as stored in the file
/// (the GPU layout adds padding that is never read, e.g. Q6_K's 210-byte
/// super-blocks take 224 on the device), or the buffers' size for a type
/// whose rows are not whole blocks.
pub fn matrix_bytes(m: &GpuMatrix) -> u64 {
    m.ty.ggml().bytes_for((m.rows * m.cols) as u64).unwrap_or_else(|| m.device_bytes())
}

fn linears(model: &GpuModel) -> impl Iterator<Item = &GpuMatrix> {
    model.layers.iter().flat_map(crate::gpu::model::GpuLayer::matrices)
}

/// Bytes one decode step reads with `kv_len` positions in the cache: every
/// linear weight once, the output projection, one embedding row, and the K
/// and V of every position in every layer (`kv_elem_bytes` per value). Norm
/// weights and activations are a rounding error and left out.
pub fn decode_bytes(model: &GpuModel, kv_len: usize, kv_elem_bytes: usize) -> u64 {
    let c = &model.config;
    let weights: u64 = linears(model).map(matrix_bytes).sum::<u64>() + matrix_bytes(model.output_matrix());
    let embed_row = model.token_embd.row_words as u64 * 4;
    let kv = (c.n_layers * 2 * kv_len * c.kv_dim() * kv_elem_bytes) as u64;
    weights + embed_row + kv
}

/// FLOPs of a prefill of `tokens` tokens from position 0 that ends with the
/// logits of the last token: 2 per multiply-add of every linear layer for
/// every token, causal attention (QKᵀ and PV over t + 1 positions for token
/// t), and the output projection once.
pub fn prefill_flops(model: &GpuModel, tokens: usize) -> f64 {
    let c = &model.config;
    let t = tokens as f64;
    let linear: f64 = linears(model).map(|m| 2.0 * (m.rows * m.cols) as f64).sum();
    let attended = t * (t + 1.0) / 2.0;
    let attention = (c.n_layers * c.n_heads) as f64 * 4.0 * c.head_dim as f64 * attended;
    let output = 2.0 * (c.vocab_size * c.dim) as f64;
    linear * t + attention + output
}
