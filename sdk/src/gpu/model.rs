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
    /// [q_dim × dim]
    pub wq: GpuMatrix,
    /// [kv_dim × dim]
    pub wk: GpuMatrix,
    /// [kv_dim × dim]
    pub wv: GpuMatrix,
    /// [q_dim], [kv_dim], [kv_dim] (Qwen2)
    pub bias: Option<[wgpu::Buffer; 3]>,
    /// [dim × q_dim]
    pub wo: GpuMatrix,
    /// [dim]
    pub ffn_norm: wgpu::Buffer,
    /// Gate and up projections.
    pub gate_up: GateUp,
    /// [dim × ffn_dim]
    pub w_down: GpuMatrix,
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
        if gate.dtype == up.dtype {
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
            let bias = match (&l.bq, &l.bk, &l.bv) {
                (Some(q), Some(k), Some(v)) => Some([
                    g.buffer_init(&format!("blk.{i}.bq"), &f32_bytes(q)),
                    g.buffer_init(&format!("blk.{i}.bk"), &f32_bytes(k)),
                    g.buffer_init(&format!("blk.{i}.bv"), &f32_bytes(v)),
                ]),
                // Partial biases never occur in supported architectures; zeros
                // stand in for a missing one so all three are added uniformly.
                (None, None, None) => None,
                (q, k, v) => {
                    let c = &model.config;
                    let or_zero = |b: &Option<Vec<f32>>, n: usize| b.clone().unwrap_or_else(|| vec![0.0; n]);
                    Some([
                        g.buffer_init("bq", &f32_bytes(&or_zero(q, c.q_dim()))),
                        g.buffer_init("bk", &f32_bytes(&or_zero(k, c.kv_dim()))),
                        g.buffer_init("bv", &f32_bytes(&or_zero(v, c.kv_dim()))),
                    ])
                }
            };
            layers.push(GpuLayer {
                attn_norm: g.buffer_init(&format!("blk.{i}.attn_norm"), &f32_bytes(&l.attn_norm)),
                wq: GpuMatrix::upload(g, &l.wq)?,
                wk: GpuMatrix::upload(g, &l.wk)?,
                wv: GpuMatrix::upload(g, &l.wv)?,
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
        let m = |m: &GpuMatrix| m.chunks.iter().map(|c| c.buffer.size()).sum::<u64>();
        let mut total = m(&self.token_embd) + self.output.as_ref().map_or(0, m);
        for l in &self.layers {
            total +=
                [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_down].into_iter().chain(l.gate_up.matrices()).map(m).sum::<u64>();
            total += l.attn_norm.size() + l.ffn_norm.size();
            total += l.bias.as_ref().map_or(0, |b| b.iter().map(wgpu::Buffer::size).sum());
        }
        total
    }
}
