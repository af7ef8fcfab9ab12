//! Inputs the fuzzers (fuzz/) found crashing, kept in tests/fixtures/fuzz/<target>/:
//! each must now give a typed error and never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::tokenizer::Tokenizer;
use hearth::Error;
use hearth_tests::fixtures;
use std::path::Path;

/// The `hf_json` target's input: config.json NUL tokenizer.json NUL tokenizer_config.json.
fn tokenizer_part(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut parts = data.splitn(3, |&b| b == 0);
    let _config = parts.next();
    (parts.next().unwrap_or_default(), parts.next())
}

#[test]
fn tokenizer_json_that_panicked_the_tokenizers_crate_is_an_error() {
    let dir = fixtures().join("fuzz/hf_json");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        // Hand-written reproducers are a bare tokenizer.json.
        let (json, config) =
            if path.extension().is_some_and(|e| e == "json") { (&data[..], None) } else { tokenizer_part(&data) };
        let r = std::panic::catch_unwind(|| Tokenizer::from_json_bytes(Path::new("tokenizer.json"), json, config));
        match r {
            Ok(Err(Error::Tokenizer { .. })) => seen += 1,
            Ok(other) => panic!("{}: expected a tokenizer error, got {other:?}", path.display()),
            Err(_) => panic!("{}: panicked", path.display()),
        }
    }
    assert!(seen >= 2, "only {seen} reproducers in {}", dir.display());
}
