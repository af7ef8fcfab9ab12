//! Unit tests on small in-memory GGUF vocabularies. The real-vocabulary test
//! vectors live in the workspace test crate (tests/tests/tokenizer_vectors.rs).

use super::*;
use crate::tensor::Mapped;
use std::sync::Arc;

/// A metadata value for the tiny GGUF writer.
enum V {
    Str(String),
    U32(u32),
    Bool(bool),
    Strs(Vec<String>),
    F32s(Vec<f32>),
    I32s(Vec<i32>),
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A GGUF v3 image with metadata only.
fn gguf(kvs: Vec<(&str, V)>) -> Result<GgufFile> {
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&(kvs.len() as u64).to_le_bytes());
    for (k, v) in kvs {
        put_str(&mut out, k);
        match v {
            V::Str(s) => {
                out.extend_from_slice(&8u32.to_le_bytes());
                put_str(&mut out, &s);
            }
            V::U32(x) => {
                out.extend_from_slice(&4u32.to_le_bytes());
                out.extend_from_slice(&x.to_le_bytes());
            }
            V::Bool(b) => {
                out.extend_from_slice(&7u32.to_le_bytes());
                out.push(u8::from(b));
            }
            V::Strs(items) => {
                out.extend_from_slice(&9u32.to_le_bytes());
                out.extend_from_slice(&8u32.to_le_bytes());
                out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                items.iter().for_each(|s| put_str(&mut out, s));
            }
            V::F32s(items) => {
                out.extend_from_slice(&9u32.to_le_bytes());
                out.extend_from_slice(&6u32.to_le_bytes());
                out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                items.iter().for_each(|f| out.extend_from_slice(&f.to_le_bytes()));
            }
            V::I32s(items) => {
                out.extend_from_slice(&9u32.to_le_bytes());
                out.extend_from_slice(&5u32.to_le_bytes());
                out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                items.iter().for_each(|i| out.extend_from_slice(&i.to_le_bytes()));
            }
        }
    }
    GgufFile::parse(Path::new("mem.gguf"), Arc::new(Mapped::Owned(out)))
}

/// A small SentencePiece vocabulary: the three specials, 256 byte pieces,
/// then `extra` pieces (text, score, type).
fn spm_vocab(extra: &[(&str, f32, i32)]) -> (Vec<String>, Vec<f32>, Vec<i32>) {
    let mut toks = vec!["<unk>".to_string(), "<s>".into(), "</s>".into()];
    let mut scores = vec![0.0, 0.0, 0.0];
    let mut types = vec![2, 3, 3];
    for b in 0..=255u8 {
        toks.push(format!("<0x{b:02X}>"));
        scores.push(0.0);
        types.push(6);
    }
    for &(t, s, ty) in extra {
        toks.push(t.into());
        scores.push(s);
        types.push(ty);
    }
    (toks, scores, types)
}

fn spm(extra: &[(&str, f32, i32)]) -> Result<Tokenizer> {
    let (t, s, ty) = spm_vocab(extra);
    Tokenizer::from_gguf(&gguf(vec![
        ("tokenizer.ggml.model", V::Str("llama".into())),
        ("tokenizer.ggml.tokens", V::Strs(t)),
        ("tokenizer.ggml.scores", V::F32s(s)),
        ("tokenizer.ggml.token_type", V::I32s(ty)),
    ])?)
}

const BASE: usize = 259;

fn id(tok: &Tokenizer, s: &str) -> u32 {
    tok.token_id(s).unwrap_or(u32::MAX)
}

#[test]
fn spm_merges_highest_score_first() -> Result<()> {
    // "▁ab": pairs "▁a" and "ab". When "ab" scores higher it merges first
    // and "▁ab" cannot form from "▁" + "ab" unless it is a piece.
    let t = spm(&[("▁", -5.0, 1), ("a", -5.0, 1), ("b", -5.0, 1), ("▁a", -2.0, 1), ("ab", -1.0, 1)])?;
    assert_eq!(t.encode("ab", false)?, vec![id(&t, "▁"), id(&t, "ab")]);
    let t = spm(&[("▁", -5.0, 1), ("a", -5.0, 1), ("b", -5.0, 1), ("▁a", -1.0, 1), ("ab", -2.0, 1)])?;
    assert_eq!(t.encode("ab", false)?, vec![id(&t, "▁a"), id(&t, "b")]);
    // Leftmost wins a tie: "aaa" with "aa" → "aa" + "a".
    let t = spm(&[("▁", -5.0, 1), ("a", -5.0, 1), ("aa", -1.0, 1)])?;
    assert_eq!(t.encode("aaa", false)?, vec![id(&t, "▁"), id(&t, "aa"), id(&t, "a")]);
    Ok(())
}

#[test]
fn spm_byte_fallback_and_bos() -> Result<()> {
    let t = spm(&[("▁", -5.0, 1), ("a", -5.0, 1)])?;
    // 'é' is not a piece: its UTF-8 bytes C3 A9 become byte tokens.
    let ids = t.encode("é", true)?;
    assert_eq!(ids, vec![1, id(&t, "▁"), 3 + 0xC3, 3 + 0xA9]);
    assert_eq!(t.decode(&ids)?, "é");
    assert_eq!(t.token_to_piece(3 + 0xC3)?, vec![0xC3]);
    assert!(t.add_bos());
    assert_eq!((t.bos_id(), t.eos_id()), (Some(1), Some(2)));
    assert!(t.is_eog(2));
    assert_eq!(t.kind(), TokenizerKind::Spm);
    assert_eq!(t.vocab_size(), BASE + 2);
    Ok(())
}

#[test]
fn stream_decoder_joins_split_characters() -> Result<()> {
    let t = spm(&[("▁", -5.0, 1), ("a", -5.0, 1), ("▁a", -1.0, 1)])?;
    // "a🦙a": the emoji is four byte tokens.
    let ids = t.encode("a🦙a", true)?;
    assert_eq!(ids.len(), 1 + 1 + 4 + 1);
    let mut dec = t.stream_decoder();
    let mut parts = Vec::new();
    for &i in &ids {
        parts.push(dec.push(i)?);
    }
    parts.push(dec.finish()?);
    // BOS renders nothing, "▁a" renders "a" (dummy prefix dropped), the first
    // three emoji bytes are held back, the fourth releases the whole emoji.
    assert_eq!(parts, vec!["", "a", "", "", "", "🦙", "a", ""]);
    assert_eq!(parts.concat(), t.decode(&ids)?);
    assert_eq!(t.decode(&ids)?, "a🦙a");

    // A dangling partial character is flushed lossily by finish().
    let mut dec = t.stream_decoder();
    assert_eq!(dec.push(3 + 0xF0)?, "");
    assert_eq!(dec.finish()?, "\u{FFFD}");
    assert_eq!(t.decode(&[3 + 0xF0])?, "\u{FFFD}");
    Ok(())
}

#[test]
fn special_tokens_split_only_when_asked() -> Result<()> {
    let t = spm(&[
        ("▁", -5.0, 1),
        ("a", -5.0, 1),
        ("b", -5.0, 1),
        ("▁a", -1.0, 1),
        ("▁b", -1.0, 1),
        ("<|im_start|>", 0.0, 3),
        ("<tool>", 0.0, 4),
    ])?;
    let start = id(&t, "<|im_start|>");
    let tool = id(&t, "<tool>");
    // Control tokens are matched in text only with parse_special; after a
    // special token the SentencePiece dummy-prefix space is added again.
    let ids = t.encode_with_special("a<|im_start|>b", false, true)?;
    assert_eq!(ids, vec![id(&t, "▁a"), start, id(&t, "▁b")]);
    let plain = t.encode("a<|im_start|>b", false)?;
    assert!(!plain.contains(&start));
    assert_eq!(t.decode(&plain)?, "a<|im_start|>b");
    // User-defined tokens are always matched.
    let ids = t.encode("a<tool>b", false)?;
    assert_eq!(ids, vec![id(&t, "▁a"), tool, id(&t, "▁b")]);
    // Decode hides control tokens but shows user-defined ones.
    assert_eq!(t.decode(&[id(&t, "▁a"), start, tool])?, "a<tool>");
    assert_eq!(t.token_to_piece(start)?, b"<|im_start|>");
    Ok(())
}

#[test]
fn eog_names_and_out_of_range() -> Result<()> {
    let t = spm(&[("<|im_end|>", 0.0, 4), ("<|eot_id|>", 0.0, 3)])?;
    let im_end = id(&t, "<|im_end|>");
    assert!(t.is_eog(im_end) && t.is_eog(id(&t, "<|eot_id|>")));
    // Typed as user-defined in the file, but as an end-of-turn marker it is
    // treated as control (not split out of plain text, hidden in decode).
    assert_eq!(t.token_type(im_end), Some(TokenType::Control));
    let n = t.vocab_size() as u32;
    assert!(matches!(t.decode(&[n]), Err(Error::TokenOutOfRange { .. })));
    assert!(matches!(t.token_to_piece(n), Err(Error::TokenOutOfRange { .. })));
    assert!(matches!(t.stream_decoder().push(n), Err(Error::TokenOutOfRange { .. })));
    assert_eq!(t.piece_str(n), None);
    Ok(())
}

#[test]
fn malformed_metadata_is_a_typed_error() -> Result<()> {
    let (toks, mut scores, types) = spm_vocab(&[]);
    scores.pop();
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("llama".into())),
        ("tokenizer.ggml.tokens", V::Strs(toks.clone())),
        ("tokenizer.ggml.scores", V::F32s(scores)),
        ("tokenizer.ggml.token_type", V::I32s(types.clone())),
    ])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::BadMetadata { .. })));

    let f = gguf(vec![("tokenizer.ggml.model", V::Str("llama".into()))])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::MissingKey { .. })));

    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("unigram-x".into())),
        ("tokenizer.ggml.tokens", V::Strs(toks.clone())),
    ])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::BadMetadata { .. })));

    // A BOS id past the vocabulary is an error (the engine would feed it to
    // the model); a pad id past it is ignored, as llama.cpp does.
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("llama".into())),
        ("tokenizer.ggml.tokens", V::Strs(toks.clone())),
        ("tokenizer.ggml.bos_token_id", V::U32(1_000_000)),
        ("tokenizer.ggml.add_bos_token", V::Bool(true)),
    ])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::BadMetadata { key, .. }) if key.contains("bos")));
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("llama".into())),
        ("tokenizer.ggml.tokens", V::Strs(toks.clone())),
        ("tokenizer.ggml.padding_token_id", V::U32(1_000_000)),
    ])?;
    assert_eq!(Tokenizer::from_gguf(&f)?.bos_id(), Some(1));

    // A byte-typed piece that is not <0xNN> is an error naming the token.
    let mut toks2 = toks.clone();
    toks2[3] = "<0xZZ>".into();
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("llama".into())),
        ("tokenizer.ggml.tokens", V::Strs(toks2)),
        ("tokenizer.ggml.token_type", V::I32s(types)),
    ])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::BadMetadata { reason, .. }) if reason.contains("<0xZZ>")));

    // gpt2 without merges, and an unknown pre-tokenizer.
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("gpt2".into())),
        ("tokenizer.ggml.tokens", V::Strs(vec!["a".into(), "b".into()])),
    ])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::MissingKey { .. })));
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("gpt2".into())),
        ("tokenizer.ggml.pre", V::Str("martian".into())),
        ("tokenizer.ggml.tokens", V::Strs(vec!["a".into(), "b".into()])),
        ("tokenizer.ggml.merges", V::Strs(vec!["a b".into()])),
    ])?;
    assert!(matches!(Tokenizer::from_gguf(&f), Err(Error::BadMetadata { .. })));
    Ok(())
}

#[test]
fn tiny_byte_level_bpe() -> Result<()> {
    // All 256 byte-level characters, then merges "Ġ a" and "Ġa b".
    let mut toks: Vec<String> = (0u32..324)
        .filter_map(char::from_u32)
        .filter(|&c| bytes::byte_level_char(c).is_some())
        .map(String::from)
        .collect();
    toks.extend(["Ġa".to_string(), "Ġab".into(), "<|endoftext|>".into()]);
    let n = toks.len();
    let mut types = vec![1; n];
    types[n - 1] = 3;
    let f = gguf(vec![
        ("tokenizer.ggml.model", V::Str("gpt2".into())),
        ("tokenizer.ggml.pre", V::Str("gpt-2".into())),
        ("tokenizer.ggml.tokens", V::Strs(toks)),
        ("tokenizer.ggml.token_type", V::I32s(types)),
        ("tokenizer.ggml.merges", V::Strs(vec!["Ġ a".into(), "Ġa b".into(), "x y".into()])),
        ("tokenizer.ggml.eos_token_id", V::U32(n as u32 - 1)),
    ])?;
    let t = Tokenizer::from_gguf(&f)?;
    let ids = t.encode("b ab é<|endoftext|>", false)?;
    assert_eq!(&ids[..2], &[id(&t, "b"), id(&t, "Ġab")]);
    assert!(!ids.contains(&(n as u32 - 1)));
    assert_eq!(t.decode(&ids)?, "b ab é<|endoftext|>");
    let with = t.encode_with_special("ab<|endoftext|>", false, true)?;
    assert_eq!(with.last(), Some(&(n as u32 - 1)));
    assert_eq!(t.decode(&with)?, "ab");
    assert!(t.is_eog(n as u32 - 1));
    Ok(())
}

#[test]
fn tokenizer_is_shareable_across_threads() {
    fn check<T: Send + Sync>() {}
    check::<Tokenizer>();
    check::<StreamDecoder<'static>>();
}

/// A minimal byte-level BPE tokenizer.json with `<s>`/`</s>` as added tokens.
const TINY_JSON: &str = r#"{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": null,
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
            "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
            "vocab": {"<s>": 0, "</s>": 1, "h": 2, "i": 3, "Ġ": 4, "hi": 5, "Ġhi": 6, "Ã": 7, "©": 8},
            "merges": ["h i", "Ġ hi"]}
}"#;

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hearth-tok-{tag}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

#[test]
fn tokenizer_json_with_config() -> Result<()> {
    let dir = temp_dir("cfg");
    let path = dir.join("tokenizer.json");
    let io = |source| Error::Io { path: dir.clone(), source };
    std::fs::write(&path, TINY_JSON).map_err(io)?;
    std::fs::write(
        dir.join("tokenizer_config.json"),
        r#"{"bos_token": "<s>", "eos_token": {"content": "</s>"}, "add_bos_token": true}"#,
    )
    .map_err(io)?;
    let t = Tokenizer::from_json_file(&path)?;
    assert_eq!(t.kind(), TokenizerKind::HfJson);
    assert_eq!((t.bos_id(), t.eos_id(), t.vocab_size()), (Some(0), Some(1), 9));
    assert_eq!(t.encode("hi hi", true)?, vec![0, 5, 6]);
    assert_eq!(t.encode("hi hi", false)?, vec![5, 6]);
    // parse_special decides whether "</s>" in text is the token.
    assert_eq!(t.encode_with_special("hi</s>", false, true)?, vec![5, 1]);
    assert!(!t.encode("hi</s>", false)?.contains(&1));
    assert!(t.is_eog(1));
    assert_eq!(t.decode(&[0, 5, 6, 1])?, "hi hi");
    assert_eq!(t.token_to_piece(6)?, b" hi");
    // "é" is the two byte-level tokens Ã (C3) and © (A9): the stream holds
    // the first back until the character is complete.
    let ids = t.encode("hié", false)?;
    assert_eq!(ids, vec![5, 7, 8]);
    let mut dec = t.stream_decoder();
    let parts = [dec.push(5)?, dec.push(7)?, dec.push(8)?, dec.finish()?];
    assert_eq!(parts, ["hi".to_string(), String::new(), "é".into(), String::new()]);
    assert_eq!(parts.concat(), t.decode(&ids)?);

    std::fs::write(dir.join("tokenizer_config.json"), "{not json").map_err(io)?;
    assert!(matches!(Tokenizer::from_json_file(&path), Err(Error::BadConfig { .. })));
    assert!(matches!(Tokenizer::from_json_file(&dir.join("missing.json")), Err(Error::Io { .. })));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
