//! Matrix-vector (decode), matrix-matrix (prefill) and embedding kernels for
//! every GPU weight type against a CPU reference (dequantize the file's rows,
//! then f32 dot products), on seeded random blocks, at sizes that are not
//! multiples of the workgroup or tile, with and without split bindings.

use hearth::gguf::{dequant, GgmlType, GgufFile, GgufWriter};
use hearth::gpu::weights::{GpuMatrix, GpuType};
use hearth::gpu::{DeviceOptions, Gpu};
use hearth::kernels::matvec::{self, Layout, MatVec};
use hearth::kernels::{embed::Embed, matmul::MatMul, quantize_x, reduce_workgroup, Step, Variant};
use hearth::tensor::{Mapped, TensorRef};
use hearth_tests::{
    default_and_plain_gpus, f32_bytes, matmul_reference, q8_flip_bound, random_f32, submit, test_gpu_with,
    uniform_nibbles,
};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::sync::Arc;

/// Random but well-formed blocks of `ty` for a `rows × cols` matrix.
fn random_tensor(ty: GgmlType, rows: usize, cols: usize, seed: u64) -> TensorRef {
    hearth::bench::kernels::random_tensor(ty, rows, cols, seed).unwrap()
}

fn gpus() -> Vec<Gpu> {
    // A 4 KiB binding limit splits every matrix below into several chunks.
    let split = DeviceOptions { max_binding_override: Some(4096), ..Default::default() };
    default_and_plain_gpus().into_iter().chain(test_gpu_with(&split)).collect()
}

fn shapes(ty: GgmlType) -> Vec<(usize, usize)> {
    match ty.block_size() {
        1 => vec![(1, 1), (7, 37), (65, 64), (33, 301)],
        32 => vec![(1, 32), (9, 96), (6, 128), (70, 160)],
        _ => vec![(1, 256), (13, 512)],
    }
}

/// f32 sums in another order: 2e-5 relative to the largest output (and 1e-5 absolute).
fn assert_close(got: &[f32], want: &[f32], what: &str) {
    let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!((a - b).abs() <= 2e-5 * scale + 1e-5, "{what}: [{i}] {a} vs {b}");
    }
}

/// The matvec (or SwiGLU matvec) of `m` in both ways of spreading rows over
/// lanes, on every adapter, with several rows per workgroup so partial
/// workgroups occur; each must give `want`. `bufs` hold several token rows
/// (the storage path reads the last); the uniform-x path, which serves
/// one-token steps, is checked on a buffer holding only `x_last`, wherever a
/// row fits a uniform binding (F32/F16 rows of odd length do not).
///
/// With 8-bit activations (block types) the products must give `q8.0`, the
/// reference on x quantized and dequantized on the CPU, within `q8.1` more
/// (quants rounded the other way); F32 and F16 must refuse them.
fn check_every_layout(
    gpu: &Gpu,
    m: &GpuMatrix,
    bufs: [&wgpu::Buffer; 3],
    (swiglu, x_last): (bool, &[f32]),
    want: &[f32],
    q8: (&[f32], f32),
    what: &str,
) {
    let wg = reduce_workgroup(gpu, Variant::of(gpu));
    let one = gpu.uniform("step", &Step { tokens: 1, ..Default::default() });
    let x1 = gpu.buffer_init("x_last", &f32_bytes(x_last));
    let fits = matvec::uniform_x_fits(gpu, m.cols);
    // Lane rows: 3 = two rows + one, 5 = four (Q4_0; else two + two)
    // + one, 6 = four + two (else three twos).
    for (lane_rows, rpw) in [(false, 1), (false, 3), (true, 1), (true, 3), (true, 5), (true, 6)] {
        let mut inputs: Vec<_> = [(false, false), (true, false), (false, true), (true, true)]
            .into_iter()
            .map(|(uniform_x, q8_x)| (uniform_x, q8_x, false))
            .collect();
        if lane_rows {
            // Activation loads shared by subgroup broadcasts, where the adapter can.
            inputs.extend([(false, true, true), (true, true, true)]);
        }
        for (uniform_x, q8_x, shared_x) in inputs {
            let layout = Layout { lane_rows, rpw, wg, uniform_x, q8_x, shared_x };
            let (step, x) = if uniform_x { (&one, &x1) } else { (bufs[0], bufs[1]) };
            let mv = MatVec::with_layout(gpu, m, [step, bufs[2]], x, (layout, swiglu));
            if shared_x && !Layout::can_share_x(Variant::of(gpu), wg) {
                assert!(mv.is_err(), "{what}: {wg} lanes without subgroups cannot share loads");
                continue;
            }
            if q8_x && !quantize_x::supports(m.ty) {
                assert!(mv.is_err(), "{what}: {:?} has no product with 8-bit activations", m.ty);
                continue;
            }
            if uniform_x && !q8_x && !fits {
                assert!(mv.is_err(), "{what}: a row of {} cannot be a uniform binding", m.cols);
                continue;
            }
            gpu.queue.write_buffer(bufs[2], 0, &vec![0u8; want.len() * 4]);
            submit(gpu, |p| mv.as_ref().unwrap().dispatch(p));
            let got = gpu.read_f32(bufs[2], want.len()).unwrap();
            if q8_x {
                let scale = q8.0.iter().fold(1f32, |m, v| m.max(v.abs()));
                for (i, (a, b)) in got.iter().zip(q8.0).enumerate() {
                    let tol = 2e-5 * scale + 1e-5 + q8.1;
                    assert!((a - b).abs() <= tol, "{what} {layout:?}: [{i}] {a} vs {b} (tol {tol})");
                }
            } else {
                assert_close(&got, want, &format!("{what} {layout:?}"));
            }
        }
    }
}

/// The product of `t` and one row `x` as the 8-bit-activation kernels compute
/// it (x quantized, then dequantized, on the CPU), and how far quants
/// rounded the other way may move it ([`q8_flip_bound`]).
fn q8_reference(t: &TensorRef, x: &[f32]) -> (Vec<f32>, f32) {
    if !t.row_len().is_multiple_of(quantize_x::BLOCK) {
        return (Vec::new(), 0.0); // F32/F16 rows of odd length: refused anyway
    }
    (matmul_reference(t, &quantize_x::dequantized(x), 1), q8_flip_bound(t, x))
}

fn swiglu(g: &[f32], u: &[f32]) -> Vec<f32> {
    g.iter().zip(u).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect()
}

#[test]
fn matvec_matmul_and_embed_match_cpu_for_every_type() {
    for gpu in gpus() {
        for ty in GpuType::ALL.map(GpuType::ggml) {
            for (i, (rows, cols)) in shapes(ty).into_iter().enumerate() {
                let what = format!("{ty} {rows}x{cols} on {} (binding {})", gpu.summary.name, gpu.max_binding);
                let t = random_tensor(ty, rows, cols, i as u64);
                let m = GpuMatrix::upload(&gpu, &t).unwrap();
                // Decode: the last of 3 token rows.
                let x = random_f32(cols * 3, 100 + i as u64);
                let step = gpu.uniform("step", &Step { tokens: 3, ..Default::default() });
                let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&x)), gpu.buffer("out", (rows * 4) as u64));
                let want = matmul_reference(&t, &x[2 * cols..], 1);
                let q8 = q8_reference(&t, &x[2 * cols..]);
                check_every_layout(
                    &gpu,
                    &m,
                    [&step, &bx, &bo],
                    (false, &x[2 * cols..]),
                    &want,
                    (&q8.0, q8.1),
                    &format!("matvec {what}"),
                );
                // Prefill: a batch that is not a multiple of the tile.
                let tokens = 11;
                let xs = random_f32(cols * tokens, 200 + i as u64);
                let step = gpu.uniform("step", &Step { tokens: tokens as u32, ..Default::default() });
                let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&xs)), gpu.buffer("out", (rows * tokens * 4) as u64));
                let mm = MatMul::new(&gpu, &m, &step, &bx, &bo).unwrap();
                submit(&gpu, |p| mm.dispatch(p, tokens as u32));
                assert_close(
                    &gpu.read_f32(&bo, rows * tokens).unwrap(),
                    &matmul_reference(&t, &xs, tokens),
                    &format!("matmul {what}"),
                );
                // Embedding rows, last row and first row included.
                let ids: Vec<u32> = vec![(rows - 1) as u32, 0, (rows / 2) as u32];
                let step = gpu.uniform("step", &Step { tokens: ids.len() as u32, ..Default::default() });
                let id_bytes: Vec<u8> = ids.iter().flat_map(|v| v.to_le_bytes()).collect();
                let (bt, bo) = (gpu.buffer_init("ids", &id_bytes), gpu.buffer("out", (ids.len() * cols * 4) as u64));
                let em = Embed::new(&gpu, &m, &step, &bt, &bo).unwrap();
                submit(&gpu, |p| em.dispatch(p, ids.len() as u32));
                let got = gpu.read_f32(&bo, ids.len() * cols).unwrap();
                let mut want = vec![0f32; cols];
                for (k, &id) in ids.iter().enumerate() {
                    t.dequantize_row(id as usize, &mut want).unwrap();
                    assert_eq!(&got[k * cols..][..cols], &want[..], "embed {what} row {id}");
                }
            }
        }
    }
}

#[test]
fn swiglu_matvec_and_matmul_of_interleaved_gate_and_up_match_cpu_for_every_type() {
    for gpu in gpus() {
        for ty in GpuType::ALL.map(GpuType::ggml) {
            for (i, (rows, cols)) in shapes(ty).into_iter().enumerate() {
                let what = format!("{ty} 2×{rows}x{cols} on {} (binding {})", gpu.summary.name, gpu.max_binding);
                let (gate, up) =
                    (random_tensor(ty, rows, cols, 10 + i as u64), random_tensor(ty, rows, cols, 20 + i as u64));
                let m = GpuMatrix::upload_interleaved(&gpu, "gate_up", &gate, &up).unwrap();
                assert!(m.chunks.iter().all(|c| c.rows % 2 == 0), "{what}: a chunk splits a pair");
                let x = random_f32(cols * 2, 300 + i as u64);
                let step = gpu.uniform("step", &Step { tokens: 2, ..Default::default() });
                let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&x)), gpu.buffer("out", (rows * 4) as u64));
                let (g, u) = (matmul_reference(&gate, &x[cols..], 1), matmul_reference(&up, &x[cols..], 1));
                let want = swiglu(&g, &u);
                // Through SwiGLU a product's error grows by at most
                // |silu'| · |up| + |silu(gate)| (|silu'| < 1.1).
                let ((gq, flip_g), (uq, flip_u)) = (q8_reference(&gate, &x[cols..]), q8_reference(&up, &x[cols..]));
                let most = |v: &[f32]| v.iter().fold(0f32, |m, a| m.max(a.abs()));
                let flip = flip_g.max(flip_u) * (1.1 * most(&uq) + most(&gq) + 1.0);
                check_every_layout(
                    &gpu,
                    &m,
                    [&step, &bx, &bo],
                    (true, &x[cols..]),
                    &want,
                    (&swiglu(&gq, &uq), flip),
                    &format!("swiglu {what}"),
                );
                // Prefill: SwiGLU applied in the matmul's registers, for a
                // batch that is not a multiple of the tile.
                let tokens = 11;
                let xs = random_f32(cols * tokens, 400 + i as u64);
                let step = gpu.uniform("step", &Step { tokens: tokens as u32, ..Default::default() });
                let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&xs)), gpu.buffer("out", (rows * tokens * 4) as u64));
                let mm = MatMul::swiglu(&gpu, &m, &step, &bx, &bo).unwrap().expect("a tiled matmul without coop");
                submit(&gpu, |p| mm.dispatch(p, tokens as u32));
                let (g, u) = (matmul_reference(&gate, &xs, tokens), matmul_reference(&up, &xs, tokens));
                assert_close(
                    &gpu.read_f32(&bo, rows * tokens).unwrap(),
                    &swiglu(&g, &u),
                    &format!("swiglu matmul {what}"),
                );
            }
        }
    }
}

/// The nibble products against 8-bit activations pack two products in one
/// 32-bit multiply and rely on bounds (x_q8.wgsl): every nibble 15 (or 0)
/// against activations that all quantize to +127 or -127 is the largest
/// sum they must carry; it must come out exact in every layout.
#[test]
fn nibble_products_are_exact_at_the_extremes() {
    for gpu in default_and_plain_gpus() {
        for ty in [GgmlType::Q4_0, GgmlType::Q4_K] {
            let (rows, cols) = (70, 512);
            for (fill, sign) in [(0xFFu8, 1.0f32), (0xFF, -1.0), (0x00, 1.0), (0xF0, -1.0), (0x0F, 1.0)] {
                let what = format!("{ty} nibbles {fill:#04x}, x {sign} on {}", gpu.summary.name);
                let t = uniform_nibbles(ty, rows, cols, fill);
                let m = GpuMatrix::upload(&gpu, &t).unwrap();
                let x = vec![0.5 * sign; cols * 3];
                let step = gpu.uniform("step", &Step { tokens: 3, ..Default::default() });
                let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&x)), gpu.buffer("out", (rows * 4) as u64));
                let want = matmul_reference(&t, &x[2 * cols..], 1);
                let q8 = q8_reference(&t, &x[2 * cols..]);
                let layouts = [&step, &bx, &bo];
                check_every_layout(&gpu, &m, layouts, (false, &x[2 * cols..]), &want, (&q8.0, q8.1), &what);
            }
        }
    }
}

#[test]
fn split_bindings_are_used_when_the_limit_is_low() {
    let Some(gpu) = test_gpu_with(&DeviceOptions { max_binding_override: Some(4096), ..Default::default() }) else {
        return;
    };
    let t = random_tensor(GgmlType::Q8_0, 70, 160, 1);
    let m = GpuMatrix::upload(&gpu, &t).unwrap();
    // 160/32 blocks × 8 words + 4 words of scales = 176 bytes per row: 23
    // rows per 4 KiB binding, or whole tiles of them where weights are tiled
    // (padded: a chunk holds whole tiles).
    assert_eq!(m.row_words * 4, 176);
    let tile = m.tile_rows;
    let per_chunk = 23 / tile * tile;
    assert_eq!(m.chunks.len(), 70usize.div_ceil(per_chunk), "tiles of {tile}");
    assert_eq!(m.chunks.iter().map(|c| c.rows).sum::<usize>(), 70);
    for c in &m.chunks {
        // The rows held fit the binding; a texture is whole texture rows.
        let held = (c.rows.div_ceil(tile) * tile * 176) as u64;
        assert!(held <= 4096 && c.row_offset % tile == 0);
        assert_eq!(c.storage.bytes(), hearth::gpu::storage::chunk_bytes(held, m.in_textures()));
    }
}

#[test]
fn types_without_kernels_are_converted_at_upload() {
    let Some(gpu) = test_gpu_with(&DeviceOptions::default()) else { return };
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    // Q4_1 / Q5_0 / Q5_1 / Q5_K / Q8_K → Q8_0 (requantized), BF16 → F32 (exact).
    for (ty, want_gpu) in [
        (GgmlType::Q4_1, GpuType::Q8_0),
        (GgmlType::Q5_0, GpuType::Q8_0),
        (GgmlType::Q5_1, GpuType::Q8_0),
        (GgmlType::Q5_K, GpuType::Q8_0),
        (GgmlType::Q8_K, GpuType::Q8_0),
        (GgmlType::BF16, GpuType::F32),
    ] {
        let (rows, cols) = (9usize, 256usize);
        let n = ty.bytes_for((rows * cols) as u64).unwrap() as usize;
        let mut data: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
        // Sane scales: every f16/f32 scale field set to a small positive value.
        let block = ty.type_size() as usize;
        for b in data.chunks_exact_mut(block) {
            match ty {
                GgmlType::BF16 => {
                    for c in b.chunks_exact_mut(2) {
                        c.copy_from_slice(&half::bf16::from_f32(rng.gen_range(-1.0..1.0)).to_le_bytes());
                    }
                }
                GgmlType::Q8_K => b[..4].copy_from_slice(&0.01f32.to_le_bytes()),
                _ => {
                    b[..2].copy_from_slice(&half::f16::from_f32(0.02).to_le_bytes());
                    b[2..4].copy_from_slice(&half::f16::from_f32(0.01).to_le_bytes());
                }
            }
        }
        let mut w = GgufWriter::new();
        w.tensor("m", ty, &[cols as u64, rows as u64], data).unwrap();
        let g = GgufFile::parse(Path::new("m.gguf"), Arc::new(Mapped::Owned(w.to_bytes()))).unwrap();
        let t = g.tensor("m").unwrap();
        let m = GpuMatrix::upload(&gpu, &t).unwrap();
        assert_eq!(m.ty, want_gpu, "{ty}");
        let x = random_f32(cols, 9);
        let step = gpu.uniform("step", &Step { tokens: 1, ..Default::default() });
        let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&x)), gpu.buffer("out", (rows * 4) as u64));
        let mv = MatVec::new(&gpu, &m, &step, &bx, &bo).unwrap();
        submit(&gpu, |p| mv.dispatch(p));
        let got = gpu.read_f32(&bo, rows).unwrap();
        let want = matmul_reference(&t, &x, 1);
        // Requantizing to Q8_0 costs at most half a step (amax/254) per weight:
        // bound the dot product error by that times Σ|x|.
        let sum_x: f32 = x.iter().map(|v| v.abs()).sum();
        for r in 0..rows {
            let mut row = vec![0f32; cols];
            dequant::dequantize(ty, t.row_bytes_of(r), &mut row).unwrap();
            let amax = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let tol = if want_gpu == GpuType::F32 { 1e-4 } else { amax / 254.0 * sum_x + 1e-4 };
            assert!((got[r] - want[r]).abs() <= tol, "{ty} row {r}: {} vs {} (tol {tol})", got[r], want[r]);
        }
    }
}
