//! Incremental detokenization for streaming generated text.
//!
//! A token may end in the middle of a UTF-8 character (byte-fallback tokens
//! carry one byte each; byte-level BPE tokens can split a character too), so
//! the decoder holds back an incomplete tail until the rest arrives. For GGUF
//! vocabularies it works on token bytes directly; for `tokenizer.json` files
//! it re-decodes a short window of recent ids with the file's own decoder and
//! emits what grew, the way the `tokenizers` crate's streaming decoder does,
//! so that decoders which look at neighbouring tokens stay correct.

use super::{Engine, Tokenizer};
use crate::error::Result;

#[derive(Debug)]
enum State {
    /// Bytes not yet emitted because they end in an incomplete character.
    Bytes { pending: Vec<u8>, first: bool },
    /// Recent ids; `prefix` is the decoded text of `ids[..prefix_len]`, all emitted.
    Window { ids: Vec<u32>, prefix: String, prefix_len: usize },
}

/// Turns generated ids into text as they arrive. The concatenation of all
/// `push` results and `finish` equals `Tokenizer::decode` of the same ids.
#[derive(Debug)]
pub struct StreamDecoder<'t> {
    tok: &'t Tokenizer,
    state: State,
}

/// Move the longest complete UTF-8 prefix of `buf` into `out`. Invalid bytes
/// become U+FFFD exactly as `String::from_utf8_lossy` would replace them; an
/// incomplete sequence at the end stays in `buf`.
fn drain_utf8(buf: &mut Vec<u8>, out: &mut String) {
    loop {
        match std::str::from_utf8(buf) {
            Ok(s) => {
                out.push_str(s);
                buf.clear();
                return;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                out.push_str(&String::from_utf8_lossy(&buf[..valid]));
                match e.error_len() {
                    None => {
                        buf.drain(..valid);
                        return;
                    }
                    Some(bad) => {
                        out.push('\u{FFFD}');
                        buf.drain(..valid + bad);
                    }
                }
            }
        }
    }
}

impl<'t> StreamDecoder<'t> {
    pub fn new(tok: &'t Tokenizer) -> Self {
        let state = match tok.engine {
            Engine::Hf(_) => State::Window { ids: Vec::new(), prefix: String::new(), prefix_len: 0 },
            _ => State::Bytes { pending: Vec::new(), first: true },
        };
        StreamDecoder { tok, state }
    }

    /// Add one id; returns the text that became complete (often empty).
    pub fn push(&mut self, id: u32) -> Result<String> {
        self.tok.vocab.check_id(id)?;
        let mut out = String::new();
        match &mut self.state {
            State::Bytes { pending, first } => {
                self.tok.render_for_decode(id, first, pending)?;
                drain_utf8(pending, &mut out);
            }
            State::Window { ids, prefix, prefix_len } => {
                ids.push(id);
                let text = self.tok.decode(ids)?;
                // A trailing U+FFFD means the last token ended mid-character:
                // wait for more before emitting.
                if text.len() > prefix.len() && !text.ends_with('\u{FFFD}') {
                    out = emit_growth(prefix, &text);
                    // Keep the ids after the old prefix as context for the next
                    // token (decoders strip or join based on neighbours).
                    let keep_from = *prefix_len;
                    let new_prefix_len = ids.len() - keep_from;
                    ids.drain(..keep_from);
                    *prefix = self.tok.decode(ids)?;
                    *prefix_len = new_prefix_len;
                }
            }
        }
        Ok(out)
    }

    /// Flush what is held back; a dangling partial character becomes U+FFFD.
    pub fn finish(&mut self) -> Result<String> {
        match &mut self.state {
            State::Bytes { pending, .. } => {
                let out = String::from_utf8_lossy(pending).into_owned();
                pending.clear();
                Ok(out)
            }
            State::Window { ids, prefix, prefix_len } => {
                let text = self.tok.decode(ids)?;
                let out = if text.len() > prefix.len() { emit_growth(prefix, &text) } else { String::new() };
                ids.clear();
                prefix.clear();
                *prefix_len = 0;
                Ok(out)
            }
        }
    }
}

/// The part of `text` after `prefix`. If the decoder rewrote earlier text (it
/// should not), emit from the first difference rather than duplicating.
fn emit_growth(prefix: &str, text: &str) -> String {
    if let Some(rest) = text.strip_prefix(prefix) {
        return rest.to_owned();
    }
    let common = prefix
        .char_indices()
        .zip(text.chars())
        .find(|((_, a), b)| a != b)
        .map_or(prefix.len().min(text.len()), |((i, _), _)| i);
    text.get(common..).unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_draining() {
        let mut buf = vec![b'a', 0xE2, 0x82];
        let mut out = String::new();
        drain_utf8(&mut buf, &mut out);
        assert_eq!(out, "a");
        assert_eq!(buf, vec![0xE2, 0x82]);
        buf.push(0xAC);
        drain_utf8(&mut buf, &mut out);
        assert_eq!(out, "a€");
        assert!(buf.is_empty());
        // An invalid byte in the middle is replaced, the rest still flows.
        let mut buf = vec![0xFF, b'b', 0xF0, 0x9F];
        let mut out = String::new();
        drain_utf8(&mut buf, &mut out);
        assert_eq!(out, "\u{FFFD}b");
        assert_eq!(buf, vec![0xF0, 0x9F]);
    }
}
