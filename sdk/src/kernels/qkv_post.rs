//! After the Q/K/V product: bias, RoPE, and the K/V cache store in one
//! dispatch (`shaders/qkv_post.wgsl` plus `kv_write_<type>.wgsl`).

use super::{bind, compose, grid, pipeline, Variant};
use crate::error::{Error, Result};
use crate::gpu::Gpu;
use crate::model::{KvCacheType, RopeLayout};

/// WGSL body.
pub const SOURCE: &str = include_str!("../../../shaders/qkv_post.wgsl");

/// The cache writers (`put_k`, `put_v`) of a cache type.
fn kv_write(kv: KvCacheType) -> &'static str {
    match kv {
        KvCacheType::F32 => include_str!("../../../shaders/kv_write_f32.wgsl"),
        KvCacheType::F16 => include_str!("../../../shaders/kv_write_f16.wgsl"),
    }
}

/// The composed source for a cache type and variant.
pub fn source(variant: Variant, kv: KvCacheType) -> String {
    compose(variant, false, &[kv_write(kv), SOURCE])
}

/// The attention shape the kernel serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QkvShape {
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads.
    pub n_kv_heads: usize,
    /// Values per head.
    pub head_dim: usize,
    /// Leading dims of each head that RoPE rotates (even, ≤ head_dim).
    pub rope_dim: usize,
    /// Which dims RoPE pairs.
    pub layout: RopeLayout,
    /// The cache's value type.
    pub kv: KvCacheType,
    /// Whether a bias of `q_dim + 2·kv_dim` values is added.
    pub bias: bool,
}

impl QkvShape {
    /// Query values per token.
    pub fn q_dim(&self) -> usize {
        self.n_heads * self.head_dim
    }

    /// Key (and value) values per token.
    pub fn kv_dim(&self) -> usize {
        self.n_kv_heads * self.head_dim
    }

    /// Values of one token's product row: q, then k, then v.
    pub fn row(&self) -> usize {
        self.q_dim() + 2 * self.kv_dim()
    }

    /// Invocations per token: one per two values of each part.
    fn units(&self) -> usize {
        self.q_dim().div_ceil(2) + 2 * self.kv_dim().div_ceil(2)
    }
}

/// The pipeline for one shape.
#[derive(Debug)]
pub struct QkvPost {
    pipeline: wgpu::ComputePipeline,
    shape: QkvShape,
}

impl QkvPost {
    /// Build for `shape`; refuses shapes the kernel cannot serve.
    pub fn new(gpu: &Gpu, shape: QkvShape) -> Result<Self> {
        let s = shape;
        if s.rope_dim == 0 || s.rope_dim % 2 != 0 || s.rope_dim > s.head_dim || s.n_heads == 0 || s.n_kv_heads == 0 {
            return Err(Error::InvalidArgument {
                reason: format!(
                    "q/k/v: rope_dim {} must be even, non-zero and ≤ head_dim {}, with at least one head",
                    s.rope_dim, s.head_dim
                ),
            });
        }
        if s.kv == KvCacheType::F16 && s.kv_dim() % 2 != 0 {
            return Err(Error::InvalidArgument {
                reason: format!("an f16 KV cache needs an even row width, not {}", s.kv_dim()),
            });
        }
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let constants = [
            ("N_HEADS", s.n_heads as f64),
            ("N_KV_HEADS", s.n_kv_heads as f64),
            ("HEAD_DIM", s.head_dim as f64),
            ("HALF", (s.rope_dim / 2) as f64),
            ("NEOX", flag(s.layout == RopeLayout::Neox)),
            ("HAS_BIAS", flag(s.bias)),
        ];
        let pipeline = pipeline(gpu, "qkv_post", &source(Variant::of(gpu), s.kv), &constants)?;
        Ok(QkvPost { pipeline, shape })
    }

    /// Bind the step uniform, the per-pair inverse frequencies (f32 ×
    /// rope_dim/2), the product rows, the bias (required exactly when the
    /// shape has one), the query output and the layer's two caches.
    pub fn bind(&self, gpu: &Gpu, io: &QkvBuffers<'_>) -> Result<wgpu::BindGroup> {
        let bias = match (io.bias, self.shape.bias) {
            (Some(b), true) => b,
            (None, false) => io.qkv,
            _ => {
                return Err(Error::InvalidArgument {
                    reason: "q/k/v: a bias buffer is bound exactly when the shape has a bias".into(),
                })
            }
        };
        let buffers = [io.step, io.inv_freq, io.qkv, bias, io.q, io.k_cache, io.v_cache];
        Ok(bind(gpu, &self.pipeline, "qkv_post", &buffers.map(wgpu::Buffer::as_entire_binding)))
    }

    /// Record the step's `tokens` tokens (the step uniform must say the same).
    pub fn dispatch(&self, pass: &mut wgpu::ComputePass<'_>, bg: &wgpu::BindGroup, tokens: u32) {
        let (x, y) = grid((tokens * self.shape.units() as u32).div_ceil(64));
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bg, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}

/// The buffers a [`QkvPost`] reads and writes.
#[derive(Debug, Clone, Copy)]
pub struct QkvBuffers<'a> {
    /// The `Step` uniform.
    pub step: &'a wgpu::Buffer,
    /// f32 × rope_dim/2.
    pub inv_freq: &'a wgpu::Buffer,
    /// tokens × (q_dim + 2·kv_dim) product rows.
    pub qkv: &'a wgpu::Buffer,
    /// q_dim + 2·kv_dim values, when the model has biases.
    pub bias: Option<&'a wgpu::Buffer>,
    /// tokens × q_dim: the attention's queries.
    pub q: &'a wgpu::Buffer,
    /// [position × kv_dim] of the cache type.
    pub k_cache: &'a wgpu::Buffer,
    /// [position × kv_dim] of the cache type.
    pub v_cache: &'a wgpu::Buffer,
}

/// What the kernel leaves for `tokens` product rows at positions `pos0..`:
/// the queries, and the keys and values as the cache reads them back.
#[derive(Debug, Clone, PartialEq)]
pub struct QkvOut {
    /// tokens × q_dim.
    pub q: Vec<f32>,
    /// tokens × kv_dim.
    pub k: Vec<f32>,
    /// tokens × kv_dim.
    pub v: Vec<f32>,
}

/// CPU reference, as the CPU forward pass computes it (angles in f64).
pub fn reference(s: &QkvShape, qkv: &[f32], bias: Option<&[f32]>, inv_freq: &[f64], pos0: usize) -> QkvOut {
    let (qd, kvd) = (s.q_dim(), s.kv_dim());
    let mut out = QkvOut { q: Vec::new(), k: Vec::new(), v: Vec::new() };
    for (t, row) in qkv.chunks_exact(s.row()).enumerate() {
        let mut row = row.to_vec();
        if let Some(b) = bias {
            row.iter_mut().zip(b).for_each(|(x, b)| *x += b);
        }
        let (q, kv) = row.split_at_mut(qd);
        let (k, v) = kv.split_at_mut(kvd);
        crate::model::rope::apply(q, s.head_dim, s.layout, inv_freq, pos0 + t);
        crate::model::rope::apply(k, s.head_dim, s.layout, inv_freq, pos0 + t);
        out.q.extend_from_slice(q);
        out.k.extend(k.iter().map(|&x| s.kv.round(x)));
        out.v.extend(v.iter().map(|&x| s.kv.round(x)));
    }
    out
}
