//! Inputs the fuzzers (fuzz/) found crashing, kept in tests/fixtures/fuzz/<target>/:
//! each must now give a typed error and never panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::chat::{ChatMessage, ChatTemplate};
use hearth::tokenizer::Tokenizer;
use hearth::Error;
use hearth_tests::fixtures;
use std::path::Path;
use std::time::{Duration, Instant};

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

/// The `chat_template` target's input: template NUL messages JSON (the
/// default conversation when the second part is absent or not valid).
fn template_case(data: &[u8]) -> (String, Vec<ChatMessage>) {
    let mut parts = data.splitn(2, |&b| b == 0);
    let source = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let messages = parts.next().and_then(|m| serde_json::from_slice(m).ok()).unwrap_or_else(|| {
        vec![ChatMessage::system("Be brief."), ChatMessage::user("Hi"), ChatMessage::assistant("Hello!")]
    });
    (source, messages)
}

#[test]
fn chat_templates_that_crashed_or_stalled_the_renderer_are_errors_in_time() {
    // A crash (minijinja 2.24's list-repetition overflow) and a timeout
    // (`messages * ~10^9` built billions of entries within one fuel step).
    let dir = fixtures().join("fuzz/chat_template");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let (source, messages) = template_case(&std::fs::read(&path).unwrap());
        let t0 = Instant::now();
        let r = std::panic::catch_unwind(|| {
            ChatTemplate::new(&source, "<s>", "</s>").and_then(|t| t.render(&messages, true))
        });
        let took = t0.elapsed();
        match r {
            Ok(Err(Error::Template { reason })) => {
                assert!(reason.contains("too large") || reason.contains("fuel"), "{}: {reason}", path.display());
                seen += 1;
            }
            Ok(other) => panic!("{}: expected a template error, got {other:?}", path.display()),
            Err(_) => panic!("{}: panicked", path.display()),
        }
        // Far above what the render takes now (well under 1 ms), far below
        // the fuzzer's 10 s timeout that found it.
        assert!(took < Duration::from_secs(2), "{}: took {took:?}", path.display());
    }
    assert!(seen >= 2, "only {seen} reproducers in {}", dir.display());
}
