//! Hearth: on-device inference for small language models.

pub mod chat;
pub mod error;
pub mod gguf;
pub mod tensor;

pub use error::{Error, Result};
