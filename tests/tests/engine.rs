//! The session API on stories260K: reference continuation, stop strings across
//! tokens, cancellation from another thread, seeded sampling, 8 threads on one
//! engine, save/restore, and KV reuse across chat turns.

use hearth::chat::ChatMessage;
use hearth::engine::{Backend, Engine, EngineOptions, FinishReason, GenerateOptions};
use hearth::gguf::{GgufFile, GgufWriter, Value};
use hearth::model::KvCacheType;
use hearth::sampling::SamplingOptions;
use hearth::Error;
use hearth_tests::{json_ids, read_json, shared_models};
use std::path::{Path, PathBuf};

fn stories(file: &str) -> Option<PathBuf> {
    shared_models().map(|m| m.join("stories260K").join(file))
}

fn engine(path: &Path, backend: Backend) -> Engine {
    let opts = EngineOptions { backend, context_length: Some(512), ..Default::default() };
    Engine::load(path, &opts, &mut |_| {}).unwrap()
}

fn greedy(n: usize) -> GenerateOptions {
    GenerateOptions { max_tokens: n, sampling: SamplingOptions::greedy(), ..Default::default() }
}

#[test]
fn generate_streams_the_reference_continuation_on_both_backends() {
    let Some(path) = stories("stories260K-F32.gguf") else { return };
    let r = read_json(&path.with_file_name("reference.json"));
    let entry = &r["files"]["stories260K-F32.gguf"];
    for backend in [Backend::Gpu, Backend::Cpu] {
        let e = engine(&path, backend);
        let mut s = e.new_session().unwrap();
        let mut streamed = String::new();
        let done = s
            .generate("Once upon a time", &greedy(32), &mut |p| {
                streamed.push_str(p);
                true
            })
            .unwrap();
        assert_eq!(done.tokens, json_ids(&entry["greedy_tokens"]), "{backend:?}");
        assert_eq!(format!("Once upon a time{}", done.text), entry["greedy_text"].as_str().unwrap());
        assert_eq!(streamed, done.text);
        assert_eq!(done.finish_reason, FinishReason::Length);
        assert_eq!((done.usage.prompt_tokens, done.usage.generated_tokens, done.usage.cached_tokens), (5, 32, 0));
        assert!(done.timings.ttft_ms > 0.0 && done.timings.decode_tokens_per_s > 0.0);
    }
}

#[test]
fn f16_kv_cache_gives_the_reference_tokens_on_both_backends() {
    let Some(path) = stories("stories260K-Q8_0.gguf") else { return };
    let r = read_json(&path.with_file_name("reference.json"));
    let want = json_ids(&r["files"]["stories260K-Q8_0.gguf"]["greedy_tokens"]);
    for backend in [Backend::Gpu, Backend::Cpu] {
        let opts =
            EngineOptions { backend, context_length: Some(512), kv_cache: KvCacheType::F16, ..Default::default() };
        let e = Engine::load(&path, &opts, &mut |_| {}).unwrap();
        assert_eq!(e.info().kv_cache_bytes, 5 * 2 * 512 * 32 * 2);
        let done = e.new_session().unwrap().generate("Once upon a time", &greedy(32), &mut |_| true).unwrap();
        assert_eq!(done.tokens, want, "{backend:?}");
    }
}

#[test]
fn stop_strings_spanning_tokens_end_generation_without_the_stop_text() {
    let Some(path) = stories("stories260K-F32.gguf") else { return };
    let e = engine(&path, Backend::Gpu);
    let mut s = e.new_session().unwrap();
    // The reference continues ", there was a little girl named Lily." — "le gi"
    // spans the tokens of "little" and "girl".
    let opts = GenerateOptions { stop: vec!["le gi".into()], ..greedy(32) };
    let mut streamed = String::new();
    let done = s
        .generate("Once upon a time", &opts, &mut |p| {
            streamed.push_str(p);
            true
        })
        .unwrap();
    assert_eq!(done.text, ", there was a litt");
    assert_eq!(streamed, done.text);
    assert_eq!(done.finish_reason, FinishReason::Stop);
}

#[test]
fn callback_false_and_cancel_handle_stop_within_a_step() {
    let Some(path) = stories("stories260K-F32.gguf") else { return };
    let e = engine(&path, Backend::Gpu);
    let mut s = e.new_session().unwrap();
    let mut n = 0;
    let done = s
        .generate("Once upon a time", &greedy(400), &mut |_| {
            n += 1;
            n < 3
        })
        .unwrap();
    assert_eq!(done.finish_reason, FinishReason::Cancelled);
    assert!(done.tokens.len() <= 4, "{}", done.tokens.len());
    // From another thread, once the first token has streamed.
    let handle = s.cancel_handle();
    let (tx, rx) = std::sync::mpsc::channel();
    let canceller = std::thread::spawn(move || {
        rx.recv().unwrap();
        handle.cancel();
    });
    let mut sent = false;
    let done = s
        .generate("Once upon a time", &greedy(400), &mut |_| {
            if !sent {
                tx.send(()).unwrap();
                sent = true;
            }
            true
        })
        .unwrap();
    canceller.join().unwrap();
    assert_eq!(done.finish_reason, FinishReason::Cancelled);
    assert!(done.tokens.len() < 400);
}

#[test]
fn seeded_sampling_is_deterministic() {
    let Some(path) = stories("stories260K-Q8_0.gguf") else { return };
    for backend in [Backend::Gpu, Backend::Cpu] {
        let e = engine(&path, backend);
        let run = |seed: u64| {
            let mut s = e.new_session().unwrap();
            let sampling = SamplingOptions { temperature: 1.0, seed, ..Default::default() };
            let opts = GenerateOptions { max_tokens: 40, sampling, ..Default::default() };
            s.generate("Once upon a time", &opts, &mut |_| true).unwrap().tokens
        };
        assert_eq!(run(7), run(7), "{backend:?}");
        assert_ne!(run(7), run(8), "{backend:?}");
    }
}

#[test]
fn eight_threads_match_sequential_runs() {
    let Some(path) = stories("stories260K-Q4_0.gguf") else { return };
    let e = engine(&path, Backend::Gpu);
    let prompts: Vec<String> = (0..8)
        .map(|i| {
            format!("Once upon a time there was a {}", ["cat", "dog", "girl", "boy", "bird", "fish", "king", "tree"][i])
        })
        .collect();
    let opts = GenerateOptions {
        max_tokens: 24,
        sampling: SamplingOptions { temperature: 0.9, seed: 3, ..Default::default() },
        ..Default::default()
    };
    let sequential: Vec<Vec<u32>> =
        prompts.iter().map(|p| e.new_session().unwrap().generate(p, &opts, &mut |_| true).unwrap().tokens).collect();
    let parallel: Vec<Vec<u32>> = std::thread::scope(|scope| {
        let handles: Vec<_> = prompts
            .iter()
            .map(|p| {
                let (e, opts) = (e.clone(), opts.clone());
                scope.spawn(move || e.new_session().unwrap().generate(p, &opts, &mut |_| true).unwrap().tokens)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(parallel, sequential);
}

#[test]
fn restored_state_continues_exactly() {
    let Some(path) = stories("stories260K-F32.gguf") else { return };
    let dir = std::env::temp_dir().join(format!("hearth-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for backend in [Backend::Gpu, Backend::Cpu] {
        let e = engine(&path, backend);
        let mut whole = e.new_session().unwrap();
        let first = whole.generate("Once upon a time", &greedy(10), &mut |_| true).unwrap();
        let file = dir.join(format!("{backend:?}.state"));
        whole.save_state(&file).unwrap();
        let prompt2 = format!("Once upon a time{} and then", first.text);
        let uninterrupted = whole.generate(&prompt2, &greedy(16), &mut |_| true).unwrap();
        let mut resumed = e.new_session().unwrap();
        resumed.restore_state(&file).unwrap();
        let after = resumed.generate(&prompt2, &greedy(16), &mut |_| true).unwrap();
        assert_eq!(after.tokens, uninterrupted.tokens, "{backend:?}");
        assert_eq!(after.usage.cached_tokens, uninterrupted.usage.cached_tokens);
        assert!(after.usage.cached_tokens >= 5, "cache not reused: {}", after.usage.cached_tokens);
    }
    // A state of one model does not restore into another.
    let other = engine(&stories("stories260K-Q8_0.gguf").unwrap(), Backend::Cpu);
    let err = other.new_session().unwrap().restore_state(dir.join("Cpu.state")).unwrap_err();
    assert!(matches!(err, Error::StateMismatch { .. }), "{err}");
    std::fs::write(dir.join("junk.state"), b"not a state").unwrap();
    let err = other.new_session().unwrap().restore_state(dir.join("junk.state")).unwrap_err();
    assert!(matches!(err, Error::BadStateFile { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// stories260K with a ChatML template added to its metadata.
fn with_chat_template(src: &Path, dst: &Path) {
    let g = GgufFile::open(src).unwrap();
    let mut w = GgufWriter::new();
    for (k, v) in &g.metadata {
        w.set(k, v.clone());
    }
    let template = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
    w.set("tokenizer.chat_template", Value::String(template.into()));
    for t in &g.tensors {
        let r = g.tensor(&t.name).unwrap();
        w.tensor(&t.name, t.dtype, &t.dims, r.bytes().to_vec()).unwrap();
    }
    w.write(dst).unwrap();
}

#[test]
fn second_chat_turn_prefills_only_new_tokens() {
    let Some(path) = stories("stories260K-F32.gguf") else { return };
    let chat_model = std::env::temp_dir().join(format!("hearth-chat-{}.gguf", std::process::id()));
    with_chat_template(&path, &chat_model);
    let e = engine(&chat_model, Backend::Gpu);
    assert!(e.info().chat_template);
    let mut s = e.new_session().unwrap();
    let mut history = vec![ChatMessage::system("Tell stories."), ChatMessage::user("Once upon a time")];
    let first = s.chat(&history, &greedy(12), &mut |_| true).unwrap();
    assert_eq!(first.usage.cached_tokens, 0);
    history.push(ChatMessage::assistant(first.text.clone()));
    history.push(ChatMessage::user("What happened next?"));
    let second = s.chat(&history, &greedy(12), &mut |_| true).unwrap();
    // Everything up to the first answer is already in the cache.
    assert!(second.usage.cached_tokens >= first.usage.prompt_tokens, "{:?} vs {:?}", second.usage, first.usage);
    let new_tokens = second.usage.prompt_tokens - second.usage.cached_tokens;
    assert!(new_tokens < second.usage.prompt_tokens / 2, "prefilled {new_tokens} of {}", second.usage.prompt_tokens);
    std::fs::remove_file(&chat_model).ok();
}

#[test]
fn prompt_longer_than_the_context_is_a_typed_error() {
    let Some(path) = stories("stories260K-F32.gguf") else { return };
    let opts = EngineOptions { backend: Backend::Cpu, context_length: Some(16), ..Default::default() };
    let e = Engine::load(&path, &opts, &mut |_| {}).unwrap();
    let long = "Once upon a time there was a little girl who liked to play in the park every day";
    let err = e.new_session().unwrap().generate(long, &greedy(4), &mut |_| true).unwrap_err();
    assert!(matches!(err, Error::ContextFull { .. }), "{err}");
    let done = e.new_session().unwrap().generate("Once upon a time", &greedy(100), &mut |_| true).unwrap();
    assert_eq!(done.finish_reason, FinishReason::ContextFull);
}
