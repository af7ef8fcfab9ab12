//! Shared helpers for the workspace tests.

use std::path::PathBuf;

/// `../shared/models` beside the project root, if present.
pub fn shared_models() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} is not present", p.display());
        None
    }
}

/// Committed fixtures of the test crate.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Read a JSON file.
pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

use hearth::gguf::{GgufWriter, Value};
use rand::{Rng, SeedableRng};

/// Shape of a generated tiny Llama GGUF.
#[derive(Debug, Clone, Copy)]
pub struct TinyShape {
    pub dim: u64,
    pub layers: u64,
    pub heads: u64,
    pub kv_heads: u64,
    pub ffn: u64,
    pub vocab: u64,
}

impl Default for TinyShape {
    fn default() -> Self {
        TinyShape { dim: 32, layers: 2, heads: 4, kv_heads: 2, ffn: 48, vocab: 40 }
    }
}

/// A valid tiny `llama` GGUF with seeded random F32 weights (no tokenizer).
pub fn tiny_llama(shape: TinyShape, seed: u64) -> GgufWriter {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut w = GgufWriter::new();
    let s = shape;
    w.set("general.architecture", Value::String("llama".into()))
        .set("llama.embedding_length", Value::U32(s.dim as u32))
        .set("llama.block_count", Value::U32(s.layers as u32))
        .set("llama.attention.head_count", Value::U32(s.heads as u32))
        .set("llama.attention.head_count_kv", Value::U32(s.kv_heads as u32))
        .set("llama.feed_forward_length", Value::U32(s.ffn as u32))
        .set("llama.context_length", Value::U32(64))
        .set("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5));
    let mut add = |w: &mut GgufWriter, name: &str, dims: &[u64]| {
        let n: u64 = dims.iter().product();
        let v: Vec<f32> = (0..n).map(|_| rng.gen_range(-0.5f32..0.5)).collect();
        w.tensor_f32(name, dims, &v).expect("sizes match");
    };
    let hd = s.dim / s.heads;
    add(&mut w, "token_embd.weight", &[s.dim, s.vocab]);
    for l in 0..s.layers {
        add(&mut w, &format!("blk.{l}.attn_norm.weight"), &[s.dim]);
        add(&mut w, &format!("blk.{l}.attn_q.weight"), &[s.dim, s.heads * hd]);
        add(&mut w, &format!("blk.{l}.attn_k.weight"), &[s.dim, s.kv_heads * hd]);
        add(&mut w, &format!("blk.{l}.attn_v.weight"), &[s.dim, s.kv_heads * hd]);
        add(&mut w, &format!("blk.{l}.attn_output.weight"), &[s.heads * hd, s.dim]);
        add(&mut w, &format!("blk.{l}.ffn_norm.weight"), &[s.dim]);
        add(&mut w, &format!("blk.{l}.ffn_gate.weight"), &[s.dim, s.ffn]);
        add(&mut w, &format!("blk.{l}.ffn_up.weight"), &[s.dim, s.ffn]);
        add(&mut w, &format!("blk.{l}.ffn_down.weight"), &[s.ffn, s.dim]);
    }
    add(&mut w, "output_norm.weight", &[s.dim]);
    w
}

/// A GPU device for tests: lavapipe in CI. Skips (returns None) when no adapter
/// exists, unless `HEARTH_REQUIRE_GPU=1` (set by `.ci/run`), which makes a
/// missing adapter a failure rather than a silent skip.
pub fn test_gpu() -> Option<hearth::gpu::Gpu> {
    test_gpu_with(&hearth::gpu::DeviceOptions::default())
}

/// Like `test_gpu`, with options (e.g. plain shaders, a lowered binding limit).
pub fn test_gpu_with(opts: &hearth::gpu::DeviceOptions) -> Option<hearth::gpu::Gpu> {
    match hearth::gpu::Gpu::open(opts) {
        Ok(g) => Some(g),
        Err(e) if std::env::var("HEARTH_REQUIRE_GPU").is_ok_and(|v| v == "1") => panic!("no GPU for tests: {e}"),
        Err(e) => {
            eprintln!("skipped: no GPU adapter ({e})");
            None
        }
    }
}

/// Seeded uniform random values in [-1, 1).
pub fn random_f32(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
}

/// CPU reference of a weight product: `out[t][r] = dequant(W[r]) · x[t]`
/// (f64 sums) for `tokens` rows of `x`.
pub fn matmul_reference(t: &hearth::tensor::TensorRef, x: &[f32], tokens: usize) -> Vec<f32> {
    let (rows, cols) = (t.rows(), t.row_len());
    let mut row = vec![0f32; cols];
    let mut out = vec![0f32; rows * tokens];
    for r in 0..rows {
        hearth::gguf::dequant::dequantize(t.dtype, t.row_bytes_of(r), &mut row).expect("dequantize");
        for tok in 0..tokens {
            let xs = &x[tok * cols..][..cols];
            out[tok * rows + r] = row.iter().zip(xs).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum::<f64>() as f32;
        }
    }
    out
}

/// How far 8-bit activations rounded the other way may move an output of
/// `t · x`: a GPU's `1 / d` may be a few ulp off the CPU's, which can flip
/// the rounding of a value lying within 1e-4 of a half step, by one quant
/// (`d_block` in value). The largest sum over a row of `d_block · |w|` for
/// such values, with x quantized as `kernels::quantize_x` does: usually 0.
pub fn q8_flip_bound(t: &hearth::tensor::TensorRef, x: &[f32]) -> f32 {
    let blocks = hearth::kernels::quantize_x::reference(x);
    let scale = |i: usize| blocks[i / hearth::kernels::quantize_x::BLOCK].0;
    let ambiguous: Vec<usize> =
        (0..x.len()).filter(|&i| scale(i) > 0.0 && ((x[i] / scale(i)).abs().fract() - 0.5).abs() < 1e-4).collect();
    let mut row = vec![0f32; t.row_len()];
    let mut most = 0f32;
    for r in 0..t.rows() {
        hearth::gguf::dequant::dequantize(t.dtype, t.row_bytes_of(r), &mut row).expect("dequantize");
        most = most.max(ambiguous.iter().map(|&i| scale(i) * row[i].abs()).sum());
    }
    most
}

/// Largest absolute difference.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Token ids of a JSON array.
pub fn json_ids(v: &serde_json::Value) -> Vec<u32> {
    v.as_array().expect("array").iter().map(|t| t.as_u64().expect("id") as u32).collect()
}

/// A JSON array of arrays of numbers (logits per position).
pub fn json_matrix(v: &serde_json::Value) -> Vec<Vec<f32>> {
    let row =
        |r: &serde_json::Value| r.as_array().expect("row").iter().map(|x| x.as_f64().expect("number") as f32).collect();
    v.as_array().expect("array").iter().map(row).collect()
}

/// Little-endian bytes of f32 values (buffer contents).
pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Record one compute pass and submit it.
pub fn submit(gpu: &hearth::gpu::Gpu, f: impl FnOnce(&mut wgpu::ComputePass<'_>)) {
    let mut enc = gpu.device.create_command_encoder(&Default::default());
    {
        let mut pass = enc.begin_compute_pass(&Default::default());
        f(&mut pass);
    }
    gpu.queue.submit([enc.finish()]);
}

/// The adapter's own variant and the plain one (no f16, no subgroups), so
/// every kernel test also covers devices without optional features.
pub fn default_and_plain_gpus() -> Vec<hearth::gpu::Gpu> {
    // Plain also means f32 activations and weights row after row in storage
    // buffers, so that both decode paths of the block types and both weight
    // layouts and storages run on CPU adapters (where 8-bit activations, row
    // tiles and weight textures are the default).
    let plain = hearth::gpu::DeviceOptions {
        disable_f16: true,
        disable_subgroups: true,
        int8_activations: Some(false),
        weight_tiles: Some(false),
        weight_textures: Some(false),
        ..Default::default()
    };
    [hearth::gpu::DeviceOptions::default(), plain].iter().filter_map(test_gpu_with).collect()
}

/// A `rows × cols` block matrix whose quant bytes are all `fill`, with
/// scale 1 (Q4_K: scale bytes `fill` too, min 0; Q6_K: sub-block scales
/// 127).
pub fn uniform_nibbles(ty: hearth::gguf::GgmlType, rows: usize, cols: usize, fill: u8) -> hearth::tensor::TensorRef {
    let n = ty.bytes_for((rows * cols) as u64).unwrap() as usize;
    let mut data = vec![fill; n];
    let one = half::f16::from_f32(1.0).to_le_bytes();
    for b in data.chunks_exact_mut(ty.type_size() as usize) {
        if ty == hearth::gguf::GgmlType::Q6_K {
            // ql, qh, 16 int8 scales (127 each), then d.
            b[192..208].fill(0x7F);
            b[208..].copy_from_slice(&one);
            continue;
        }
        b[..2].copy_from_slice(&one);
        if ty == hearth::gguf::GgmlType::Q4_K {
            b[2..4].copy_from_slice(&[0, 0]);
        }
    }
    let mut w = GgufWriter::new();
    w.tensor("m", ty, &[cols as u64, rows as u64], data).unwrap();
    hearth::gguf::GgufFile::parse(
        std::path::Path::new("extreme.gguf"),
        std::sync::Arc::new(hearth::tensor::Mapped::Owned(w.to_bytes())),
    )
    .unwrap()
    .tensor("m")
    .unwrap()
}
