//! Hearth's CPU dequantization against an independent implementation.
//!
//! The fixtures in `fixtures/quant/` come from
//! `scripts/fixtures/gen_quant_fixtures.py`: raw GGUF block bytes plus the f32
//! values gguf-py (llama.cpp's Python package) decodes them to (Q8_K, which
//! gguf-py lacks, uses an independent numpy decoder in that script).
//!
//! Tolerance: none. Hearth performs the same f32 operations in the same order
//! as ggml's `dequantize_row_*` and gguf-py, so every value must be
//! bit-identical (compared via `to_bits`, so -0.0 vs 0.0 counts as a
//! mismatch). The fixtures contain no NaNs; if one ever appears, two NaNs are
//! treated as equal because NaN payloads are not part of the contract.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use hearth::gguf::dequant::dequantize;
use hearth::gguf::{GgmlType, GgufFile};
use hearth::Error;
use std::path::{Path, PathBuf};

/// The twelve types Hearth dequantizes; each must have a fixture.
const SUPPORTED: [&str; 12] =
    ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "Q8_K"];

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/quant")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Fixture {
    dtype: GgmlType,
    blocks: Vec<u8>,
    expected: Vec<f32>,
    reference: String,
}

fn fixtures() -> Vec<Fixture> {
    let dir = fixture_dir();
    let index: serde_json::Value = serde_json::from_slice(&read(&dir.join("index.json"))).expect("index.json is JSON");
    let entries = index["fixtures"].as_array().expect("fixtures array");
    entries
        .iter()
        .map(|e| {
            let name = e["type"].as_str().expect("type");
            let id = e["type_id"].as_u64().expect("type_id") as u32;
            let dtype = GgmlType::from_id(id).expect("known type id");
            assert_eq!(dtype.name(), name, "type id {id}");
            assert_eq!(e["block_size"].as_u64(), Some(dtype.block_size()), "{name} block size");
            assert_eq!(e["type_size"].as_u64(), Some(dtype.type_size()), "{name} type size");
            let blocks = read(&dir.join(e["blocks"].as_str().expect("blocks")));
            let raw = read(&dir.join(e["expected"].as_str().expect("expected")));
            assert_eq!(raw.len() % 4, 0, "{name}: expected file is not whole f32s");
            let expected: Vec<f32> =
                raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            assert_eq!(e["n_values"].as_u64(), Some(expected.len() as u64), "{name}");
            assert_eq!(e["n_blocks"].as_u64().map(|n| n * dtype.type_size()), Some(blocks.len() as u64), "{name}");
            let reference = e["reference"].as_str().unwrap_or("?").to_string();
            Fixture { dtype, blocks, expected, reference }
        })
        .collect()
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Compare and describe the first few mismatches (with the max abs error).
fn check_exact(what: &str, got: &[f32], want: &[f32], block_size: usize) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let bad: Vec<usize> = (0..got.len()).filter(|&i| !same(got[i], want[i])).collect();
    if !bad.is_empty() {
        let max_err = bad.iter().map(|&i| (got[i] - want[i]).abs()).fold(0f32, f32::max);
        let first: Vec<String> = bad
            .iter()
            .take(8)
            .map(|&i| format!("[{i}] (block {}) got {:e} want {:e}", i / block_size, got[i], want[i]))
            .collect();
        panic!(
            "{what}: {} of {} values differ (max abs error {max_err:e}); first: {}",
            bad.len(),
            got.len(),
            first.join(", ")
        );
    }
}

#[test]
fn every_supported_type_has_a_fixture() {
    let fx = fixtures();
    let names: Vec<String> = fx.iter().map(|f| f.dtype.name()).collect();
    for t in SUPPORTED {
        assert!(names.iter().any(|n| n == t), "no fixture for {t}");
    }
    for f in &fx {
        assert!(f.dtype.can_dequantize(), "{} has a fixture but can_dequantize() is false", f.dtype);
    }
    // And can_dequantize() is true for exactly the supported set.
    for t in (0..64).filter_map(GgmlType::from_id) {
        assert_eq!(t.can_dequantize(), SUPPORTED.contains(&t.name().as_str()), "{t}");
    }
}

#[test]
fn matches_reference_bit_exactly() {
    for f in fixtures() {
        let mut got = vec![f32::NAN; f.expected.len()];
        dequantize(f.dtype, &f.blocks, &mut got).unwrap_or_else(|e| panic!("{}: {e}", f.dtype));
        check_exact(&format!("{} vs {}", f.dtype, f.reference), &got, &f.expected, f.dtype.block_size() as usize);
    }
}

/// The forward pass calls `dequantize` one row at a time; decoding in pieces
/// of a few blocks must give the same values as decoding everything at once.
#[test]
fn piecewise_decoding_matches() {
    for f in fixtures() {
        let bs = f.dtype.block_size() as usize;
        let ts = f.dtype.type_size() as usize;
        let n_blocks = f.blocks.len() / ts;
        for per in [1, 3, 7] {
            let mut got = vec![f32::NAN; f.expected.len()];
            for (i, (src, dst)) in f.blocks.chunks(per * ts).zip(got.chunks_mut(per * bs)).enumerate() {
                dequantize(f.dtype, src, dst).unwrap_or_else(|e| panic!("{} piece {i} of {per} blocks: {e}", f.dtype));
            }
            check_exact(&format!("{} in pieces of {per}/{n_blocks}", f.dtype), &got, &f.expected, bs);
        }
    }
}

#[test]
fn wrong_lengths_give_invalid_argument() {
    for f in fixtures() {
        let ts = f.dtype.type_size() as usize;
        let bs = f.dtype.block_size() as usize;
        let one = &f.blocks[..ts];
        let cases: [(&[u8], usize); 5] = [
            (&one[..ts - 1], bs),      // truncated block
            (&f.blocks[..ts + 1], bs), // a stray extra byte
            (one, bs + 1),             // more values than the block holds
            (one, 2 * bs),             // two blocks of values, one of bytes
            (&f.blocks[..2 * ts], bs), // two blocks of bytes, one of values
        ];
        for (src, n) in cases {
            let mut dst = vec![0f32; n];
            match dequantize(f.dtype, src, &mut dst) {
                Err(Error::InvalidArgument { .. }) => {}
                other => panic!("{}: {} bytes into {n} values gave {other:?}", f.dtype, src.len()),
            }
        }
        // Non-whole blocks of values are rejected even when the byte count
        // could be right for some other count.
        if bs > 1 {
            let mut dst = vec![0f32; bs - 1];
            assert!(matches!(dequantize(f.dtype, &[], &mut dst), Err(Error::InvalidArgument { .. })));
        }
    }
}

#[test]
fn unsupported_types_give_unsupported_type() {
    for t in [GgmlType::IQ2_XXS, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q8_1, GgmlType::I8] {
        let src = vec![0u8; t.type_size() as usize];
        let mut dst = vec![0f32; t.block_size() as usize];
        match dequantize(t, &src, &mut dst) {
            Err(Error::UnsupportedType { dtype, .. }) => assert_eq!(dtype, t.name()),
            other => panic!("{t}: expected UnsupportedType, got {other:?}"),
        }
    }
}

/// Sanity check on real llama.cpp-quantized files: the stories260K tensors
/// in the Q8_0 / Q4_0 / F16 files decode to within quantization error of the
/// F32 file. Skipped when the shared models are not present.
#[test]
fn stories260k_matches_f32_within_quantization_error() {
    let dir = Path::new("/work/shared/models/stories260K");
    let f32_path = dir.join("stories260K-F32.gguf");
    if !f32_path.exists() {
        eprintln!("skipping: {} not present", f32_path.display());
        return;
    }
    let reference = GgufFile::open(&f32_path).expect("open F32 file");
    let mut checked = 0;
    for variant in ["Q8_0", "Q4_0", "F16"] {
        let path = dir.join(format!("stories260K-{variant}.gguf"));
        if !path.exists() {
            eprintln!("skipping {variant}: {} not present", path.display());
            continue;
        }
        let file = GgufFile::open(&path).expect("open quantized file");
        for info in &file.tensors {
            let t = file.tensor(&info.name).expect("tensor");
            let got = t.to_f32().unwrap_or_else(|e| panic!("{variant} {}: {e}", info.name));
            let want = reference.tensor(&info.name).and_then(|r| r.to_f32()).expect("F32 tensor");
            assert_eq!(got.len(), want.len(), "{variant} {}", info.name);

            // Row-by-row decoding gives the same values as the whole tensor.
            let mut row = vec![0f32; t.row_len()];
            for r in 0..t.rows() {
                t.dequantize_row(r, &mut row).expect("row");
                let whole = &got[r * t.row_len()..(r + 1) * t.row_len()];
                assert!(row.iter().zip(whole).all(|(a, b)| same(*a, *b)), "{} row {r}", info.name);
            }

            // Loose error bounds per 32-value block (or per value for
            // floats), from how each type rounds: F16 to the nearest half
            // (relative 2^-11, absolute 2^-25 for subnormals); Q8_0 has step
            // d = amax/127, error half a step plus up to 127 × the f16
            // rounding of d (~0.56 d), bounded here by one full step; Q4_0
            // has step amax/8 with one extreme clipped, error at most about
            // one step, bounded by 1.1 steps.
            let group = if info.dtype.block_size() > 1 { 32 } else { 1 };
            let mut max_err = 0f32;
            let (mut se, mut ss) = (0f64, 0f64);
            for (g, w) in got.chunks(group).zip(want.chunks(group)) {
                let amax = w.iter().fold(0f32, |m, v| m.max(v.abs()));
                for (a, b) in g.iter().zip(w) {
                    let err = (a - b).abs();
                    let bound = match info.dtype {
                        GgmlType::F32 => 0.0,
                        GgmlType::F16 => b.abs() * 2f32.powi(-11) + 2f32.powi(-25),
                        GgmlType::Q8_0 => amax / 127.0 + 1e-7,
                        GgmlType::Q4_0 => amax / 8.0 * 1.1 + 1e-7,
                        other => panic!("unexpected {other} in {variant}"),
                    };
                    assert!(err <= bound, "{variant} {}: got {a} want {b} (error {err} > bound {bound})", info.name);
                    max_err = max_err.max(err);
                    se += f64::from(err).powi(2);
                    ss += f64::from(*b).powi(2);
                }
            }
            let rel_rms = (se / ss.max(f64::MIN_POSITIVE)).sqrt();
            let rel_limit = match info.dtype {
                GgmlType::F32 => 0.0,
                GgmlType::F16 => 1e-3,
                GgmlType::Q8_0 => 0.01,
                _ => 0.15,
            };
            assert!(rel_rms <= rel_limit, "{variant} {}: relative RMS error {rel_rms}", info.name);
            if info.name == "blk.0.attn_q.weight" {
                eprintln!("{variant} {}: max abs error {max_err:e}, relative RMS {rel_rms:.2e}", info.name);
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
}
