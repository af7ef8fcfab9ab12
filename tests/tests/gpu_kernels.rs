//! Each GPU kernel against its CPU reference on seeded random inputs, at sizes
//! that are not multiples of the workgroup or block size, in the variant the
//! adapter supports and in the plain variant (no f16, no subgroups).

use hearth::kernels::elementwise::{self, Elementwise, Op};
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
