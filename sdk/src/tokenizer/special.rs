//! Splitting raw text around special tokens before the model's own algorithm
//! runs, the way llama.cpp partitions its fragment buffer.
//!
//! Tokens are tried longest text first; each one splits every remaining text
//! fragment at all of its (non-overlapping, leftmost) occurrences. Control and
//! unknown tokens take part only when `parse_special` is set; user-defined
//! tokens always do, which is what Hugging Face tokenizers do with non-special
//! added tokens (NeoX's whitespace runs, DeepSeek's single-character tokens).

use super::vocab::{TokenType, Vocab};

/// One piece of the input: text still to tokenize, or a token already chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fragment<'a> {
    Text(&'a str),
    Token(u32),
}

/// A fragment during partitioning: a byte range of the input or a token.
#[derive(Debug, Clone, Copy)]
enum Part {
    Text(usize, usize),
    Token(u32),
}

/// The whitespace C's `isspace` accepts; llama.cpp strips exactly these.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Split `text` into fragments. Empty input gives no fragments.
pub(crate) fn partition<'a>(vocab: &Vocab, text: &'a str, parse_special: bool) -> Vec<Fragment<'a>> {
    if text.is_empty() {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut parts = vec![Part::Text(0, text.len())];
    for &id in &vocab.special_cache {
        let ty = vocab.token_type(id);
        if !parse_special && matches!(ty, Some(TokenType::Control | TokenType::Unknown)) {
            continue;
        }
        let Some(needle) = vocab.tokens.get(id as usize) else { continue };
        // An empty needle would match everywhere; the cache excludes them but
        // a cheap whole-text check also skips the common no-match case.
        if needle.is_empty() || !text.contains(needle.as_str()) {
            continue;
        }
        let rstrip = vocab.rstrip.contains(&id);
        let mut next = Vec::with_capacity(parts.len() + 2);
        for part in parts {
            let Part::Text(mut start, end) = part else {
                next.push(part);
                continue;
            };
            // `find` on a valid UTF-8 needle only matches at char boundaries,
            // so every slice below stays on boundaries.
            while let Some(pos) = text[start..end].find(needle.as_str()) {
                let m = start + pos;
                if m > start {
                    next.push(Part::Text(start, m));
                }
                next.push(Part::Token(id));
                start = m + needle.len();
                if rstrip {
                    while start < end && is_c_space(bytes[start]) {
                        start += 1;
                    }
                }
            }
            if start < end {
                next.push(Part::Text(start, end));
            }
        }
        parts = next;
    }
    parts
        .into_iter()
        .map(|p| match p {
            Part::Text(s, e) => Fragment::Text(&text[s..e]),
            Part::Token(id) => Fragment::Token(id),
        })
        .collect()
}
