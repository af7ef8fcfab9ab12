//! Each GPU kernel against its CPU reference on seeded random inputs, at sizes
//! that are not multiples of the workgroup or block size, in the variant the
//! adapter supports and in the plain variant (no f16, no subgroups).

use hearth::kernels::elementwise::{self, Elementwise, Op};
use hearth::kernels::quantize_x::{self, QuantizeX};
use hearth::kernels::rmsnorm::{self, RmsNorm};
use hearth::kernels::{Step, Variant};
use hearth_tests::{default_and_plain_gpus, f32_bytes, max_abs_diff, random_f32, submit};

#[test]
fn rmsnorm_matches_cpu() {
    // Tolerance: f32 sums in a different order; 1e-5 relative to O(1) outputs.
    for gpu in default_and_plain_gpus() {
        for (n, rows) in [(1usize, 1usize), (37, 3), (64, 2), (577, 5), (2048, 1)] {
            let x = random_f32(n * rows, n as u64);
            let residual = random_f32(n * rows, n as u64 + 1);
            let w = random_f32(n, 7);
            // This adapter's shape, and a GPU's (256 invocations, shared-memory reduction).
            let plain = Variant { subgroups: false, ..Variant::of(&gpu) };
            for add in [false, true] {
                let kernels = [
                    RmsNorm::new(&gpu, n, 1e-5, add).unwrap(),
                    RmsNorm::with_shape(&gpu, n, 1e-5, add, (plain, 256)).unwrap(),
                ];
                for k in kernels {
                    // `out` holds the residual on entry when adding.
                    let (bx, bw, bo) = (
                        gpu.buffer_init("x", &f32_bytes(&x)),
                        gpu.buffer_init("w", &f32_bytes(&w)),
                        gpu.buffer_init("out", &f32_bytes(&residual)),
                    );
                    let bg = k.bind(&gpu, &bx, &bw, &bo);
                    submit(&gpu, |p| k.dispatch(p, &bg, rows as u32));
                    let (got_x, got) = (gpu.read_f32(&bx, n * rows).unwrap(), gpu.read_f32(&bo, n * rows).unwrap());
                    let (want_x, want) = if add {
                        rmsnorm::reference_add(&x, &residual, &w, 1e-5)
                    } else {
                        (x.clone(), rmsnorm::reference(&x, &w, 1e-5))
                    };
                    let name = &gpu.summary.name;
                    assert!(max_abs_diff(&got, &want) < 1e-4, "n={n} rows={rows} add={add} {name}");
                    // The sum is exact: one f32 add per element, as on the CPU.
                    assert_eq!(got_x, want_x, "n={n} rows={rows} add={add} {name}: x after the add");
                }
            }
        }
    }
}

#[test]
fn elementwise_ops_match_cpu() {
    for gpu in default_and_plain_gpus() {
        for op in [Op::SwiGlu, Op::SwiGluPairs] {
            for (width, tokens) in [(1usize, 1usize), (63, 1), (65, 3), (1000, 2), (70_001, 1)] {
                let b_len = if op == Op::SwiGluPairs { 2 * width * tokens } else { width * tokens };
                let (a, b) = (random_f32(width * tokens, 1), random_f32(b_len, 2));
                let k = Elementwise::new(&gpu, op, width).unwrap();
                let (ba, bb) = (gpu.buffer_init("a", &f32_bytes(&a)), gpu.buffer_init("b", &f32_bytes(&b)));
                let step = Step { tokens: tokens as u32, ..Default::default() };
                let params = gpu.uniform("step", &step);
                let bg = k.bind(&gpu, &params, &ba, &bb);
                submit(&gpu, |p| k.dispatch(p, &bg, (width * tokens) as u32));
                let got = gpu.read_f32(&ba, a.len()).unwrap();
                let want = elementwise::reference(op, &a, &b);
                // exp() on the GPU may differ from Rust's by a few ulp.
                assert!(max_abs_diff(&got, &want) < 1e-6, "{op:?} width={width} tokens={tokens}");
            }
        }
    }
}

/// One block of an 8-bit row as the GPU wrote it: scale, quants, their sum
/// and the sums of the two halves of 16.
fn read_q8_blocks(gpu: &hearth::gpu::Gpu, xq: &wgpu::Buffer, n: usize) -> Vec<(f32, [i8; 32], i32, [i32; 2])> {
    let bytes = gpu.read_bytes(xq, quantize_x::row_bytes(n)).unwrap();
    let word = |b: &[u8], i: usize| u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    bytes
        .chunks_exact(48)
        .map(|b| {
            let q: [i8; 32] = std::array::from_fn(|i| b[i] as i8);
            (f32::from_bits(word(b, 8)), q, word(b, 9) as i32, [word(b, 10) as i32, word(b, 11) as i32])
        })
        .collect()
}

/// The GPU's blocks against the CPU's quantization of `want` (the row the
/// GPU quantized, as the CPU computes it): scales within `rel`, quants
/// within one step (a value at a rounding tie, or a scale a few ulp apart),
/// exactly equal in at least 95 % of places, and the sums those of the
/// GPU's own quants.
fn check_q8_blocks(got: &[(f32, [i8; 32], i32, [i32; 2])], want: &[f32], rel: f32, what: &str) {
    let cpu = quantize_x::reference(want);
    assert_eq!(got.len(), cpu.len(), "{what}");
    let mut same = 0;
    for (b, ((d, q, sum, halves), (cd, cq))) in got.iter().zip(&cpu).enumerate() {
        assert!((d - cd).abs() <= rel * cd.abs() + 1e-30, "{what} block {b}: d {d} vs {cd}");
        for (i, (a, c)) in q.iter().zip(cq).enumerate() {
            assert!((i32::from(*a) - i32::from(*c)).abs() <= 1, "{what} block {b}[{i}]: {a} vs {c}");
            same += usize::from(a == c);
        }
        let half = |h: usize| q[16 * h..16 * h + 16].iter().map(|&v| i32::from(v)).sum::<i32>();
        assert_eq!(*halves, [half(0), half(1)], "{what} block {b}: half sums");
        assert_eq!(*sum, half(0) + half(1), "{what} block {b}: sum");
    }
    assert!(same * 100 >= 95 * 32 * cpu.len(), "{what}: {same} of {} quants equal", 32 * cpu.len());
}

#[test]
fn quantize_x_and_the_quantizing_rmsnorm_match_cpu() {
    for gpu in default_and_plain_gpus() {
        for (n, rows) in [(32usize, 1usize), (96, 3), (2048, 2)] {
            let x = random_f32(n * rows, 40 + n as u64);
            let name = &gpu.summary.name;
            // The quantizing pass reads the last of step.tokens rows; inputs
            // taken as they are, so only ties may round the other way.
            let q = QuantizeX::new(&gpu, n).unwrap();
            let step = gpu.uniform("step", &Step { tokens: rows as u32, ..Default::default() });
            let (bx, xq) = (gpu.buffer_init("x", &f32_bytes(&x)), gpu.buffer("xq", quantize_x::row_bytes(n)));
            let bg = q.bind(&gpu, &step, &bx, &xq);
            submit(&gpu, |p| q.dispatch(p, &bg));
            let last = &x[(rows - 1) * n..];
            check_q8_blocks(&read_q8_blocks(&gpu, &xq, n), last, 1e-6, &format!("quantize_x n={n} {name}"));
            // The quantizing norm: the same output as the plain one, and its
            // last row in blocks.
            let residual = random_f32(n * rows, 50 + n as u64);
            let w = random_f32(n, 8);
            let plain = Variant { subgroups: false, ..Variant::of(&gpu) };
            for add in [false, true] {
                for k in [
                    RmsNorm::quantizing(&gpu, n, 1e-5, add).unwrap(),
                    RmsNorm::quantizing_with_shape(&gpu, n, 1e-5, add, (plain, 256)).unwrap(),
                ] {
                    let (bx, bw, bo) = (
                        gpu.buffer_init("x", &f32_bytes(&x)),
                        gpu.buffer_init("w", &f32_bytes(&w)),
                        gpu.buffer_init("out", &f32_bytes(&residual)),
                    );
                    let xq = gpu.buffer("xq", quantize_x::row_bytes(n));
                    let bg = k.bind_quantized(&gpu, [&bx, &bw, &bo, &xq]);
                    submit(&gpu, |p| k.dispatch(p, &bg, rows as u32));
                    let want = if add {
                        rmsnorm::reference_add(&x, &residual, &w, 1e-5).1
                    } else {
                        rmsnorm::reference(&x, &w, 1e-5)
                    };
                    let got = gpu.read_f32(&bo, n * rows).unwrap();
                    let what = format!("quantizing rmsnorm n={n} rows={rows} add={add} {name}");
                    assert!(max_abs_diff(&got, &want) < 1e-4, "{what}");
                    check_q8_blocks(&read_q8_blocks(&gpu, &xq, n), &want[(rows - 1) * n..], 1e-4, &what);
                }
            }
        }
        assert!(RmsNorm::quantizing(&gpu, 33, 1e-5, false).is_err(), "rows of 33 are not whole blocks");
        assert!(QuantizeX::new(&gpu, 48).is_err(), "rows of 48 are not whole blocks");
    }
}
