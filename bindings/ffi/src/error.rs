//! The bindings' error type and the two places errors enter it: `From<hearth::Error>`
//! (the only conversion from the SDK's errors) and [`guard`] (panics).

use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a call can fail with, in the foreign language's own exception type
/// (`HearthError` in Python, `HearthException` in Kotlin, `HearthError` in Swift).
/// Every variant carries the SDK's full message, which is the exception's message
/// (`flat_error`: a field named `message` would clash with Kotlin's `Throwable.message`).
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum HearthError {
    /// The file could not be opened or read.
    #[error("{message}")]
    Io { message: String },
    /// The file is not a valid model: bad magic, truncated, malformed metadata or tensors.
    #[error("{message}")]
    InvalidModel { message: String },
    /// A valid file with an architecture or tensor type Hearth does not run.
    #[error("{message}")]
    Unsupported { message: String },
    /// The tokenizer could not be built or could not encode/decode.
    #[error("{message}")]
    Tokenizer { message: String },
    /// The chat template failed to compile or render.
    #[error("{message}")]
    Template { message: String },
    /// The prompt (plus what is cached) does not fit the context window.
    #[error("{message}")]
    ContextFull { message: String },
    /// The GPU could not be opened, ran out of memory, or failed.
    #[error("{message}")]
    Gpu { message: String },
    /// The GPU device was lost (driver reset, GPU removed): drop the engine and
    /// load the model again; Hearth does not reopen a device by itself.
    #[error("{message}")]
    DeviceLost { message: String },
    /// A saved session state is malformed or belongs to another model.
    #[error("{message}")]
    State { message: String },
    /// An option or argument is out of range.
    #[error("{message}")]
    InvalidArgument { message: String },
    /// Rust code panicked (a bug, or a listener that threw); the session was reset.
    #[error("internal error (panic): {message}")]
    Panic { message: String },
    /// An SDK error this version of the bindings does not know.
    #[error("{message}")]
    Other { message: String },
}

impl From<hearth::Error> for HearthError {
    fn from(e: hearth::Error) -> Self {
        use hearth::Error as E;
        let message = e.to_string();
        match e {
            E::Io { .. } => HearthError::Io { message },
            E::BadMagic { .. }
            | E::UnsupportedVersion { .. }
            | E::Truncated { .. }
            | E::AbsurdCount { .. }
            | E::BadMetadata { .. }
            | E::DuplicateKey { .. }
            | E::MissingKey { .. }
            | E::UnknownTensorType { .. }
            | E::DuplicateTensor { .. }
            | E::BadTensor { .. }
            | E::MissingTensor { .. }
            | E::WrongShape { .. }
            | E::BadSafetensors { .. }
            | E::BadConfig { .. } => HearthError::InvalidModel { message },
            E::UnsupportedArchitecture { .. } | E::UnsupportedType { .. } => HearthError::Unsupported { message },
            E::Tokenizer { .. } | E::TokenOutOfRange { .. } => HearthError::Tokenizer { message },
            E::Template { .. } => HearthError::Template { message },
            E::ContextFull { .. } => HearthError::ContextFull { message },
            E::Gpu { .. } | E::GpuOutOfMemory { .. } | E::InsufficientMemory { .. } => HearthError::Gpu { message },
            E::DeviceLost { .. } => HearthError::DeviceLost { message },
            E::BadStateFile { .. } | E::StateMismatch { .. } => HearthError::State { message },
            E::InvalidArgument { .. } => HearthError::InvalidArgument { message },
            _ => HearthError::Other { message },
        }
    }
}

/// Runs one exported call, turning a panic into [`HearthError::Panic`] so that no
/// unwind reaches the foreign caller (uniffi would otherwise raise its own untyped
/// internal error). Each exported function's body goes through here.
pub(crate) fn guard<T>(call: impl FnOnce() -> Result<T, HearthError>) -> Result<T, HearthError> {
    // AssertUnwindSafe: state a panic may leave half-updated is a session's, and a
    // session resets itself when its lock is found poisoned (see `session.rs`).
    catch_unwind(AssertUnwindSafe(call))
        .unwrap_or_else(|payload| Err(HearthError::Panic { message: panic_message(&*payload) }))
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-text payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    #[test]
    fn a_panic_becomes_a_hearth_error() {
        let r: Result<(), _> = guard(|| panic!("boom {}", 7));
        assert!(matches!(r, Err(HearthError::Panic { ref message }) if message == "boom 7"), "{r:?}");
        let r: Result<(), _> = guard(|| std::panic::panic_any(3_u8));
        assert!(matches!(r, Err(HearthError::Panic { .. })), "{r:?}");
    }

    #[test]
    fn sdk_errors_keep_their_message_and_kind() {
        let e = hearth::Error::ContextFull { pos: 1, tokens: 2, ctx: 3 };
        let text = e.to_string();
        match HearthError::from(e) {
            HearthError::ContextFull { message } => assert_eq!(message, text),
            other => panic!("wrong variant {other:?}"),
        }
        let e = hearth::Error::BadMagic { path: "m.gguf".into(), magic: *b"ABCD" };
        assert!(matches!(HearthError::from(e), HearthError::InvalidModel { .. }));
        let e = hearth::Error::DeviceLost { reason: "destroyed".into() };
        assert!(matches!(HearthError::from(e), HearthError::DeviceLost { .. }));
    }
}
