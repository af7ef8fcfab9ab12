//! Perplexity as llama.cpp computes it, against an independent reference:
//! tests/fixtures/perplexity/stories260k.json (transformers logits, float64
//! log-softmax, token ids from a separate SentencePiece implementation; see
//! scripts/fixtures/gen_perplexity_reference.py).

use hearth::gguf::GgufFile;
use hearth::gpu::GpuModel;
use hearth::model::CpuState;
use hearth::perplexity::{perplexity, perplexity_of_text, PerplexityReport};
use hearth::tokenizer::Tokenizer;
use hearth::{Error, Model, ModelSource};
use hearth_tests::{fixtures, read_json, shared_models, test_gpu};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

fn ids(v: &Value) -> Vec<u32> {
    v.as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as u32).collect()
}

fn reference() -> Value {
    read_json(&fixtures().join("perplexity/stories260k.json"))
}

fn f32_gguf() -> Option<PathBuf> {
    Some(shared_models()?.join("stories260K/stories260K-F32.gguf"))
}

fn tokenizer(path: &std::path::Path) -> Tokenizer {
    Tokenizer::from_gguf(&GgufFile::open(path).unwrap()).unwrap()
}

/// Compare a report with one `results` entry of the fixture; return the
/// relative perplexity difference.
fn check(got: &PerplexityReport, want: &Value, engine: &str) -> f64 {
    let ctx = want["ctx"].as_u64().unwrap() as usize;
    assert_eq!(got.ctx, ctx);
    assert_eq!(got.windows, want["windows"].as_u64().unwrap() as usize, "{engine} ctx {ctx}");
    assert_eq!(got.tokens_scored, want["tokens_scored"].as_u64().unwrap() as usize, "{engine} ctx {ctx}");
    let ppl = want["perplexity"].as_f64().unwrap();
    let rel = (got.perplexity - ppl).abs() / ppl;
    let running: Vec<f64> = want["per_window"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    let worst = got.per_window.iter().zip(&running).map(|(a, b)| (a - b).abs() / b).fold(0.0, f64::max);
    eprintln!(
        "{engine} ctx {ctx}: ppl {:.6} vs reference {ppl:.6} (rel {rel:.2e}), nll {:.8} vs {:.8}, \
         worst running-estimate rel diff {worst:.2e}",
        got.perplexity,
        got.nll_mean,
        want["nll_mean"].as_f64().unwrap()
    );
    assert!(rel < 1e-4, "{engine} ctx {ctx}: perplexity {} vs {ppl}", got.perplexity);
    assert!(worst < 1e-4, "{engine} ctx {ctx}: running estimates {:?} vs {running:?}", got.per_window);
    rel
}

#[test]
fn hearth_tokenizer_matches_the_reference_ids() {
    let Some(path) = f32_gguf() else { return };
    let r = reference();
    let tok = tokenizer(&path);
    let text = r["text"].as_str().unwrap();
    let want = ids(&r["token_ids"]);
    assert_eq!(tok.encode(text, false).unwrap(), want);
    // What perplexity_of_text feeds to perplexity(): llama.cpp's add_special=true.
    let with_bos: Vec<u32> = std::iter::once(r["bos"].as_u64().unwrap() as u32).chain(want).collect();
    assert_eq!(tok.encode(text, true).unwrap(), with_bos);
}

#[test]
fn cpu_perplexity_matches_the_reference() {
    let Some(path) = f32_gguf() else { return };
    let r = reference();
    let model = Model::load(&ModelSource::open(&path).unwrap()).unwrap();
    let tok = tokenizer(&path);
    let text = r["text"].as_str().unwrap();
    for want in r["results"].as_array().unwrap() {
        let ctx = want["ctx"].as_u64().unwrap() as usize;
        let mut eval = |w: &[u32]| model.forward_all(&mut CpuState::new(&model, w.len()), w, 0);
        let got = perplexity_of_text(&mut eval, &tok, text, ctx).unwrap();
        check(&got, want, "CPU");
    }
}

#[test]
fn gpu_perplexity_matches_the_reference() {
    let Some(path) = f32_gguf() else { return };
    let Some(gpu) = test_gpu() else { return };
    let r = reference();
    let model = Model::load(&ModelSource::open(&path).unwrap()).unwrap();
    eprintln!("GPU: {}", gpu.summary.name);
    let g = GpuModel::upload(Arc::new(gpu), &model).unwrap();
    let mut stream = vec![r["bos"].as_u64().unwrap() as u32];
    stream.extend(ids(&r["token_ids"]));
    for want in r["results"].as_array().unwrap() {
        let ctx = want["ctx"].as_u64().unwrap() as usize;
        // One state for every window: each starts at position 0, so attention
        // only ever reads cache rows the same window wrote.
        let mut st = g.new_state(ctx, 32).unwrap();
        let mut eval = |w: &[u32]| g.forward_all(&mut st, w, 0);
        let got = perplexity(&mut eval, &stream, ctx, Some(1)).unwrap();
        check(&got, want, "GPU");
    }
}

#[test]
fn too_little_text_or_context_is_a_typed_error() {
    let Some(path) = f32_gguf() else { return };
    let model = Model::load(&ModelSource::open(&path).unwrap()).unwrap();
    let tok = tokenizer(&path);
    let mut eval = |w: &[u32]| model.forward_all(&mut CpuState::new(&model, w.len()), w, 0);
    let text = reference()["text"].as_str().unwrap().to_string();
    let n = tok.encode(&text, true).unwrap().len();
    // Shorter than one window; fits one window but not two (llama.cpp's
    // minimum is 2 * ctx); contexts too short to score anything.
    let cases = [
        ("Once upon a time", 64),
        (text.as_str(), n),
        (text.as_str(), n / 2 + 1),
        (text.as_str(), 2),
        (text.as_str(), 0),
    ];
    for (t, ctx) in cases {
        match perplexity_of_text(&mut eval, &tok, t, ctx) {
            Err(Error::InvalidArgument { reason }) => eprintln!("ctx {ctx}: {reason}"),
            other => panic!("ctx {ctx}: expected InvalidArgument, got {other:?}"),
        }
    }
}
