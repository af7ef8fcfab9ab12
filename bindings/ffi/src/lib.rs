//! uniffi bindings over `hearth::engine`: thin newtypes and conversions, no logic of
//! their own (that lives in the SDK, tested in Rust). `bindings/generate.sh` turns the
//! compiled library into Kotlin, Swift and Python.
//!
//! Every exported call runs inside [`error::guard`], so a panic (a bug, or a foreign
//! listener that threw: uniffi panics on an unexpected callback error) reaches the
//! caller as `HearthError::Panic` instead of unwinding across the FFI boundary.

// The scaffolding uniffi generates is `extern "C"` with `#[no_mangle]`; the crate
// itself writes no unsafe code.
#![allow(unsafe_code)]

mod engine;
mod error;
mod types;

pub use engine::{Engine, LoadListener, Session, TokenListener};
pub use error::HearthError;
pub use types::*;

uniffi::setup_scaffolding!("hearth");
