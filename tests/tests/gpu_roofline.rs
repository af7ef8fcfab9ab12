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
        for pattern in [Pattern::Interleaved, Pattern::LaneRuns] {
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
