//! Byte-level helpers: GPT-2's byte-to-character alphabet (inverse direction,
//! for decoding) and SentencePiece's `<0xNN>` byte pieces.
//!
//! Decoding maps token characters to bytes here rather than through the
//! `tokenizers` ByteLevel decoder because streaming needs each token's raw
//! bytes; that decoder returns text, lossy when a character spans tokens.

use std::sync::OnceLock;

/// GPT-2's byte-level BPE writes every byte as a printable character: the
/// printable Latin-1 bytes stand for themselves and the other 68 bytes map,
/// in order, to U+0100 onwards. Returns the inverse map, indexed by char.
fn char_to_byte_table() -> &'static [Option<u8>; 324] {
    static TABLE: OnceLock<[Option<u8>; 324]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [None; 324];
        let mut n = 0usize;
        for b in 0..=255u8 {
            let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
            let c = if printable {
                b as usize
            } else {
                n += 1;
                255 + n
            };
            if let Some(slot) = table.get_mut(c) {
                *slot = Some(b);
            }
        }
        table
    })
}

/// The byte a byte-level character stands for, if it is one.
pub(crate) fn byte_level_char(c: char) -> Option<u8> {
    char_to_byte_table().get(c as usize).copied().flatten()
}

/// Decode a byte-level token text into raw bytes. Characters outside the
/// alphabet (which a well-formed vocabulary never has) pass through as UTF-8,
/// so nothing is silently lost.
pub(crate) fn decode_byte_level(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        match byte_level_char(c) {
            Some(b) => out.push(b),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// The byte of a `<0xNN>` piece (hex digits in either case).
pub(crate) fn parse_byte_piece(text: &str) -> Option<u8> {
    let hex = text.strip_prefix("<0x")?.strip_suffix('>')?;
    // from_str_radix alone would also accept a sign ("+1").
    if hex.len() != 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_alphabet() {
        // 'Ġ' (U+0120) is the space, 'Ċ' (U+010A) the newline: facts of GPT-2's table.
        assert_eq!(byte_level_char('Ġ'), Some(b' '));
        assert_eq!(byte_level_char('Ċ'), Some(b'\n'));
        assert_eq!(byte_level_char('A'), Some(b'A'));
        assert_eq!(byte_level_char('ÿ'), Some(0xFF));
        assert_eq!(byte_level_char('\u{00AD}'), None);
        let mut seen = [false; 256];
        for c in (0u32..400).filter_map(char::from_u32) {
            if let Some(b) = byte_level_char(c) {
                assert!(!seen[b as usize]);
                seen[b as usize] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn byte_pieces() {
        assert_eq!(parse_byte_piece("<0x0A>"), Some(10));
        assert_eq!(parse_byte_piece("<0xff>"), Some(255));
        assert_eq!(parse_byte_piece("<0xZZ>"), None);
        assert_eq!(parse_byte_piece("<0x1>"), None);
        assert_eq!(parse_byte_piece("<0x+1>"), None);
        assert_eq!(parse_byte_piece("0x41"), None);
    }
}
