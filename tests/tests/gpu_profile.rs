//! `GpuModel::profile_decode` / `profile_prefill` (`hearth bench --profile`):
//! the profiled step is the real step (same tokens as the unprofiled path),
//! and every kernel of the step is timed, once per layer where it is per layer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::gpu::{GpuModel, KernelTime};
use hearth::{Model, ModelSource};
use hearth_tests::{fixtures, json_ids, read_json, test_gpu};
use std::sync::Arc;

fn calls(times: &[KernelTime], kernel: &str) -> u32 {
    times.iter().find(|k| k.kernel == kernel).map_or(0, |k| k.calls)
}

#[test]
fn profiled_steps_give_the_same_tokens_and_time_every_kernel() {
    let Some(gpu) = test_gpu() else { return };
    let gpu = Arc::new(gpu);
    let dir = fixtures().join("tiny/qwen2-tiny");
    let prompt = json_ids(&read_json(&dir.join("reference.json"))["tokens"]);
    let model = Model::load(&ModelSource::open(dir.join("qwen2-tiny-F32.gguf")).unwrap()).unwrap();
    let layers = model.config.n_layers as u32;
    let m = GpuModel::upload(gpu.clone(), &model).unwrap();
    if !m.can_profile() {
        eprintln!("skipped: {} has no timestamp queries", gpu.summary.name);
        return;
    }
    let n = 4;
    let mut plain = m.new_state(prompt.len() + n, 64).unwrap();
    let mut want = vec![m.forward_greedy(&mut plain, &prompt, 0).unwrap()];
    for i in 1..n {
        want.push(m.decode_next(&mut plain, prompt.len() + i - 1).unwrap());
    }

    let mut st = m.new_state(prompt.len() + n, 64).unwrap();
    let (first, prefill) = m.profile_prefill(&mut st, &prompt, 0).unwrap();
    let mut got = vec![first];
    let mut decode = Vec::new();
    for i in 1..n {
        let (t, times) = m.profile_decode(&mut st, prompt.len() + i - 1).unwrap();
        got.push(t);
        decode = times;
    }
    assert_eq!(got, want, "profiled greedy tokens differ from the normal path");

    for times in [&prefill, &decode] {
        // Q, K, V and gate, up share a type here: one stacked product each.
        for kernel in ["qkv", "bias+rope+kv store", "attention", "o", "gate+up+swiglu", "down"] {
            assert_eq!(calls(times, kernel), layers, "{kernel}: {times:?}");
        }
        // The first norm alone; every later one (two per layer, the output
        // norm) with the residual add before it.
        assert_eq!(calls(times, "rmsnorm"), 1);
        assert_eq!(calls(times, "residual+rmsnorm"), 2 * layers);
        for kernel in ["embed", "output", "argmax"] {
            assert_eq!(calls(times, kernel), 1, "{kernel}");
        }
        assert!(times.iter().all(|k| k.seconds.is_finite() && k.seconds >= 0.0), "{times:?}");
        assert!(times.iter().map(|k| k.seconds).sum::<f64>() > 0.0, "no GPU time at all: {times:?}");
    }
    // Out of range like the unprofiled calls.
    assert!(m.profile_decode(&mut st, prompt.len() + n).is_err());
    assert!(m.profile_prefill(&mut st, &[], 0).is_err());
}
