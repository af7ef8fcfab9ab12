use super::*;
use crate::settings::Settings;
use std::sync::{mpsc, Arc};

/// The tiny real model, beside the repository as in CI (`../shared/models`).
fn stories() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models/stories260K");
    let found = dir.join("stories260K-F32.gguf").exists();
    if !found {
        eprintln!("skipping: {} is absent", dir.display());
    }
    found.then_some(dir)
}

fn greedy(max_tokens: usize) -> GenerateOptions {
    let s = Settings { temperature: 0.0, max_tokens, ..Settings::default() };
    s.generate_options(0).unwrap()
}

#[test]
fn answering_before_loading_says_no_model() {
    let host = ModelHost::default();
    let r = host.answer(&Prompt::Completion("x".into()), &greedy(4), &mut |_| true);
    assert!(matches!(r, Err(HostError::NoModel)));
    host.stop(); // harmless without a model
}

#[test]
fn completion_mode_continues_the_prompt_like_the_reference() {
    let Some(dir) = stories() else { return };
    let host = ModelHost::default();
    let mut stages = Vec::new();
    let info = host.load(&dir.join("stories260K-F32.gguf"), Backend::Cpu, &mut |p| stages.push(p.stage)).unwrap();
    assert!(!info.chat_template, "stories260K is a base model");
    assert_eq!(stages.first(), Some(&"reading"));
    assert_eq!(stages.last(), Some(&"ready"));
    let mut streamed = String::new();
    let done = host
        .answer(&Prompt::Completion("Once upon a time".into()), &greedy(32), &mut |p| {
            streamed.push_str(p);
            true
        })
        .unwrap();
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
    let full = reference["files"]["stories260K-F32.gguf"]["greedy_text"].as_str().unwrap();
    assert_eq!(format!("Once upon a time{}", done.text), full);
    assert_eq!(streamed, done.text);
}

#[test]
fn stop_from_another_thread_cancels_the_answer() {
    let Some(dir) = stories() else { return };
    let host = Arc::new(ModelHost::default());
    host.load(&dir.join("stories260K-F32.gguf"), Backend::Cpu, &mut |_| {}).unwrap();
    let (first_piece, wait) = mpsc::channel();
    let stopper = {
        let host = Arc::clone(&host);
        std::thread::spawn(move || {
            wait.recv().unwrap();
            host.stop();
        })
    };
    let mut sent = false;
    let done = host
        .answer(&Prompt::Completion("Once upon a time".into()), &greedy(400), &mut |_| {
            if !sent {
                sent = first_piece.send(()).is_ok();
            }
            // Give the other thread time to fire while this answer is still running.
            std::thread::sleep(std::time::Duration::from_millis(5));
            true
        })
        .unwrap();
    stopper.join().unwrap();
    assert_eq!(done.finish_reason, hearth::engine::FinishReason::Cancelled);
    assert!(done.tokens.len() < 400);
    // The next answer starts with the flag cleared.
    let again = host.answer(&Prompt::Completion("Once upon a time".into()), &greedy(4), &mut |_| true).unwrap();
    assert_eq!(again.tokens.len(), 4);
}
