//! Hearth: on-device inference for small language models.

pub mod error;
pub mod gguf;
pub mod tensor;
pub mod tokenizer;

pub use error::{Error, Result};
