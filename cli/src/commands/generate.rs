//! `hearth run`: one generation, streamed to stdout (or one JSON object).

use crate::args::{EngineArgs, ModelArgs, SamplingArgs};
use anyhow::Result;
use hearth::chat::ChatMessage;
use serde_json::json;
use std::io::Write;

pub fn run(
    m: &ModelArgs,
    e: &EngineArgs,
    s: &SamplingArgs,
    prompt: &str,
    system: Option<&str>,
    as_json: bool,
) -> Result<()> {
    let engine = super::engine(m, e, None, false)?;
    let mut session = engine.new_session()?;
    let opts = s.options();
    let mut out = std::io::stdout().lock();
    let mut print = |piece: &str| {
        if !as_json {
            let _ = write!(out, "{piece}").and_then(|()| out.flush());
        }
        true
    };
    let done = match system {
        Some(sys) => {
            let messages = [ChatMessage::system(sys), ChatMessage::user(prompt)];
            session.chat(&messages, &opts, &mut print)?
        }
        None => {
            if !as_json {
                print(prompt);
            }
            session.generate(prompt, &opts, &mut print)?
        }
    };
    if !as_json {
        println!();
        return Ok(());
    }
    let prompt_tokens: Vec<u32> = session.cached_tokens()[..done.usage.prompt_tokens].to_vec();
    super::print_json(&json!({
        "prompt_tokens": prompt_tokens,
        "tokens": done.tokens,
        "text": done.text,
        "finish_reason": done.finish_reason.as_str(),
        "usage": done.usage,
        "timings": done.timings,
        "adapter": engine.info().adapter,
        "ttft_ms": done.timings.ttft_ms,
        "prefill_tokens_per_s": done.timings.prefill_tokens_per_s,
        "decode_tokens_per_s": done.timings.decode_tokens_per_s,
    }))
}
