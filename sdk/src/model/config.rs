//! Model hyper-parameters, read from GGUF metadata or a HF `config.json`.

use crate::error::{Error, Result};
use crate::gguf::GgufFile;
use crate::hf::HfFolder;
use crate::source::ModelSource;
use serde::Serialize;
use std::path::Path;

/// Supported architectures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// Llama 2/3, TinyLlama, SmolLM, Mistral (no sliding window).
    Llama,
    /// Qwen2 / Qwen2.5: Llama plus Q/K/V biases, NEOX RoPE.
    Qwen2,
}

impl Arch {
    fn parse(name: &str) -> Result<Self> {
        match name {
            "llama" | "mistral" => Ok(Arch::Llama),
            "qwen2" => Ok(Arch::Qwen2),
            other => Err(Error::UnsupportedArchitecture { arch: other.into(), supported: "llama, mistral, qwen2" }),
        }
    }
}

/// How RoPE pairs dimensions within a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RopeLayout {
    /// Pairs (2i, 2i+1): GGUF `llama`, whose converter permutes HF's Q/K rows.
    Interleaved,
    /// Pairs (i, i + d/2) ("rotate half"): HF checkpoints and GGUF `qwen2`.
    Neox,
}

/// Llama 3.1-style frequency scaling (`rope_scaling.rope_type == "llama3"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Llama3Scaling {
    /// Divides the low frequencies.
    pub factor: f64,
    /// Wavelengths above `original_context / low_freq_factor` are scaled fully.
    pub low_freq_factor: f64,
    /// Wavelengths below `original_context / high_freq_factor` are kept.
    pub high_freq_factor: f64,
    /// Context length the model was trained with before scaling.
    pub original_context: f64,
}

/// Everything the forward pass needs to know about a model's shape.
#[derive(Debug, Clone, Serialize)]
pub struct ModelConfig {
    /// Architecture.
    pub arch: Arch,
    /// Hidden size.
    pub dim: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (grouped-query attention when < n_heads).
    pub n_kv_heads: usize,
    /// Size of one head.
    pub head_dim: usize,
    /// Feed-forward hidden size.
    pub ffn_dim: usize,
    /// Vocabulary size (rows of the embedding).
    pub vocab_size: usize,
    /// Trained context length.
    pub context_length: usize,
    /// RMSNorm epsilon.
    pub rms_eps: f32,
    /// RoPE base θ.
    pub rope_theta: f64,
    /// Rotated dimensions per head (≤ head_dim).
    pub rope_dim: usize,
    /// Pairing of rotated dimensions.
    pub rope_layout: RopeLayout,
    /// Llama 3 frequency scaling from metadata (GGUF files carry `rope_freqs` instead).
    pub rope_scaling: Option<Llama3Scaling>,
}

impl ModelConfig {
    /// Read the config of any source.
    pub fn from_source(src: &ModelSource) -> Result<Self> {
        let cfg = match src {
            ModelSource::Gguf(g) => Self::from_gguf(g)?,
            ModelSource::Hf(h) => Self::from_hf(h)?,
        };
        cfg.validate(src.path())?;
        Ok(cfg)
    }

    fn from_gguf(g: &GgufFile) -> Result<Self> {
        let path = g.path();
        let arch_name = g
            .get("general.architecture")
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::MissingKey { path: path.into(), key: "general.architecture".into() })?;
        let arch = Arch::parse(arch_name)?;
        let key = |k: &str| format!("{arch_name}.{k}");
        let uint = |k: &str| -> Result<usize> {
            let k = key(k);
            let v = g.get(&k).ok_or_else(|| Error::MissingKey { path: path.into(), key: k.clone() })?;
            v.as_u64().and_then(|v| usize::try_from(v).ok()).ok_or_else(|| Error::BadMetadata {
                path: path.into(),
                key: k,
                reason: format!("expected an unsigned integer, found {v}"),
            })
        };
        let opt_uint = |k: &str| if g.get(&key(k)).is_some() { uint(k).map(Some) } else { Ok(None) };
        let float = |k: &str, default: f64| -> Result<f64> {
            match g.get(&key(k)) {
                None => Ok(default),
                Some(v) => v.as_f64().ok_or_else(|| Error::BadMetadata {
                    path: path.into(),
                    key: key(k),
                    reason: format!("expected a number, found {v}"),
                }),
            }
        };
        let dim = uint("embedding_length")?;
        let n_heads = uint("attention.head_count")?;
        let n_kv_heads = opt_uint("attention.head_count_kv")?.unwrap_or(n_heads);
        let head_dim = opt_uint("attention.key_length")?.unwrap_or(dim.checked_div(n_heads).unwrap_or(0));
        let vocab_size = match opt_uint("vocab_size")? {
            Some(v) => v,
            None => g.tensor_info("token_embd.weight").and_then(|t| t.dims.get(1)).map_or(0, |&d| d as usize),
        };
        Ok(ModelConfig {
            arch,
            dim,
            n_layers: uint("block_count")?,
            n_heads,
            n_kv_heads,
            head_dim,
            ffn_dim: uint("feed_forward_length")?,
            vocab_size,
            context_length: uint("context_length")?,
            rms_eps: float("attention.layer_norm_rms_epsilon", 1e-5)? as f32,
            rope_theta: float("rope.freq_base", 10000.0)?,
            rope_dim: opt_uint("rope.dimension_count")?.unwrap_or(head_dim),
            // llama.cpp's converter permutes Q/K of `llama` so that pairs are
            // interleaved; `qwen2` is stored as trained and uses NEOX pairs.
            rope_layout: match arch {
                Arch::Llama => RopeLayout::Interleaved,
                Arch::Qwen2 => RopeLayout::Neox,
            },
            rope_scaling: None,
        })
    }

    fn from_hf(h: &HfFolder) -> Result<Self> {
        let path = h.dir().join("config.json");
        let c = &h.config;
        let bad = |reason: String| Error::BadConfig { path: path.clone(), reason };
        let uint = |k: &str| -> Result<Option<usize>> {
            match c.get(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(|v| Some(v as usize))
                    .ok_or_else(|| bad(format!("{k} = {v} is not an unsigned integer"))),
            }
        };
        let need = |k: &str| uint(k)?.ok_or_else(|| bad(format!("{k} is missing")));
        let model_type = c.get("model_type").and_then(|v| v.as_str()).unwrap_or("llama");
        let arch = Arch::parse(model_type)?;
        if model_type == "mistral"
            && uint("sliding_window")?.is_some_and(|w| w < need("max_position_embeddings").unwrap_or(0))
        {
            tracing::warn!("sliding-window attention is not implemented; attending to the whole context");
        }
        let dim = need("hidden_size")?;
        let n_heads = need("num_attention_heads")?;
        let head_dim = uint("head_dim")?.unwrap_or(dim.checked_div(n_heads).unwrap_or(0));
        // transformers ≥ 5 nests RoPE settings in `rope_parameters`; older
        // configs have `rope_theta` and `rope_scaling` at the top level.
        let rope = c.get("rope_parameters").or_else(|| c.get("rope_scaling")).filter(|v| v.is_object());
        let theta = rope
            .and_then(|r| r.get("rope_theta"))
            .or_else(|| c.get("rope_theta"))
            .map(|v| v.as_f64().ok_or_else(|| bad(format!("rope_theta = {v} is not a number"))))
            .transpose()?
            .unwrap_or(10000.0);
        let partial = c.get("partial_rotary_factor").and_then(|v| v.as_f64()).unwrap_or(1.0);
        Ok(ModelConfig {
            arch,
            dim,
            n_layers: need("num_hidden_layers")?,
            n_heads,
            n_kv_heads: uint("num_key_value_heads")?.unwrap_or(n_heads),
            head_dim,
            ffn_dim: need("intermediate_size")?,
            vocab_size: need("vocab_size")?,
            context_length: uint("max_position_embeddings")?.unwrap_or(2048),
            rms_eps: c.get("rms_norm_eps").and_then(|v| v.as_f64()).unwrap_or(1e-6) as f32,
            rope_theta: theta,
            rope_dim: (head_dim as f64 * partial) as usize,
            rope_layout: RopeLayout::Neox,
            rope_scaling: rope.map(|r| parse_scaling(r, &path)).transpose()?.flatten(),
        })
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |reason: String| Error::BadConfig { path: path.into(), reason };
        let positive = [
            ("dim", self.dim),
            ("n_layers", self.n_layers),
            ("n_heads", self.n_heads),
            ("n_kv_heads", self.n_kv_heads),
            ("head_dim", self.head_dim),
            ("ffn_dim", self.ffn_dim),
            ("vocab_size", self.vocab_size),
            ("context_length", self.context_length),
        ];
        for (name, v) in positive {
            // 2^24 bounds every size so that products below cannot overflow.
            if v == 0 || v > 1 << 24 {
                return Err(bad(format!("{name} = {v} is out of range")));
            }
        }
        if self.n_heads % self.n_kv_heads != 0 {
            return Err(bad(format!("{} heads are not a multiple of {} KV heads", self.n_heads, self.n_kv_heads)));
        }
        if self.rope_dim % 2 != 0 || self.rope_dim > self.head_dim {
            return Err(bad(format!("rope dimension {} does not fit head size {}", self.rope_dim, self.head_dim)));
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0 && self.rms_eps.is_finite()) {
            return Err(bad("rope θ or RMSNorm ε is not a positive finite number".into()));
        }
        Ok(())
    }

    /// Query width (n_heads × head_dim).
    pub fn q_dim(&self) -> usize {
        self.n_heads * self.head_dim
    }

    /// Key/value width (n_kv_heads × head_dim).
    pub fn kv_dim(&self) -> usize {
        self.n_kv_heads * self.head_dim
    }
}

fn parse_scaling(r: &serde_json::Value, path: &Path) -> Result<Option<Llama3Scaling>> {
    let kind = r.get("rope_type").or_else(|| r.get("type")).and_then(|v| v.as_str()).unwrap_or("default");
    let num = |k: &str| r.get(k).and_then(|v| v.as_f64());
    match kind {
        "default" => Ok(None),
        "llama3" => match (
            num("factor"),
            num("low_freq_factor"),
            num("high_freq_factor"),
            num("original_max_position_embeddings"),
        ) {
            (Some(factor), Some(low), Some(high), Some(orig)) if factor > 0.0 && high > low && orig > 0.0 => {
                Ok(Some(Llama3Scaling { factor, low_freq_factor: low, high_freq_factor: high, original_context: orig }))
            }
            _ => Err(Error::BadConfig { path: path.into(), reason: "incomplete llama3 rope_scaling".into() }),
        },
        other => {
            Err(Error::BadConfig { path: path.into(), reason: format!("rope scaling {other:?} is not supported") })
        }
    }
}
