//! The Llama-family model: Config + Weights, and a plain f32 CPU reference
//! forward pass (the oracle for the GPU kernels).

pub mod config;
pub mod cpu;
pub mod names;
pub mod rope;
pub mod weights;

pub use config::{Arch, ModelConfig, RopeLayout};
pub use cpu::CpuState;
pub use weights::Weights;

use crate::error::Result;
use crate::source::ModelSource;

/// Element type of the KV cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvCacheType {
    /// 4 bytes per value: exact.
    #[default]
    F32,
    /// 2 bytes per value: half the memory and attention bandwidth (llama.cpp's
    /// default); values are rounded to f16 when stored.
    F16,
}

impl KvCacheType {
    /// What `v` reads back as from a cache of this type.
    pub fn round(self, v: f32) -> f32 {
        match self {
            KvCacheType::F32 => v,
            KvCacheType::F16 => half::f16::from_f32(v).to_f32(),
        }
    }

    /// Bytes per stored value.
    pub fn bytes(self) -> usize {
        match self {
            KvCacheType::F32 => 4,
            KvCacheType::F16 => 2,
        }
    }
}

/// A loaded model: immutable config and weights (views into the mapped file).
#[derive(Debug)]
pub struct Model {
    /// Hyper-parameters.
    pub config: ModelConfig,
    /// Weights.
    pub weights: Weights,
    /// [rope_dim / 2] inverse RoPE frequencies, scaling applied.
    pub inv_freq: Vec<f64>,
}

impl Model {
    /// Read the config and map and check every weight of `src`.
    pub fn load(src: &ModelSource) -> Result<Self> {
        let config = ModelConfig::from_source(src)?;
        let weights = Weights::load(src, &config)?;
        let inv_freq = rope::inv_freqs(&config, weights.rope_freq_factors.as_deref());
        Ok(Model { config, weights, inv_freq })
    }

    /// Bytes of weights the model reads per token (all matrices and vectors).
    pub fn weight_bytes(&self) -> u64 {
        let w = &self.weights;
        let mut total = w.token_embd.bytes().len() as u64 + (w.output_norm.len() * 4) as u64;
        if !w.tied_embeddings {
            total += w.output.bytes().len() as u64;
        }
        for l in &w.layers {
            for t in [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down] {
                total += t.bytes().len() as u64;
            }
            let vectors = l.attn_norm.len()
                + l.ffn_norm.len()
                + [&l.bq, &l.bk, &l.bv].iter().map(|b| b.as_ref().map_or(0, Vec::len)).sum::<usize>();
            total += (vectors * 4) as u64;
        }
        total
    }

    /// Number of weights (an untied output matrix counted once more).
    pub fn parameter_count(&self) -> u64 {
        let w = &self.weights;
        let mut n = w.token_embd.elements() + w.output_norm.len() as u64;
        if !w.tied_embeddings {
            n += w.output.elements();
        }
        for l in &w.layers {
            n += [&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down].iter().map(|t| t.elements()).sum::<u64>();
            n += (l.attn_norm.len() + l.ffn_norm.len()) as u64;
            n += [&l.bq, &l.bk, &l.bv].iter().map(|b| b.as_ref().map_or(0, Vec::len) as u64).sum::<u64>();
        }
        n
    }

    /// Bytes of an f32 KV cache for `ctx` positions (K and V, all layers).
    pub fn kv_cache_bytes(&self, ctx: usize, bytes_per_elem: usize) -> u64 {
        let c = &self.config;
        (2 * c.n_layers * ctx * c.kv_dim() * bytes_per_elem) as u64
    }
}
