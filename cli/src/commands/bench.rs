//! `hearth bench`: prefill and decode speed, time to first token, load time and
//! memory, as medians over repeats (with min and max).

use crate::args::{Backend, EngineArgs};
use anyhow::{Context, Result};
use hearth::bench::{median, process_cpu_seconds, roofline, traffic};
use hearth::gpu::{GpuModel, KernelTime};
use hearth::model::cpu::argmax;
use hearth::model::{CpuState, KvCacheType};
use hearth::{Model, ModelSource};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// What to measure.
pub struct BenchArgs {
    pub model: Option<PathBuf>,
    pub synthetic: Option<String>,
    pub quant: String,
    pub prompt_tokens: usize,
    pub gen_tokens: usize,
    pub repeat: usize,
    /// Run the prompt and two decode steps once, untimed, before the repeats.
    pub warmup: bool,
    /// Add per-kernel GPU times of decode and prefill (timestamp queries).
    pub profile: bool,
    pub json: bool,
}

/// Decode steps averaged by `--profile`.
const PROFILE_TOKENS: usize = 8;

/// Median, min and max of a sample.
fn stats(v: Vec<f64>) -> serde_json::Value {
    let (min, max) = (v.iter().copied().reduce(f64::min), v.iter().copied().reduce(f64::max));
    json!({ "median": median(v), "min": min, "max": max })
}

/// Peak resident memory of this process (Linux; None elsewhere).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
}

pub fn run(b: &BenchArgs, e: &EngineArgs) -> Result<()> {
    let (path, _tmp) = match (&b.model, &b.synthetic) {
        (Some(m), _) => (m.clone(), None),
        (None, Some(shape)) => {
            let s = hearth::synth::shape(shape)?;
            let q = super::synth::parse_quant(&b.quant)?;
            let p =
                std::env::temp_dir().join(format!("hearth-bench-{}-{}-{}.gguf", s.name, b.quant, std::process::id()));
            hearth::synth::write(&s, q, 0, &p)?;
            (p.clone(), Some(TempFile(p)))
        }
        (None, None) => anyhow::bail!("give --model or --synthetic"),
    };
    let load_start = Instant::now();
    let src = ModelSource::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let model = Model::load(&src)?;
    let vocab = model.config.vocab_size as u32;
    let ctx = b.prompt_tokens + b.gen_tokens + 1 + if b.profile { PROFILE_TOKENS } else { 0 };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let prompt: Vec<u32> = (0..b.prompt_tokens.max(1)).map(|_| rng.gen_range(0..vocab)).collect();
    let (mut prefill, mut decode, mut ttft) = (Vec::new(), Vec::new(), Vec::new());
    let (adapter, load_s, device_bytes);
    // The driver and its version: on lavapipe the speed depends on the Mesa
    // release as much as on the code (BENCHMARKS.md, session 12).
    let mut driver = serde_json::Value::Null;
    // What decode's quantized products multiply: 8-bit or f32 activations;
    // and prefill's (8-bit only for Q4_0/Q8_0/Q4_K/Q6_K products on CPU adapters).
    let mut decode_activations = serde_json::Value::Null;
    let mut prefill_activations = serde_json::Value::Null;
    // How block-type weights are laid out: in row tiles (CPU adapters) or row after row.
    let mut weight_layout = serde_json::Value::Null;
    let mut weight_storage = serde_json::Value::Null;
    let mut speed_of_light = serde_json::Value::Null;
    let mut profile = serde_json::Value::Null;
    // Process CPU time: on a CPU adapter (lavapipe) the device is this
    // process's threads, so this is the work done, whatever else runs.
    let (mut prefill_cpu, mut decode_cpu) = (Vec::new(), Vec::new());
    match e.backend {
        Backend::Gpu => {
            let gpu = Arc::new(super::roofline::open_gpu(e)?);
            adapter = super::roofline::adapter_name(&gpu);
            driver = json!(gpu.summary.driver);
            decode_activations = json!(if gpu.int8_activations { "int8" } else { "f32" });
            weight_layout = json!(if gpu.weight_tiles { "tiles" } else { "rows" });
            weight_storage = json!(if gpu.weight_textures { "textures" } else { "buffers" });
            let m = GpuModel::upload(gpu.clone(), &model)?;
            prefill_activations = json!(if m.prefill_int8() { "int8" } else { "f32" });
            load_s = load_start.elapsed().as_secs_f64();
            let kv = KvCacheType::from(e.kv_cache);
            let mut st = m.new_state_with_kv(ctx, 512.min(ctx), kv)?;
            device_bytes = Some(m.device_bytes() + st.device_bytes);
            // Decode reads the cache at ~prompt + gen/2 positions on average.
            let decode_bytes = traffic::decode_bytes(&m, prompt.len() + b.gen_tokens / 2, kv.bytes());
            let prefill_flops = traffic::prefill_flops(&m, prompt.len());
            if b.warmup {
                // Whatever a driver does at a kernel's first use (compiling,
                // allocating) stays out of the first repeat, as llama-bench's
                // warm-up run keeps it out of llama.cpp's.
                m.forward_greedy(&mut st, &prompt, 0)?;
                for i in 0..b.gen_tokens.min(2) {
                    m.decode_next(&mut st, prompt.len() + i)?;
                }
            }
            for _ in 0..b.repeat.max(1) {
                let (t, c) = (Instant::now(), process_cpu_seconds());
                m.forward_greedy(&mut st, &prompt, 0)?;
                let p = t.elapsed().as_secs_f64();
                let (t, c2) = (Instant::now(), process_cpu_seconds());
                for i in 0..b.gen_tokens {
                    m.decode_next(&mut st, prompt.len() + i)?;
                }
                let d = t.elapsed().as_secs_f64();
                if let (Some(a), Some(b2), Some(e)) = (c, c2, process_cpu_seconds()) {
                    prefill_cpu.push(b2 - a);
                    decode_cpu.push((e - b2) / b.gen_tokens.max(1) as f64);
                }
                prefill.push(prompt.len() as f64 / p);
                ttft.push(p * 1e3);
                decode.push(b.gen_tokens as f64 / d.max(1e-9));
            }
            if b.profile {
                let wall = 1.0 / median(decode.clone()).max(1e-9);
                profile = profile_steps(&m, &mut st, &prompt, prompt.len() + b.gen_tokens, wall)?;
            }
            // Measured after the model runs, on the same device, in the same process.
            let roof = roofline::measure(&gpu)?;
            let decode_gbps = decode_bytes as f64 * median(decode.clone()) / 1e9;
            let prefill_gflops = prefill_flops * median(prefill.clone()) / prompt.len() as f64 / 1e9;
            speed_of_light = json!({
                "roofline": roof,
                "decode_bytes_per_token": decode_bytes,
                "decode_gbps": decode_gbps,
                "decode_read_roofline_percent": roof.read_percent(decode_gbps * 1e9),
                "prefill_flops": prefill_flops,
                "prefill_gflops": prefill_gflops,
                "prefill_fma_roofline_percent": roof.fma_percent(prefill_gflops * 1e9),
            });
        }
        Backend::Cpu => {
            adapter = "cpu (reference)".into();
            load_s = load_start.elapsed().as_secs_f64();
            device_bytes = None;
            for _ in 0..b.repeat.max(1) {
                let mut st = CpuState::new(&model, ctx);
                let t = Instant::now();
                let mut next = argmax(&model.forward(&mut st, &prompt, 0)?);
                let p = t.elapsed().as_secs_f64();
                let t = Instant::now();
                for i in 0..b.gen_tokens {
                    next = argmax(&model.forward(&mut st, &[next], prompt.len() + i)?);
                }
                let d = t.elapsed().as_secs_f64();
                prefill.push(prompt.len() as f64 / p);
                ttft.push(p * 1e3);
                decode.push(b.gen_tokens as f64 / d.max(1e-9));
            }
        }
    }
    let report = json!({
        "model": path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "adapter": adapter,
        "driver": driver,
        "decode_activations": decode_activations,
        "prefill_activations": prefill_activations,
        "weight_layout": weight_layout,
        "weight_storage": weight_storage,
        "prompt_tokens": prompt.len(),
        "gen_tokens": b.gen_tokens,
        "repeat": b.repeat.max(1),
        "warmup": b.warmup,
        "load_s": load_s,
        "prefill_tokens_per_s": stats(prefill),
        "decode_tokens_per_s": stats(decode),
        "ttft_ms": stats(ttft),
        "weights_bytes": model.weight_bytes(),
        "device_bytes": device_bytes,
        "peak_rss_bytes": peak_rss_bytes(),
        "speed_of_light": speed_of_light,
        "profile": profile,
        "prefill_cpu_seconds": (!prefill_cpu.is_empty()).then(|| median(prefill_cpu)),
        "decode_cpu_ms_per_token": (!decode_cpu.is_empty()).then(|| median(decode_cpu) * 1e3),
    });
    if b.json {
        return super::print_json(&report);
    }
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Per-kernel GPU time of `PROFILE_TOKENS` decode steps from `pos` and of a
/// prefill of `prompt`, beside the wall time of a normal decode step.
fn profile_steps(
    m: &GpuModel,
    st: &mut hearth::gpu::GpuState,
    prompt: &[u32],
    pos: usize,
    decode_wall_s: f64,
) -> Result<serde_json::Value> {
    if !m.can_profile() {
        return Ok(json!({ "error": "the adapter has no timestamp queries" }));
    }
    let mut total: Vec<KernelTime> = Vec::new();
    for i in 0..PROFILE_TOKENS {
        let (_, times) = m.profile_decode(st, pos + i)?;
        for t in times {
            match total.iter_mut().find(|k| k.kernel == t.kernel) {
                Some(k) => k.seconds += t.seconds,
                None => total.push(t),
            }
        }
    }
    for k in &mut total {
        k.seconds /= PROFILE_TOKENS as f64;
    }
    let (_, prefill) = m.profile_prefill(st, prompt, 0)?;
    Ok(json!({
        "decode": profile_json(&total, Some(decode_wall_s)),
        "prefill": profile_json(&prefill, None),
    }))
}

/// Kernels by GPU time, largest first, with their share of the sum.
fn profile_json(times: &[KernelTime], wall_s: Option<f64>) -> serde_json::Value {
    let sum: f64 = times.iter().map(|k| k.seconds).sum();
    let mut sorted = times.to_vec();
    sorted.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    let kernels: Vec<_> = sorted
        .iter()
        .map(|k| json!({ "kernel": k.kernel, "calls": k.calls, "us": k.seconds * 1e6, "percent": 100.0 * k.seconds / sum.max(1e-12) }))
        .collect();
    json!({ "gpu_us": sum * 1e6, "wall_us": wall_s.map(|w| w * 1e6), "kernels": kernels })
}

/// Removes the synthetic file when the benchmark ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
