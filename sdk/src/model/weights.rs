//! Model weights: zero-copy views into the mapped file, checked against the config.

use super::config::{Arch, ModelConfig};
use super::names::{tensor_name, Role};
use crate::error::Result;
use crate::source::ModelSource;
use crate::tensor::TensorRef;

/// One transformer block. Matrices are `[rows × cols]`: `cols` is the input width.
#[derive(Debug)]
pub struct LayerWeights {
    /// [dim]
    pub attn_norm: Vec<f32>,
    /// [q_dim × dim]
    pub wq: TensorRef,
    /// [kv_dim × dim]
    pub wk: TensorRef,
    /// [kv_dim × dim]
    pub wv: TensorRef,
    /// [q_dim] (Qwen2)
    pub bq: Option<Vec<f32>>,
    /// [kv_dim] (Qwen2)
    pub bk: Option<Vec<f32>>,
    /// [kv_dim] (Qwen2)
    pub bv: Option<Vec<f32>>,
    /// [dim × q_dim]
    pub wo: TensorRef,
    /// [dim]
    pub ffn_norm: Vec<f32>,
    /// [ffn_dim × dim]
    pub w_gate: TensorRef,
    /// [ffn_dim × dim]
    pub w_up: TensorRef,
    /// [dim × ffn_dim]
    pub w_down: TensorRef,
}

/// All weights of a Llama-family model.
#[derive(Debug)]
pub struct Weights {
    /// [vocab × dim]
    pub token_embd: TensorRef,
    /// One per block.
    pub layers: Vec<LayerWeights>,
    /// [dim]
    pub output_norm: Vec<f32>,
    /// [vocab × dim]; the embedding itself when tied (no `output.weight`).
    pub output: TensorRef,
    /// Whether `output` is the tied embedding.
    pub tied_embeddings: bool,
    /// [rope_dim / 2] frequency divisors from a `rope_freqs` tensor (Llama 3 GGUF).
    pub rope_freq_factors: Option<Vec<f32>>,
}

struct Loader<'a> {
    src: &'a ModelSource,
}

impl Loader<'_> {
    /// A matrix with `rows` rows of `cols` elements (ggml dims [cols, rows]).
    fn matrix(&self, role: Role, layer: usize, rows: usize, cols: usize) -> Result<TensorRef> {
        let t = self.src.tensor(&tensor_name(self.src, role, layer))?;
        t.expect_dims(self.src.path(), &[cols as u64, rows as u64])?;
        Ok(t)
    }

    fn vector(&self, role: Role, layer: usize, len: usize) -> Result<Vec<f32>> {
        let t = self.src.tensor(&tensor_name(self.src, role, layer))?;
        t.expect_dims(self.src.path(), &[len as u64])?;
        t.to_f32()
    }

    fn optional_vector(&self, role: Role, layer: usize, len: usize) -> Result<Option<Vec<f32>>> {
        if self.src.has_tensor(&tensor_name(self.src, role, layer)) {
            self.vector(role, layer, len).map(Some)
        } else {
            Ok(None)
        }
    }
}

impl Weights {
    /// Find, shape-check and map every weight. Small vectors are converted to f32.
    pub fn load(src: &ModelSource, c: &ModelConfig) -> Result<Self> {
        let l = Loader { src };
        // `n_layers` comes from the file and is only range-checked: every
        // layer has at least nine tensors, so the file's tensor count bounds
        // the allocation, and a missing `blk.N` tensor ends the loop early.
        let mut layers = Vec::with_capacity(c.n_layers.min(src.tensor_count() / 9));
        for i in 0..c.n_layers {
            // Qwen2 always has Q/K/V biases; Llama-family files may (rarely).
            let bias = |role, len| match c.arch {
                Arch::Qwen2 => l.vector(role, i, len).map(Some),
                Arch::Llama => l.optional_vector(role, i, len),
            };
            let (bq, bk, bv) = (
                bias(Role::AttnQBias, c.q_dim())?,
                bias(Role::AttnKBias, c.kv_dim())?,
                bias(Role::AttnVBias, c.kv_dim())?,
            );
            layers.push(LayerWeights {
                attn_norm: l.vector(Role::AttnNorm, i, c.dim)?,
                wq: l.matrix(Role::AttnQ, i, c.q_dim(), c.dim)?,
                wk: l.matrix(Role::AttnK, i, c.kv_dim(), c.dim)?,
                wv: l.matrix(Role::AttnV, i, c.kv_dim(), c.dim)?,
                bq,
                bk,
                bv,
                wo: l.matrix(Role::AttnOut, i, c.dim, c.q_dim())?,
                ffn_norm: l.vector(Role::FfnNorm, i, c.dim)?,
                w_gate: l.matrix(Role::FfnGate, i, c.ffn_dim, c.dim)?,
                w_up: l.matrix(Role::FfnUp, i, c.ffn_dim, c.dim)?,
                w_down: l.matrix(Role::FfnDown, i, c.dim, c.ffn_dim)?,
            });
        }
        let token_embd = l.matrix(Role::TokenEmbd, 0, c.vocab_size, c.dim)?;
        let tied = !src.has_tensor(&tensor_name(src, Role::Output, 0));
        let output = if tied { token_embd.clone() } else { l.matrix(Role::Output, 0, c.vocab_size, c.dim)? };
        Ok(Weights {
            token_embd,
            layers,
            output_norm: l.vector(Role::OutputNorm, 0, c.dim)?,
            output,
            tied_embeddings: tied,
            rope_freq_factors: l.optional_vector(Role::RopeFreqs, 0, c.rope_dim / 2)?,
        })
    }
}
