//! WordPiece (GGUF model `bert`) on top of the `tokenizers` crate.
//!
//! llama.cpp's converter stores BERT vocabularies in "phantom space" form: a
//! word-initial piece `foo` becomes `▁foo`, a continuation `##foo` becomes
//! `foo`, and bracketed specials such as `[CLS]` stay as they are. We turn
//! that back into the `##` convention the crate's WordPiece model expects and
//! run the usual BERT pipeline: clean text, split CJK characters, lowercase
//! and strip accents; split on whitespace and punctuation; greedy
//! longest-match-first per word, UNK for a word that cannot be covered.

use super::vocab::Vocab;
use crate::error::{Error, Result};
use tokenizers::models::bpe::Vocab as AVocab;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;

/// The marker for "this piece starts a word" in the GGUF vocabulary.
const PHANTOM: &str = "\u{2581}";

/// The crate-convention text of a phantom-space vocabulary entry.
fn from_phantom(tok: &str) -> String {
    if tok.starts_with('[') && tok.ends_with(']') {
        tok.to_owned()
    } else if let Some(word) = tok.strip_prefix(PHANTOM) {
        word.to_owned()
    } else {
        format!("##{tok}")
    }
}

/// A WordPiece encoder built from a GGUF vocabulary.
pub(crate) struct WordPieceEnc {
    tok: tokenizers::Tokenizer,
}

impl std::fmt::Debug for WordPieceEnc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordPieceEnc").finish_non_exhaustive()
    }
}

impl WordPieceEnc {
    pub fn new(vocab: &Vocab) -> Result<Self> {
        let unk = vocab
            .special
            .unk
            .and_then(|id| vocab.tokens.get(id as usize))
            .ok_or_else(|| Error::Tokenizer { reason: "a WordPiece vocabulary needs an unknown token".into() })?;
        // Iterate in id order so that a text appearing twice maps to the later
        // id, as the vocabulary's own reverse map does.
        let map: AVocab = vocab.tokens.iter().enumerate().map(|(i, t)| (from_phantom(t), i as u32)).collect();
        let model = WordPiece::builder()
            .vocab(map)
            .unk_token(from_phantom(unk))
            .continuing_subword_prefix("##".into())
            .build()
            .map_err(|e| Error::Tokenizer { reason: format!("building WordPiece: {e}") })?;
        let mut tok = tokenizers::Tokenizer::new(model);
        // clean_text, handle_chinese_chars, strip_accents (None: follow
        // lowercase), lowercase: the uncased BERT defaults.
        tok.with_normalizer(Some(BertNormalizer::new(true, true, None, true)));
        tok.with_pre_tokenizer(Some(BertPreTokenizer));
        Ok(WordPieceEnc { tok })
    }

    /// Encode one text fragment and append the ids.
    pub fn encode(&self, text: &str, out: &mut Vec<u32>) -> Result<()> {
        super::encode_fragment(&self.tok, text, out)
    }
}

/// The text a phantom-space piece renders as: word-initial pieces get their
/// space back, continuations attach directly.
pub(crate) fn render_phantom(tok: &str, out: &mut Vec<u8>) {
    match tok.strip_prefix(PHANTOM) {
        Some(word) => {
            out.push(b' ');
            out.extend_from_slice(word.as_bytes());
        }
        None => out.extend_from_slice(tok.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phantom_round_trip() {
        assert_eq!(from_phantom("▁hello"), "hello");
        assert_eq!(from_phantom("ing"), "##ing");
        assert_eq!(from_phantom("[CLS]"), "[CLS]");
        let mut out = Vec::new();
        render_phantom("▁hello", &mut out);
        render_phantom("ing", &mut out);
        assert_eq!(out, b" helloing");
    }
}
