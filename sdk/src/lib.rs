//! Hearth: on-device inference for small language models.

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
pub mod tensor;
pub mod tokenizer;

pub use error::{Error, Result};
pub use model::{Model, ModelConfig};
pub use source::{chat_template_source, load_tokenizer, ModelSource};
