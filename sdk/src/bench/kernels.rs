//! Kernel microbenchmarks: each matrix-vector (decode) and matrix-matrix
//! (prefill) kernel per weight type at a real model's shapes, as GB/s and
//! GFLOP/s and as a percentage of the adapter's roofline.

use super::roofline::Roofline;
use super::{in_pass, time_gpu_with_cpu, time_interleaved};
use crate::error::{Error, Result};
use crate::gguf::{GgmlType, GgufFile, GgufWriter};
use crate::gpu::weights::{GpuMatrix, GpuType};
use crate::gpu::Gpu;
use crate::kernels::attention::{decode_group_fits, Attention, DecodeShape};
use crate::kernels::matvec::{self, Layout, MatVec};
use crate::kernels::{matmul::MatMul, matmul_q8, quantize_x, Step, Variant};
use crate::model::KvCacheType;
use crate::synth::SynthShape;
use crate::tensor::{Mapped, TensorRef};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::sync::Arc;

/// One kernel on one matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KernelResult {
    /// "matvec" (the adapter's default layout; weights not in cache, as in
    /// decode), "matvec:coop" / "matvec:rows" (the other matvec layout, for
    /// comparison), "matvec:x-storage" (the default layout reading x from
    /// storage, where it defaults to a uniform), "matvec:x-own" (the default
    /// layout with each lane loading the 8-bit activations itself, where
    /// their loads are shared by default), "matvec:f32-x" / "matvec:q8-x"
    /// (f32 or 8-bit activations, whichever the default is not),
    /// "matmul" (the adapter's prefill product) or "matmul:f32-x" (with f32
    /// activations, where the default takes 8-bit ones); "attention" (one layer's decode attention, split and
    /// combine passes in the adapter's shape, over `tokens` cached keys of an
    /// f32 cache), "attention:per-head" (the per-head lane pass, where the
    /// adapter's shape is the grouped one) and "attention:prefill" (one
    /// layer's causal attention for a batch of `tokens` queries from
    /// position 0).
    pub kernel: &'static str,
    /// Weight type.
    pub dtype: String,
    /// Which matrix of the shape ("attn_q", "ffn_up", "ffn_down"), or
    /// "kv_cache" for attention.
    pub matrix: &'static str,
    /// Output rows (attention: query heads).
    pub rows: usize,
    /// Row length (attention: the head size).
    pub cols: usize,
    /// Tokens per call (1 for matvec; attention: the keys attended to).
    pub tokens: usize,
    /// Median microseconds per call.
    pub micros: f64,
    /// CPU microseconds this process spent per call (CPU adapters run
    /// kernels on the process's own threads; Linux only).
    pub cpu_micros: Option<f64>,
    /// Weight (attention: K and V cache) bytes read per second, GB/s.
    pub gbps: f64,
    /// Arithmetic, GFLOP/s.
    pub gflops: f64,
    /// GB/s as % of the read roofline (matvec, decode attention), or GFLOP/s
    /// as % of the FMA roofline (matmul, prefill attention).
    pub roofline_percent: f64,
}

/// A `rows × cols` tensor of `ty` with seeded random, well-formed blocks
/// (finite, small scales), held in memory.
pub fn random_tensor(ty: GgmlType, rows: usize, cols: usize, seed: u64) -> Result<TensorRef> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let bad = |reason: String| Error::InvalidArgument { reason };
    let bytes = ty.bytes_for((rows * cols) as u64).ok_or_else(|| bad(format!("{cols} is not a multiple of {ty}")))?;
    let mut data: Vec<u8> = (0..bytes).map(|_| rng.gen()).collect();
    let f16 = |v: f32| half::f16::from_f32(v).to_le_bytes();
    let block = ty.type_size() as usize;
    match ty {
        GgmlType::F32 => {
            data.chunks_exact_mut(4).for_each(|c| c.copy_from_slice(&rng.gen_range(-1.0f32..1.0).to_le_bytes()))
        }
        GgmlType::F16 => data.chunks_exact_mut(2).for_each(|c| c.copy_from_slice(&f16(rng.gen_range(-1.0..1.0)))),
        GgmlType::Q8_0 | GgmlType::Q4_0 => {
            data.chunks_exact_mut(block).for_each(|b| b[..2].copy_from_slice(&f16(rng.gen_range(0.001..0.1))))
        }
        GgmlType::Q4_K => data.chunks_exact_mut(block).for_each(|b| {
            b[..2].copy_from_slice(&f16(rng.gen_range(0.001..0.05)));
            b[2..4].copy_from_slice(&f16(rng.gen_range(0.001..0.05)));
        }),
        GgmlType::Q6_K => {
            data.chunks_exact_mut(block).for_each(|b| b[208..210].copy_from_slice(&f16(rng.gen_range(0.0001..0.005))))
        }
        other => return Err(bad(format!("no random generator for {other}"))),
    }
    let mut w = GgufWriter::new();
    w.tensor("m", ty, &[cols as u64, rows as u64], data)?;
    let path = std::path::Path::new("random.gguf");
    GgufFile::parse(path, Arc::new(Mapped::Owned(w.to_bytes())))?.tensor("m")
}

/// The matrices of one block of `shape`: (name, rows, cols).
fn matrices(shape: &SynthShape) -> [(&'static str, usize, usize); 3] {
    let (dim, ffn) = (shape.dim as usize, shape.ffn as usize);
    [("attn_q", dim, dim), ("ffn_up", ffn, dim), ("ffn_down", dim, ffn)]
}

/// Bytes of weight copies a matvec row rotates over: more than any cache of
/// the adapters measured (H100's L2 is 50 MB, the CI machine's L3 32 MiB),
/// as the roofline's stream (`roofline.rs`, 128 MiB on lavapipe).
const COLD_BYTES: usize = 128 << 20;

/// Time every kernel for every type whose blocks divide the shape's rows,
/// with prefill batches of `tokens`.
pub fn run(gpu: &Gpu, shape: &SynthShape, tokens: usize, roof: &Roofline) -> Result<Vec<KernelResult>> {
    let mut out = Vec::new();
    for ty in GpuType::ALL {
        for (i, (name, rows, cols)) in matrices(shape).into_iter().enumerate() {
            if cols as u64 % ty.ggml().block_size() != 0 {
                continue;
            }
            let t = random_tensor(ty.ggml(), rows, cols, i as u64)?;
            // Decode reads each matrix once per token, long after the last
            // time: the matvec rows rotate over copies filling the roofline's
            // stream (not in any cache), where one copy would stay cached.
            let copies = (COLD_BYTES / t.bytes().len().max(1)).clamp(1, 256);
            let ms = (0..copies).map(|_| GpuMatrix::upload(gpu, &t)).collect::<Result<Vec<_>>>()?;
            let m = &ms[0];
            drop(t);
            let bytes = super::traffic::matrix_bytes(m) as f64;
            let x = gpu.buffer("x", (tokens * cols * 4) as u64);
            let y = gpu.buffer("y", (tokens * rows * 4) as u64);
            let one = gpu.uniform("step", &Step { tokens: 1, ..Default::default() });
            let flops = 2.0 * (rows * cols) as f64;
            let default = Layout::for_adapter(gpu, Variant::of(gpu), m);
            let other = Layout {
                lane_rows: !default.lane_rows,
                rpw: if default.lane_rows { 1 } else { 2 },
                uniform_x: false,
                shared_x: false,
                ..default
            };
            let mut layouts =
                vec![("matvec", default), (if other.lane_rows { "matvec:rows" } else { "matvec:coop" }, other)];
            if default.uniform_x {
                // The default layout with x read from storage, for comparison.
                layouts.push(("matvec:x-storage", Layout { uniform_x: false, ..default }));
            }
            if default.shared_x {
                // Each lane loading the activations itself, for comparison.
                layouts.push(("matvec:x-own", Layout { shared_x: false, ..default }));
            }
            if default.q8_x {
                // The default layout with f32 activations, for comparison.
                let uniform_x = default.lane_rows && matvec::uniform_x_fits(gpu, cols);
                layouts.push(("matvec:f32-x", Layout { q8_x: false, uniform_x, shared_x: false, ..default }));
            } else if quantize_x::supports(ty) && cols % quantize_x::BLOCK == 0 {
                // With 8-bit activations (off by default on GPUs until measured).
                layouts.push(("matvec:q8-x", Layout { q8_x: true, ..default }));
            }
            // Every layout's product of the same matrix, timed in turns.
            let mut products = Vec::with_capacity(layouts.len());
            for (kernel, layout) in layouts {
                let mvs = ms
                    .iter()
                    .map(|m| MatVec::with_layout(gpu, m, [&one, &y], &x, (layout, false)))
                    .collect::<Result<Vec<_>>>()?;
                products.push((kernel, mvs));
            }
            let what = (format!("{ty:?}"), name, rows, cols);
            for (kernel, s, cpu) in in_turns(gpu, &products, |mvs, p| mvs.iter().for_each(|mv| mv.dispatch(p)))? {
                let (s, cpu) = (s / copies as f64, cpu.map(|c| c / copies as f64));
                let gbps = bytes / s / 1e9;
                out.push(result(kernel, &what, 1, (s, cpu), (gbps, flops / s / 1e9), roof.read_percent(gbps * 1e9)));
            }
            out.extend(matmuls(gpu, m, (&x, &y), (&what, tokens), roof)?);
        }
    }
    out.extend(attention(gpu, shape, tokens, roof)?);
    Ok(out)
}

/// Time each item's dispatches (one compute pass each) in turns
/// (`time_interleaved`): (name, seconds, CPU seconds) per item.
fn in_turns<T>(
    gpu: &Gpu,
    items: &[(&'static str, T)],
    dispatch: impl Fn(&T, &mut wgpu::ComputePass<'_>),
) -> Result<Vec<(&'static str, f64, Option<f64>)>> {
    let records: Vec<_> = items
        .iter()
        .map(|(_, item)| {
            let dispatch = &dispatch;
            move |enc: &mut wgpu::CommandEncoder| in_pass(enc, |p| dispatch(item, p))
        })
        .collect();
    let refs: Vec<&dyn Fn(&mut wgpu::CommandEncoder)> =
        records.iter().map(|r| r as &dyn Fn(&mut wgpu::CommandEncoder)).collect();
    Ok(items.iter().zip(time_interleaved(gpu, &refs)?).map(|((name, _), (s, cpu))| (*name, s, cpu)).collect())
}

/// One row of results: `what` is (type, matrix, rows, cols).
fn result(
    kernel: &'static str,
    what: &(String, &'static str, usize, usize),
    tokens: usize,
    (s, cpu): (f64, Option<f64>),
    (gbps, gflops): (f64, f64),
    roofline_percent: f64,
) -> KernelResult {
    let (dtype, matrix, rows, cols) = what.clone();
    KernelResult {
        kernel,
        dtype,
        matrix,
        rows,
        cols,
        tokens,
        micros: s * 1e6,
        cpu_micros: cpu.map(|c| c * 1e6),
        gbps,
        gflops,
        roofline_percent,
    }
}

/// The prefill product of `m` for a batch of `tokens` (x and y hold them):
/// the adapter's, and where it takes 8-bit activations also the one with
/// f32 activations (`matmul:f32-x`), timed in turns.
fn matmuls(
    gpu: &Gpu,
    m: &GpuMatrix,
    (x, y): (&wgpu::Buffer, &wgpu::Buffer),
    (what, tokens): (&(String, &'static str, usize, usize), usize),
    roof: &Roofline,
) -> Result<Vec<KernelResult>> {
    let batch = gpu.uniform("step", &Step { tokens: tokens as u32, ..Default::default() });
    let xq = matmul_q8::supported(gpu, m.ty, m.cols).then(|| gpu.buffer("xq", matmul_q8::batch_bytes(tokens, m.cols)));
    let mut mms = vec![("matmul", MatMul::at_with(gpu, m, [&batch, x, y], (0, m.rows), xq.as_ref())?)];
    if xq.is_some() {
        mms.push(("matmul:f32-x", MatMul::new(gpu, m, &batch, x, y)?));
    }
    let (bytes, flops) = (super::traffic::matrix_bytes(m) as f64, 2.0 * (m.rows * m.cols * tokens) as f64);
    let timed = in_turns(gpu, &mms, |mm, p| mm.dispatch(p, tokens as u32))?;
    Ok(timed
        .into_iter()
        .map(|(kernel, s, cpu)| {
            let gflops = flops / s / 1e9;
            result(kernel, what, tokens, (s, cpu), (bytes / s / 1e9, gflops), roof.fma_percent(gflops * 1e9))
        })
        .collect())
}

/// Decode attention of one layer of `shape` over `keys` cached positions
/// (f32 cache) in the adapter's shape, and in the per-head lane pass where
/// that shape is the grouped one: GB/s of K and V read (every KV head's keys
/// and values once, `2 · keys · kv_heads · head_dim · 4` bytes) and GFLOP/s
/// of the two products (`4 · keys · heads · head_dim`). Then, for at least
/// two keys, prefill attention of `keys` query tokens from position 0:
/// GFLOP/s of the causal products (`4 · heads · head_dim · keys (keys + 1) /
/// 2`) as a percentage of the FMA roofline, GB/s of the same cache bytes.
pub fn attention(gpu: &Gpu, shape: &SynthShape, keys: usize, roof: &Roofline) -> Result<Vec<KernelResult>> {
    let (heads, kv_heads) = (shape.heads as usize, shape.kv_heads.max(1) as usize);
    let hd = shape.dim as usize / heads.max(1);
    let keys = keys.max(1);
    let own = DecodeShape::for_adapter(gpu);
    let mut shapes = vec![("attention", own)];
    if own.lanes && own.grouped && decode_group_fits(heads / kv_heads, hd, own.wg, own.chunk) {
        shapes.push(("attention:per-head", DecodeShape { grouped: false, ..own }));
    }
    let cache = gpu.buffer("kv", (keys * kv_heads * hd * 4) as u64);
    let q = gpu.buffer("q", (heads * hd * 4) as u64);
    let o = gpu.buffer("o", (heads * hd * 4) as u64);
    let step = gpu.uniform("step", &Step { tokens: 1, pos: keys as u32 - 1, kv_len: keys as u32, pad: 0 });
    let bytes = (2 * keys * kv_heads * hd * 4) as f64;
    let mut out = Vec::new();
    for (kernel, d) in shapes {
        let att = Attention::with_decode_shape(gpu, heads, kv_heads, hd, keys, KvCacheType::F32, d)?;
        let b = att.bind(gpu, &step, &q, &cache, &cache, &o)?;
        let (s, cpu) = time_gpu_with_cpu(gpu, &|enc| in_pass(enc, |p| att.dispatch(p, &b, 1, keys as u32)))?;
        let flops = 4.0 * (keys * heads * hd) as f64;
        let percent = roof.read_percent(bytes / s);
        out.push(attention_result(kernel, (heads, hd, keys), (s, cpu), (bytes, flops), percent));
    }
    if keys >= 2 {
        let tokens = keys as u32;
        let att = Attention::new(gpu, heads, kv_heads, hd, keys, KvCacheType::F32)?;
        let (q, o) = (gpu.buffer("q", (keys * heads * hd * 4) as u64), gpu.buffer("o", (keys * heads * hd * 4) as u64));
        let step = gpu.uniform("step", &Step { tokens, pos: 0, kv_len: tokens, pad: 0 });
        let b = att.bind(gpu, &step, &q, &cache, &cache, &o)?;
        let (s, cpu) = time_gpu_with_cpu(gpu, &|enc| in_pass(enc, |p| att.dispatch(p, &b, tokens, tokens)))?;
        // Query token t sees keys 0..=t.
        let flops = 2.0 * (keys * (keys + 1) * heads * hd) as f64;
        let percent = roof.fma_percent(flops / s);
        out.push(attention_result("attention:prefill", (heads, hd, keys), (s, cpu), (bytes, flops), percent));
    }
    Ok(out)
}

/// A row of [`attention`]: `bytes` of cache and `flops` per call, timed at
/// `s` seconds (`cpu` seconds of this process's CPU time).
fn attention_result(
    kernel: &'static str,
    (heads, head_dim, keys): (usize, usize, usize),
    (s, cpu): (f64, Option<f64>),
    (bytes, flops): (f64, f64),
    roofline_percent: f64,
) -> KernelResult {
    KernelResult {
        kernel,
        dtype: "F32".into(),
        matrix: "kv_cache",
        rows: heads,
        cols: head_dim,
        tokens: keys,
        micros: s * 1e6,
        cpu_micros: cpu.map(|c| c * 1e6),
        gbps: bytes / s / 1e9,
        gflops: flops / s / 1e9,
        roofline_percent,
    }
}
