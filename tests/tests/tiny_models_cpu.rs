//! CPU reference logits of tiny random Llama / Llama 3 (rope-scaled, tied) /
//! Qwen2 (biases, NEOX) models against Hugging Face transformers, at every
//! position, from both the HF folder and the GGUF files converted from it.
//! Fixtures: `scripts/fixtures/gen_tiny_models.py`.

use hearth::model::cpu::argmax;
use hearth::model::CpuState;
use hearth::{Model, ModelSource};
use hearth_tests::{fixtures, json_ids, json_matrix, read_json};
use std::path::Path;

const MODELS: [&str; 3] = ["llama-tiny", "llama3-tiny", "qwen2-tiny"];

/// Max-abs difference of all-position logits against `expected`, and greedy tokens.
fn run(path: &Path, tokens: &[u32], expected: &[Vec<f32>], n_greedy: usize) -> (f32, Vec<u32>) {
    let src = ModelSource::open(path).unwrap();
    let model = Model::load(&src).unwrap();
    let mut state = CpuState::new(&model, 64);
    let logits = model.forward_all(&mut state, tokens, 0).unwrap();
    assert_eq!(logits.len(), expected.len());
    let mut max = 0f32;
    for (got, want) in logits.iter().zip(expected) {
        assert_eq!(got.len(), want.len());
        for (a, b) in got.iter().zip(want) {
            max = max.max((a - b).abs());
        }
    }
    let mut greedy = Vec::new();
    let mut last = logits.last().unwrap().clone();
    for i in 0..n_greedy {
        let t = argmax(&last);
        greedy.push(t);
        last = model.forward(&mut state, &[t], tokens.len() + i).unwrap();
    }
    (max, greedy)
}

#[test]
fn f32_logits_match_transformers_at_every_position() {
    for name in MODELS {
        let dir = fixtures().join("tiny").join(name);
        let r = read_json(&dir.join("reference.json"));
        let tokens = json_ids(&r["tokens"]);
        let expected = json_matrix(&r["logits"]);
        let greedy = json_ids(&r["greedy"]);
        for path in [dir.join("hf"), dir.join(format!("{name}-F32.gguf"))] {
            let (max, got) = run(&path, &tokens, &expected, greedy.len());
            // Fixture logits are rounded to 7 significant digits (≤ 5e-7 here).
            assert!(max < 1e-4, "{}: max-abs {max}", path.display());
            assert_eq!(got, greedy, "{}", path.display());
        }
    }
}

#[test]
fn q8_0_logits_match_transformers_on_dequantized_weights() {
    for name in MODELS {
        let dir = fixtures().join("tiny").join(name);
        let r = read_json(&dir.join("reference.json"));
        let tokens = json_ids(&r["tokens"]);
        // transformers run with the Q8_0 file's dequantized weights: the same
        // arithmetic up to f32 rounding, so the F32 tolerance applies.
        let expected = json_matrix(&r["q8_0"]["logits"]);
        let greedy = json_ids(&r["q8_0"]["greedy"]);
        let path = dir.join(format!("{name}-Q8_0.gguf"));
        let (max, got) = run(&path, &tokens, &expected, greedy.len());
        assert!(max < 1e-4, "{}: max-abs {max}", path.display());
        assert_eq!(got, greedy, "{}", path.display());
    }
}
