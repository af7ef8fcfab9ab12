//! A tokenizer built from GGUF vocabulary metadata, then encode and decode.
//! Input: a u16 (little-endian) text length, that many bytes of text, then
//! the GGUF image. Decoding also runs on ids taken from the text bytes, so
//! out-of-range and special ids are covered.
#![no_main]

use hearth::gguf::GgufFile;
use hearth::tensor::Mapped;
use hearth::tokenizer::Tokenizer;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Some((len, rest)) = data.split_first_chunk::<2>() else { return };
    let len = (u16::from_le_bytes(*len) as usize).min(rest.len());
    let (text, image) = rest.split_at(len);
    let Ok(file) = GgufFile::parse(Path::new("fuzz.gguf"), Arc::new(Mapped::Owned(image.to_vec()))) else {
        return;
    };
    let Ok(tok) = Tokenizer::from_gguf(&file) else { return };
    let text_str = String::from_utf8_lossy(text);
    for (add, parse) in [(true, true), (false, false)] {
        if let Ok(ids) = tok.encode_with_special(&text_str, add, parse) {
            let n = tok.vocab_size();
            assert!(ids.iter().all(|&id| (id as usize) < n), "encode produced an id outside the vocabulary");
            let _ = tok.decode(&ids);
        }
    }
    let raw: Vec<u32> = text.chunks(2).map(|c| u32::from(c[0]) | u32::from(*c.get(1).unwrap_or(&0)) << 8).collect();
    let _ = tok.decode(&raw);
    let mut stream = tok.stream_decoder();
    for &id in &raw {
        let _ = stream.push(id);
    }
    let _ = stream.finish();
});
