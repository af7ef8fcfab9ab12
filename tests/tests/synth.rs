//! Synthetic GGUFs: real shapes load with the right dimensions, and small ones
//! of every quantization (Q4_K included) run on the GPU as on the CPU reference,
//! in every weight layout and at shapes no fixture has.

use hearth::gguf::{GgmlType, GgufFile};
use hearth::gpu::DeviceOptions;
use hearth::gpu::GpuModel;
use hearth::model::CpuState;
use hearth::synth::{self, Recipe, SynthShape};
use hearth::tensor::Mapped;
use hearth::{Model, ModelSource};
use hearth_tests::test_gpu_with;
use std::path::Path;
use std::sync::Arc;

fn parse(bytes: Vec<u8>) -> GgufFile {
    GgufFile::parse(Path::new("synth.gguf"), Arc::new(Mapped::Owned(bytes))).unwrap()
}

fn load(bytes: Vec<u8>) -> Model {
    Model::load(&ModelSource::Gguf(parse(bytes))).unwrap()
}

/// A small model of `layers` blocks whose rows are whole 256-blocks.
fn tiny(arch: &'static str, layers: u64) -> SynthShape {
    SynthShape {
        name: "tiny",
        arch,
        dim: 256,
        layers,
        heads: 4,
        kv_heads: 2,
        ffn: 768,
        vocab: 300,
        context: 64,
        rope_theta: 10000.0,
    }
}

/// GPU logits against the CPU reference's on the same file: the same
/// dequantized weights on both sides, so only f32 summation order differs.
fn assert_matches_cpu(got: &[Vec<f32>], cpu: &[Vec<f32>], what: &str) {
    let scale = cpu.iter().flatten().fold(1f32, |m, v| m.max(v.abs()));
    let diff = got.iter().flatten().zip(cpu.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert_eq!(got.len(), cpu.len(), "{what}: positions");
    assert!(diff < 1e-4 * scale.max(10.0), "{what}: max-abs {diff} (logits up to {scale})");
}

#[test]
fn real_shapes_load_with_their_dimensions() {
    let s = synth::shape("smollm2-135m").unwrap();
    let model = load(synth::build(&s, GgmlType::Q4_0, 1).unwrap().to_bytes());
    let c = &model.config;
    assert_eq!((c.dim, c.n_layers, c.n_heads, c.n_kv_heads, c.ffn_dim, c.vocab_size), (576, 30, 9, 3, 1536, 49152));
    assert!(model.weights.tied_embeddings);
    // 135M parameters, as the model's name says.
    let params = model.parameter_count();
    assert!((130_000_000..140_000_000).contains(&params), "{params}");
    assert!(synth::shape("gpt-5").is_err());
    assert!(synth::build(&s, GgmlType::Q6_K, 1).is_err());
}

#[test]
fn q4_k_m_gives_q6_k_where_llama_cpp_does() {
    let shape = tiny("llama", 8);
    let g = parse(synth::build(&shape, Recipe::Q4KM, 3).unwrap().to_bytes());
    let ty = |name: &str| g.tensor(name).unwrap().dtype;
    // Tied embeddings: the token embedding is also the output projection.
    assert_eq!(ty("token_embd.weight"), GgmlType::Q6_K);
    // More bits in the first and last eighth and every third block between.
    for l in 0..8 {
        let want = if [0, 3, 6, 7].contains(&l) { GgmlType::Q6_K } else { GgmlType::Q4_K };
        assert_eq!(ty(&format!("blk.{l}.attn_v.weight")), want, "attn_v {l}");
        assert_eq!(ty(&format!("blk.{l}.ffn_down.weight")), want, "ffn_down {l}");
        assert_eq!(ty(&format!("blk.{l}.attn_q.weight")), GgmlType::Q4_K, "attn_q {l}");
        assert_eq!(ty(&format!("blk.{l}.ffn_up.weight")), GgmlType::Q4_K, "ffn_up {l}");
    }
    // A model whose rows no Q6_K block divides falls back to Q8_0 there.
    let narrow = SynthShape { dim: 96, heads: 2, kv_heads: 1, ffn: 96, ..shape };
    let g = parse(synth::build(&narrow, Recipe::Q4KM, 3).unwrap().to_bytes());
    assert_eq!(g.tensor("token_embd.weight").unwrap().dtype, GgmlType::Q8_0);
}

#[test]
fn every_quantization_runs_on_the_gpu_as_on_the_cpu() {
    // f32 activations, so that only summation order differs (8-bit ones:
    // gpu_models.rs, `int8_activations_stay_close_to_the_cpu_reference`).
    let Some(gpu) = test_gpu_with(&DeviceOptions { int8_activations: Some(false), ..Default::default() }) else {
        return;
    };
    let gpu = Arc::new(gpu);
    for arch in ["llama", "qwen2"] {
        let shape = tiny(arch, 2);
        let uniform = [GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_K].map(Recipe::from);
        for quant in uniform.into_iter().chain([Recipe::Q4KM]) {
            let model = load(synth::build(&shape, quant, 7).unwrap().to_bytes());
            let tokens = [1u32, 17, 299, 0, 42, 123];
            let mut cs = CpuState::new(&model, tokens.len());
            let cpu = model.forward_all(&mut cs, &tokens, 0).unwrap();
            let g = GpuModel::upload(gpu.clone(), &model).unwrap();
            let mut st = g.new_state(tokens.len(), 4).unwrap();
            let got = g.forward_all(&mut st, &tokens, 0).unwrap();
            assert_matches_cpu(&got, &cpu, &format!("{arch} {quant:?}"));
        }
    }
}

/// Shapes no fixture has: head sizes 80, 128 and 256, three query heads per
/// KV head, one head, vocabularies that are not multiples of a tile, and an
/// FFN of 808 (gate/up rows not a multiple of a tile; `ffn_down`'s 808
/// columns are no whole number of blocks, so it falls back to F16 beside
/// block-type gate/up).
fn odd_shapes() -> Vec<SynthShape> {
    let base = SynthShape {
        name: "odd",
        arch: "llama",
        dim: 480,
        layers: 2,
        heads: 6,
        kv_heads: 2,
        ffn: 808,
        vocab: 1001,
        context: 48,
        rope_theta: 10000.0,
    };
    vec![
        base,
        SynthShape { arch: "qwen2", dim: 384, heads: 3, kv_heads: 3, ffn: 1056, vocab: 333, ..base },
        SynthShape { dim: 256, heads: 1, kv_heads: 1, ffn: 512, vocab: 259, ..base },
    ]
}

#[test]
fn odd_shapes_match_the_cpu_on_every_weight_layout() {
    // Every storage the engine can pick (buffers or textures, rows or
    // tiles), with f32 activations so that only summation order differs.
    let mut layouts = Vec::new();
    for textures in [false, true] {
        for tiles in [false, true] {
            let opts = DeviceOptions {
                weight_textures: Some(textures),
                weight_tiles: Some(tiles),
                int8_activations: Some(false),
                ..Default::default()
            };
            let Some(gpu) = test_gpu_with(&opts) else { return };
            layouts.push((format!("textures {textures}, tiles {tiles}"), Arc::new(gpu)));
        }
    }
    let tokens = [1u32, 17, 250, 0, 42, 123, 7];
    for shape in odd_shapes() {
        for quant in [GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_K] {
            let model = load(synth::build(&shape, quant, 11).unwrap().to_bytes());
            let mut cs = CpuState::new(&model, tokens.len());
            let cpu = model.forward_all(&mut cs, &tokens, 0).unwrap();
            // Only the block types have textures and tiles.
            let n = if quant == GgmlType::F16 { 1 } else { layouts.len() };
            for (label, gpu) in &layouts[..n] {
                let g = GpuModel::upload(gpu.clone(), &model).unwrap();
                // Prefill in chunks of 3 (3, 3, 1), and decode one by one.
                let mut st = g.new_state(tokens.len(), 3).unwrap();
                let prefill = g.forward_all(&mut st, &tokens, 0).unwrap();
                let mut st = g.new_state(tokens.len(), 1).unwrap();
                let decode: Vec<Vec<f32>> =
                    tokens.iter().enumerate().map(|(p, &t)| g.forward(&mut st, &[t], p).unwrap()).collect();
                let head = shape.dim / shape.heads;
                for (what, got) in [("prefill", &prefill), ("decode", &decode)] {
                    assert_matches_cpu(got, &cpu, &format!("{} head {head} {quant} {what} ({label})", shape.arch));
                }
            }
        }
    }
}
