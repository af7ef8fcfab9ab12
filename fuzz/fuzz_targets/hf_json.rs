//! Hugging Face JSON files: `config.json` (read into a model config) and
//! `tokenizer.json` + `tokenizer_config.json` (built into a tokenizer, which
//! then encodes and decodes). The input is the three files joined by NUL
//! bytes, which JSON text cannot contain.
#![no_main]

use hearth::hf::HfFolder;
use hearth::tokenizer::Tokenizer;
use hearth::{ModelConfig, ModelSource};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// A safetensors image with an empty header: `{}`.
const NO_TENSORS: &[u8] = b"\x02\0\0\0\0\0\0\0{}";
const TEXT: &str = "Hello world! <s> 123 héllo\n\t 日本語 <|endoftext|>";

fuzz_target!(
    init: {
        // The SDK catches panics of the tokenizers crate (tokenizer/hf.rs)
        // and returns an error, but libfuzzer-sys's hook aborts before that
        // catch runs. Print instead: a panic that escapes the SDK still
        // aborts, when it unwinds out of the fuzzer's `extern "C"` entry.
        std::panic::set_hook(Box::new(|info| eprintln!("panic (caught by the SDK?): {info}")));
    },
    |data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let config = parts.next().unwrap_or_default();
    let tokenizer = parts.next();
    let tokenizer_config = parts.next();
    if let Ok(folder) = HfFolder::from_memory("fuzz", config, NO_TENSORS.to_vec()) {
        let _ = ModelConfig::from_source(&ModelSource::Hf(folder));
    }
    let Some(json) = tokenizer else { return };
    let Ok(tok) = Tokenizer::from_json_bytes(Path::new("fuzz/tokenizer.json"), json, tokenizer_config) else {
        return;
    };
    for (add, parse) in [(true, true), (false, false)] {
        if let Ok(ids) = tok.encode_with_special(TEXT, add, parse) {
            let _ = tok.decode(&ids);
            let mut stream = tok.stream_decoder();
            for id in ids {
                let _ = stream.push(id);
            }
            let _ = stream.finish();
        }
    }
    let n = tok.vocab_size() as u32;
    for id in [0, 1, n / 2, n.saturating_sub(1), n, u32::MAX] {
        let _ = tok.token_to_piece(id);
        let _ = tok.piece_str(id);
    }
});
