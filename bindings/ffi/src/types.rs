//! Records and enums mirrored from `hearth::engine`, with their conversions.
//!
//! Defaults are written as uniffi attributes so each language's constructor has them
//! (`GenerateOptions(max_tokens=8)`); they are the SDK's defaults, which
//! `default_generate_options()` / `default_engine_options()` return from Rust so the
//! foreign tests can check the two agree.

use hearth::engine as sdk;

/// Which executor runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Backend {
    /// WGSL compute shaders through wgpu (Vulkan, Metal, DX12, GL).
    Gpu,
    /// The f32 CPU reference (slow).
    Cpu,
}

/// KV-cache element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KvCacheType {
    F32,
    F16,
}

/// How to load a model. `None` fields take the model's own value.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EngineOptions {
    /// `None`: the GPU.
    #[uniffi(default = None)]
    pub backend: Option<Backend>,
    /// GPU adapter by index or name (else `HEARTH_ADAPTER`, else the best one).
    #[uniffi(default = None)]
    pub adapter: Option<String>,
    /// Positions per session (default: the model's, capped at 4096).
    #[uniffi(default = None)]
    pub context_length: Option<u32>,
    /// Prompt tokens per prefill call on the GPU.
    #[uniffi(default = 64)]
    pub prefill_batch: u32,
    /// A tokenizer file to use instead of the model's own.
    #[uniffi(default = None)]
    pub tokenizer: Option<String>,
    /// `None`: f32 (exact); F16 halves the cache.
    #[uniffi(default = None)]
    pub kv_cache: Option<KvCacheType>,
    /// Device memory the engine may use, in bytes; a model that does not fit
    /// is refused before upload. `None`: what the SDK can read.
    #[uniffi(default = None)]
    pub memory_budget: Option<u64>,
    /// Quantized products with 8-bit activations (as llama.cpp; decode, and
    /// Q4_0/Q8_0/Q4_K/Q6_K prefill on CPU adapters): `None` lets the device decide (on
    /// for CPU adapters, off for GPUs); `false` keeps f32.
    #[uniffi(default = None)]
    pub int8_activations: Option<bool>,
}

impl From<EngineOptions> for sdk::EngineOptions {
    fn from(o: EngineOptions) -> Self {
        sdk::EngineOptions {
            backend: match o.backend.unwrap_or(Backend::Gpu) {
                Backend::Gpu => sdk::Backend::Gpu,
                Backend::Cpu => sdk::Backend::Cpu,
            },
            adapter: o.adapter,
            context_length: o.context_length.map(|n| n as usize),
            prefill_batch: o.prefill_batch as usize,
            tokenizer: o.tokenizer.map(Into::into),
            kv_cache: match o.kv_cache.unwrap_or(KvCacheType::F32) {
                KvCacheType::F32 => hearth::model::KvCacheType::F32,
                KvCacheType::F16 => hearth::model::KvCacheType::F16,
            },
            memory_budget: o.memory_budget,
            int8_activations: o.int8_activations,
        }
    }
}

/// A bias added to one token's logit (`-inf` bans it).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LogitBias {
    pub token: u32,
    pub bias: f32,
}

/// Options of one generate/chat call: `hearth::engine::GenerateOptions` with its
/// sampling options flattened. See `hearth::sampling` for what each knob does.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GenerateOptions {
    #[uniffi(default = 256)]
    pub max_tokens: u32,
    /// 0 is greedy.
    #[uniffi(default = 0.8)]
    pub temperature: f32,
    /// 0 is off.
    #[uniffi(default = 40)]
    pub top_k: u32,
    /// 1.0 is off.
    #[uniffi(default = 0.95)]
    pub top_p: f32,
    /// 0.0 is off.
    #[uniffi(default = 0.05)]
    pub min_p: f32,
    /// 1.0 is off.
    #[uniffi(default = 1.0)]
    pub repeat_penalty: f32,
    #[uniffi(default = 0.0)]
    pub frequency_penalty: f32,
    #[uniffi(default = 0.0)]
    pub presence_penalty: f32,
    /// Window of recent tokens the penalties look at.
    #[uniffi(default = 64)]
    pub penalty_last_n: u32,
    #[uniffi(default = [])]
    pub logit_bias: Vec<LogitBias>,
    #[uniffi(default = 0)]
    pub seed: u64,
    /// Generation ends when the text contains one of these (not returned).
    #[uniffi(default = [])]
    pub stop: Vec<String>,
    /// Also end on the model's end-of-generation tokens.
    #[uniffi(default = true)]
    pub stop_at_eog: bool,
}

impl From<GenerateOptions> for sdk::GenerateOptions {
    fn from(o: GenerateOptions) -> Self {
        sdk::GenerateOptions {
            max_tokens: o.max_tokens as usize,
            sampling: hearth::sampling::SamplingOptions {
                temperature: o.temperature,
                top_k: o.top_k as usize,
                top_p: o.top_p,
                min_p: o.min_p,
                repeat_penalty: o.repeat_penalty,
                frequency_penalty: o.frequency_penalty,
                presence_penalty: o.presence_penalty,
                penalty_last_n: o.penalty_last_n as usize,
                logit_bias: o.logit_bias.into_iter().map(|b| (b.token, b.bias)).collect(),
                seed: o.seed,
            },
            stop: o.stop,
            stop_at_eog: o.stop_at_eog,
        }
    }
}

impl From<sdk::GenerateOptions> for GenerateOptions {
    fn from(o: sdk::GenerateOptions) -> Self {
        let s = o.sampling;
        GenerateOptions {
            max_tokens: saturate(o.max_tokens),
            temperature: s.temperature,
            top_k: saturate(s.top_k),
            top_p: s.top_p,
            min_p: s.min_p,
            repeat_penalty: s.repeat_penalty,
            frequency_penalty: s.frequency_penalty,
            presence_penalty: s.presence_penalty,
            penalty_last_n: saturate(s.penalty_last_n),
            logit_bias: s.logit_bias.into_iter().map(|(token, bias)| LogitBias { token, bias }).collect(),
            seed: s.seed,
            stop: o.stop,
            stop_at_eog: o.stop_at_eog,
        }
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, …
    pub role: String,
    pub content: String,
}

impl From<ChatMessage> for hearth::chat::ChatMessage {
    fn from(m: ChatMessage) -> Self {
        hearth::chat::ChatMessage::new(m.role, m.content)
    }
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum FinishReason {
    /// An end-of-generation token or a stop string.
    Stop,
    /// `max_tokens` were generated.
    Length,
    /// The context window filled up.
    ContextFull,
    /// `cancel()` was called or the listener returned false.
    Cancelled,
}

/// Token counts of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub generated_tokens: u32,
    /// Prompt tokens whose KV cache was reused.
    pub cached_tokens: u32,
}

/// Wall-clock timings of a call.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Timings {
    pub ttft_ms: f64,
    pub prefill_tokens_per_s: f64,
    pub decode_tokens_per_s: f64,
}

/// The result of generate/chat.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Completion {
    pub text: String,
    pub tokens: Vec<u32>,
    pub finish_reason: FinishReason,
    pub usage: Usage,
    pub timings: Timings,
}

impl From<sdk::Completion> for Completion {
    fn from(c: sdk::Completion) -> Self {
        Completion {
            text: c.text,
            tokens: c.tokens,
            finish_reason: match c.finish_reason {
                sdk::FinishReason::Stop => FinishReason::Stop,
                sdk::FinishReason::Length => FinishReason::Length,
                sdk::FinishReason::ContextFull => FinishReason::ContextFull,
                sdk::FinishReason::Cancelled => FinishReason::Cancelled,
            },
            usage: Usage {
                prompt_tokens: saturate(c.usage.prompt_tokens),
                generated_tokens: saturate(c.usage.generated_tokens),
                cached_tokens: saturate(c.usage.cached_tokens),
            },
            timings: Timings {
                ttft_ms: c.timings.ttft_ms,
                prefill_tokens_per_s: c.timings.prefill_tokens_per_s,
                decode_tokens_per_s: c.timings.decode_tokens_per_s,
            },
        }
    }
}

/// Load progress: a stage ("reading", "uploading", "ready") and the fraction done.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct LoadProgress {
    pub stage: String,
    pub fraction: f32,
}

/// What a loaded engine is (`hearth::engine::EngineInfo`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EngineInfo {
    pub model_name: String,
    /// "llama" or "qwen2".
    pub architecture: String,
    pub parameters: u64,
    /// Tensor types, e.g. "Q8_0 ×32, F32 ×16".
    pub quantization: String,
    pub file_size: u64,
    /// The GPU adapter, or "cpu (reference)".
    pub adapter: String,
    pub context_length: u32,
    pub vocab_size: u32,
    /// Whether the model has a chat template (else chat runs in completion mode).
    pub chat_template: bool,
    pub fingerprint: String,
    pub kv_cache: KvCacheType,
    pub kv_cache_bytes: u64,
}

impl From<&sdk::EngineInfo> for EngineInfo {
    fn from(i: &sdk::EngineInfo) -> Self {
        EngineInfo {
            model_name: i.model_name.clone(),
            architecture: i.architecture.clone(),
            parameters: i.parameters,
            quantization: i.quantization.clone(),
            file_size: i.file_size,
            adapter: i.adapter.clone(),
            context_length: saturate(i.context_length),
            vocab_size: saturate(i.vocab_size),
            chat_template: i.chat_template,
            fingerprint: i.fingerprint.clone(),
            kv_cache: match i.kv_cache {
                hearth::model::KvCacheType::F32 => KvCacheType::F32,
                hearth::model::KvCacheType::F16 => KvCacheType::F16,
            },
            kv_cache_bytes: i.kv_cache_bytes,
        }
    }
}

/// The SDK's default generate options, as the bindings see them.
#[uniffi::export]
pub fn default_generate_options() -> GenerateOptions {
    sdk::GenerateOptions::default().into()
}

/// Checks a `usize` count fits the `u32` the bindings use (counts here are tokens,
/// far below 2^32); saturates rather than wrapping if one ever did not.
fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_options_round_trip_field_by_field() {
        // Distinct values everywhere, so two swapped fields would show.
        let sdk_opts = sdk::GenerateOptions {
            max_tokens: 7,
            sampling: hearth::sampling::SamplingOptions {
                temperature: 0.5,
                top_k: 3,
                top_p: 0.7,
                min_p: 0.2,
                repeat_penalty: 1.3,
                frequency_penalty: 0.4,
                presence_penalty: 0.6,
                penalty_last_n: 9,
                logit_bias: vec![(5, -1.5), (8, f32::NEG_INFINITY)],
                seed: 11,
            },
            stop: vec!["\n\n".into()],
            stop_at_eog: false,
        };
        let ffi: GenerateOptions = sdk_opts.clone().into();
        assert_eq!(ffi.top_p, 0.7);
        assert_eq!(ffi.logit_bias[1], LogitBias { token: 8, bias: f32::NEG_INFINITY });
        assert_eq!(sdk::GenerateOptions::from(ffi), sdk_opts);
    }

    #[test]
    fn engine_options_none_means_the_sdk_default() {
        let none = EngineOptions {
            backend: None,
            adapter: None,
            context_length: None,
            prefill_batch: 64,
            tokenizer: None,
            kv_cache: None,
            memory_budget: None,
            int8_activations: None,
        };
        let sdk_opts = sdk::EngineOptions::from(none);
        let default = sdk::EngineOptions::default();
        assert_eq!(sdk_opts.backend, default.backend);
        assert_eq!(sdk_opts.kv_cache, default.kv_cache);
        assert_eq!(sdk_opts.prefill_batch, default.prefill_batch);
        assert_eq!(sdk_opts.context_length, default.context_length);
        assert_eq!(sdk_opts.memory_budget, default.memory_budget);
        assert_eq!(sdk_opts.int8_activations, default.int8_activations);
    }
}
