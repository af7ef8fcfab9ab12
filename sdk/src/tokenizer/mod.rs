//! Text ↔ token ids, from GGUF metadata or a Hugging Face `tokenizer.json`.
//!
//! GGUF vocabularies are tokenized the way llama.cpp does it (its test
//! vectors are the reference): special tokens are split out of the text first
//! (module `special`), then each text fragment goes to the model's algorithm:
//! SentencePiece BPE by score (`llama`), byte-level BPE by rank (`gpt2`), or
//! WordPiece (`bert`). `tokenizer.json` files are run by the `tokenizers`
//! crate as a whole.
//!
//! Decoding renders ordinary, user-defined and byte tokens and skips control
//! and unknown-type tokens (llama.cpp's detokenize without `special`). For
//! SentencePiece vocabularies the dummy-prefix space that encoding adds is
//! removed from the first rendered token, so `decode(encode(s)) == s` for
//! lossless vocabularies.

mod bpe;
mod bytes;
mod hf;
mod special;
mod spm;
mod stream;
mod vocab;
mod wpm;

pub use stream::StreamDecoder;
pub use vocab::TokenType;

use crate::error::{Error, Result};
use crate::gguf::GgufFile;
use special::Fragment;
use std::path::Path;
use vocab::{Meta, Vocab};

/// Which algorithm a tokenizer runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizerKind {
    /// SentencePiece BPE by piece score with byte fallback (GGUF `llama`).
    Spm,
    /// Byte-level BPE by merge rank (GGUF `gpt2`); `pre` names the pre-tokenizer.
    Bpe { pre: String },
    /// WordPiece (GGUF `bert`).
    WordPiece,
    /// A Hugging Face `tokenizer.json`, whatever its model.
    HfJson,
}

enum Engine {
    Spm { bytes: spm::ByteTokens, add_space_prefix: bool },
    Bpe(bpe::ByteLevelBpe),
    Wpm(wpm::WordPieceEnc),
    // Boxed: two full `tokenizers` pipelines would bloat every variant.
    Hf(Box<hf::HfEngine>),
}

/// A loaded tokenizer. Cheap to share: all methods take `&self`.
pub struct Tokenizer {
    vocab: Vocab,
    engine: Engine,
    kind: TokenizerKind,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("kind", &self.kind)
            .field("vocab_size", &self.vocab.len())
            .field("bos", &self.vocab.special.bos)
            .field("eos", &self.vocab.special.eos)
            .finish_non_exhaustive()
    }
}

impl Tokenizer {
    /// Build from a GGUF file's `tokenizer.ggml.*` metadata.
    pub fn from_gguf(file: &GgufFile) -> Result<Self> {
        let meta = Meta { file };
        const MODEL: &str = "tokenizer.ggml.model";
        let model =
            meta.str(MODEL)?.ok_or_else(|| Error::MissingKey { path: file.path().into(), key: MODEL.into() })?;
        let mut vocab = vocab::from_gguf(&meta, model)?;
        let (engine, kind) = match model {
            "llama" => {
                let add_space_prefix = meta.bool("tokenizer.ggml.add_space_prefix")?.unwrap_or(true);
                (Engine::Spm { bytes: spm::ByteTokens::new(&vocab), add_space_prefix }, TokenizerKind::Spm)
            }
            "gpt2" => {
                const PRE: &str = "tokenizer.ggml.pre";
                const MERGES: &str = "tokenizer.ggml.merges";
                // Files from before the key existed used the default regexes.
                let pre = meta.str(PRE)?.unwrap_or("default");
                let pt = bpe::pre_tokenizer(pre)
                    .ok_or_else(|| meta.bad(PRE, format!("unsupported pre-tokenizer {pre:?}")))?;
                let merges = meta
                    .strings(MERGES)?
                    .ok_or_else(|| Error::MissingKey { path: file.path().into(), key: MERGES.into() })?;
                let bad = |reason: String| meta.bad(MERGES, reason);
                let enc = bpe::ByteLevelBpe::new(&vocab, &merges, &pt, &bad)?;
                // The families that skip merges for whole-vocabulary words
                // (Llama 3, Tekken) also expect BOS when the file does not say.
                if pt.ignore_merges && meta.bool("tokenizer.ggml.add_bos_token")?.is_none() {
                    vocab.add_bos = true;
                }
                (Engine::Bpe(enc), TokenizerKind::Bpe { pre: pre.to_owned() })
            }
            "bert" => (Engine::Wpm(wpm::WordPieceEnc::new(&vocab)?), TokenizerKind::WordPiece),
            other => return Err(meta.bad(MODEL, format!("unsupported tokenizer model {other:?}"))),
        };
        Ok(Tokenizer { vocab, engine, kind })
    }

    /// Build from a Hugging Face `tokenizer.json`; `tokenizer_config.json`
    /// beside it, when present, supplies BOS/EOS and `add_bos_token`.
    pub fn from_json_file(path: &Path) -> Result<Self> {
        let (vocab, engine) = hf::load(path)?;
        Ok(Tokenizer { vocab, engine: Engine::Hf(Box::new(engine)), kind: TokenizerKind::HfJson })
    }

    /// Build from the bytes of a `tokenizer.json` and, optionally, of its
    /// `tokenizer_config.json`; `name` labels the source in errors.
    pub fn from_json_bytes(name: &Path, json: &[u8], config: Option<&[u8]>) -> Result<Self> {
        let (vocab, engine) = hf::load_bytes(name, json, config)?;
        Ok(Tokenizer { vocab, engine: Engine::Hf(Box::new(engine)), kind: TokenizerKind::HfJson })
    }

    /// Encode plain text: special-token texts in `text` are not matched
    /// (user-defined tokens still are). `add_special` adds BOS/EOS as the
    /// model asks.
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<u32>> {
        self.encode_with_special(text, add_special, false)
    }

    /// Encode with control over special tokens: with `parse_special`, texts
    /// such as `<|im_start|>` in `text` become their tokens (for chat prompts).
    pub fn encode_with_special(&self, text: &str, add_special: bool, parse_special: bool) -> Result<Vec<u32>> {
        if let Engine::Hf(h) = &self.engine {
            return h.encode(&self.vocab, text, add_special, parse_special);
        }
        let v = &self.vocab;
        let mut out = Vec::with_capacity(text.len() / 3 + 2);
        if add_special && v.add_bos {
            out.push(v.special.bos.ok_or_else(|| missing("BOS"))?);
        }
        // SentencePiece adds a space before text that starts the input or
        // follows a special token (its "dummy prefix").
        let mut after_special = true;
        for frag in special::partition(v, text, parse_special) {
            match frag {
                Fragment::Token(id) => {
                    out.push(id);
                    after_special = true;
                }
                Fragment::Text(t) => {
                    self.encode_fragment(t, after_special, &mut out)?;
                    after_special = false;
                }
            }
        }
        if add_special {
            if v.add_eos {
                out.push(v.special.eos.ok_or_else(|| missing("EOS"))?);
            }
            if v.add_sep {
                out.push(v.special.sep.ok_or_else(|| missing("separator"))?);
            }
        }
        Ok(out)
    }

    fn encode_fragment(&self, text: &str, after_special: bool, out: &mut Vec<u32>) -> Result<()> {
        match &self.engine {
            Engine::Spm { bytes, add_space_prefix } => {
                let mut escaped = String::with_capacity(text.len() + 4);
                if *add_space_prefix && after_special {
                    escaped.push('\u{2581}');
                }
                for c in text.chars() {
                    escaped.push(if c == ' ' { '\u{2581}' } else { c });
                }
                spm::tokenize(&self.vocab, bytes, &escaped, out)
            }
            Engine::Bpe(b) => b.encode(text, out),
            Engine::Wpm(w) => w.encode(text, out),
            // from_json_file never reaches the fragment path.
            Engine::Hf(_) => Err(Error::Tokenizer { reason: "internal: HF engine in fragment path".into() }),
        }
    }

    /// Decode ids to text, skipping control tokens (BOS, EOS, `<|im_end|>` …).
    /// Invalid UTF-8 (a partial character at the end) becomes U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        for &id in ids {
            self.vocab.check_id(id)?;
        }
        if let Engine::Hf(h) = &self.engine {
            return h.decode(ids);
        }
        let mut buf = Vec::with_capacity(ids.len() * 4);
        let mut first = true;
        for &id in ids {
            self.render_for_decode(id, &mut first, &mut buf)?;
        }
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Whether `decode` shows this token (false for control and unknown types).
    fn renders(&self, id: u32) -> bool {
        matches!(
            self.vocab.token_type(id),
            Some(TokenType::Normal | TokenType::UserDefined | TokenType::Byte | TokenType::Undefined)
        )
    }

    /// Append the bytes `decode` shows for `id`; `first` tracks whether a
    /// piece was rendered yet (its dummy-prefix space is dropped).
    fn render_for_decode(&self, id: u32, first: &mut bool, buf: &mut Vec<u8>) -> Result<()> {
        if !self.renders(id) {
            return Ok(());
        }
        let start = buf.len();
        self.piece_into(id, buf)?;
        if *first && buf.len() > start {
            *first = false;
            let strip = match &self.engine {
                Engine::Spm { add_space_prefix, .. } => *add_space_prefix,
                Engine::Wpm(_) => true,
                _ => false,
            };
            if strip && buf.get(start) == Some(&b' ') {
                buf.remove(start);
            }
        }
        Ok(())
    }

    /// The raw bytes of one token, for streaming: byte-fallback pieces give
    /// their byte, byte-level characters their bytes, `▁` a space. Control
    /// tokens give their text (decode skips them; this does not).
    pub fn token_to_piece(&self, id: u32) -> Result<Vec<u8>> {
        self.vocab.check_id(id)?;
        let mut out = Vec::new();
        self.piece_into(id, &mut out)?;
        Ok(out)
    }

    fn piece_into(&self, id: u32, out: &mut Vec<u8>) -> Result<()> {
        let text =
            self.vocab.tokens.get(id as usize).ok_or(Error::TokenOutOfRange { id, vocab_size: self.vocab.len() })?;
        let ty = self.vocab.token_type(id).unwrap_or(TokenType::Normal);
        // Special and added tokens are stored as the text they stand for.
        if matches!(ty, TokenType::Control | TokenType::UserDefined | TokenType::Unknown | TokenType::Unused) {
            out.extend_from_slice(text.as_bytes());
            return Ok(());
        }
        let hf_style = match &self.engine {
            Engine::Hf(h) => Some(&h.style),
            _ => None,
        };
        match (&self.engine, hf_style) {
            (Engine::Spm { .. }, _) | (_, Some(hf::PieceStyle::Metaspace { .. })) => {
                // A malformed `<0xZZ>` piece typed as a byte renders as its text.
                match (ty, bytes::parse_byte_piece(text)) {
                    (TokenType::Byte, Some(b)) => out.push(b),
                    _ => out.extend_from_slice(text.replace('\u{2581}', " ").as_bytes()),
                }
            }
            (Engine::Bpe(_), _) | (_, Some(hf::PieceStyle::ByteLevel)) => bytes::decode_byte_level(text, out),
            (Engine::Wpm(_), _) => wpm::render_phantom(text, out),
            (_, Some(hf::PieceStyle::WordPiece { prefix })) => match text.strip_prefix(prefix.as_str()) {
                Some(rest) => out.extend_from_slice(rest.as_bytes()),
                None => {
                    out.push(b' ');
                    out.extend_from_slice(text.as_bytes());
                }
            },
            _ => out.extend_from_slice(text.as_bytes()),
        }
        Ok(())
    }

    /// The vocabulary string of a token as stored (e.g. `▁the`, `Ġthe`).
    pub fn piece_str(&self, id: u32) -> Option<&str> {
        self.vocab.tokens.get(id as usize).map(String::as_str)
    }

    /// The type of a token (control, byte, …).
    pub fn token_type(&self, id: u32) -> Option<TokenType> {
        self.vocab.token_type(id)
    }

    /// Number of token ids (the model's embedding rows).
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    /// The beginning-of-sequence token, if the model has one.
    pub fn bos_id(&self) -> Option<u32> {
        self.vocab.special.bos
    }

    /// The end-of-sequence token, if the model has one.
    pub fn eos_id(&self) -> Option<u32> {
        self.vocab.special.eos
    }

    /// Whether `encode(_, true)` prepends BOS.
    pub fn add_bos(&self) -> bool {
        self.vocab.add_bos
    }

    /// Whether generation should stop at this token: EOS, EOT, EOM, and the
    /// end-of-turn tokens of common chat formats when the vocabulary has them.
    pub fn is_eog(&self, id: u32) -> bool {
        self.vocab.eog.contains(&id)
    }

    /// All end-of-generation ids, sorted.
    pub fn eog_ids(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.vocab.eog.iter().copied().collect();
        v.sort_unstable();
        v
    }

    /// The id of a token by its exact vocabulary string.
    pub fn token_id(&self, text: &str) -> Option<u32> {
        self.vocab.ids.get(text).copied()
    }

    /// The algorithm this tokenizer runs.
    pub fn kind(&self) -> TokenizerKind {
        self.kind.clone()
    }

    /// An incremental decoder whose output, concatenated, equals `decode`.
    pub fn stream_decoder(&self) -> StreamDecoder<'_> {
        StreamDecoder::new(self)
    }
}

fn missing(what: &str) -> Error {
    Error::Tokenizer { reason: format!("the model asks for a {what} token but its vocabulary names none") }
}

#[cfg(test)]
mod tests;

/// Encode one fragment (no special tokens inside) with a `tokenizers` model and
/// append the ids (shared by the byte-level BPE and WordPiece encoders).
pub(crate) fn encode_fragment(tok: &tokenizers::Tokenizer, text: &str, out: &mut Vec<u32>) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let enc = tok.encode(text, false).map_err(|e| Error::Tokenizer { reason: e.to_string() })?;
    out.extend_from_slice(enc.get_ids());
    Ok(())
}
