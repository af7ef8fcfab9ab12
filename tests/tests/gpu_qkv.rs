//! The step after the Q/K/V product (`kernels::qkv_post`: bias, RoPE, the
//! queries out and the K/V cache store) against its CPU reference on seeded
//! random inputs: head sizes that are not powers of two (and one odd one),
//! partial RoPE, both pairings, with and without bias, f32 and f16 caches,
//! in the variant the adapter supports and in the plain variant.

use hearth::gpu::Gpu;
use hearth::kernels::qkv_post::{self, QkvBuffers, QkvPost, QkvShape};
use hearth::kernels::Step;
use hearth::model::{KvCacheType, RopeLayout};
use hearth_tests::{default_and_plain_gpus, f32_bytes, random_f32, submit};

fn inv_freqs(rope_dim: usize, theta: f64) -> Vec<f64> {
    (0..rope_dim / 2).map(|i| theta.powf(-2.0 * i as f64 / rope_dim as f64)).collect()
}

/// The cache as f32 values.
fn read_cache(gpu: &Gpu, b: &wgpu::Buffer, kv: KvCacheType, n: usize) -> Vec<f32> {
    match kv {
        KvCacheType::F32 => gpu.read_f32(b, n).unwrap(),
        KvCacheType::F16 => {
            let bytes = gpu.read_bytes(b, (n * 2) as u64).unwrap();
            bytes.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()).collect()
        }
    }
}

/// The cache's initial contents (random, so untouched positions are checked).
fn fill_cache(gpu: &Gpu, kv: KvCacheType, values: &[f32]) -> wgpu::Buffer {
    match kv {
        KvCacheType::F32 => gpu.buffer_init("cache", &f32_bytes(values)),
        KvCacheType::F16 => {
            let halves: Vec<u8> = values.iter().flat_map(|&x| half::f16::from_f32(x).to_le_bytes()).collect();
            gpu.buffer_init("cache", &halves)
        }
    }
}

/// Worst |got - want| / tolerance; panics when over 1.
fn check(what: &str, got: &[f32], want: &[f32], tol: impl Fn(f32) -> f32) -> f32 {
    assert_eq!(got.len(), want.len(), "{what}");
    let mut worst = 0f32;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let r = (g - w).abs() / tol(*w);
        assert!(r <= 1.0, "{what}: value {i}: {g} vs {w}");
        worst = worst.max(r);
    }
    worst
}

// (n_heads, n_kv_heads, head_dim, rope_dim): GQA 2, 3, 1 and 7; head dims of
// 80, 96 and 10; partial RoPE (64 of 96, 32 of 64); an odd head size (5,
// f32 cache only) whose parts end mid-pair.
const SHAPES: [(usize, usize, usize, usize); 6] =
    [(4, 2, 8, 8), (3, 1, 80, 80), (5, 5, 96, 64), (2, 1, 128, 128), (7, 1, 64, 32), (6, 2, 10, 10)];

#[test]
fn qkv_post_matches_cpu() {
    // Tolerance: the GPU computes the angle f32(pos) · f32(inv_freq) in f32
    // (as llama.cpp does), the reference in f64: both roundings are ≤ 2^-24
    // relative to an angle ≤ pos, so rotated values (|x| < 2.2 with a bias)
    // may differ by about 4.4e-7 · pos, plus the f32 sin/cos error. An f16
    // cache may then round to the neighbouring half: 2^-10 relative.
    let mut worst = 0f32;
    let mut cases = 0;
    for gpu in default_and_plain_gpus() {
        let odd = [(3usize, 1usize, 5usize, 4usize)];
        for (si, &(n_heads, n_kv, head_dim, rope_dim)) in SHAPES.iter().chain(&odd).enumerate() {
            let kv_types: &[KvCacheType] =
                if n_kv * head_dim % 2 == 0 { &[KvCacheType::F32, KvCacheType::F16] } else { &[KvCacheType::F32] };
            for (li, layout) in [RopeLayout::Interleaved, RopeLayout::Neox].into_iter().enumerate() {
                for &kv in kv_types {
                    let bias = (si + li) % 2 == 0;
                    let shape = QkvShape { n_heads, n_kv_heads: n_kv, head_dim, rope_dim, layout, kv, bias };
                    let k = QkvPost::new(&gpu, shape).unwrap();
                    let freqs = inv_freqs(rope_dim, if head_dim == 128 { 1e6 } else { 1e4 });
                    let freqs32: Vec<f32> = freqs.iter().map(|&f| f as f32).collect();
                    let bf = gpu.buffer_init("inv_freq", &f32_bytes(&freqs32));
                    for (pos0, tokens) in [(0usize, 1usize), (0, 5), (17, 1), (300, 33), (3000, 5)] {
                        let seed = (si * 1000 + pos0 * 7 + tokens) as u64;
                        let (kvd, max_ctx) = (shape.kv_dim(), pos0 + tokens + 2);
                        let product = random_f32(tokens * shape.row(), seed);
                        let b = random_f32(shape.row(), seed + 1);
                        let (k0, v0) = (random_f32(max_ctx * kvd, seed + 2), random_f32(max_ctx * kvd, seed + 3));
                        let (k0, v0): (Vec<f32>, Vec<f32>) =
                            (k0.iter().map(|&x| kv.round(x)).collect(), v0.iter().map(|&x| kv.round(x)).collect());
                        let (bp, bb) =
                            (gpu.buffer_init("qkv", &f32_bytes(&product)), gpu.buffer_init("b", &f32_bytes(&b)));
                        let bq = gpu.buffer("q", (tokens * shape.q_dim() * 4) as u64);
                        let (kc, vc) = (fill_cache(&gpu, kv, &k0), fill_cache(&gpu, kv, &v0));
                        let step = Step { tokens: tokens as u32, pos: pos0 as u32, kv_len: max_ctx as u32, pad: 0 };
                        let step = gpu.uniform("step", &step);
                        let io = QkvBuffers {
                            step: &step,
                            inv_freq: &bf,
                            qkv: &bp,
                            bias: bias.then_some(&bb),
                            q: &bq,
                            k_cache: &kc,
                            v_cache: &vc,
                        };
                        let bg = k.bind(&gpu, &io).unwrap();
                        submit(&gpu, |p| k.dispatch(p, &bg, tokens as u32));

                        let want = qkv_post::reference(&shape, &product, bias.then_some(&b[..]), &freqs, pos0);
                        let what = format!(
                            "{} {n_heads}/{n_kv}x{head_dim} rope {rope_dim} {layout:?} {kv:?} bias={bias} pos0={pos0} tokens={tokens}",
                            gpu.summary.name
                        );
                        let angle_tol = 2e-5 + 5e-7 * (pos0 + tokens) as f32;
                        let cache_tol =
                            |w: f32| if kv == KvCacheType::F16 { angle_tol + w.abs() / 1024.0 } else { angle_tol };
                        let q = gpu.read_f32(&bq, want.q.len()).unwrap();
                        worst = worst.max(check(&format!("{what} q"), &q, &want.q, |_| angle_tol));
                        let (kg, vg) = (read_cache(&gpu, &kc, kv, k0.len()), read_cache(&gpu, &vc, kv, v0.len()));
                        let span = pos0 * kvd..(pos0 + tokens) * kvd;
                        worst = worst.max(check(&format!("{what} k"), &kg[span.clone()], &want.k, cache_tol));
                        // V is not rotated: bias add and rounding only.
                        let v_tol = |w: f32| if kv == KvCacheType::F16 { 1e-7 + w.abs() / 1024.0 } else { 1e-7 };
                        check(&format!("{what} v"), &vg[span.clone()], &want.v, v_tol);
                        // Other positions are untouched.
                        for (got, init, name) in [(&kg, &k0, "k"), (&vg, &v0, "v")] {
                            assert_eq!(got[..span.start], init[..span.start], "{what}: {name} before pos0");
                            assert_eq!(got[span.end..], init[span.end..], "{what}: {name} after the tokens");
                        }
                        cases += 1;
                    }
                }
            }
        }
    }
    eprintln!("qkv_post: {cases} cases, worst error / tolerance = {worst:.3}");
}

#[test]
fn qkv_post_refuses_what_it_cannot_serve() {
    let Some(gpu) = default_and_plain_gpus().into_iter().next() else { return };
    let ok = QkvShape {
        n_heads: 4,
        n_kv_heads: 2,
        head_dim: 8,
        rope_dim: 8,
        layout: RopeLayout::Neox,
        kv: KvCacheType::F16,
        bias: false,
    };
    assert!(QkvPost::new(&gpu, ok).is_ok());
    for bad in [
        QkvShape { rope_dim: 7, ..ok },
        QkvShape { rope_dim: 10, ..ok },
        QkvShape { rope_dim: 0, ..ok },
        QkvShape { n_kv_heads: 0, ..ok },
        // An f16 cache stores whole words: an odd KV width cannot be packed.
        QkvShape { n_kv_heads: 1, head_dim: 5, rope_dim: 4, ..ok },
    ] {
        assert!(QkvPost::new(&gpu, bad).is_err(), "{bad:?}");
    }
    // A bias buffer is bound exactly when the shape has one.
    let k = QkvPost::new(&gpu, ok).unwrap();
    let b = gpu.buffer("b", 4096);
    let io = QkvBuffers { step: &b, inv_freq: &b, qkv: &b, bias: Some(&b), q: &b, k_cache: &b, v_cache: &b };
    assert!(k.bind(&gpu, &io).is_err());
}
