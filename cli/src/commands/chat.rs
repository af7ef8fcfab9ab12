//! `hearth chat`: an interactive conversation on the terminal.

use crate::args::{EngineArgs, ModelArgs, SamplingArgs};
use anyhow::Result;
use hearth::chat::ChatMessage;
use hearth::engine::{CancelHandle, FinishReason};
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

pub fn run(m: &ModelArgs, e: &EngineArgs, s: &SamplingArgs, system: Option<&str>) -> Result<()> {
    let engine = super::engine(m, e, None, true)?;
    let info = engine.info();
    eprintln!(
        "{} on {} ({}); /reset, /save FILE, /load FILE, /quit; Ctrl-C stops an answer",
        info.model_name,
        info.adapter,
        if info.chat_template { "chat template" } else { "no chat template: completion mode" }
    );
    let mut session = engine.new_session()?;
    // Ctrl-C cancels the answer in progress; at the prompt it does nothing
    // (end input with Ctrl-D or /quit).
    let current: Arc<Mutex<Option<CancelHandle>>> = Arc::default();
    let handler = current.clone();
    ctrlc::set_handler(move || {
        if let Ok(Some(h)) = handler.lock().map(|g| g.clone()) {
            h.cancel();
        }
    })?;
    let opts = s.options();
    let mut history: Vec<ChatMessage> = system.map(|s| vec![ChatMessage::system(s)]).unwrap_or_default();
    let stdin = std::io::stdin();
    loop {
        eprint!("> ");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end_matches(['\n', '\r']);
        match line.split_once(' ').unwrap_or((line, "")) {
            ("/quit", _) => break,
            ("/reset", _) => {
                session.reset();
                history.retain(|m| m.role == "system");
                eprintln!("(conversation cleared)");
                continue;
            }
            ("/save", path) if !path.is_empty() => {
                session.save_state(path.trim())?;
                eprintln!("(saved {} tokens)", session.cached_tokens().len());
                continue;
            }
            ("/load", path) if !path.is_empty() => {
                match session.restore_state(path.trim()) {
                    Ok(()) => eprintln!("(restored {} tokens)", session.cached_tokens().len()),
                    Err(e) => eprintln!("error: {e}"),
                }
                continue;
            }
            _ if line.is_empty() => continue,
            _ => {}
        }
        history.push(ChatMessage::user(line));
        if let Ok(mut g) = current.lock() {
            *g = Some(session.cancel_handle());
        }
        let mut out = std::io::stdout().lock();
        let done = session.chat(&history, &opts, &mut |piece| {
            let _ = write!(out, "{piece}").and_then(|()| out.flush());
            true
        });
        if let Ok(mut g) = current.lock() {
            *g = None;
        }
        let done = done?;
        println!();
        if done.finish_reason == FinishReason::Cancelled {
            eprintln!("(stopped)");
        }
        eprintln!(
            "[{} tokens, {:.1} tok/s, first token {:.0} ms, {} cached]",
            done.usage.generated_tokens,
            done.timings.decode_tokens_per_s,
            done.timings.ttft_ms,
            done.usage.cached_tokens
        );
        history.push(ChatMessage::assistant(done.text));
    }
    Ok(())
}
