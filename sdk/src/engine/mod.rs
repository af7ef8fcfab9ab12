//! The SDK API: an [`Engine`] holds a model's weights on the device once and
//! serves many [`Session`]s (each with its own KV cache), also from several
//! threads at once. Plain data in and out, callbacks that can say "stop", no
//! async runtime — what the Kotlin/Swift/Python bindings and the app wrap.
//!
//! ```no_run
//! use hearth::engine::{Engine, EngineOptions, GenerateOptions};
//! # fn main() -> hearth::Result<()> {
//! let engine = Engine::load("model.gguf", &EngineOptions::default(), &mut |_| {})?;
//! let mut session = engine.new_session()?;
//! let mut opts = GenerateOptions::default();
//! opts.max_tokens = 32;
//! let done = session.generate("Once upon a time", &opts, &mut |piece| {
//!     print!("{piece}");
//!     true // false stops generation
//! })?;
//! println!("\n{:?}: {} tokens", done.finish_reason, done.usage.generated_tokens);
//! # Ok(()) }
//! ```

mod exec;
mod queue;
mod session;
mod state_file;
pub mod stop;
mod types;

pub use session::Session;
pub use types::{CancelHandle, Completion, FinishReason, GenerateOptions, Timings, Usage};

use crate::chat::ChatTemplate;
use crate::error::Result;
use crate::gpu::{budget, DeviceOptions, Gpu, GpuModel, MemoryPlan};
use crate::model::{KvCacheType, Model};
use crate::source::{chat_template_source, load_tokenizer, ModelSource};
use crate::tokenizer::Tokenizer;
use exec::Exec;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which executor runs the model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// WGSL compute shaders through wgpu (default).
    #[default]
    Gpu,
    /// The f32 CPU reference (slow; for checking and for machines without any GPU driver).
    Cpu,
}

/// How to load a model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineOptions {
    /// Executor.
    pub backend: Backend,
    /// GPU adapter by index or name (else `HEARTH_ADAPTER`, else the best one).
    pub adapter: Option<String>,
    /// Positions per session (default: the model's, capped at 4096 to bound memory).
    pub context_length: Option<usize>,
    /// Prompt tokens per prefill call on the GPU.
    pub prefill_batch: usize,
    /// A tokenizer to use instead of the model's own (tokenizer.json or a GGUF vocabulary).
    pub tokenizer: Option<PathBuf>,
    /// KV-cache element type (f16 halves its memory; f32 is exact).
    pub kv_cache: KvCacheType,
    /// Device memory the engine may use, in bytes (e.g. from the OS's memory
    /// class on a phone). `None`: what can be read (system memory for CPU
    /// adapters; nothing for discrete GPUs). A model that does not fit is
    /// refused before upload with `Error::InsufficientMemory`.
    pub memory_budget: Option<u64>,
    /// The quantized products with 8-bit activations, as llama.cpp's (decode;
    /// and prefill of the same types on CPU adapters with subgroups)
    /// (`DeviceOptions::int8_activations`): `None` lets the device decide
    /// (on for CPU adapters, off for GPUs, unless `HEARTH_INT8_ACTIVATIONS`
    /// says otherwise); `Some(false)` keeps f32 activations everywhere.
    pub int8_activations: Option<bool>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            backend: Backend::Gpu,
            adapter: None,
            context_length: None,
            prefill_batch: 64,
            tokenizer: None,
            kv_cache: KvCacheType::F32,
            memory_budget: None,
            int8_activations: None,
        }
    }
}

/// Load progress: a stage and the fraction of the whole load done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadProgress {
    /// "reading", "uploading" or "ready".
    pub stage: &'static str,
    /// 0.0 ..= 1.0
    pub fraction: f32,
}

/// What a loaded engine is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineInfo {
    /// File or folder name.
    pub model_name: String,
    /// "llama" or "qwen2".
    pub architecture: String,
    /// Weight count.
    pub parameters: u64,
    /// Tensor types, e.g. "Q8_0 ×32, F32 ×16".
    pub quantization: String,
    /// Bytes on disk.
    pub file_size: u64,
    /// "llvmpipe (…) (Vulkan)" or "cpu (reference)".
    pub adapter: String,
    /// Positions per session.
    pub context_length: usize,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Whether the model has a chat template (else chat runs in completion mode).
    pub chat_template: bool,
    /// Identifies the model in saved session states.
    pub fingerprint: String,
    /// KV-cache element type.
    pub kv_cache: KvCacheType,
    /// Bytes of one session's KV cache at `context_length`.
    pub kv_cache_bytes: u64,
}

impl Inner {
    pub(crate) fn tokenizer(&self) -> Result<&Tokenizer> {
        self.tokenizer.as_ref().map_err(|reason| crate::Error::Tokenizer { reason: reason.clone() })
    }
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub exec: Exec,
    /// `None` for weights-only files (token ids can still be run: `logits_all`);
    /// text calls then fail with the reason kept here.
    pub tokenizer: std::result::Result<Tokenizer, String>,
    pub template: Option<ChatTemplate>,
    pub info: EngineInfo,
    pub queue: queue::FairQueue,
    pub prefill_batch: usize,
    pub kv_cache: KvCacheType,
}

/// A loaded model, shareable across threads (clone it freely).
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl Engine {
    /// Load a `.gguf` file or a Hugging Face folder.
    pub fn load(path: impl AsRef<Path>, opts: &EngineOptions, progress: &mut dyn FnMut(LoadProgress)) -> Result<Self> {
        let path = path.as_ref();
        progress(LoadProgress { stage: "reading", fraction: 0.0 });
        let src = ModelSource::open(path)?;
        let model = Model::load(&src)?;
        // A file without a vocabulary still runs on token ids; an explicit
        // --tokenizer that fails to load is an error right away.
        let tokenizer = match load_tokenizer(&src, opts.tokenizer.as_deref()) {
            Err(e) if opts.tokenizer.is_some() => return Err(e),
            other => other.map_err(|e| e.to_string()),
        };
        let template = match (chat_template_source(&src), &tokenizer) {
            (Some(t), Ok(tokenizer)) => {
                let piece = |id: Option<u32>| id.and_then(|i| tokenizer.piece_str(i)).unwrap_or("").to_string();
                Some(ChatTemplate::new(&t, &piece(tokenizer.bos_id()), &piece(tokenizer.eos_id()))?)
            }
            _ => None,
        };
        let ctx =
            opts.context_length.unwrap_or(model.config.context_length.min(4096)).clamp(1, model.config.context_length);
        let info = EngineInfo {
            model_name: path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            architecture: format!("{:?}", model.config.arch).to_lowercase(),
            parameters: model.parameter_count(),
            quantization: src.type_counts().iter().map(|(t, n)| format!("{t} ×{n}")).collect::<Vec<_>>().join(", "),
            file_size: src.file_size(),
            adapter: "cpu (reference)".into(),
            context_length: ctx,
            vocab_size: model.config.vocab_size,
            chat_template: template.is_some(),
            fingerprint: state_file::fingerprint(&src, &model),
            kv_cache: opts.kv_cache,
            kv_cache_bytes: model.kv_cache_bytes(ctx, opts.kv_cache.bytes()),
        };
        progress(LoadProgress { stage: "uploading", fraction: 0.05 });
        let (exec, adapter) = match opts.backend {
            Backend::Cpu => (Exec::Cpu(model), info.adapter.clone()),
            Backend::Gpu => {
                let device = DeviceOptions {
                    adapter: opts.adapter.clone(),
                    int8_activations: opts.int8_activations,
                    ..Default::default()
                };
                let gpu = Arc::new(Gpu::open(&device)?);
                let adapter = format!("{} ({})", gpu.summary.name, gpu.summary.backend);
                // Before the first byte is uploaded: refuse what cannot fit.
                let plan = MemoryPlan::for_gpu(&model, ctx, opts.prefill_batch.max(1), opts.kv_cache, &gpu);
                plan.check(gpu.max_binding, opts.memory_budget.or_else(|| budget::readable_budget(&gpu)))?;
                let m = GpuModel::upload_with_progress(gpu, &model, &mut |f| {
                    progress(LoadProgress { stage: "uploading", fraction: 0.05 + 0.95 * f });
                })?;
                // Buffer creation reports out-of-memory and validation errors
                // out of band; surface any here rather than at the first token.
                m.gpu.check()?;
                (Exec::Gpu(m), adapter)
            }
        };
        let info = EngineInfo { adapter, ..info };
        progress(LoadProgress { stage: "ready", fraction: 1.0 });
        let inner = Inner {
            exec,
            tokenizer,
            template,
            info,
            queue: Default::default(),
            prefill_batch: opts.prefill_batch.max(1),
            kv_cache: opts.kv_cache,
        };
        Ok(Engine { inner: Arc::new(inner) })
    }

    /// A new session with an empty KV cache.
    pub fn new_session(&self) -> Result<Session> {
        Session::new(self.clone())
    }

    /// What was loaded, and where it runs.
    pub fn info(&self) -> &EngineInfo {
        &self.inner.info
    }

    /// The model's tokenizer (an error for files that carry none).
    pub fn tokenizer(&self) -> Result<&Tokenizer> {
        self.inner.tokenizer()
    }

    /// The GPU device this engine runs on (`None` on the CPU backend).
    pub fn gpu(&self) -> Option<&Arc<Gpu>> {
        match &self.inner.exec {
            Exec::Gpu(m) => Some(&m.gpu),
            Exec::Cpu(_) => None,
        }
    }

    /// Why the engine's GPU device was lost, if it was. Every call after a
    /// loss fails with [`Error::DeviceLost`](crate::Error::DeviceLost); the
    /// engine cannot recover, so drop it and [`load`](Self::load) again.
    pub fn device_lost(&self) -> Option<String> {
        self.gpu().and_then(|g| g.device_lost())
    }

    /// Logits of every position of `tokens` in a fresh context (perplexity,
    /// comparisons with other engines). Uses its own temporary state.
    pub fn logits_all(&self, tokens: &[u32]) -> Result<Vec<Vec<f32>>> {
        let i = &self.inner;
        let mut st = i.exec.new_state(tokens.len().max(1), i.prefill_batch, i.kv_cache)?;
        let _turn = i.queue.enter()?;
        i.exec.logits_all(&mut st, tokens, 0)
    }
}
