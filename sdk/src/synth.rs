//! Synthetic models: GGUF files with seeded random weights and the exact
//! dimensions of real small models, so speed can be measured (by Hearth and by
//! llama.cpp on the same file) without downloading a model. Tensor names and
//! metadata are those llama.cpp's converter writes.

use crate::error::{Error, Result};
use crate::gguf::quantize::quantize;
use crate::gguf::{GgmlType, GgufWriter, Value};
use rand::{Rng, SeedableRng};
use std::path::Path;

/// The dimensions of a real model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthShape {
    /// Name used on the command line.
    pub name: &'static str,
    /// GGUF architecture ("llama" or "qwen2").
    pub arch: &'static str,
    /// Hidden size.
    pub dim: u64,
    /// Blocks.
    pub layers: u64,
    /// Query heads.
    pub heads: u64,
    /// KV heads.
    pub kv_heads: u64,
    /// Feed-forward size.
    pub ffn: u64,
    /// Vocabulary.
    pub vocab: u64,
    /// Trained context.
    pub context: u64,
    /// RoPE θ.
    pub rope_theta: f32,
}

/// Shapes from the models' published configs (all tie their embeddings).
pub const SHAPES: &[SynthShape] = &[
    SynthShape {
        name: "smollm2-135m",
        arch: "llama",
        dim: 576,
        layers: 30,
        heads: 9,
        kv_heads: 3,
        ffn: 1536,
        vocab: 49152,
        context: 8192,
        rope_theta: 100000.0,
    },
    SynthShape {
        name: "smollm2-360m",
        arch: "llama",
        dim: 960,
        layers: 32,
        heads: 15,
        kv_heads: 5,
        ffn: 2560,
        vocab: 49152,
        context: 8192,
        rope_theta: 100000.0,
    },
    SynthShape {
        name: "qwen2.5-0.5b",
        arch: "qwen2",
        dim: 896,
        layers: 24,
        heads: 14,
        kv_heads: 2,
        ffn: 4864,
        vocab: 151936,
        context: 32768,
        rope_theta: 1000000.0,
    },
    SynthShape {
        name: "llama-3.2-1b",
        arch: "llama",
        dim: 2048,
        layers: 16,
        heads: 32,
        kv_heads: 8,
        ffn: 8192,
        vocab: 128256,
        context: 131072,
        rope_theta: 500000.0,
    },
    SynthShape {
        name: "qwen2.5-1.5b",
        arch: "qwen2",
        dim: 1536,
        layers: 28,
        heads: 12,
        kv_heads: 2,
        ffn: 8960,
        vocab: 151936,
        context: 32768,
        rope_theta: 1000000.0,
    },
];

/// A shape by name.
pub fn shape(name: &str) -> Result<SynthShape> {
    SHAPES.iter().find(|s| s.name == name).copied().ok_or_else(|| Error::InvalidArgument {
        reason: format!(
            "unknown shape {name:?} (have: {})",
            SHAPES.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
        ),
    })
}

/// Which types a synthetic model's matrices get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipe {
    /// Every matrix of one type (F16, Q8_0, Q4_0 or Q4_K).
    Uniform(GgmlType),
    /// llama.cpp's Q4_K_M mix, the most common quantization of published
    /// GGUFs: Q4_K, with Q6_K for the output projection (the token
    /// embedding where it is tied) and for `attn_v` and `ffn_down` in the
    /// blocks llama.cpp gives more bits (`more_bits`).
    Q4KM,
}

impl From<GgmlType> for Recipe {
    fn from(t: GgmlType) -> Self {
        Recipe::Uniform(t)
    }
}

impl Recipe {
    /// The type of matrix `name` (a GGUF tensor name) in block `layer` of
    /// `layers`, before the fallback for rows its blocks do not divide.
    fn quant(self, name: &str, layer: u64, layers: u64) -> GgmlType {
        match self {
            Recipe::Uniform(t) => t,
            // Synthetic models tie their embeddings: the token embedding is
            // the output projection.
            Recipe::Q4KM if name == "token_embd.weight" || name == "output.weight" => GgmlType::Q6_K,
            Recipe::Q4KM
                if (name.ends_with("attn_v.weight") || name.ends_with("ffn_down.weight"))
                    && more_bits(layer, layers) =>
            {
                GgmlType::Q6_K
            }
            Recipe::Q4KM => GgmlType::Q4_K,
        }
    }
}

/// The blocks llama.cpp's K-quant mixes quantize with more bits: the first
/// and last eighth, and every third block between.
fn more_bits(layer: u64, layers: u64) -> bool {
    layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
}

/// The type a matrix with rows of `cols` gets: `quant` when its blocks fit,
/// else Q8_0, else F16 (llama.cpp's converter also falls back per tensor).
fn matrix_type(quant: GgmlType, cols: u64) -> GgmlType {
    [quant, GgmlType::Q8_0, GgmlType::F16].into_iter().find(|t| cols % t.block_size() == 0).unwrap_or(GgmlType::F32)
}

/// Build the GGUF of `shape` with weights of `recipe` (a type: F16, Q8_0,
/// Q4_0, Q4_K; or a mix).
pub fn build(shape: &SynthShape, recipe: impl Into<Recipe>, seed: u64) -> Result<GgufWriter> {
    let recipe = recipe.into();
    if let Recipe::Uniform(quant) = recipe {
        if !matches!(quant, GgmlType::F16 | GgmlType::Q8_0 | GgmlType::Q4_0 | GgmlType::Q4_K) {
            return Err(Error::UnsupportedType { dtype: quant.name(), op: "synthetic models" });
        }
    }
    let s = shape;
    let a = s.arch;
    let hd = s.dim / s.heads;
    let mut w = GgufWriter::new();
    w.set("general.architecture", Value::String(a.into()))
        .set("general.name", Value::String(format!("synthetic {}", s.name)))
        .set(&format!("{a}.context_length"), Value::U32(s.context as u32))
        .set(&format!("{a}.embedding_length"), Value::U32(s.dim as u32))
        .set(&format!("{a}.feed_forward_length"), Value::U32(s.ffn as u32))
        .set(&format!("{a}.block_count"), Value::U32(s.layers as u32))
        .set(&format!("{a}.attention.head_count"), Value::U32(s.heads as u32))
        .set(&format!("{a}.attention.head_count_kv"), Value::U32(s.kv_heads as u32))
        .set(&format!("{a}.attention.layer_norm_rms_epsilon"), Value::F32(1e-6))
        .set(&format!("{a}.rope.freq_base"), Value::F32(s.rope_theta))
        .set(&format!("{a}.vocab_size"), Value::U32(s.vocab as u32));
    vocabulary(&mut w, s.vocab);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut bytes = Vec::new();
    let mut add = |w: &mut GgufWriter, name: &str, dims: &[u64], scale: f32, norm: bool| -> Result<()> {
        let n = dims.iter().product::<u64>() as usize;
        let values: Vec<f32> =
            (0..n).map(|_| if norm { 1.0 + rng.gen_range(-0.1..0.1) } else { rng.gen_range(-scale..scale) }).collect();
        let layer = name.split('.').nth(1).and_then(|l| l.parse().ok()).unwrap_or(0);
        let quant = recipe.quant(name, layer, s.layers);
        let t = if dims.len() == 1 { GgmlType::F32 } else { matrix_type(quant, dims[0]) };
        bytes.clear();
        quantize(t, &values, &mut bytes)?;
        w.tensor(name, t, dims, bytes.clone())?;
        Ok(())
    };
    // Weights scaled by 1/sqrt(fan-in) keep activations O(1) through the layers.
    let fan = |n: u64| 1.0 / (n as f32).sqrt();
    add(&mut w, "token_embd.weight", &[s.dim, s.vocab], 1.0, false)?;
    for l in 0..s.layers {
        let b = |n: &str| format!("blk.{l}.{n}");
        add(&mut w, &b("attn_norm.weight"), &[s.dim], 0.0, true)?;
        add(&mut w, &b("attn_q.weight"), &[s.dim, s.heads * hd], fan(s.dim), false)?;
        add(&mut w, &b("attn_k.weight"), &[s.dim, s.kv_heads * hd], fan(s.dim), false)?;
        add(&mut w, &b("attn_v.weight"), &[s.dim, s.kv_heads * hd], fan(s.dim), false)?;
        if a == "qwen2" {
            add(&mut w, &b("attn_q.bias"), &[s.heads * hd], 0.1, false)?;
            add(&mut w, &b("attn_k.bias"), &[s.kv_heads * hd], 0.1, false)?;
            add(&mut w, &b("attn_v.bias"), &[s.kv_heads * hd], 0.1, false)?;
        }
        add(&mut w, &b("attn_output.weight"), &[s.heads * hd, s.dim], fan(s.dim), false)?;
        add(&mut w, &b("ffn_norm.weight"), &[s.dim], 0.0, true)?;
        add(&mut w, &b("ffn_gate.weight"), &[s.dim, s.ffn], fan(s.dim), false)?;
        add(&mut w, &b("ffn_up.weight"), &[s.dim, s.ffn], fan(s.dim), false)?;
        add(&mut w, &b("ffn_down.weight"), &[s.ffn, s.dim], fan(s.ffn), false)?;
    }
    add(&mut w, "output_norm.weight", &[s.dim], 0.0, true)?;
    Ok(w)
}

/// A SentencePiece vocabulary of `n` tokens (unknown, BOS, EOS, the 256 byte
/// tokens, then filler pieces), so the file is complete for every loader:
/// llama.cpp refuses a model without `tokenizer.ggml.*`, and text prompts work.
fn vocabulary(w: &mut GgufWriter, n: u64) {
    let (mut tokens, mut scores, mut types) = (Vec::new(), Vec::new(), Vec::new());
    let mut push = |t: String, ty: i32| {
        scores.push(Value::F32(-(tokens.len() as f32)));
        tokens.push(Value::String(t));
        types.push(Value::I32(ty));
    };
    // Token types as llama.cpp numbers them: 1 normal, 2 unknown, 3 control, 6 byte.
    push("<unk>".into(), 2);
    push("<s>".into(), 3);
    push("</s>".into(), 3);
    for b in 0..=255u8 {
        push(format!("<0x{b:02X}>"), 6);
    }
    for i in 259..n {
        push(format!("\u{2581}w{i}"), 1);
    }
    w.set("tokenizer.ggml.model", Value::String("llama".into()))
        .set("tokenizer.ggml.tokens", Value::Array(tokens))
        .set("tokenizer.ggml.scores", Value::Array(scores))
        .set("tokenizer.ggml.token_type", Value::Array(types))
        .set("tokenizer.ggml.unknown_token_id", Value::U32(0))
        .set("tokenizer.ggml.bos_token_id", Value::U32(1))
        .set("tokenizer.ggml.eos_token_id", Value::U32(2));
}

/// Write the synthetic GGUF of `shape` to `path`.
pub fn write(shape: &SynthShape, recipe: impl Into<Recipe>, seed: u64, path: &Path) -> Result<()> {
    build(shape, recipe, seed)?.write(path)
}
