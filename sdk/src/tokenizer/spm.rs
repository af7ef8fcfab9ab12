//! SentencePiece-style BPE over a scored vocabulary (GGUF model `llama`).
//!
//! Why hand-written: the `tokenizers` crate's BPE merges by a *rank list* of
//! pairs, while SentencePiece BPE models (as GGUF stores them) carry no merge
//! list at all, only a score per piece. The algorithm is: split the text into
//! UTF-8 characters, then repeatedly merge the adjacent pair whose
//! concatenation is a vocabulary piece with the highest score (leftmost on
//! ties), and finally map each remaining symbol to its piece, or to its bytes
//! as `<0xNN>` tokens (byte fallback), or to UNK. This is exactly what
//! llama.cpp does, which is what the test vectors were checked against.
//!
//! A priority queue of candidate pairs keeps this O(n log n) in the text
//! length: each merge removes a symbol and adds at most two candidates.

use super::vocab::Vocab;
use crate::error::{Error, Result};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One symbol of the text: a byte range, linked to its neighbours.
#[derive(Debug, Clone, Copy)]
struct Symbol {
    start: usize,
    len: usize,
    prev: Option<usize>,
    next: Option<usize>,
}

/// A candidate merge of `left` with the symbol after it.
#[derive(Debug)]
struct Bigram {
    score: f32,
    left: usize,
    right: usize,
    /// Byte length of the merged text when queued; a mismatch later means one
    /// side has grown since and the candidate is stale.
    size: usize,
}

impl PartialEq for Bigram {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Bigram {}
impl PartialOrd for Bigram {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bigram {
    /// Max-heap order: higher score first, then the leftmost pair.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.left.cmp(&self.left))
    }
}

/// The byte-fallback table: for each byte, the token that stands for it.
#[derive(Debug, Clone)]
pub(crate) struct ByteTokens(Box<[Option<u32>; 256]>);

impl ByteTokens {
    /// `<0xNN>` pieces (upper-case hex as SentencePiece writes them), else the
    /// byte itself as a one-character piece when it is ASCII.
    pub fn new(vocab: &Vocab) -> Self {
        let mut table = [None; 256];
        for (b, slot) in table.iter_mut().enumerate() {
            let hex = format!("<0x{b:02X}>");
            *slot = vocab.ids.get(&hex).copied().or_else(|| {
                let c = b as u8;
                if c.is_ascii() {
                    vocab.ids.get(&(c as char).to_string()).copied()
                } else {
                    None
                }
            });
        }
        ByteTokens(Box::new(table))
    }

    pub fn get(&self, b: u8) -> Option<u32> {
        self.0[b as usize]
    }
}

/// Tokenize `text` (spaces already replaced by U+2581) and append the ids.
pub(crate) fn tokenize(vocab: &Vocab, bytes_tab: &ByteTokens, text: &str, out: &mut Vec<u32>) -> Result<()> {
    let mut symbols: Vec<Symbol> = Vec::with_capacity(text.len());
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        let idx = symbols.len();
        symbols.push(Symbol { start, len: c.len_utf8(), prev: idx.checked_sub(1), next: iter.peek().map(|_| idx + 1) });
    }
    if symbols.is_empty() {
        return Ok(());
    }

    let mut queue = BinaryHeap::new();
    let try_add = |queue: &mut BinaryHeap<Bigram>, symbols: &[Symbol], left: Option<usize>, right: Option<usize>| {
        let (Some(l), Some(r)) = (left, right) else { return };
        let (ls, rs) = (symbols[l], symbols[r]);
        // Linked neighbours are adjacent in the text, so the pair is one slice.
        let end = ls.start + ls.len + rs.len;
        let Some(piece) = text.get(ls.start..end) else { return };
        if let Some(&id) = vocab.ids.get(piece) {
            queue.push(Bigram { score: vocab.score(id), left: l, right: r, size: piece.len() });
        }
    };
    for i in 1..symbols.len() {
        try_add(&mut queue, &symbols, Some(i - 1), Some(i));
    }

    while let Some(bigram) = queue.pop() {
        let (l, r) = (bigram.left, bigram.right);
        let (ls, rs) = (symbols[l], symbols[r]);
        // Skip candidates made stale by an earlier merge of either side.
        if ls.len == 0 || rs.len == 0 || ls.len + rs.len != bigram.size || ls.next != Some(r) {
            continue;
        }
        symbols[l].len += rs.len;
        symbols[r].len = 0;
        symbols[l].next = rs.next;
        if let Some(n) = rs.next {
            symbols[n].prev = Some(l);
        }
        try_add(&mut queue, &symbols, symbols[l].prev, Some(l));
        try_add(&mut queue, &symbols, Some(l), symbols[l].next);
    }

    let mut cur = Some(0);
    while let Some(i) = cur {
        let s = symbols[i];
        cur = s.next;
        let piece = text.get(s.start..s.start + s.len).unwrap_or("");
        if let Some(&id) = vocab.ids.get(piece) {
            out.push(id);
            continue;
        }
        // Not a piece: only single characters get here (merges always form
        // pieces), so fall back to their UTF-8 bytes, or to one UNK for the
        // character when the vocabulary lacks a byte token.
        let fallback: Option<Vec<u32>> = piece.bytes().map(|b| bytes_tab.get(b)).collect();
        match (fallback, vocab.special.unk) {
            (Some(ids), _) => out.extend(ids),
            (None, Some(unk)) => out.push(unk),
            (None, None) => {
                return Err(Error::Tokenizer {
                    reason: format!("no token for {piece:?}: no byte-fallback tokens and no unknown token"),
                })
            }
        }
    }
    Ok(())
}
