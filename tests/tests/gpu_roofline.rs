//! The roofline kernels against their CPU references, and the traffic model
//! behind `hearth bench`'s percentages.

use hearth::kernels::fma_peak::{self, FmaPeak};
use hearth::kernels::stream_read::{self, Pattern, StreamRead, CHUNK_VEC4};
use hearth_tests::{default_and_plain_gpus, f32_bytes, random_f32, submit};

#[test]
fn stream_read_sums_every_chunk() {
    for gpu in default_and_plain_gpus() {
        // 2.5 chunks: the last workgroup reads a partial chunk.
        let vec4s = CHUNK_VEC4 * 5 / 2;
        let data = random_f32(vec4s as usize * 4, 3);
        let src = gpu.buffer_init("src", &f32_bytes(&data));
        let n = stream_read::workgroups(vec4s) as usize;
        assert_eq!(n, 3);
        let want = stream_read::reference(&data);
        assert_eq!(want.len(), n);
        for pattern in [Pattern::Interleaved, Pattern::LaneRuns, Pattern::Texture] {
            let out = gpu.buffer("out", (n * 4) as u64);
            let k = StreamRead::new(&gpu, &src, vec4s, &out, pattern).unwrap();
            submit(&gpu, |p| k.dispatch(p));
            let got = gpu.read_f32(&out, n).unwrap();
            for (g, w) in got.iter().zip(&want) {
                // 16 384 values of |v| < 1 summed in another order.
                assert!((g - w).abs() < 1e-2, "{g} vs {w} ({pattern:?}) on {}", gpu.summary.name);
            }
        }
    }
}

#[test]
fn fma_peak_computes_its_recurrence() {
    for gpu in default_and_plain_gpus() {
        let (workgroups, iters) = (3u32, 37u32);
        let n = workgroups * fma_peak::WORKGROUP;
        let out = gpu.buffer("out", u64::from(n) * 16);
        let k = FmaPeak::new(&gpu, workgroups, iters, &out).unwrap();
        submit(&gpu, |p| k.dispatch(p));
        let got = gpu.read_f32(&out, n as usize * 4).unwrap();
        for (i, want) in fma_peak::reference(n, iters).iter().enumerate() {
            for lane in 0..4 {
                let g = got[i * 4 + lane];
                // fma may be fused or not: relative 1e-5.
                assert!(
                    (g - want[lane]).abs() <= 1e-5 * want[lane].abs().max(1.0),
                    "[{i}.{lane}] {g} vs {}",
                    want[lane]
                );
            }
        }
        assert_eq!(fma_peak::flops(workgroups, iters), f64::from(n) * 37.0 * 64.0);
    }
}

#[test]
fn attention_bench_counts_the_cache_it_reads() {
    // A made-up roofline: the percentage is GB/s over its read bandwidth.
    let roof = hearth::bench::roofline::Roofline {
        read_gbps: 10.0,
        read_interleaved_gbps: 10.0,
        read_lane_runs_gbps: 10.0,
        read_texture_gbps: 10.0,
        copy_gbps: 20.0,
        fma_gflops: 100.0,
        read_bytes: 0,
    };
    let shape = hearth::synth::shape("smollm2-135m").unwrap();
    let (heads, kv, hd) = (shape.heads as f64, shape.kv_heads as f64, (shape.dim / shape.heads) as f64);
    for gpu in default_and_plain_gpus() {
        // 0 keys is taken as 1 (a decode step always sees its own key).
        for (keys, seen) in [(0usize, 1.0), (200, 200.0)] {
            let rows = hearth::bench::kernels::attention(&gpu, &shape, keys, &roof).unwrap();
            assert_eq!(rows[0].kernel, "attention");
            let mut prefill_rows = 0;
            for r in rows {
                assert_eq!((r.rows, r.tokens as f64), (shape.heads as usize, seen));
                let secs = r.micros / 1e6;
                assert!(secs > 0.0 && secs.is_finite());
                let bytes = 2.0 * seen * kv * hd * 4.0;
                assert!((r.gbps * 1e9 * secs - bytes).abs() < 1e-6 * bytes);
                if r.kernel == "attention:prefill" {
                    // Query token t sees keys 0..=t.
                    let flops = 2.0 * seen * (seen + 1.0) * heads * hd;
                    assert!((r.gflops * 1e9 * secs - flops).abs() < 1e-6 * flops);
                    assert!((r.roofline_percent - r.gflops).abs() < 1e-9);
                    prefill_rows += 1;
                    continue;
                }
                assert!((r.gflops * 1e9 * secs - 4.0 * seen * heads * hd).abs() < 1e-3);
                assert!((r.roofline_percent - 10.0 * r.gbps).abs() < 1e-9);
            }
            // A prefill row needs a batch of at least two queries.
            assert_eq!(prefill_rows, usize::from(keys >= 2));
        }
    }
}
