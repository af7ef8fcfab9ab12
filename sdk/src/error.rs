//! The one error type of the `hearth` crate.
//!
//! Every variant carries the fields a user needs to find the problem: the file,
//! the metadata key or tensor name, the offset. Malformed input never panics.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while loading or running a model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a GGUF file (magic {magic:02x?})")]
    BadMagic { path: PathBuf, magic: [u8; 4] },
    #[error("{path}: unsupported GGUF version {version} (supported: 2, 3)")]
    UnsupportedVersion { path: PathBuf, version: u32 },
    #[error("{path}: file ends at byte {len} but {what} needs bytes up to {needed}")]
    Truncated { path: PathBuf, what: String, needed: u64, len: u64 },
    #[error("{path}: {what} count {count} is impossible for a file of {len} bytes")]
    AbsurdCount { path: PathBuf, what: String, count: u64, len: u64 },
    #[error("{path}: metadata key {key:?}: {reason}")]
    BadMetadata { path: PathBuf, key: String, reason: String },
    #[error("{path}: metadata key {key:?} appears twice")]
    DuplicateKey { path: PathBuf, key: String },
    #[error("{path}: metadata key {key:?} is missing")]
    MissingKey { path: PathBuf, key: String },
    #[error("{path}: tensor {tensor:?} has unknown type id {type_id}")]
    UnknownTensorType { path: PathBuf, tensor: String, type_id: u32 },
    #[error("{path}: tensor {tensor:?} appears twice")]
    DuplicateTensor { path: PathBuf, tensor: String },
    #[error("{path}: tensor {tensor:?}: {reason}")]
    BadTensor { path: PathBuf, tensor: String, reason: String },
    #[error("{path}: tensor {tensor:?} is missing")]
    MissingTensor { path: PathBuf, tensor: String },
    #[error("{path}: tensor {tensor:?} has shape {actual:?}, expected {expected:?}")]
    WrongShape { path: PathBuf, tensor: String, expected: Vec<u64>, actual: Vec<u64> },
    #[error("{path}: {reason}")]
    BadSafetensors { path: PathBuf, reason: String },
    #[error("{path}: bad config: {reason}")]
    BadConfig { path: PathBuf, reason: String },
    #[error("unsupported architecture {arch:?} (supported: {supported})")]
    UnsupportedArchitecture { arch: String, supported: &'static str },
    #[error("tensor type {dtype} is not supported for {op}")]
    UnsupportedType { dtype: String, op: &'static str },
    #[error("tokenizer: {reason}")]
    Tokenizer { reason: String },
    #[error("chat template: {reason}")]
    Template { reason: String },
    #[error("token id {id} is outside the vocabulary of {vocab_size}")]
    TokenOutOfRange { id: u32, vocab_size: usize },
    #[error("context is full: position {pos} + {tokens} tokens exceeds {ctx}")]
    ContextFull { pos: usize, tokens: usize, ctx: usize },
    #[error("GPU: {reason}")]
    Gpu { reason: String },
    #[error("GPU device lost: {reason}; load the model again to continue")]
    DeviceLost { reason: String },
    #[error("GPU out of memory allocating {bytes} bytes for {what}")]
    GpuOutOfMemory { what: String, bytes: u64 },
    #[error("not enough device memory: needs {needed} bytes, {available} available ({advice})")]
    InsufficientMemory { needed: u64, available: u64, advice: String },
    #[error("{path}: not a Hearth session state file ({reason})")]
    BadStateFile { path: PathBuf, reason: String },
    #[error("{path}: session state belongs to model {found:?}, not {expected:?}")]
    StateMismatch { path: PathBuf, expected: String, found: String },
    #[error("invalid argument: {reason}")]
    InvalidArgument { reason: String },
}
