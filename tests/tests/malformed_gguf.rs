//! Malformed GGUF files: every corruption gives a typed error naming the
//! problem, never a panic and never an allocation sized by an untrusted count.

use hearth::gguf::{GgufFile, GgufWriter, Value};
use hearth::tensor::Mapped;
use hearth::{Error, Model, ModelSource};
use hearth_tests::{shared_models, tiny_llama, TinyShape};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::sync::Arc;

fn parse(bytes: Vec<u8>) -> hearth::Result<GgufFile> {
    GgufFile::parse(Path::new("test.gguf"), Arc::new(Mapped::Owned(bytes)))
}

/// Parse and, if that works, load the model: never panics.
fn parse_and_load(bytes: Vec<u8>) -> Result<(), Error> {
    let g = parse(bytes)?;
    Model::load(&ModelSource::Gguf(g)).map(|_| ())
}

/// A raw GGUF header builder that can write lies.
#[derive(Default)]
struct Raw(Vec<u8>);

impl Raw {
    fn header(version: u32, n_tensors: u64, n_kv: u64) -> Self {
        let mut r = Raw(b"GGUF".to_vec());
        r.u32(version).u64(n_tensors).u64(n_kv);
        r
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn str(&mut self, s: &str) -> &mut Self {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    /// A u32 metadata pair.
    fn kv_u32(&mut self, k: &str, v: u32) -> &mut Self {
        self.str(k).u32(4).u32(v)
    }
    /// A tensor info.
    fn tensor(&mut self, name: &str, dims: &[u64], ty: u32, offset: u64) -> &mut Self {
        self.str(name).u32(dims.len() as u32);
        for &d in dims {
            self.u64(d);
        }
        self.u32(ty).u64(offset)
    }
    fn pad(&mut self, total: usize) -> Vec<u8> {
        self.0.resize(total.max(self.0.len()), 0);
        self.0.clone()
    }
}

#[test]
fn header_corruptions_give_specific_errors() {
    let e = parse(b"GGML\x03\0\0\0".to_vec()).unwrap_err();
    assert!(matches!(e, Error::BadMagic { .. }), "{e}");
    for v in [0, 1, 4, 0x0300_0000] {
        let e = parse(Raw::header(v, 0, 0).pad(64)).unwrap_err();
        assert!(matches!(e, Error::UnsupportedVersion { version, .. } if version == v), "{e}");
    }
    for (nt, nkv) in [(1u64 << 63, 0), (u64::MAX, 0), (0, u64::MAX), (0, 1 << 40)] {
        let e = parse(Raw::header(3, nt, nkv).pad(64)).unwrap_err();
        assert!(matches!(e, Error::AbsurdCount { .. }), "{e}");
    }
    // Key length past the end of the file.
    let e = parse(Raw::header(3, 0, 1).u64(1 << 40).pad(80)).unwrap_err();
    assert!(matches!(e, Error::AbsurdCount { .. }), "{e}");
    // String value and array lengths past the end.
    let e = parse(Raw::header(3, 0, 1).str("k").u32(8).u64(u64::MAX).pad(80)).unwrap_err();
    assert!(matches!(e, Error::AbsurdCount { .. }), "{e}");
    let e = parse(Raw::header(3, 0, 1).str("k").u32(9).u32(4).u64(1 << 60).pad(80)).unwrap_err();
    assert!(matches!(e, Error::AbsurdCount { ref what, .. } if what == "k"), "{e}");
    // Unknown value type and unknown array element type.
    let e = parse(Raw::header(3, 0, 1).str("k").u32(13).pad(80)).unwrap_err();
    assert!(matches!(e, Error::BadMetadata { ref key, .. } if key == "k"), "{e}");
    let e = parse(Raw::header(3, 0, 1).str("k").u32(9).u32(99).u64(1).pad(80)).unwrap_err();
    assert!(matches!(e, Error::BadMetadata { .. }), "{e}");
    // A bool that is neither 0 nor 1; a key that is not UTF-8.
    let mut r = Raw::header(3, 0, 1);
    r.str("b").u32(7).0.push(2);
    assert!(matches!(parse(r.pad(64)).unwrap_err(), Error::BadMetadata { .. }));
    let mut r = Raw::header(3, 0, 1);
    r.u64(2).0.extend_from_slice(&[0xff, 0xfe]);
    r.u32(4).u32(0);
    assert!(matches!(parse(r.pad(64)).unwrap_err(), Error::BadMetadata { .. }));
    // Duplicate key.
    let e = parse(Raw::header(3, 0, 2).kv_u32("a", 1).kv_u32("a", 2).pad(96)).unwrap_err();
    assert!(matches!(e, Error::DuplicateKey { ref key, .. } if key == "a"), "{e}");
    // Alignment zero and not a power of two.
    for a in [0, 3, 48] {
        let e = parse(Raw::header(3, 0, 1).kv_u32("general.alignment", a).pad(96)).unwrap_err();
        assert!(matches!(e, Error::BadMetadata { ref key, .. } if key == "general.alignment"), "{e}");
    }
    // Arrays nested past the depth limit.
    let mut r = Raw::header(3, 0, 1);
    r.str("deep").u32(9);
    for _ in 0..20 {
        r.u32(9).u64(1);
    }
    assert!(matches!(parse(r.pad(1024)).unwrap_err(), Error::BadMetadata { .. } | Error::AbsurdCount { .. }));
}

#[test]
fn tensor_info_corruptions_give_specific_errors() {
    let tensor_err = |dims: &[u64], ty: u32, offset: u64, total: usize| {
        parse(Raw::header(3, 1, 0).tensor("t", dims, ty, offset).pad(total)).unwrap_err()
    };
    let e = tensor_err(&[32], 77, 0, 256);
    assert!(matches!(e, Error::UnknownTensorType { type_id: 77, ref tensor, .. } if tensor == "t"), "{e}");
    let e = tensor_err(&[1 << 40, 1 << 40], 0, 0, 256);
    assert!(matches!(e, Error::BadTensor { .. }), "{e}");
    let e = tensor_err(&[u64::MAX], 0, 0, 256);
    assert!(matches!(e, Error::BadTensor { .. }), "{e}");
    let e = tensor_err(&[1, 1, 1, 1, 1], 0, 0, 256);
    assert!(matches!(e, Error::BadTensor { .. }), "{e}");
    let e = tensor_err(&[33], 8, 0, 256); // Q8_0 row not a multiple of 32
    assert!(matches!(e, Error::BadTensor { .. }), "{e}");
    let e = tensor_err(&[64], 0, 0, 128); // 256 bytes of data in a 128-byte file
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    let e = tensor_err(&[4], 0, u64::MAX - 31, 256);
    assert!(matches!(e, Error::Truncated { .. }), "{e}");
    let e = tensor_err(&[4], 0, 3, 256); // misaligned offset
    assert!(matches!(e, Error::BadTensor { .. }), "{e}");
    // Overlapping and duplicated tensors.
    let bytes = Raw::header(3, 2, 0).tensor("a", &[16], 0, 0).tensor("b", &[16], 0, 32).pad(512);
    assert!(matches!(parse(bytes).unwrap_err(), Error::BadTensor { ref tensor, .. } if tensor == "b"));
    let bytes = Raw::header(3, 2, 0).tensor("a", &[8], 0, 0).tensor("a", &[8], 0, 32).pad(512);
    assert!(matches!(parse(bytes).unwrap_err(), Error::DuplicateTensor { ref tensor, .. } if tensor == "a"));
}

#[test]
fn model_level_errors_name_the_tensor() {
    let good = tiny_llama(TinyShape::default(), 1);
    assert!(parse_and_load(good.to_bytes()).is_ok());
    // block_count larger than the blocks present.
    let mut w = tiny_llama(TinyShape::default(), 1);
    w.set("llama.block_count", Value::U32(3));
    let e = parse_and_load(w.to_bytes()).unwrap_err();
    assert!(matches!(e, Error::MissingTensor { ref tensor, .. } if tensor == "blk.2.attn_norm.weight"), "{e}");
    // Wrong shape for the architecture: 4 KV heads declared, 2 present.
    let mut w = tiny_llama(TinyShape::default(), 1);
    w.set("llama.attention.head_count_kv", Value::U32(4));
    let e = parse_and_load(w.to_bytes()).unwrap_err();
    assert!(matches!(e, Error::WrongShape { ref tensor, .. } if tensor == "blk.0.attn_k.weight"), "{e}");
    // Impossible hyper-parameters.
    let mut w = tiny_llama(TinyShape::default(), 1);
    w.set("llama.attention.head_count_kv", Value::U32(3));
    assert!(matches!(parse_and_load(w.to_bytes()).unwrap_err(), Error::BadConfig { .. }));
    let mut w = tiny_llama(TinyShape::default(), 1);
    w.set("llama.attention.head_count", Value::U32(0));
    assert!(matches!(parse_and_load(w.to_bytes()).unwrap_err(), Error::BadConfig { .. }));
    let mut w = tiny_llama(TinyShape::default(), 1);
    w.set("llama.embedding_length", Value::String("big".into()));
    let e = parse_and_load(w.to_bytes()).unwrap_err();
    assert!(matches!(e, Error::BadMetadata { ref key, .. } if key == "llama.embedding_length"), "{e}");
    let mut w = GgufWriter::new();
    w.set("general.architecture", Value::String("gpt-j".into()));
    assert!(matches!(parse_and_load(w.to_bytes()).unwrap_err(), Error::UnsupportedArchitecture { .. }));
    // Missing architecture key entirely.
    let e = parse_and_load(GgufWriter::new().to_bytes()).unwrap_err();
    assert!(matches!(e, Error::MissingKey { .. }), "{e}");
}

/// Every prefix of a valid file fails cleanly (typed error, no panic).
fn check_truncations(bytes: &[u8], step: usize) {
    for cut in (0..bytes.len()).step_by(step) {
        assert!(parse_and_load(bytes[..cut].to_vec()).is_err(), "prefix of {cut} bytes loaded");
    }
}

#[test]
fn every_truncation_of_a_generated_file_fails_cleanly() {
    let bytes = tiny_llama(TinyShape::default(), 2).to_bytes();
    check_truncations(&bytes, 1);
}

#[test]
fn corruptions_of_real_files_never_panic() {
    let Some(models) = shared_models() else { return };
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for name in ["stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf", "stories260K-F16.gguf"] {
        let bytes = std::fs::read(models.join("stories260K").join(name)).unwrap();
        check_truncations(&bytes, 997);
        let header_end = 4096.min(bytes.len());
        // Seeded bit flips and overwrites in the header region, and u64 lies
        // written at random offsets: Ok or a typed error, never a panic.
        for _ in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..header_end);
                if rng.gen_bool(0.5) {
                    b[at] ^= 1 << rng.gen_range(0..8);
                } else if at + 8 <= b.len() {
                    let lie: u64 = [u64::MAX, 1 << 63, 1 << 40, 0, rng.gen()][rng.gen_range(0..5)];
                    b[at..at + 8].copy_from_slice(&lie.to_le_bytes());
                }
            }
            let _ = std::panic::catch_unwind(|| parse_and_load(b)).expect("a corrupt file made the loader panic");
        }
    }
}
