//! Argument groups shared by several subcommands.

use hearth::engine::{Backend as EngineBackend, GenerateOptions};
use hearth::model::KvCacheType;
use hearth::sampling::SamplingOptions;
use std::path::PathBuf;

/// Where MODEL comes from: a `.gguf` file or a Hugging Face model folder.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// A `.gguf` file or a Hugging Face folder (config.json + model.safetensors).
    #[arg(long, short = 'm')]
    pub model: PathBuf,
    /// Tokenizer to use instead of the model's own: a tokenizer.json or a GGUF
    /// with `tokenizer.ggml.*` metadata (for HF folders that ship none).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
}

/// Compute backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// WGSL compute shaders through wgpu (Vulkan, Metal, DX12, GL).
    Gpu,
    /// The f32 CPU reference forward pass.
    Cpu,
}

impl From<Backend> for EngineBackend {
    fn from(b: Backend) -> Self {
        match b {
            Backend::Gpu => EngineBackend::Gpu,
            Backend::Cpu => EngineBackend::Cpu,
        }
    }
}

/// Where and how the model runs.
#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// Compute backend.
    #[arg(long, value_enum, default_value = "gpu")]
    pub backend: Backend,
    /// GPU adapter by index or name (see `hearth devices`); default: $HEARTH_ADAPTER, else the best one.
    #[arg(long)]
    pub adapter: Option<String>,
    /// Context length (positions per session); default: the model's, at most 4096.
    #[arg(long)]
    pub ctx: Option<usize>,
    /// KV-cache element type: f32 (exact) or f16 (half the memory).
    #[arg(long, value_enum, default_value = "f32")]
    pub kv_cache: KvCache,
    /// Device memory the model may use, in MiB; a model that does not fit is
    /// refused before upload with what would fit. Default: what can be read
    /// (system memory on CPU adapters).
    #[arg(long)]
    pub memory_budget_mib: Option<u64>,
    /// Decode's Q4_0/Q8_0/Q4_K/Q6_K products (and their prefill products on
    /// CPU adapters) with 8-bit activations (true, as llama.cpp) or f32 ones
    /// (false). Default: $HEARTH_INT8_ACTIVATIONS, else true on CPU adapters
    /// and false on GPUs.
    #[arg(long)]
    pub int8_activations: Option<bool>,
}

/// KV-cache element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KvCache {
    /// 4 bytes per value.
    F32,
    /// 2 bytes per value.
    F16,
}

impl From<KvCache> for KvCacheType {
    fn from(k: KvCache) -> Self {
        match k {
            KvCache::F32 => KvCacheType::F32,
            KvCache::F16 => KvCacheType::F16,
        }
    }
}

/// The text or token ids to feed the model.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct InputArgs {
    /// Prompt text (tokenized with the model's tokenizer, BOS added when the model wants it).
    #[arg(long, short = 'p')]
    pub prompt: Option<String>,
    /// Comma-separated token ids, fed as they are.
    #[arg(long, value_delimiter = ',')]
    pub tokens: Option<Vec<u32>>,
}

/// Sampling and stopping (defaults: llama.cpp's, except greedy when --temp is 0).
#[derive(Debug, clap::Args)]
pub struct SamplingArgs {
    /// Tokens to generate at most.
    #[arg(short = 'n', long = "max-tokens", default_value_t = 256)]
    pub max_tokens: usize,
    /// Temperature (0 = greedy).
    #[arg(long = "temp", default_value_t = 0.8)]
    pub temperature: f32,
    /// Keep the K most likely tokens (0 = off).
    #[arg(long, default_value_t = 40)]
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability sums to P (1 = off).
    #[arg(long, default_value_t = 0.95)]
    pub top_p: f32,
    /// Drop tokens less likely than P × the most likely one (0 = off).
    #[arg(long, default_value_t = 0.05)]
    pub min_p: f32,
    /// Repetition penalty over the last --penalty-last-n tokens (1 = off).
    #[arg(long, default_value_t = 1.0)]
    pub repeat_penalty: f32,
    /// Frequency penalty (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub frequency_penalty: f32,
    /// Presence penalty (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub presence_penalty: f32,
    /// Window of recent tokens the penalties look at.
    #[arg(long, default_value_t = 64)]
    pub penalty_last_n: usize,
    /// Random seed (same seed and backend → same tokens).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop when the text contains this (repeatable); the stop text is not printed.
    #[arg(long)]
    pub stop: Vec<String>,
    /// Add to a token's logit: ID=BIAS (repeatable; -inf bans the token).
    #[arg(long, value_parser = parse_bias)]
    pub logit_bias: Vec<(u32, f32)>,
}

fn parse_bias(s: &str) -> Result<(u32, f32), String> {
    let (id, bias) = s.split_once('=').ok_or("expected ID=BIAS")?;
    let id = id.trim().parse().map_err(|e| format!("token id: {e}"))?;
    let bias = match bias.trim() {
        "-inf" => f32::NEG_INFINITY,
        b => b.parse().map_err(|e| format!("bias: {e}"))?,
    };
    Ok((id, bias))
}

impl SamplingArgs {
    /// The SDK's options.
    pub fn options(&self) -> GenerateOptions {
        GenerateOptions {
            max_tokens: self.max_tokens,
            sampling: SamplingOptions {
                temperature: self.temperature,
                top_k: self.top_k,
                top_p: self.top_p,
                min_p: self.min_p,
                repeat_penalty: self.repeat_penalty,
                frequency_penalty: self.frequency_penalty,
                presence_penalty: self.presence_penalty,
                penalty_last_n: self.penalty_last_n,
                logit_bias: self.logit_bias.clone(),
                seed: self.seed,
            },
            stop: self.stop.clone(),
            stop_at_eog: true,
        }
    }
}
