//! GPU errors and device loss: a device destroyed during a generation gives
//! `Error::DeviceLost` promptly, the engine reports it, and loading again
//! (which opens a new device) works. GPU errors that no scope captured are
//! typed errors, not panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::engine::{Engine, EngineOptions, GenerateOptions};
use hearth::sampling::SamplingOptions;
use hearth::Error;
use hearth_tests::{json_ids, read_json, shared_models, test_gpu};
use std::time::{Duration, Instant};

fn greedy(n: usize) -> GenerateOptions {
    GenerateOptions { max_tokens: n, sampling: SamplingOptions::greedy(), ..Default::default() }
}

#[test]
fn destroyed_device_gives_device_lost_and_a_reload_works() {
    let Some(models) = shared_models() else { return };
    if test_gpu().is_none() {
        return;
    }
    let path = models.join("stories260K/stories260K-Q8_0.gguf");
    let want =
        json_ids(&read_json(&path.with_file_name("reference.json"))["files"]["stories260K-Q8_0.gguf"]["greedy_tokens"]);
    let opts = EngineOptions { context_length: Some(256), ..Default::default() };
    let engine = Engine::load(&path, &opts, &mut |_| {}).unwrap();
    let gpu = engine.gpu().unwrap().clone();
    assert_eq!(engine.device_lost(), None);

    let mut session = engine.new_session().unwrap();
    let (mut pieces, mut destroyed_at) = (0, None);
    let result = session.generate("Once upon a time", &greedy(64), &mut |_| {
        pieces += 1;
        if pieces == 3 {
            gpu.device.destroy();
            destroyed_at = Some(Instant::now());
        }
        true
    });
    let took = destroyed_at.expect("generation never reached the third piece").elapsed();
    assert!(matches!(result, Err(Error::DeviceLost { .. })), "{result:?}");
    assert!(took < Duration::from_secs(1), "DeviceLost took {took:?}");
    let reason = engine.device_lost().expect("the engine does not report the loss");
    assert!(reason.contains("destroyed"), "{reason}");

    // Every later call on the lost engine fails the same way, quickly.
    let t0 = Instant::now();
    let again = engine.new_session().and_then(|mut s| s.generate("Once", &greedy(4), &mut |_| true));
    assert!(matches!(again, Err(Error::DeviceLost { .. })), "{again:?}");
    assert!(t0.elapsed() < Duration::from_secs(1));
    drop(session);
    drop(engine);

    // What an app does: load again, which opens a new device.
    let engine = Engine::load(&path, &opts, &mut |_| {}).unwrap();
    let done = engine.new_session().unwrap().generate("Once upon a time", &greedy(8), &mut |_| true).unwrap();
    assert_eq!(done.tokens, want[..8]);
    assert_eq!(engine.device_lost(), None);
}

#[test]
fn gpu_errors_are_typed_not_panics() {
    let Some(gpu) = test_gpu() else { return };
    let too_big = gpu.device.limits().max_buffer_size.saturating_add(4096);
    let desc = wgpu::BufferDescriptor {
        label: Some("too big"),
        size: too_big,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    };
    // Inside an error scope: the call itself returns the error.
    let r = gpu.scoped("oversized buffer", too_big, || gpu.device.create_buffer(&desc));
    assert!(matches!(r, Err(Error::Gpu { .. } | Error::GpuOutOfMemory { .. })), "{r:?}");
    assert!(gpu.check().is_ok(), "a captured error must not be reported twice");
    // Outside any scope: wgpu's default handler would panic; ours records it
    // and the next check reports it, once.
    let _ = gpu.device.create_buffer(&desc);
    let r = gpu.check();
    assert!(matches!(r, Err(Error::Gpu { .. } | Error::GpuOutOfMemory { .. })), "{r:?}");
    assert!(gpu.check().is_ok());
    assert_eq!(gpu.device_lost(), None);
}
