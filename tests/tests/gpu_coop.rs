//! The cooperative-matrix prefill product (`kernels::matmul_coop`, opt-in
//! through `DeviceOptions::cooperative_matrix`) against the CPU reference for
//! every weight type, at sizes that are not multiples of the tile or block,
//! into a strided output; then whole tiny models against the CPU forward pass.
//! Skipped (with a note) where the adapter offers no f16 × f16 + f32 tiles:
//! Mesa's lavapipe has them from Mesa 26 (8 × 8), NVIDIA GPUs 16 × 16.
//! Weights are tried in buffers and in textures (`gpu::storage`).
//! `.ci/coopmat.sh` runs this binary on Mesa 26's lavapipe with
//! `HEARTH_REQUIRE_COOP=1`, which turns the skip into a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::gpu::weights::{GpuMatrix, GpuType};
use hearth::gpu::{DeviceOptions, Gpu, GpuModel};
use hearth::kernels::{matmul::MatMul, Step};
use hearth::model::CpuState;
use hearth::{Model, ModelSource};
use hearth_tests::{f32_bytes, fixtures, json_ids, matmul_reference, random_f32, read_json, submit, test_gpu_with};
use std::sync::Arc;

fn coop_gpu() -> Option<Gpu> {
    coop_gpu_with(None)
}

/// `textures`: where the block types' weights live (None: the adapter's default).
fn coop_gpu_with(textures: Option<bool>) -> Option<Gpu> {
    let opts = DeviceOptions { cooperative_matrix: true, weight_textures: textures, ..Default::default() };
    let gpu = test_gpu_with(&opts)?;
    if gpu.coop_tile.is_none() {
        let why = format!("{} offers no f16 cooperative-matrix tiles with f32 accumulators", gpu.summary.name);
        // CI runs this binary once more on a lavapipe that has them (.ci/coopmat.sh).
        assert!(std::env::var("HEARTH_REQUIRE_COOP").is_err(), "{why}");
        eprintln!("skipped: {why}");
        return None;
    }
    Some(gpu)
}

#[test]
fn coop_matmul_matches_cpu_for_every_type() {
    // Weights in buffers and in textures (`gpu::storage`), whichever the adapter defaults to.
    for textures in [Some(false), Some(true)] {
        let Some(gpu) = coop_gpu_with(textures) else { return };
        coop_matmul_matches_cpu(&gpu);
    }
}

fn coop_matmul_matches_cpu(gpu: &Gpu) {
    eprintln!("{}: {}×{} tiles", gpu.summary.name, gpu.coop_tile.unwrap(), gpu.coop_tile.unwrap());
    for ty in GpuType::ALL.map(GpuType::ggml) {
        let shapes: &[(usize, usize)] = match ty.block_size() {
            1 => &[(1, 1), (7, 37), (65, 64), (33, 301)],
            32 => &[(1, 32), (9, 96), (70, 160)],
            _ => &[(1, 256), (13, 512)],
        };
        for (i, &(rows, cols)) in shapes.iter().enumerate() {
            let t = hearth::bench::kernels::random_tensor(ty, rows, cols, i as u64).unwrap();
            let m = GpuMatrix::upload(gpu, &t).unwrap();
            for tokens in [1usize, 11, 40] {
                let xs = random_f32(cols * tokens, 300 + i as u64);
                let step = gpu.uniform("step", &Step { tokens: tokens as u32, ..Default::default() });
                // Rows land at base 3 of output rows of rows + 5 values
                // (as Q, K and V of different types share one row).
                let (base, stride) = (3, rows + 5);
                let sentinel = vec![7.5f32; stride * tokens];
                let (bx, bo) = (gpu.buffer_init("x", &f32_bytes(&xs)), gpu.buffer_init("out", &f32_bytes(&sentinel)));
                let mm = MatMul::at(gpu, &m, [&step, &bx, &bo], (base, stride)).unwrap();
                assert!(matches!(mm, MatMul::Coop(_)));
                submit(gpu, |p| mm.dispatch(p, tokens as u32));
                let got = gpu.read_f32(&bo, stride * tokens).unwrap();
                let want = matmul_reference(&t, &xs, tokens);
                // Split-f16 operands keep ~22 bits: 2e-5 of the largest output, as the f32 kernels.
                let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
                for tok in 0..tokens {
                    let row = &got[tok * stride..][..stride];
                    for (r, (g, w)) in row[base..base + rows].iter().zip(&want[tok * rows..][..rows]).enumerate() {
                        let what = format!("{ty} {rows}x{cols} tokens={tokens}: token {tok} row {r}");
                        assert!((g - w).abs() <= 2e-5 * scale + 1e-5, "{what}: {g} vs {w}");
                    }
                    assert!(row[..base].iter().chain(&row[base + rows..]).all(|&v| v == 7.5), "wrote outside its rows");
                }
            }
        }
    }
}

#[test]
fn tiny_models_on_cooperative_matrices_match_the_cpu() {
    let Some(gpu) = coop_gpu() else { return };
    let gpu = Arc::new(gpu);
    for (name, file) in [("llama-tiny", "llama-tiny-F32.gguf"), ("qwen2-tiny", "qwen2-tiny-Q8_0.gguf")] {
        let dir = fixtures().join("tiny").join(name);
        let model = Model::load(&ModelSource::open(dir.join(file)).unwrap()).unwrap();
        let tokens = json_ids(&read_json(&dir.join("reference.json"))["tokens"]);
        let mut cs = CpuState::new(&model, tokens.len());
        let cpu = model.forward_all(&mut cs, &tokens, 0).unwrap();
        let m = GpuModel::upload(gpu.clone(), &model).unwrap();
        let mut st = m.new_state(tokens.len(), 64).unwrap();
        let got = m.forward_all(&mut st, &tokens, 0).unwrap();
        let diff =
            got.iter().zip(&cpu).flat_map(|(a, b)| a.iter().zip(b)).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(diff < 1e-3, "{file}: cooperative-matrix prefill vs CPU {diff}");
        eprintln!("{file}: max |logit diff| {diff:.2e}");
    }
}
