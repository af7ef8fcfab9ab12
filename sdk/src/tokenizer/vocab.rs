//! The vocabulary table shared by every tokenizer back end: token strings,
//! types, scores, the reverse map, special ids and the end-of-generation set.
//!
//! GGUF files describe it with `tokenizer.ggml.*` keys; this module reads them
//! defensively (arrays of the wrong length or type, ids past the vocabulary)
//! because a malformed file must give a typed error, never a panic.

use crate::error::{Error, Result};
use crate::gguf::{GgufFile, Value};
use std::collections::{HashMap, HashSet};

/// The type llama.cpp's converters store per token in `tokenizer.ggml.token_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// 0: not specified.
    Undefined,
    /// 1: an ordinary vocabulary entry.
    Normal,
    /// 2: the unknown token (or a placeholder the converter could not place).
    Unknown,
    /// 3: a control token such as BOS/EOS or `<|im_start|>`; never produced
    /// from ordinary text unless special-token parsing is asked for.
    Control,
    /// 4: an added token that is always matched in text (e.g. NeoX's runs of spaces).
    UserDefined,
    /// 5: reserved, never produced.
    Unused,
    /// 6: a byte-fallback token `<0xNN>`.
    Byte,
}

impl TokenType {
    /// The GGUF integer code; unknown codes read as `Undefined` (llama.cpp
    /// treats them the same way: not special, not normal).
    pub fn from_code(code: i64) -> Self {
        match code {
            1 => TokenType::Normal,
            2 => TokenType::Unknown,
            3 => TokenType::Control,
            4 => TokenType::UserDefined,
            5 => TokenType::Unused,
            6 => TokenType::Byte,
            _ => TokenType::Undefined,
        }
    }
}

/// Token texts that end generation whatever the metadata says. llama.cpp keeps
/// the same list because many converted models only mark EOS, while chat
/// models stop on their end-of-turn token.
pub(crate) const EOG_NAMES: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<|end_of_text|>",
    "<end_of_utterance>",
];

/// Special token ids (each optional: not every model has every role).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SpecialIds {
    pub bos: Option<u32>,
    pub eos: Option<u32>,
    pub eot: Option<u32>,
    pub eom: Option<u32>,
    pub unk: Option<u32>,
    pub pad: Option<u32>,
    pub sep: Option<u32>,
}

/// The vocabulary and its flags.
#[derive(Debug, Default)]
pub(crate) struct Vocab {
    pub tokens: Vec<String>,
    pub types: Vec<TokenType>,
    /// Per-token scores (SentencePiece log-probabilities); all zero when absent.
    pub scores: Vec<f32>,
    /// Text to id. When a text appears twice the later id wins, as in llama.cpp.
    pub ids: HashMap<String, u32>,
    pub special: SpecialIds,
    pub add_bos: bool,
    pub add_eos: bool,
    /// Append the separator after the text (BERT's `[SEP]`).
    pub add_sep: bool,
    pub eog: HashSet<u32>,
    /// Tokens matched in raw text before the model runs (control, user-defined
    /// and unknown types), longest text first.
    pub special_cache: Vec<u32>,
    /// Tokens that swallow the whitespace after them when matched in text.
    pub rstrip: HashSet<u32>,
}

impl Vocab {
    /// Build the table from token texts and types; scores default to zero.
    pub fn new(tokens: Vec<String>, types: Vec<TokenType>, scores: Vec<f32>) -> Self {
        let mut ids = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            ids.insert(t.clone(), i as u32);
        }
        Vocab { tokens, types, scores, ids, ..Vocab::default() }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn token_type(&self, id: u32) -> Option<TokenType> {
        self.types.get(id as usize).copied()
    }

    pub fn score(&self, id: u32) -> f32 {
        self.scores.get(id as usize).copied().unwrap_or(0.0)
    }

    pub fn check_id(&self, id: u32) -> Result<()> {
        if (id as usize) < self.tokens.len() {
            Ok(())
        } else {
            Err(Error::TokenOutOfRange { id, vocab_size: self.tokens.len() })
        }
    }

    /// Finish set-up once types and special ids are known: the EOG set, the
    /// control-type fix-up for EOG-named tokens, and the special-token cache.
    pub fn finish(&mut self) {
        let mut eog = HashSet::new();
        for name in EOG_NAMES {
            if let Some(&id) = self.ids.get(*name) {
                eog.insert(id);
                // A turn terminator typed as user-defined would be split out of
                // plain text; llama.cpp retypes it as control, and so do we.
                if let Some(t) = self.types.get_mut(id as usize) {
                    if *t != TokenType::Control {
                        *t = TokenType::Control;
                    }
                }
            }
        }
        for id in [self.special.eos, self.special.eot, self.special.eom].into_iter().flatten() {
            eog.insert(id);
        }
        self.eog = eog;

        let mut cache: Vec<u32> = self
            .types
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                matches!(t, TokenType::Control | TokenType::UserDefined | TokenType::Unknown)
                    && self.tokens.get(*i).is_some_and(|s| !s.is_empty())
            })
            .map(|(i, _)| i as u32)
            .collect();
        // Longest first so that a token containing another wins; ties by id
        // keep the order deterministic.
        cache.sort_by(|&a, &b| {
            let la = self.tokens[a as usize].len();
            let lb = self.tokens[b as usize].len();
            lb.cmp(&la).then(a.cmp(&b))
        });
        self.special_cache = cache;
    }

    /// An id from metadata, kept only when it lies inside the vocabulary.
    fn valid(&self, id: Option<u64>) -> Option<u32> {
        id.filter(|&v| v < self.tokens.len() as u64).map(|v| v as u32)
    }
}

/// Typed access to the GGUF metadata of one file.
pub(crate) struct Meta<'a> {
    pub file: &'a GgufFile,
}

impl<'a> Meta<'a> {
    pub fn bad(&self, key: &str, reason: impl Into<String>) -> Error {
        Error::BadMetadata { path: self.file.path().into(), key: key.into(), reason: reason.into() }
    }

    pub fn str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.file.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_str().map(Some).ok_or_else(|| self.bad(key, format!("expected a string, found {}", v.type_name())))
            }
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.file.get(key) {
            None => Ok(None),
            Some(v) => {
                v.as_bool().map(Some).ok_or_else(|| self.bad(key, format!("expected a bool, found {}", v.type_name())))
            }
        }
    }

    pub fn u64(&self, key: &str) -> Result<Option<u64>> {
        match self.file.get(key) {
            None => Ok(None),
            // Some writers store "no token" as -1; treat it as absent.
            Some(v) if v.as_i64() == Some(-1) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| self.bad(key, format!("expected a token id, found {v}"))),
        }
    }

    pub fn array(&self, key: &str) -> Result<Option<&'a [Value]>> {
        match self.file.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_array()
                .map(Some)
                .ok_or_else(|| self.bad(key, format!("expected an array, found {}", v.type_name()))),
        }
    }

    pub fn strings(&self, key: &str) -> Result<Option<Vec<&'a str>>> {
        let Some(arr) = self.array(key)? else { return Ok(None) };
        arr.iter()
            .enumerate()
            .map(|(i, v)| v.as_str().ok_or_else(|| self.bad(key, format!("element {i} is a {}", v.type_name()))))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

/// Read tokens, scores and types from the GGUF metadata. `model` decides the
/// default special ids and flags, which the file's keys then override.
pub(crate) fn from_gguf(meta: &Meta<'_>, model: &str) -> Result<Vocab> {
    const TOKENS: &str = "tokenizer.ggml.tokens";
    const SCORES: &str = "tokenizer.ggml.scores";
    const TYPES: &str = "tokenizer.ggml.token_type";
    let tokens =
        meta.strings(TOKENS)?.ok_or_else(|| Error::MissingKey { path: meta.file.path().into(), key: TOKENS.into() })?;
    if tokens.is_empty() {
        return Err(meta.bad(TOKENS, "the vocabulary is empty"));
    }
    if tokens.len() > u32::MAX as usize {
        return Err(meta.bad(TOKENS, "more tokens than fit a u32 id"));
    }
    let n = tokens.len();
    let scores = match meta.array(SCORES)? {
        None => vec![0.0; n],
        Some(a) if a.len() != n => {
            return Err(meta.bad(SCORES, format!("{} scores for {n} tokens", a.len())));
        }
        Some(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_f64().map(|f| f as f32).ok_or_else(|| meta.bad(SCORES, format!("element {i} is not a number")))
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let types = match meta.array(TYPES)? {
        None => vec![TokenType::Normal; n],
        Some(a) if a.len() != n => {
            return Err(meta.bad(TYPES, format!("{} token types for {n} tokens", a.len())));
        }
        Some(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_i64()
                    .map(TokenType::from_code)
                    .ok_or_else(|| meta.bad(TYPES, format!("element {i} is not an integer")))
            })
            .collect::<Result<Vec<_>>>()?,
    };
    // A byte-typed token stands for one raw byte; anything but `<0xNN>`
    // (e.g. `<0x-1>`, `<0xZZ>`) would decode to garbage, so name it.
    if let Some((i, t)) = tokens.iter().zip(&types).enumerate().find_map(|(i, (t, ty))| {
        (*ty == TokenType::Byte && super::bytes::parse_byte_piece(t).is_none()).then_some((i, t))
    }) {
        return Err(meta.bad(TOKENS, format!("token #{i} {t:?} has the byte type but is not a <0xNN> piece")));
    }
    let mut vocab = Vocab::new(tokens.into_iter().map(str::to_owned).collect(), types, scores);

    // Defaults per model family, as llama.cpp sets them before reading keys.
    let (defaults, add_bos, add_eos, add_sep) = match model {
        "llama" => {
            (SpecialIds { bos: Some(1), eos: Some(2), unk: Some(0), ..SpecialIds::default() }, true, false, false)
        }
        "bert" => (
            SpecialIds { bos: Some(101), unk: Some(100), sep: Some(102), pad: Some(0), ..SpecialIds::default() },
            true,
            false,
            true,
        ),
        // Byte-level BPE has no fixed ids; they must come from the file.
        _ => (SpecialIds::default(), false, false, false),
    };
    // BOS and EOS are ids the engine itself feeds to the model or stops on, so
    // one outside the vocabulary means the file is broken: refuse it. Other
    // roles are only matched in text; llama.cpp ignores bad ones with a
    // warning, and so do we (a bad pad id should not stop generation).
    let key_id = |key: &str, default: Option<u32>, strict: bool| -> Result<Option<u32>> {
        match meta.u64(key)? {
            None => Ok(vocab.valid(default.map(u64::from))),
            Some(v) => match vocab.valid(Some(v)) {
                Some(id) => Ok(Some(id)),
                None if strict => {
                    Err(meta.bad(key, format!("token id {v} is outside the vocabulary of {}", vocab.len())))
                }
                None => {
                    tracing::warn!(
                        key,
                        id = v,
                        vocab_size = vocab.len(),
                        "special token id outside the vocabulary; ignored"
                    );
                    Ok(vocab.valid(default.map(u64::from)))
                }
            },
        }
    };
    let bos = match meta.u64("tokenizer.ggml.bos_token_id")? {
        Some(_) => key_id("tokenizer.ggml.bos_token_id", defaults.bos, true)?,
        None => key_id("tokenizer.ggml.cls_token_id", defaults.bos, false)?,
    };
    let special = SpecialIds {
        bos,
        eos: key_id("tokenizer.ggml.eos_token_id", defaults.eos, true)?,
        eot: key_id("tokenizer.ggml.eot_token_id", None, false)?,
        eom: key_id("tokenizer.ggml.eom_token_id", None, false)?,
        unk: key_id("tokenizer.ggml.unknown_token_id", defaults.unk, false)?,
        pad: key_id("tokenizer.ggml.padding_token_id", defaults.pad, false)?,
        // The key is spelled this way in the GGUF specification.
        sep: key_id("tokenizer.ggml.seperator_token_id", defaults.sep, false)?,
    };
    vocab.special = special;
    vocab.add_bos = meta.bool("tokenizer.ggml.add_bos_token")?.unwrap_or(add_bos);
    vocab.add_eos = meta.bool("tokenizer.ggml.add_eos_token")?.unwrap_or(add_eos);
    vocab.add_sep = meta.bool("tokenizer.ggml.add_sep_token")?.unwrap_or(add_sep);
    vocab.finish();

    // Phi-3's chat tokens eat the whitespace after them (rstrip in its
    // tokenizer.json); GGUF has no field for it, so llama.cpp keys it on the
    // model name and we follow.
    let name = meta.str("general.name")?.unwrap_or("").to_lowercase();
    if name.contains("phi-3") || name.contains("phi3") {
        let keep = ["<unk>", "<s>", "<|endoftext|>"];
        let mut rstrip: HashSet<u32> = vocab
            .special_cache
            .iter()
            .copied()
            .filter(|&id| !keep.contains(&vocab.tokens[id as usize].as_str()))
            .collect();
        if let Some(&id) = vocab.ids.get("</s>") {
            rstrip.insert(id);
        }
        vocab.rstrip = rstrip;
    }
    Ok(vocab)
}
