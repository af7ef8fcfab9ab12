//! Hearth: on-device inference for small language models.
//!
//! Load a GGUF file or a Hugging Face folder into an [`engine::Engine`]
//! (weights go to the GPU once), open [`engine::Session`]s and stream text:
//!
//! ```no_run
//! use hearth::engine::{Engine, EngineOptions, GenerateOptions};
//!
//! # fn main() -> hearth::Result<()> {
//! let engine = Engine::load("model.gguf", &EngineOptions::default(), &mut |p| {
//!     eprintln!("{} {:.0}%", p.stage, p.fraction * 100.0);
//! })?;
//! let mut session = engine.new_session()?;
//! let opts = GenerateOptions { max_tokens: 64, ..Default::default() };
//! let done = session.generate("Once upon a time", &opts, &mut |piece| {
//!     print!("{piece}");
//!     true
//! })?;
//! eprintln!("\n{} tokens at {:.1} tok/s", done.usage.generated_tokens, done.timings.decode_tokens_per_s);
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "gpu")]
pub mod bench;
pub mod chat;
pub mod engine;
pub mod error;
pub mod gguf;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod hf;
#[cfg(feature = "gpu")]
pub mod kernels;
pub mod model;
pub mod perplexity;
pub mod sampling;
pub mod source;
pub mod synth;
pub mod tensor;
pub mod tokenizer;

pub use error::{Error, Result};
pub use model::{Model, ModelConfig};
pub use source::{chat_template_source, load_tokenizer, ModelSource};
