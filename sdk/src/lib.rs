//! Hearth: on-device inference for small language models.

pub mod error;
pub mod gguf;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod hf;
#[cfg(feature = "gpu")]
pub mod kernels;
pub mod model;
pub mod source;
pub mod tensor;

pub use error::{Error, Result};
pub use model::{Model, ModelConfig};
pub use source::ModelSource;
