//! The CPU reference forward pass on the real stories260K model against
//! `reference.json` (numpy f64, transformers and llama.cpp agree on it).

use hearth::model::cpu::argmax;
use hearth::model::CpuState;
use hearth::{Model, ModelSource};
use hearth_tests::{read_json, shared_models};
use std::path::Path;

fn greedy(model_path: &Path, prompt: &[u32], n: usize) -> (Vec<u32>, Vec<f32>) {
    let src = ModelSource::open(model_path).unwrap();
    let model = Model::load(&src).unwrap();
    let mut state = CpuState::new(&model, 64);
    let mut logits = model.forward(&mut state, prompt, 0).unwrap();
    let first = logits.clone();
    let mut out = Vec::new();
    for i in 0..n {
        let t = argmax(&logits);
        out.push(t);
        logits = model.forward(&mut state, &[t], prompt.len() + i).unwrap();
    }
    (out, first)
}

fn tokens(v: &serde_json::Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as u32).collect()
}

#[test]
fn greedy_tokens_match_reference_for_every_file() {
    let Some(models) = shared_models() else { return };
    let dir = models.join("stories260K");
    let reference = read_json(&dir.join("reference.json"));
    let prompt = tokens(&reference["prompt_tokens_with_bos"]);
    let files = reference["files"].as_object().unwrap();
    assert!(files.len() >= 4);
    for (name, entry) in files {
        let expected = tokens(&entry["greedy_tokens"]);
        let (got, _) = greedy(&dir.join(name), &prompt, expected.len());
        assert_eq!(got, expected, "{name}");
    }
    // The HF folder holds the F32 weights with Q/K in rotate-half order.
    let expected = tokens(&files["stories260K-F32.gguf"]["greedy_tokens"]);
    let (got, _) = greedy(&dir.join("hf"), &prompt, expected.len());
    assert_eq!(got, expected, "hf/");
}

#[test]
fn first_step_top5_logits_match_f64_reference() {
    let Some(models) = shared_models() else { return };
    let dir = models.join("stories260K");
    let reference = read_json(&dir.join("reference.json"));
    let prompt = tokens(&reference["prompt_tokens_with_bos"]);
    for file in ["stories260K-F32.gguf", "hf"] {
        let (_, logits) = greedy(&dir.join(file), &prompt, 0);
        for pair in reference["reference_f64_top5_first_step"].as_array().unwrap() {
            let id = pair[0].as_u64().unwrap() as usize;
            let want = pair[1].as_f64().unwrap();
            let diff = (f64::from(logits[id]) - want).abs();
            assert!(diff < 1e-3, "{file}: token {id}: {} vs {want}", logits[id]);
        }
    }
}
