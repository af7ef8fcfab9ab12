//! Attention (decode split-K and tiled prefill) and argmax / top-k
//! against their CPU references on seeded random inputs, at sizes that are
//! not multiples of the workgroup, chunk or tile sizes, in the variant the
//! adapter supports and in the plain variant (no f16, no subgroups).

use hearth::gpu::Gpu;
use hearth::kernels::argmax::{self, Argmax, TopK};
use hearth::kernels::attention::{self, Attention, DecodeShape};
use hearth::kernels::{Step, Variant};
use hearth::model::KvCacheType;
use hearth_tests::{default_and_plain_gpus, f32_bytes, max_abs_diff, random_f32, submit};

fn label(gpu: &Gpu) -> &'static str {
    if gpu.subgroups {
        "subgroups"
    } else {
        "plain"
    }
}

fn read_u32(gpu: &Gpu, b: &wgpu::Buffer, n: usize) -> Vec<u32> {
    let bytes = gpu.read_bytes(b, (n * 4) as u64).unwrap();
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Random caches over all `max_ctx` positions (those after a query's position
/// must not affect its result) and queries scaled ×3 for peakier softmaxes.
struct Case {
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
}

fn case(n_heads: usize, n_kv: usize, hd: usize, max_ctx: usize, tokens: usize, seed: u64) -> Case {
    let q: Vec<f32> = random_f32(tokens * n_heads * hd, seed).iter().map(|x| x * 3.0).collect();
    let k = random_f32(max_ctx * n_kv * hd, seed + 1);
    let v = random_f32(max_ctx * n_kv * hd, seed + 2);
    Case { q, k, v }
}

/// GPU attention for `tokens` queries at `pos0` over the case's caches.
fn gpu_attention(
    gpu: &Gpu,
    att: &Attention,
    c: &Case,
    n_heads: usize,
    hd: usize,
    pos0: usize,
    tokens: usize,
) -> Vec<f32> {
    let kv_len = (pos0 + tokens) as u32;
    let step = gpu.uniform("step", &Step { tokens: tokens as u32, pos: pos0 as u32, kv_len, pad: 0 });
    let bq = gpu.buffer_init("q", &f32_bytes(&c.q));
    let bk = gpu.buffer_init("k", &f32_bytes(&c.k));
    let bv = gpu.buffer_init("v", &f32_bytes(&c.v));
    let out = gpu.buffer("out", (tokens * n_heads * hd * 4) as u64);
    let b = att.bind(gpu, &step, &bq, &bk, &bv, &out).unwrap();
    submit(gpu, |p| att.dispatch(p, &b, tokens as u32, kv_len));
    gpu.read_f32(&out, tokens * n_heads * hd).unwrap()
}

// Shapes: (n_heads, n_kv_heads, head_dim) covering GQA ratios 2, 3, 4, 1, 7,
// 10 (more query heads per KV head than a subgroup of 8 lanes holds) and
// head dims that are not powers of two (10: not even a multiple of 4) or
// larger than the workgroup.
const SHAPES: [(usize, usize, usize); 9] =
    [(8, 4, 8), (6, 2, 16), (4, 1, 80), (5, 5, 96), (4, 2, 128), (2, 1, 256), (3, 1, 10), (14, 2, 64), (20, 2, 12)];

#[test]
fn decode_attention_matches_cpu() {
    // Tolerance: 1e-4 absolute on outputs of O(1) (convex combinations of V
    // in [-1, 1]); f32 sums over up to 2049 keys in a different order.
    const TOL: f32 = 1e-4;
    let max_ctx = 2100;
    for gpu in default_and_plain_gpus() {
        let mut worst = 0f32;
        // This adapter's shape, and a GPU's (256 invocations, 64-key chunks,
        // keys split between invocations in the V pass) on any adapter.
        let v = Variant { subgroups: false, ..Variant::of(&gpu) };
        let gpu_shape = DecodeShape { chunk: 64, variant: v, wg: 256, lanes: false, grouped: false };
        // And the tiled pass in the CPU adapter's workgroup shape, and the
        // per-head lane pass, where the adapter's own shape is a lane pass
        // (the grouped one for grouped-query shapes).
        let own = DecodeShape::for_adapter(&gpu);
        let tiled = DecodeShape { lanes: false, ..own };
        let mut shapes = vec![None, Some(gpu_shape)];
        if own.lanes {
            shapes.push(Some(tiled));
            shapes.push(Some(DecodeShape { grouped: false, ..own }));
        }
        for ((n_heads, n_kv, hd), shape) in SHAPES.into_iter().flat_map(|s| shapes.iter().map(move |&x| (s, x))) {
            let att = match shape {
                None => Attention::new(&gpu, n_heads, n_kv, hd, max_ctx, KvCacheType::F32).unwrap(),
                Some(d) => Attention::with_decode_shape(&gpu, n_heads, n_kv, hd, max_ctx, KvCacheType::F32, d).unwrap(),
            };
            for kv_len in [1usize, 7, 128, 129, 300, 2049] {
                let c = case(n_heads, n_kv, hd, max_ctx, 1, (kv_len * 31 + hd) as u64);
                let got = gpu_attention(&gpu, &att, &c, n_heads, hd, kv_len - 1, 1);
                let want = attention::reference(&c.q, &c.k, &c.v, n_heads, n_kv, hd, kv_len - 1, 1);
                let err = max_abs_diff(&got, &want);
                assert!(err < TOL, "{} {n_heads}/{n_kv}x{hd} kv_len={kv_len}: {err}", label(&gpu));
                worst = worst.max(err);
            }
        }
        eprintln!("decode attention ({}): max error {worst:.2e}", label(&gpu));
    }
}

#[test]
fn prefill_attention_matches_cpu() {
    // Tolerance as for decode: 1e-4 absolute on O(1) outputs.
    const TOL: f32 = 1e-4;
    let max_ctx = 400;
    for gpu in default_and_plain_gpus() {
        let mut worst = 0f32;
        for (n_heads, n_kv, hd) in SHAPES {
            let att = Attention::new(&gpu, n_heads, n_kv, hd, max_ctx, KvCacheType::F32).unwrap();
            // pos0 > 0: the cache already holds earlier positions.
            for (pos0, tokens) in [(0usize, 1usize), (0, 2), (0, 5), (0, 33), (9, 1), (9, 5), (130, 33), (300, 17)] {
                let c = case(n_heads, n_kv, hd, max_ctx, tokens, (pos0 * 13 + tokens + hd) as u64);
                let got = gpu_attention(&gpu, &att, &c, n_heads, hd, pos0, tokens);
                let want = attention::reference(&c.q, &c.k, &c.v, n_heads, n_kv, hd, pos0, tokens);
                let err = max_abs_diff(&got, &want);
                assert!(err < TOL, "{} {n_heads}/{n_kv}x{hd} pos0={pos0} tokens={tokens}: {err}", label(&gpu));
                worst = worst.max(err);
            }
        }
        eprintln!("prefill attention ({}): max error {worst:.2e}", label(&gpu));
    }
}

#[test]
fn one_binding_serves_a_prefill_then_decode_steps() {
    // The engine binds once and only rewrites the step uniform (and the
    // buffers' contents) between calls.
    let (n_heads, n_kv, hd, max_ctx) = (6usize, 2usize, 64usize, 300usize);
    for gpu in default_and_plain_gpus() {
        let att = Attention::new(&gpu, n_heads, n_kv, hd, max_ctx, KvCacheType::F32).unwrap();
        let c = case(n_heads, n_kv, hd, max_ctx, 40, 77);
        let step = gpu.uniform("step", &Step::default());
        let (bq, bo) =
            (gpu.buffer("q", (40 * n_heads * hd * 4) as u64), gpu.buffer("out", (40 * n_heads * hd * 4) as u64));
        let bk = gpu.buffer_init("k", &f32_bytes(&c.k));
        let bv = gpu.buffer_init("v", &f32_bytes(&c.v));
        let b = att.bind(&gpu, &step, &bq, &bk, &bv, &bo).unwrap();
        let mut pos = 0usize;
        for tokens in [33usize, 1, 1, 5, 1] {
            let q = &c.q[..tokens * n_heads * hd];
            let kv_len = (pos + tokens) as u32;
            gpu.queue.write_buffer(&bq, 0, &f32_bytes(q));
            gpu.queue.write_buffer(
                &step,
                0,
                step_bytes(&Step { tokens: tokens as u32, pos: pos as u32, kv_len, pad: 0 }).as_slice(),
            );
            submit(&gpu, |p| att.dispatch(p, &b, tokens as u32, kv_len));
            let got = gpu.read_f32(&bo, q.len()).unwrap();
            let want = attention::reference(q, &c.k, &c.v, n_heads, n_kv, hd, pos, tokens);
            let err = max_abs_diff(&got, &want);
            assert!(err < 1e-4, "{} pos={pos} tokens={tokens}: {err}", label(&gpu));
            pos += tokens;
        }
    }
}

fn step_bytes(s: &Step) -> Vec<u8> {
    [s.tokens, s.pos, s.kv_len, s.pad].iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[test]
fn argmax_matches_cpu_with_ties() {
    for gpu in default_and_plain_gpus() {
        for n in [1usize, 7, 1000, 1024, 1025, 70_000, 151_936, 262_144] {
            let mut x = random_f32(n, n as u64);
            let mut cases = vec![x.clone()];
            // Ties: the maximum at several places, the lowest must win.
            for &i in &[n / 2, n - 1, (n / 3 + 1).min(n - 1)] {
                x[i] = 2.0;
            }
            cases.push(x.clone());
            // All equal: index 0.
            cases.push(vec![-0.5; n]);
            // -inf everywhere but one (masked logits).
            let mut masked = vec![f32::NEG_INFINITY; n];
            masked[n - 1] = -100.0;
            cases.push(masked);
            // NaN never wins (the CPU's `>` skips it too, except at index 0).
            if n > 2 {
                let mut nan = random_f32(n, 9);
                nan[1] = f32::NAN;
                nan[n - 1] = f32::NAN;
                cases.push(nan);
            }
            let k = Argmax::new(&gpu, n).unwrap();
            for x in cases {
                let bx = gpu.buffer_init("logits", &f32_bytes(&x));
                let out = gpu.buffer("out", 4);
                let b = k.bind(&gpu, &bx, &out);
                submit(&gpu, |p| k.dispatch(p, &b));
                let got = read_u32(&gpu, &out, 1)[0];
                assert_eq!(got, hearth::model::cpu::argmax(&x), "{} n={n}", label(&gpu));
            }
        }
    }
}

#[test]
fn top_k_matches_cpu_order() {
    for gpu in default_and_plain_gpus() {
        for n in [1usize, 10, 1025, 5000, 151_936] {
            // Values on a coarse grid: many exact ties, ordered by id.
            let x: Vec<f32> = random_f32(n, 3 + n as u64).iter().map(|v| (v * 40.0).round() / 8.0).collect();
            for k in [1usize, 2, 5, 40, 64] {
                if k > n {
                    continue;
                }
                let t = TopK::new(&gpu, n, k).unwrap();
                let bx = gpu.buffer_init("logits", &f32_bytes(&x));
                let out = gpu.buffer("out", (k * 8) as u64);
                let b = t.bind(&gpu, &bx, &out);
                submit(&gpu, |p| t.dispatch(p, &b));
                let words = read_u32(&gpu, &out, 2 * k);
                let got: Vec<(u32, f32)> = words.chunks(2).map(|w| (w[0], f32::from_bits(w[1]))).collect();
                assert_eq!(got, argmax::top_k_reference(&x, k), "{} n={n} k={k}", label(&gpu));
            }
        }
    }
}

#[test]
fn long_prefill_crosses_key_ranges() {
    // Prefill keys are walked in ranges of 1024 per dispatch (256 for heads
    // over 512 wide); tiles whose rows end in different ranges, and contexts
    // of several ranges. Tolerance as above.
    const TOL: f32 = 1e-4;
    let max_ctx = 3100;
    for gpu in default_and_plain_gpus() {
        let mut worst = 0f32;
        for (n_heads, n_kv, hd) in [(2usize, 1usize, 64usize), (3, 1, 80), (2, 2, 256), (1, 1, 520)] {
            let att = Attention::new(&gpu, n_heads, n_kv, hd, max_ctx, KvCacheType::F32).unwrap();
            for (pos0, tokens) in [(1010usize, 33usize), (2040, 16), (3000, 40), (0, 600)] {
                let c = case(n_heads, n_kv, hd, max_ctx, tokens, (pos0 + tokens + hd) as u64);
                let got = gpu_attention(&gpu, &att, &c, n_heads, hd, pos0, tokens);
                let want = attention::reference(&c.q, &c.k, &c.v, n_heads, n_kv, hd, pos0, tokens);
                let err = max_abs_diff(&got, &want);
                assert!(err < TOL, "{} {n_heads}/{n_kv}x{hd} pos0={pos0} tokens={tokens}: {err}", label(&gpu));
                worst = worst.max(err);
            }
        }
        eprintln!("long prefill attention ({}): max error {worst:.2e}", label(&gpu));
    }
}

#[test]
fn aliased_query_and_output_is_an_error() {
    for gpu in default_and_plain_gpus() {
        let att = Attention::new(&gpu, 2, 1, 16, 64, KvCacheType::F32).unwrap();
        let step = gpu.uniform("step", &Step::default());
        let (x, k, v) = (gpu.buffer("x", 4096), gpu.buffer("k", 4096), gpu.buffer("v", 4096));
        assert!(att.bind(&gpu, &step, &x, &k, &v, &x).is_err());
        assert!(
            Attention::new(&gpu, 6, 4, 16, 64, KvCacheType::F32).is_err(),
            "6 heads cannot share 4 KV heads evenly"
        );
    }
}

#[test]
fn f16_cache_matches_cpu_on_rounded_keys_and_values() {
    // The f16 cache holds rounded K/V: compare against the reference on the
    // same rounded values (then only summation order differs: 1e-4), for
    // decode and prefill. (Writing the cache is `qkv_post`'s test.)
    const TOL: f32 = 1e-4;
    let max_ctx = 300;
    let halves = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|&x| half::f16::from_f32(x).to_le_bytes()).collect() };
    let round = |v: &[f32]| -> Vec<f32> { v.iter().map(|&x| KvCacheType::F16.round(x)).collect() };
    for gpu in default_and_plain_gpus() {
        for (n_heads, n_kv, hd) in SHAPES {
            let att = Attention::new(&gpu, n_heads, n_kv, hd, max_ctx, KvCacheType::F16).unwrap();
            for (pos0, tokens) in [(0usize, 1usize), (0, 7), (129, 1), (250, 17)] {
                let c = case(n_heads, n_kv, hd, max_ctx, tokens, (pos0 + tokens + hd) as u64);
                let kv_len = pos0 + tokens;
                let (kc, vc) = (gpu.buffer_init("kc", &halves(&c.k)), gpu.buffer_init("vc", &halves(&c.v)));
                let step = gpu
                    .uniform("step", &Step { tokens: tokens as u32, pos: pos0 as u32, kv_len: kv_len as u32, pad: 0 });
                let bq = gpu.buffer_init("q", &f32_bytes(&c.q));
                let out = gpu.buffer("out", (tokens * n_heads * hd * 4) as u64);
                let b = att.bind(&gpu, &step, &bq, &kc, &vc, &out).unwrap();
                submit(&gpu, |p| att.dispatch(p, &b, tokens as u32, kv_len as u32));
                let got = gpu.read_f32(&out, tokens * n_heads * hd).unwrap();
                let want = attention::reference(&c.q, &round(&c.k), &round(&c.v), n_heads, n_kv, hd, pos0, tokens);
                let err = max_abs_diff(&got, &want);
                assert!(err < TOL, "{} f16 {n_heads}/{n_kv}x{hd} pos0={pos0} tokens={tokens}: {err}", label(&gpu));
            }
        }
    }
}
