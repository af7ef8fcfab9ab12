//! Hugging Face `tokenizer.json` files, run by the `tokenizers` crate itself.
//!
//! The crate does normalization, added-token extraction, pre-tokenization,
//! the model and post-processing exactly as Python `transformers` does. This
//! module adds what a runtime needs around it: the vocabulary table (for
//! `piece_str`, EOG detection), BOS/EOS from `tokenizer_config.json` when it
//! sits beside the file, and the per-token byte rendering for streaming.

use super::vocab::{TokenType, Vocab};
use crate::error::{Error, Result};
use serde_json::Value as Json;
use std::path::Path;

/// How single tokens turn into bytes, read off the file's decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PieceStyle {
    /// GPT-2 byte-level alphabet.
    ByteLevel,
    /// SentencePiece-like: `▁` is a space; `<0xNN>` a byte when `byte_fallback`.
    Metaspace { byte_fallback: bool },
    /// WordPiece: pieces starting with `prefix` continue a word, others start one.
    WordPiece { prefix: String },
    /// The token text as it is.
    Raw,
}

/// The loaded file: one tokenizer that matches special tokens in text and a
/// copy that treats them as plain text (`parse_special = false`).
pub(crate) struct HfEngine {
    pub parse: tokenizers::Tokenizer,
    pub plain: tokenizers::Tokenizer,
    pub style: PieceStyle,
}

impl std::fmt::Debug for HfEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HfEngine").field("style", &self.style).finish_non_exhaustive()
    }
}

fn tok_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Tokenizer { reason: format!("{}: {e}", path.display()) }
}

/// Collect every `"type"` name in a serialized decoder tree, and the WordPiece prefix.
fn decoder_types(v: &Json, types: &mut Vec<String>, prefix: &mut Option<String>) {
    match v {
        Json::Object(map) => {
            if let Some(t) = map.get("type").and_then(Json::as_str) {
                if t == "WordPiece" {
                    *prefix = map.get("prefix").and_then(Json::as_str).map(str::to_owned);
                }
                if t == "Replace"
                    && map.get("pattern").and_then(|p| p.get("String")).and_then(Json::as_str) == Some("▁")
                {
                    types.push("Metaspace".into());
                }
                types.push(t.to_owned());
            }
            map.values().for_each(|c| decoder_types(c, types, prefix));
        }
        Json::Array(items) => items.iter().for_each(|c| decoder_types(c, types, prefix)),
        _ => {}
    }
}

fn piece_style(tok: &tokenizers::Tokenizer) -> PieceStyle {
    let Some(json) = tok.get_decoder().and_then(|d| serde_json::to_value(d).ok()) else {
        return PieceStyle::Raw;
    };
    let (mut types, mut prefix) = (Vec::new(), None);
    decoder_types(&json, &mut types, &mut prefix);
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("ByteLevel") {
        PieceStyle::ByteLevel
    } else if has("WordPiece") {
        PieceStyle::WordPiece { prefix: prefix.unwrap_or_else(|| "##".into()) }
    } else if has("Metaspace") || has("ByteFallback") {
        PieceStyle::Metaspace { byte_fallback: has("ByteFallback") }
    } else {
        PieceStyle::Raw
    }
}

/// A token named by `tokenizer_config.json`: a plain string or `{"content": ...}`.
fn config_token(cfg: &Json, key: &str) -> Option<String> {
    match cfg.get(key)? {
        Json::String(s) => Some(s.clone()),
        Json::Object(o) => o.get("content").and_then(Json::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Load `path` (a tokenizer.json) and `tokenizer_config.json` beside it.
pub(crate) fn load(path: &Path) -> Result<(Vocab, HfEngine)> {
    let json = std::fs::read(path).map_err(|source| Error::Io { path: path.into(), source })?;
    let cfg_path = path.with_file_name("tokenizer_config.json");
    let cfg = match std::fs::read(&cfg_path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(Error::Io { path: cfg_path, source }),
    };
    load_bytes(path, &json, cfg.as_deref())
}

/// Load a tokenizer.json image and an optional tokenizer_config.json image;
/// `path` only names the source in errors.
pub(crate) fn load_bytes(path: &Path, json: &[u8], cfg: Option<&[u8]>) -> Result<(Vocab, HfEngine)> {
    // tokenizers 0.22 panics on some malformed files (an `expect` in its
    // decoder deserializer, found by fuzz/hf_json); a bad file must give an
    // error, not take the app down.
    let parse = std::panic::catch_unwind(|| tokenizers::Tokenizer::from_bytes(json))
        .map_err(|_| tok_err(path, "malformed tokenizer.json (the tokenizers crate panicked reading it)"))?
        .map_err(|e| tok_err(path, e))?;
    let mut plain = parse.clone();
    plain.set_encode_special_tokens(true);

    let cfg_path = path.with_file_name("tokenizer_config.json");
    let cfg: Json = match cfg {
        Some(bytes) => serde_json::from_slice(bytes)
            .map_err(|e| Error::BadConfig { path: cfg_path.clone(), reason: e.to_string() })?,
        None => Json::Null,
    };

    // The table: every id up to the largest, gaps left empty.
    let map = parse.get_vocab(true);
    let n = map.values().max().map_or(0, |&m| m as usize + 1);
    // Ids are dense in real files; a huge stray id would make the table
    // below allocate gigabytes, so refuse it.
    if n > map.len().saturating_mul(4).saturating_add(65_536) {
        return Err(tok_err(path, format!("token ids up to {n} for only {} tokens", map.len())));
    }
    let mut tokens = vec![String::new(); n];
    for (text, &id) in &map {
        if let Some(slot) = tokens.get_mut(id as usize) {
            *slot = text.clone();
        }
    }
    let style = piece_style(&parse);
    let mut types: Vec<TokenType> = tokens
        .iter()
        .map(|t| match style {
            PieceStyle::Metaspace { byte_fallback: true } if super::bytes::parse_byte_piece(t).is_some() => {
                TokenType::Byte
            }
            _ => TokenType::Normal,
        })
        .collect();
    for (id, added) in parse.get_added_tokens_decoder() {
        if let Some(t) = types.get_mut(id as usize) {
            *t = if added.special { TokenType::Control } else { TokenType::UserDefined };
        }
    }
    let mut vocab = Vocab::new(tokens, types, Vec::new());

    // What the post-processor adds around a text tells us BOS/EOS when the
    // config does not: encode one word both ways and compare.
    let (mut post_bos, mut post_eos) = (None, None);
    let with = parse.encode("a", true).map_err(|e| tok_err(path, e))?;
    let without = parse.encode("a", false).map_err(|e| tok_err(path, e))?;
    let (w, wo) = (with.get_ids(), without.get_ids());
    if let Some(k) = (0..=w.len().saturating_sub(wo.len())).find(|&k| w.get(k..k + wo.len()) == Some(wo)) {
        if k == 1 {
            post_bos = w.first().copied();
        }
        if w.len() == k + wo.len() + 1 {
            post_eos = w.last().copied();
        }
    }
    let by_name = |names: &[&str]| names.iter().find_map(|n| vocab.ids.get(*n).copied());
    let named = |key: &str| config_token(&cfg, key).and_then(|t| vocab.ids.get(&t).copied());
    vocab.special.bos =
        named("bos_token").or(post_bos).or_else(|| by_name(&["<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>"]));
    vocab.special.eos = named("eos_token")
        .or(post_eos)
        .or_else(|| by_name(&["</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "<|im_end|>", "<|eot_id|>"]));
    vocab.special.unk = named("unk_token").or_else(|| by_name(&["<unk>", "[UNK]"]));
    vocab.special.pad = named("pad_token");
    // The post-processor already adds what it adds; these flags say whether
    // the model wants BOS/EOS at all, and `encode` adds them when missing.
    vocab.add_bos = cfg.get("add_bos_token").and_then(Json::as_bool).unwrap_or(post_bos.is_some());
    vocab.add_eos = cfg.get("add_eos_token").and_then(Json::as_bool).unwrap_or(post_eos.is_some());
    vocab.finish();
    Ok((vocab, HfEngine { parse, plain, style }))
}

impl HfEngine {
    pub fn encode(&self, vocab: &Vocab, text: &str, add_special: bool, parse_special: bool) -> Result<Vec<u32>> {
        let tok = if parse_special { &self.parse } else { &self.plain };
        let enc = tok.encode(text, add_special).map_err(|e| Error::Tokenizer { reason: e.to_string() })?;
        let mut ids = enc.get_ids().to_vec();
        if add_special {
            if let Some(bos) = vocab.special.bos.filter(|_| vocab.add_bos) {
                if ids.first() != Some(&bos) {
                    ids.insert(0, bos);
                }
            }
            if let Some(eos) = vocab.special.eos.filter(|_| vocab.add_eos) {
                if ids.last() != Some(&eos) {
                    ids.push(eos);
                }
            }
        }
        Ok(ids)
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.parse.decode(ids, true).map_err(|e| Error::Tokenizer { reason: e.to_string() })
    }
}
