//! Tokenizer test vectors from llama.cpp (`ggml-vocab-*.gguf.inp/.out`) and
//! known encodings of real tokenizers, checked against Hearth's tokenizer.
//!
//! The vectors come from the shared model folder; when it is absent each test
//! says so and passes without checking.

// Tests fail by panicking; the workspace lints against it target library code.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use hearth::gguf::GgufFile;
use hearth::tokenizer::{Tokenizer, TokenizerKind};
use std::path::{Path, PathBuf};

fn models() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIP: shared models not found at {}", dir.display());
        None
    }
}

/// The vector inputs: chunks separated by `\n__ggml_vocab_test__\n`, as
/// llama.cpp's test reads them (each chunk loses the newline before the
/// separator line), and the expected ids, one line per input.
fn read_vectors(inp: &Path) -> Option<Vec<(String, Vec<u32>)>> {
    let out = PathBuf::from(format!("{}", inp.display()).replace(".inp", ".out"));
    let (Ok(text), Ok(ids)) = (std::fs::read_to_string(inp), std::fs::read_to_string(&out)) else {
        eprintln!("SKIP: {} or its .out is missing", inp.display());
        return None;
    };
    let mut inputs: Vec<String> = text.split("\n__ggml_vocab_test__\n").map(str::to_owned).collect();
    // The file ends with a separator, leaving one empty tail.
    assert_eq!(inputs.pop().as_deref(), Some(""), "{}: unexpected tail", inp.display());
    let expected: Vec<Vec<u32>> =
        ids.lines().map(|l| l.split_whitespace().map(|t| t.parse::<u32>().unwrap_or(u32::MAX)).collect()).collect();
    assert_eq!(inputs.len(), expected.len(), "{}: inputs vs expected lines", inp.display());
    Some(inputs.into_iter().zip(expected).collect())
}

/// Check every vector; return how many passed. Decoding is checked too:
/// `decode(encode(s)) == s` when `lossless`, and the stream decoder's output
/// must always equal `decode`.
fn check(tok: &Tokenizer, name: &str, vectors: &[(String, Vec<u32>)], lossless: bool) -> usize {
    let mut failures = Vec::new();
    for (text, want) in vectors {
        let got = match tok.encode(text, false) {
            Ok(ids) => ids,
            Err(e) => {
                failures.push(format!("{text:?}: error {e}"));
                continue;
            }
        };
        if &got != want {
            failures.push(format!("{text:?}:\n   want {want:?}\n    got {got:?}"));
            continue;
        }
        let decoded = tok.decode(&got).unwrap_or_else(|e| format!("<decode error {e}>"));
        if lossless && &decoded != text {
            failures.push(format!("{text:?}: decodes to {decoded:?}"));
        }
        let mut stream = tok.stream_decoder();
        let mut streamed = String::new();
        for &id in &got {
            streamed += &stream.push(id).unwrap_or_else(|e| format!("<push error {e}>"));
        }
        streamed += &stream.finish().unwrap_or_else(|e| format!("<finish error {e}>"));
        if streamed != decoded {
            failures.push(format!("{text:?}: stream gives {streamed:?}, decode {decoded:?}"));
        }
    }
    let passed = vectors.len() - failures.len();
    eprintln!("{name}: {passed}/{} vectors pass", vectors.len());
    assert!(failures.is_empty(), "{name}: {} failures:\n{}", failures.len(), failures.join("\n"));
    passed
}

fn gguf_vectors(file: &str, kind: fn(&TokenizerKind) -> bool, lossless: bool) {
    let Some(dir) = models() else { return };
    let path = dir.join("vocab").join(file);
    let Some(vectors) = read_vectors(&dir.join("vocab").join(format!("{file}.inp"))) else { return };
    let gguf = GgufFile::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let tok = Tokenizer::from_gguf(&gguf).unwrap_or_else(|e| panic!("{e}"));
    assert!(kind(&tok.kind()), "{file}: kind {:?}", tok.kind());
    assert_eq!(check(&tok, file, &vectors, lossless), 46);
}

fn is_spm(k: &TokenizerKind) -> bool {
    *k == TokenizerKind::Spm
}
fn is_bpe(k: &TokenizerKind) -> bool {
    matches!(k, TokenizerKind::Bpe { .. })
}

#[test]
fn llama_spm() {
    gguf_vectors("ggml-vocab-llama-spm.gguf", is_spm, true);
}

#[test]
fn phi_3() {
    gguf_vectors("ggml-vocab-phi-3.gguf", is_spm, true);
}

#[test]
fn gpt_2() {
    gguf_vectors("ggml-vocab-gpt-2.gguf", is_bpe, true);
}

#[test]
fn mpt() {
    gguf_vectors("ggml-vocab-mpt.gguf", is_bpe, true);
}

#[test]
fn starcoder() {
    gguf_vectors("ggml-vocab-starcoder.gguf", is_bpe, true);
}

#[test]
fn refact() {
    gguf_vectors("ggml-vocab-refact.gguf", is_bpe, true);
}

#[test]
fn falcon() {
    gguf_vectors("ggml-vocab-falcon.gguf", is_bpe, true);
}

#[test]
fn deepseek_coder() {
    gguf_vectors("ggml-vocab-deepseek-coder.gguf", is_bpe, true);
}

#[test]
fn deepseek_llm() {
    gguf_vectors("ggml-vocab-deepseek-llm.gguf", is_bpe, true);
}

#[test]
fn bert_bge() {
    // WordPiece lowercases and strips accents: not lossless.
    gguf_vectors("ggml-vocab-bert-bge.gguf", |k| *k == TokenizerKind::WordPiece, false);
}

#[test]
fn llama3_gguf_and_json() {
    let Some(dir) = models() else { return };
    let dir = dir.join("tokenizers/llama3");
    let Some(vectors) = read_vectors(&dir.join("ggml-vocab-llama-bpe.gguf.inp")) else { return };

    let gguf = GgufFile::open(dir.join("vocab-llama3-bpe.gguf")).unwrap_or_else(|e| panic!("{e}"));
    let tok = Tokenizer::from_gguf(&gguf).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tok.kind(), TokenizerKind::Bpe { pre: "llama-bpe".into() });
    assert_eq!(check(&tok, "llama3 gguf", &vectors, true), 46);
    assert_eq!(tok.encode("Hello world", false).ok(), Some(vec![9906, 1917]));
    assert_eq!(tok.encode("Hello world", true).ok(), Some(vec![128000, 9906, 1917]));
    assert_eq!(tok.bos_id(), Some(128000));
    assert_eq!(tok.eos_id(), Some(128001));
    for name in ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"] {
        let id = tok.token_id(name).unwrap_or(u32::MAX);
        assert!(tok.is_eog(id), "{name} should end generation");
    }
    assert!(!tok.is_eog(9906));
    // Chat markup is parsed only when asked.
    let chat = "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
    let parsed = tok.encode_with_special(chat, false, true).unwrap_or_default();
    assert_eq!(parsed.first(), Some(&128006));
    assert_eq!(parsed.last(), Some(&128009));
    assert!(!tok.encode(chat, false).unwrap_or_default().contains(&128006));

    let json = Tokenizer::from_json_file(&dir.join("tokenizer.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json.kind(), TokenizerKind::HfJson);
    assert_eq!(json.vocab_size(), 128_256);
    assert_eq!(check(&json, "llama3 tokenizer.json", &vectors, true), 46);
    assert_eq!(json.encode("Hello world", false).ok(), Some(vec![9906, 1917]));
    assert_eq!(json.encode_with_special(chat, false, true).ok(), Some(parsed));
    assert_eq!(json.piece_str(1917), Some("Ġworld"));
    assert_eq!(json.token_to_piece(1917).ok(), Some(b" world".to_vec()));
    assert!(json.is_eog(128009));
}

#[test]
fn llama2_once_upon_a_time() {
    let Some(dir) = models() else { return };
    // ggml-vocab-llama-spm.gguf is the Llama 2 vocabulary.
    let gguf = GgufFile::open(dir.join("vocab/ggml-vocab-llama-spm.gguf")).unwrap_or_else(|e| panic!("{e}"));
    let tok = Tokenizer::from_gguf(&gguf).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tok.vocab_size(), 32_000);
    assert_eq!(tok.encode("Once upon a time", false).ok(), Some(vec![9038, 2501, 263, 931]));
    assert_eq!(tok.encode("Once upon a time", true).ok(), Some(vec![1, 9038, 2501, 263, 931]));
    assert_eq!(tok.decode(&[1, 9038, 2501, 263, 931, 2]).ok().as_deref(), Some("Once upon a time"));
    assert_eq!(tok.piece_str(9038), Some("▁Once"));
    assert_eq!(tok.token_to_piece(9038).ok(), Some(b" Once".to_vec()));
    // <0x0A> is the newline byte token.
    assert_eq!(tok.token_to_piece(13).ok(), Some(b"\n".to_vec()));
}

#[test]
fn stories260k() {
    let Some(dir) = models() else { return };
    let gguf = GgufFile::open(dir.join("stories260K/stories260K-F32.gguf")).unwrap_or_else(|e| panic!("{e}"));
    let tok = Tokenizer::from_gguf(&gguf).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tok.vocab_size(), 512);
    assert_eq!(tok.kind(), TokenizerKind::Spm);
    let ids = tok.encode("Once upon a time", true).unwrap_or_default();
    assert_eq!(ids, vec![1, 403, 407, 261, 378]);
    assert_eq!(tok.decode(&ids).ok().as_deref(), Some("Once upon a time"));
    assert!(tok.is_eog(2));
}
