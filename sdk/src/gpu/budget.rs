//! Device memory a model needs, estimated before anything is uploaded: a
//! model that cannot fit is refused with advice (a shorter context, an f16 KV
//! cache, a smaller quantization) instead of failing half-way through the
//! upload with the device already full.
//!
//! The budget is the app's own figure where it gives one
//! ([`EngineOptions::memory_budget`](crate::EngineOptions)), else what can be
//! read: CPU adapters (lavapipe, SwiftShader) and the CPU backend allocate
//! from system memory, so Linux's `MemAvailable` bounds them. wgpu does not
//! report a discrete GPU's free memory; there only the per-buffer limits are
//! checked up front, and an allocation that still fails is a typed
//! `GpuOutOfMemory` from the error scopes around every upload.

use super::model::{interleaves_gate_up, stacks_qkv};
use super::storage::{chunk_limit, in_textures};
use super::tiles::{tile_height, uploaded_bytes};
use super::weights::GpuType;
use super::Gpu;
use crate::error::{Error, Result};
use crate::kernels::{matmul_q8, quantize_x};
use crate::model::{KvCacheType, Model};
use crate::tensor::TensorRef;

/// Bytes of device memory one engine with one session needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryPlan {
    /// Weights in the GPU layout (after any type conversion).
    pub weights: u64,
    /// One session's KV cache at `context` positions.
    pub kv_cache: u64,
    /// Activations, logits and attention scratch of one session.
    pub scratch: u64,
    /// Positions per session.
    pub context: usize,
    /// KV-cache bytes per position (all layers, keys and values).
    kv_per_position: u64,
    /// KV-cache bytes per position of one layer's keys (one buffer).
    kv_layer_per_position: u64,
    /// Scratch bytes that grow with the context (attention partials and stats).
    scratch_per_position: u64,
}

/// Bytes of the 8-bit activation row a matrix-vector product of `t` may
/// allocate (`kernels::quantize_x`; CPU adapters, block types).
fn q8_row_bytes(t: &TensorRef) -> u64 {
    let cols = t.row_len();
    let ty = GpuType::for_file_type(t.dtype, cols);
    if quantize_x::supports(ty) && cols % quantize_x::BLOCK == 0 {
        quantize_x::row_bytes(cols)
    } else {
        0
    }
}

/// Bytes of the prefill's 8-bit rows (state.rs `xq_batch`): `batch` rows
/// as long as the longest among the matrices whose products take them
/// (`matmul_q8::supported` on `gpu`; without a device, every matrix
/// `matmul_q8::takes`).
fn q8_batch_bytes(model: &Model, batch: usize, gpu: Option<&Gpu>) -> u64 {
    let w = &model.weights;
    let output = if w.tied_embeddings { &w.token_embd } else { &w.output };
    let takes = |t: &&TensorRef| {
        let cols = t.row_len();
        let ty = GpuType::for_file_type(t.dtype, cols);
        gpu.map_or(matmul_q8::takes(ty, cols), |g| matmul_q8::supported(g, ty, cols))
    };
    let layers = w.layers.iter().flat_map(|l| [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down]);
    let cols = layers.chain([output]).filter(takes).map(TensorRef::row_len).max();
    cols.map_or(0, |c| matmul_q8::batch_bytes(batch, c))
}

/// Values per batch token of the `up` scratch (state.rs): the up product
/// where a layer's gate and up differ in type (separate matrices), the
/// (gate, up) pairs where they share one and prefill runs on cooperative
/// matrices, and nothing where the register-tiled matmul applies SwiGLU
/// in registers.
pub(crate) fn up_values(model: &Model, coop: bool) -> usize {
    let ffn = model.config.ffn_dim;
    let per_layer = |l: &crate::model::weights::LayerWeights| match (interleaves_gate_up(&l.w_gate, &l.w_up), coop) {
        (false, _) => ffn,
        (true, true) => 2 * ffn,
        (true, false) => 0,
    };
    model.weights.layers.iter().map(per_layer).max().unwrap_or(0)
}

/// How weights are laid out on the device the plan is for: its tile height,
/// chunk limit and storage per type (`tiles::chunking`, `gpu::storage`).
#[derive(Clone, Copy)]
struct Upload<'g> {
    gpu: Option<&'g Gpu>,
    max_binding: u64,
}

impl Upload<'_> {
    /// Device bytes of `parts` uploaded as one matrix (`GpuMatrix::upload`,
    /// `upload_stacked`; `upload_interleaved` with `stride` 2).
    fn bytes(self, parts: &[&TensorRef], stride: usize) -> u64 {
        let Some(first) = parts.first() else { return 0 };
        let (rows, cols) = (parts.iter().map(|t| t.rows()).sum::<usize>(), first.row_len());
        let ty = GpuType::for_file_type(first.dtype, cols);
        let (tile, limit, texture) = match self.gpu {
            Some(g) => (tile_height(g, ty), chunk_limit(g, ty), in_textures(g, ty)),
            None => (1, self.max_binding, false),
        };
        uploaded_bytes((tile, limit, texture), (rows, ty.row_words(cols)), stride)
    }

    /// A layer's matrices, combined as `gpu::model` combines them: Q, K and
    /// V stacked and gate and up interleaved where each shares one type.
    fn layer(self, l: &crate::model::weights::LayerWeights) -> u64 {
        let one = |t: &TensorRef| self.bytes(&[t], 1);
        let qkv = if stacks_qkv(&l.wq, &l.wk, &l.wv) {
            self.bytes(&[&l.wq, &l.wk, &l.wv], 1)
        } else {
            one(&l.wq) + one(&l.wk) + one(&l.wv)
        };
        let gate_up = if interleaves_gate_up(&l.w_gate, &l.w_up) {
            self.bytes(&[&l.w_gate, &l.w_up], 2)
        } else {
            one(&l.w_gate) + one(&l.w_up)
        };
        qkv + one(&l.wo) + gate_up + one(&l.w_down)
    }
}

impl MemoryPlan {
    /// The plan for `model` with sessions of `context` positions, prefill
    /// batches of `batch` tokens and a `kv` cache, on a device without
    /// cooperative matrices (the default; see [`MemoryPlan::for_gpu`]).
    pub fn new(model: &Model, context: usize, batch: usize, kv: KvCacheType) -> Self {
        Self::build(model, context, batch, kv, false, Upload { gpu: None, max_binding: u64::MAX })
    }

    /// [`MemoryPlan::new`] for `gpu`: prefill on cooperative matrices needs
    /// a scratch for gate/up pairs that the register-tiled matmul does not.
    pub fn for_gpu(model: &Model, context: usize, batch: usize, kv: KvCacheType, gpu: &Gpu) -> Self {
        let upload = Upload { gpu: Some(gpu), max_binding: gpu.max_binding };
        Self::build(model, context, batch, kv, gpu.coop_tile.is_some(), upload)
    }

    fn build(model: &Model, context: usize, batch: usize, kv: KvCacheType, coop: bool, upload: Upload<'_>) -> Self {
        let (w, c) = (&model.weights, &model.config);
        let output = if w.tied_embeddings { 0 } else { upload.bytes(&[&w.output], 1) };
        let mut weights = upload.bytes(&[&w.token_embd], 1) + output;
        // 8-bit activation rows: the norms' one (read by Q/K/V, gate/up and
        // the output), and each O and down product's own.
        let mut q8_rows = quantize_x::row_bytes(c.dim);
        for l in &w.layers {
            weights += upload.layer(l);
            q8_rows += q8_row_bytes(&l.wo) + q8_row_bytes(&l.w_down);
            weights += 4 * (l.attn_norm.len() + l.ffn_norm.len()) as u64;
            weights += [&l.bq, &l.bk, &l.bv].iter().map(|b| b.as_ref().map_or(0, |b| 4 * b.len() as u64)).sum::<u64>();
        }
        let kv_layer_per_position = (c.kv_dim() * kv.bytes()) as u64;
        let kv_per_position = 2 * c.n_layers as u64 * kv_layer_per_position;
        let batch = batch.clamp(1, context.max(1)) as u64;
        let (dim, q, kvd, ffn, vocab) =
            (c.dim as u64, c.q_dim() as u64, c.kv_dim() as u64, c.ffn_dim as u64, c.vocab_size as u64);
        // The session's activations (state.rs): x, xb, the Q/K/V product
        // (q + 2 · kv), q, att, the FFN activation and `up` per batch token,
        // the logits and as many all-position logit rows as one batch;
        // attention partials and prefill statistics per position.
        let per_token = 2 * dim + 3 * q + 2 * kvd + ffn + up_values(model, coop) as u64 + vocab;
        // Plus the 8-bit activation rows (counted whether or not the adapter
        // uses them: a few KiB per layer), and the prefill's 8-bit batch.
        let q8_batch = q8_batch_bytes(model, batch as usize, upload.gpu);
        let scratch = 4 * (batch * per_token + vocab) + 4096 + q8_rows + q8_batch;
        // Decode partials (head_dim + 2 values per head per chunk of at least
        // 64 keys) and prefill statistics (2 values per head).
        let scratch_per_position = 4 * c.n_heads as u64 * (2 + (c.head_dim as u64 + 2).div_ceil(64));
        MemoryPlan {
            weights,
            kv_cache: kv_per_position * context as u64,
            scratch: scratch + scratch_per_position * context as u64,
            context,
            kv_per_position,
            kv_layer_per_position,
            scratch_per_position,
        }
    }

    /// Everything together.
    pub fn total(&self) -> u64 {
        self.weights + self.kv_cache + self.scratch
    }

    /// The longest context whose plan fits `budget` bytes (0: none does).
    pub fn max_context(&self, budget: u64) -> usize {
        let fixed = self.weights + self.scratch - self.scratch_per_position * self.context as u64;
        let per_position = self.kv_per_position + self.scratch_per_position;
        (budget.saturating_sub(fixed) / per_position.max(1)) as usize
    }

    /// Refuse a plan that cannot fit: one layer's cache over the largest
    /// binding `max_binding`, or the total over `budget` (when known).
    pub fn check(&self, max_binding: u64, budget: Option<u64>) -> Result<()> {
        let layer_cache = self.kv_layer_per_position * self.context as u64;
        if layer_cache > max_binding {
            let fits = max_binding / self.kv_layer_per_position.max(1);
            return Err(Error::InsufficientMemory {
                needed: layer_cache,
                available: max_binding,
                advice: format!(
                    "one layer's KV cache for {} positions exceeds the adapter's largest buffer binding; \
                     a context of at most {fits} positions fits, or an f16 KV cache",
                    self.context
                ),
            });
        }
        match budget {
            Some(budget) if self.total() > budget => {
                Err(Error::InsufficientMemory { needed: self.total(), available: budget, advice: self.advice(budget) })
            }
            _ => Ok(()),
        }
    }

    fn advice(&self, budget: u64) -> String {
        let parts = format!(
            "weights {}, KV cache {} for {} positions, scratch {}",
            human(self.weights),
            human(self.kv_cache),
            self.context,
            human(self.scratch)
        );
        let fits = self.max_context(budget);
        let smaller = "a smaller quantization (Q4_0 is about a quarter of F16) or a smaller model";
        if fits == 0 {
            format!("{parts}; the weights alone leave no room: use {smaller}")
        } else if fits < MIN_USEFUL_CONTEXT {
            format!("{parts}; only a context of at most {fits} positions fits; {smaller} leaves more room")
        } else {
            format!("{parts}; a context of at most {fits} positions fits (or an f16 KV cache, half the cache)")
        }
    }
}

/// Bytes as MiB, or KiB below 10 MiB.
fn human(bytes: u64) -> String {
    if bytes < 10 << 20 {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    } else {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    }
}

/// Below this a context is of little use for chat; advise a smaller model too.
const MIN_USEFUL_CONTEXT: usize = 256;

/// The device memory that can be read for `gpu`: system memory available
/// (Linux `MemAvailable`) when the adapter is a CPU driver; `None` for GPUs,
/// whose free memory wgpu does not report.
pub fn readable_budget(gpu: &Gpu) -> Option<u64> {
    if gpu.is_cpu_adapter() {
        system_memory_available()
    } else {
        None
    }
}

/// Linux's estimate of memory available without swapping (`/proc/meminfo`).
pub fn system_memory_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}
