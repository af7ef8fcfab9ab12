//! The prefill product against 8-bit activations (`kernels::matmul_q8`, CPU
//! adapters with subgroups) against its CPU reference: Q4_0, Q8_0, Q4_K and Q6_K matrices whose
//! rows are not a multiple of the tile or workgroup, batches that are not a
//! multiple of 8 tokens, outputs placed in a wider row, row chunks split over
//! several bindings, SwiGLU of interleaved gate/up rows, and the pair
//! products at the bounds they rely on.

use hearth::gguf::GgmlType;
use hearth::gpu::weights::{GpuMatrix, GpuType};
use hearth::gpu::{DeviceOptions, Gpu};
use hearth::kernels::matmul::MatMul;
use hearth::kernels::{matmul_q8, Step, Variant};
use hearth::tensor::TensorRef;
use hearth_tests::{f32_bytes, q8_flip_bound, random_f32, submit, test_gpu_with, uniform_nibbles};

/// The default adapter and one whose 4 KiB binding limit splits every
/// matrix below into several chunks, where they take 8-bit prefill
/// activations: CPU adapters with subgroups (lavapipe) must.
fn gpus() -> Vec<Gpu> {
    let split = DeviceOptions { max_binding_override: Some(4096), ..Default::default() };
    let all: Vec<Gpu> = [DeviceOptions::default(), split].iter().filter_map(test_gpu_with).collect();
    for g in &all {
        let lanes = g.summary.subgroup_size;
        if g.is_cpu_adapter() && Variant::of(g).subgroups && lanes.0 == lanes.1 && lanes.0 >= 8 {
            assert!(matmul_q8::supported(g, GpuType::Q4_0, 32), "{}: no 8-bit prefill", g.summary.name);
        }
    }
    all.into_iter().filter(|g| matmul_q8::supported(g, GpuType::Q4_0, 32)).collect()
}

/// Rows of `blocks` whole blocks of `ty`.
fn cols(ty: GpuType, blocks: usize) -> usize {
    blocks * matmul_q8::block_len(ty)
}

fn random(ty: GpuType, rows: usize, cols: usize, seed: u64) -> TensorRef {
    hearth::bench::kernels::random_tensor(ty.ggml(), rows, cols, seed).unwrap()
}

/// How far quants rounded the other way may move any token's outputs.
fn flip_bound(t: &TensorRef, xs: &[f32]) -> f32 {
    xs.chunks(t.row_len()).map(|x| q8_flip_bound(t, x)).fold(0.0, f32::max)
}

/// `got` within f32 rounding (2e-5 of the largest output) plus `flip` of `want`.
fn assert_close(got: &[f32], want: &[f32], flip: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 2e-5 * scale + 1e-5 + flip, "{what}: [{i}] {a} vs {b}");
    }
}

/// Run `m`'s 8-bit product for `xs` (`tokens` rows), its outputs at column
/// `base` of rows `width` wide; return those rows.
fn run(gpu: &Gpu, m: &GpuMatrix, xs: &[f32], tokens: usize, (base, width): (usize, usize)) -> Vec<f32> {
    let step = gpu.uniform("step", &Step { tokens: tokens as u32, ..Default::default() });
    let bx = gpu.buffer_init("x", &f32_bytes(xs));
    let xq = gpu.buffer("xq", matmul_q8::batch_bytes(tokens, m.cols));
    let bo = gpu.buffer("out", (tokens * width * 4) as u64);
    let mm = MatMul::at_with(gpu, m, [&step, &bx, &bo], (base, width), Some(&xq)).unwrap();
    assert!(matches!(mm, MatMul::Q8(_)), "an 8-bit product");
    submit(gpu, |p| mm.dispatch(p, tokens as u32));
    gpu.read_f32(&bo, tokens * width).unwrap()
}

#[test]
fn prefill_against_8_bit_activations_matches_the_cpu_reference() {
    for (gpu, ty) in gpus().iter().flat_map(|g| matmul_q8::TYPES.map(|ty| (g, ty))) {
        let shapes = [(1, 1, 1), (9, 3, 11), (70, 5, 8), (130, 2, 19)];
        for (i, (rows, blocks, tokens)) in shapes.into_iter().enumerate() {
            let cols = cols(ty, blocks);
            let on = format!("on {} (binding {})", gpu.summary.name, gpu.max_binding);
            let what = format!("{ty:?} {rows}x{cols}, {tokens} tokens {on}");
            let t = random(ty, rows, cols, 60 + i as u64);
            let m = GpuMatrix::upload(gpu, &t).unwrap();
            let xs = random_f32(cols * tokens, 600 + i as u64);
            // Three columns before and two after the product's.
            let (base, width) = (3, rows + 5);
            let got = run(gpu, &m, &xs, tokens, (base, width));
            let want = matmul_q8::reference(&t, &xs, tokens).unwrap();
            let placed: Vec<f32> = got.chunks(width).flat_map(|r| r[base..][..rows].to_vec()).collect();
            assert_close(&placed, &want, flip_bound(&t, &xs), &what);
            let outside = got.chunks(width).flat_map(|r| r[..base].iter().chain(&r[base + rows..]));
            assert!(outside.into_iter().all(|&v| v == 0.0), "{what}: wrote outside its columns");
        }
    }
}

#[test]
fn swiglu_of_interleaved_gate_and_up_against_8_bit_activations_matches_the_cpu_reference() {
    for (gpu, ty) in gpus().iter().flat_map(|g| matmul_q8::TYPES.map(|ty| (g, ty))) {
        for (i, (rows, blocks)) in [(9, 3), (70, 5)].into_iter().enumerate() {
            let cols = cols(ty, blocks);
            let what = format!("{ty:?} 2×{rows}x{cols} on {} (binding {})", gpu.summary.name, gpu.max_binding);
            let (gate, up) = (random(ty, rows, cols, 70 + i as u64), random(ty, rows, cols, 80 + i as u64));
            let m = GpuMatrix::upload_interleaved(gpu, "gate_up", &gate, &up).unwrap();
            let tokens = 11;
            let xs = random_f32(cols * tokens, 700 + i as u64);
            let step = gpu.uniform("step", &Step { tokens: tokens as u32, ..Default::default() });
            let bx = gpu.buffer_init("x", &f32_bytes(&xs));
            let xq = gpu.buffer("xq", matmul_q8::batch_bytes(tokens, cols));
            let bo = gpu.buffer("out", (tokens * rows * 4) as u64);
            let mm = MatMul::swiglu_with(gpu, &m, [&step, &bx, &bo], Some(&xq)).unwrap().unwrap();
            assert!(matches!(mm, MatMul::Q8(_)), "{what}: an 8-bit product");
            submit(gpu, |p| mm.dispatch(p, tokens as u32));
            let got = gpu.read_f32(&bo, tokens * rows).unwrap();
            let g = matmul_q8::reference(&gate, &xs, tokens).unwrap();
            let u = matmul_q8::reference(&up, &xs, tokens).unwrap();
            let want: Vec<f32> = g.iter().zip(&u).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect();
            // Through SwiGLU a product's error grows by at most
            // |silu'| · |up| + |silu(gate)| (|silu'| < 1.1).
            let most = |v: &[f32]| v.iter().fold(0f32, |m, a| m.max(a.abs()));
            let flip = flip_bound(&gate, &xs).max(flip_bound(&up, &xs)) * (1.1 * most(&u) + most(&g) + 1.0);
            assert_close(&got, &want, flip, &what);
        }
    }
}

/// Two products share each 32-bit multiply (nibbles: eight to a sum; Q8_0:
/// one; Q6_K: four), which relies on bounds (tile_<type>_q8.wgsl): weights
/// at their extremes (nibbles 15 or 0, Q4_K's 6-bit scales 63 or 0; quants
/// 127, -127 or -128; Q6_K's 6-bit values 0 or 63, i.e. -32 or 31) against
/// activations that all quantize to ±127 are the largest sums they must
/// carry.
#[test]
fn pair_products_of_the_prefill_are_exact_at_the_extremes() {
    let cases = [
        (GgmlType::Q4_0, [(0xFFu8, 1.0f32), (0xFF, -1.0), (0x00, 1.0), (0xF0, -1.0), (0x0F, 1.0)]),
        (GgmlType::Q8_0, [(0x7F, 1.0), (0x7F, -1.0), (0x81, 1.0), (0x80, -1.0), (0x80, 1.0)]),
        (GgmlType::Q4_K, [(0xFF, 1.0), (0xFF, -1.0), (0x3F, 1.0), (0xF0, -1.0), (0x0F, 1.0)]),
        (GgmlType::Q6_K, [(0x00, 1.0), (0x00, -1.0), (0xFF, 1.0), (0xFF, -1.0), (0xAA, 1.0)]),
    ];
    for gpu in gpus() {
        let (rows, cols, tokens) = (70, 512, 9);
        for (ty, (fill, sign)) in cases.iter().flat_map(|(ty, fills)| fills.map(|f| (*ty, f))) {
            let what =
                format!("{ty} bytes {fill:#04x}, x {sign} on {} (binding {})", gpu.summary.name, gpu.max_binding);
            let t = uniform_nibbles(ty, rows, cols, fill);
            let m = GpuMatrix::upload(&gpu, &t).unwrap();
            let xs = vec![0.5 * sign; cols * tokens];
            let got = run(&gpu, &m, &xs, tokens, (0, rows));
            assert_close(&got, &matmul_q8::reference(&t, &xs, tokens).unwrap(), 0.0, &what);
        }
    }
}
