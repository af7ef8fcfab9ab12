//! A model's weights on the GPU: uploaded once, shared by every session.

use super::weights::GpuMatrix;
use super::Gpu;
use crate::error::Result;
use crate::model::{Model, ModelConfig};
use crate::tensor::TensorRef;
use std::sync::Arc;

/// One transformer block on the GPU. Matrices are `[rows × cols]`.
#[derive(Debug)]
pub struct GpuLayer {
    /// [dim]
    pub attn_norm: wgpu::Buffer,
    /// Q, K and V projections.
    pub qkv: Qkv,
    /// [q_dim + 2·kv_dim]: the Q, K and V biases one after another (Qwen2).
    pub bias: Option<wgpu::Buffer>,
    /// [dim × q_dim]
    pub wo: GpuMatrix,
    /// [dim]
    pub ffn_norm: wgpu::Buffer,
    /// Gate and up projections.
    pub gate_up: GateUp,
    /// [dim × ffn_dim]
    pub w_down: GpuMatrix,
}

/// The attention's Q, K and V projections on the GPU. Either way their
/// product is one row of `q_dim + 2·kv_dim` values per token.
#[derive(Debug)]
pub enum Qkv {
    /// [(q_dim + 2·kv_dim) × dim], Q's rows then K's then V's: one product
    /// for all three. Used whenever the three share a type.
    Stacked(GpuMatrix),
    /// [q_dim × dim], [kv_dim × dim], [kv_dim × dim]: files that quantize
    /// them differently (llama.cpp's Q4_K_M keeps V in Q6_K in some layers).
    Split([GpuMatrix; 3]),
}

/// Whether a layer's Q, K and V are uploaded as one stacked matrix: where
/// they share a type (the memory plan counts them the same way).
pub(crate) fn stacks_qkv(q: &TensorRef, k: &TensorRef, v: &TensorRef) -> bool {
    q.dtype == k.dtype && k.dtype == v.dtype
}

/// Whether a layer's gate and up are uploaded as one matrix of interleaved
/// rows (SwiGLU in the product): where they share a type.
pub(crate) fn interleaves_gate_up(gate: &TensorRef, up: &TensorRef) -> bool {
    gate.dtype == up.dtype
}

impl Qkv {
    /// Upload layer `i`'s Q, K and V.
    fn upload(gpu: &Gpu, i: usize, q: &TensorRef, k: &TensorRef, v: &TensorRef) -> Result<Self> {
        if stacks_qkv(q, k, v) {
            Ok(Qkv::Stacked(GpuMatrix::upload_stacked(gpu, &format!("blk.{i}.attn_qkv"), &[q, k, v])?))
        } else {
            Ok(Qkv::Split([GpuMatrix::upload(gpu, q)?, GpuMatrix::upload(gpu, k)?, GpuMatrix::upload(gpu, v)?]))
        }
    }

    /// The matrices (one or three).
    pub fn matrices(&self) -> Vec<&GpuMatrix> {
        match self {
            Qkv::Stacked(m) => vec![m],
            Qkv::Split(m) => m.iter().collect(),
        }
    }
}

impl GpuLayer {
    /// Every weight matrix of the block.
    pub fn matrices(&self) -> Vec<&GpuMatrix> {
        let mut all = self.qkv.matrices();
        all.push(&self.wo);
        all.extend(self.gate_up.matrices());
        all.push(&self.w_down);
        all
    }
}

/// The FFN's gate and up projections on the GPU.
#[derive(Debug)]
pub enum GateUp {
    /// [2·ffn_dim × dim], rows interleaved (gate row i, then up row i): a
    /// decode step runs gate, up and SwiGLU as one matvec. Used whenever the
    /// two share a type.
    Interleaved(GpuMatrix),
    /// [ffn_dim × dim] each: files that quantize gate and up differently.
    Split { gate: GpuMatrix, up: GpuMatrix },
}

impl GateUp {
    /// Upload layer `i`'s gate and up.
    fn upload(gpu: &Gpu, i: usize, gate: &TensorRef, up: &TensorRef) -> Result<Self> {
        if interleaves_gate_up(gate, up) {
            let name = format!("blk.{i}.ffn_gate_up");
            Ok(GateUp::Interleaved(GpuMatrix::upload_interleaved(gpu, &name, gate, up)?))
        } else {
            Ok(GateUp::Split { gate: GpuMatrix::upload(gpu, gate)?, up: GpuMatrix::upload(gpu, up)? })
        }
    }

    /// The matrices (one or two).
    pub fn matrices(&self) -> Vec<&GpuMatrix> {
        match self {
            GateUp::Interleaved(m) => vec![m],
            GateUp::Split { gate, up } => vec![gate, up],
        }
    }
}

/// A model whose weights live on the GPU.
#[derive(Debug)]
pub struct GpuModel {
    /// The device.
    pub gpu: Arc<Gpu>,
    /// Hyper-parameters.
    pub config: ModelConfig,
    /// [vocab × dim]
    pub token_embd: GpuMatrix,
    /// Blocks.
    pub layers: Vec<GpuLayer>,
    /// [dim]
    pub output_norm: wgpu::Buffer,
    /// [vocab × dim]; `None` when tied to the embedding.
    pub output: Option<GpuMatrix>,
    /// [rope_dim / 2] f32 inverse frequencies (scaling applied).
    pub inv_freq: wgpu::Buffer,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

impl GpuModel {
    /// Upload every weight of `model` (streamed row chunk by row chunk from the map).
    pub fn upload(gpu: Arc<Gpu>, model: &Model) -> Result<Self> {
        Self::upload_with_progress(gpu, model, &mut |_| {})
    }

    /// Upload, reporting the fraction done (0..=1) after each block.
    pub fn upload_with_progress(gpu: Arc<Gpu>, model: &Model, progress: &mut dyn FnMut(f32)) -> Result<Self> {
        let w = &model.weights;
        let g = &*gpu;
        let mut layers = Vec::with_capacity(w.layers.len());
        for (i, l) in w.layers.iter().enumerate() {
            // Partial biases never occur in supported architectures; zeros
            // stand in for a missing one so the three are added uniformly.
            let bias = if l.bq.is_none() && l.bk.is_none() && l.bv.is_none() {
                None
            } else {
                let c = &model.config;
                let mut all = Vec::with_capacity(c.q_dim() + 2 * c.kv_dim());
                for (b, n) in [(&l.bq, c.q_dim()), (&l.bk, c.kv_dim()), (&l.bv, c.kv_dim())] {
                    all.extend(b.clone().unwrap_or_else(|| vec![0.0; n]));
                }
                Some(g.buffer_init(&format!("blk.{i}.attn_qkv.bias"), &f32_bytes(&all)))
            };
            layers.push(GpuLayer {
                attn_norm: g.buffer_init(&format!("blk.{i}.attn_norm"), &f32_bytes(&l.attn_norm)),
                qkv: Qkv::upload(g, i, &l.wq, &l.wk, &l.wv)?,
                bias,
                wo: GpuMatrix::upload(g, &l.wo)?,
                ffn_norm: g.buffer_init(&format!("blk.{i}.ffn_norm"), &f32_bytes(&l.ffn_norm)),
                gate_up: GateUp::upload(g, i, &l.w_gate, &l.w_up)?,
                w_down: GpuMatrix::upload(g, &l.w_down)?,
            });
            progress((i + 1) as f32 / (w.layers.len() + 1) as f32);
        }
        let inv_freq: Vec<f32> = model.inv_freq.iter().map(|&f| f as f32).collect();
        let uploaded = GpuModel {
            token_embd: GpuMatrix::upload(g, &w.token_embd)?,
            output: if w.tied_embeddings { None } else { Some(GpuMatrix::upload(g, &w.output)?) },
            output_norm: g.buffer_init("output_norm", &f32_bytes(&w.output_norm)),
            inv_freq: g.buffer_init("inv_freq", &f32_bytes(&inv_freq)),
            layers,
            config: model.config.clone(),
            gpu,
        };
        progress(1.0);
        Ok(uploaded)
    }

    /// The output projection (the embedding itself when tied).
    pub fn output_matrix(&self) -> &GpuMatrix {
        self.output.as_ref().unwrap_or(&self.token_embd)
    }

    /// Bytes of weights on the device.
    pub fn device_bytes(&self) -> u64 {
        let m = GpuMatrix::device_bytes;
        let mut total = m(&self.token_embd) + self.output.as_ref().map_or(0, m);
        for l in &self.layers {
            total += l.matrices().into_iter().map(m).sum::<u64>();
            total += l.attn_norm.size() + l.ffn_norm.size();
            total += l.bias.as_ref().map_or(0, wgpu::Buffer::size);
        }
        total
    }
}
