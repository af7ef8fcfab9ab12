//! Device memory is planned before upload (`gpu::budget`): the plan matches
//! what the upload allocates, and a model that does not fit a budget is
//! refused with a typed error, before any upload, naming what would fit —
//! and what it names does fit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::engine::{Engine, EngineOptions};
use hearth::gpu::{GpuModel, MemoryPlan};
use hearth::model::KvCacheType;
use hearth::{Error, Model, ModelSource};
use hearth_tests::{fixtures, test_gpu};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn model_files() -> Vec<PathBuf> {
    let tiny = fixtures().join("tiny");
    ["llama-tiny/llama-tiny-F32.gguf", "llama3-tiny/llama3-tiny-Q8_0.gguf", "qwen2-tiny/qwen2-tiny-Q8_0.gguf"]
        .iter()
        .map(|f| tiny.join(f))
        .collect()
}

fn load(path: &Path) -> Model {
    Model::load(&ModelSource::open(path).unwrap()).unwrap()
}

#[test]
fn the_plan_matches_what_the_upload_allocates() {
    let Some(gpu) = test_gpu() else { return };
    let gpu = Arc::new(gpu);
    for path in model_files() {
        let model = load(&path);
        for (ctx, batch, kv) in [(64, 16, KvCacheType::F32), (300, 64, KvCacheType::F16)] {
            let plan = MemoryPlan::for_gpu(&model, ctx, batch, kv, &gpu);
            let m = GpuModel::upload(gpu.clone(), &model).unwrap();
            assert_eq!(plan.weights, m.device_bytes(), "{}: weights", path.display());
            assert_eq!(plan.kv_cache, model.kv_cache_bytes(ctx, kv.bytes()));
            let st = m.new_state_with_kv(ctx, batch, kv).unwrap();
            // The session's buffers: the plan may round up, never under-count.
            let actual = st.device_bytes;
            let planned = plan.kv_cache + plan.scratch;
            assert!(planned >= actual, "{}: planned {planned} < allocated {actual}", path.display());
            assert!(
                planned <= actual + actual / 4 + 8192,
                "{}: planned {planned} ≫ allocated {actual}",
                path.display()
            );
        }
    }
}

/// "a context of at most N positions fits" → N.
fn advised_context(e: &Error) -> usize {
    let text = e.to_string();
    let tail = text.split("a context of at most ").nth(1).unwrap_or_else(|| panic!("no context advice: {text}"));
    tail.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn a_model_over_budget_is_refused_before_upload_with_a_context_that_fits() {
    if test_gpu().is_none() {
        return;
    }
    let path = &model_files()[0];
    let model = load(path);
    // The model's own context (the engine caps the option at it).
    let (ctx, batch) = (model.config.context_length, 64);
    let plan = MemoryPlan::new(&model, ctx, batch, KvCacheType::F32);
    // Room for the weights and about three quarters of the cache.
    let budget = plan.total() - plan.kv_cache / 4;
    let opts = |context: usize| EngineOptions {
        context_length: Some(context),
        prefill_batch: batch,
        memory_budget: Some(budget),
        ..Default::default()
    };
    let mut furthest = 0f32;
    let err = Engine::load(path, &opts(ctx), &mut |p| furthest = furthest.max(p.fraction)).unwrap_err();
    assert!(matches!(err, Error::InsufficientMemory { needed, available, .. } if needed > available), "{err}");
    assert!(furthest <= 0.05, "the upload had started ({furthest}) before the refusal");
    let fits = advised_context(&err);
    assert!(fits > 0 && fits < ctx, "{err}");
    // What the message names fits; one position more does not.
    Engine::load(path, &opts(fits), &mut |_| {}).unwrap();
    assert!(matches!(Engine::load(path, &opts(fits + 1), &mut |_| {}), Err(Error::InsufficientMemory { .. })));
}

#[test]
fn weights_over_budget_advise_a_smaller_quantization() {
    let model = load(&model_files()[0]);
    let plan = MemoryPlan::new(&model, 512, 64, KvCacheType::F32);
    let err = plan.check(u64::MAX, Some(plan.weights / 2)).unwrap_err();
    assert!(err.to_string().contains("smaller quantization"), "{err}");
    assert!(plan.check(u64::MAX, Some(plan.total())).is_ok());
    assert!(plan.check(u64::MAX, None).is_ok());
}

#[test]
fn a_layer_cache_over_the_binding_limit_names_a_context_that_fits() {
    let model = load(&model_files()[0]);
    let plan = MemoryPlan::new(&model, 4096, 64, KvCacheType::F32);
    let per_position = (model.config.kv_dim() * 4) as u64;
    let err = plan.check(per_position * 1000 + 3, None).unwrap_err();
    assert_eq!(advised_context(&err), 1000, "{err}");
    assert!(MemoryPlan::new(&model, 1000, 64, KvCacheType::F32).check(per_position * 1000 + 3, None).is_ok());
}
