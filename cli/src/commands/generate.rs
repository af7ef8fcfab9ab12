//! `hearth run`: greedy generation, on the GPU by default.

use super::backend::Runner;
use crate::{Backend, ModelArgs};
use anyhow::Result;
use hearth::tokenizer::StreamDecoder;
use serde_json::json;
use std::io::Write;
use std::time::Instant;

/// What `hearth run` was asked to do.
pub struct RunArgs<'a> {
    pub prompt: &'a str,
    pub n: usize,
    pub temp: f32,
    pub backend: Backend,
    pub adapter: Option<String>,
    pub json: bool,
}

pub fn run(args: &ModelArgs, r: &RunArgs<'_>) -> Result<()> {
    anyhow::ensure!(r.temp == 0.0, "only greedy decoding (--temp 0) is available yet");
    let (src, model) = super::load(args)?;
    let tok = super::tokenizer(&src, args)?;
    let prompt_tokens = tok.encode(r.prompt, true)?;
    anyhow::ensure!(!prompt_tokens.is_empty(), "the prompt has no tokens");
    let ctx = (prompt_tokens.len() + r.n).min(model.config.context_length);
    anyhow::ensure!(prompt_tokens.len() < ctx, "the prompt fills the model's context of {ctx}");
    let mut runner = Runner::new(r.backend, r.adapter.clone(), model, ctx)?;
    let mut stream = StreamDecoder::new(&tok);
    let mut out = std::io::stdout().lock();
    if !r.json {
        write!(out, "{}", r.prompt)?;
    }
    let start = Instant::now();
    let mut next = runner.greedy_first(&prompt_tokens)?;
    let ttft = start.elapsed();
    let mut tokens = Vec::new();
    let decode_start = Instant::now();
    while !tok.is_eog(next) {
        tokens.push(next);
        let text = stream.push(next)?;
        if !r.json {
            write!(out, "{text}")?;
            out.flush()?;
        }
        // Position of `next`; stop before computing logits nobody will use.
        let pos = prompt_tokens.len() + tokens.len() - 1;
        if tokens.len() == r.n || pos + 1 >= ctx {
            break;
        }
        next = runner.greedy_next(next, pos)?;
    }
    let decode = decode_start.elapsed();
    let tail = stream.finish()?;
    if r.json {
        let text = tok.decode(&tokens)?;
        let decoded = tokens.len().saturating_sub(1);
        return super::print_json(&json!({
            "prompt_tokens": prompt_tokens,
            "tokens": tokens,
            "text": text,
            "adapter": runner.adapter(),
            "ttft_ms": ttft.as_secs_f64() * 1e3,
            "prefill_tokens_per_s": prompt_tokens.len() as f64 / ttft.as_secs_f64(),
            "decode_tokens_per_s": if decoded > 0 { decoded as f64 / decode.as_secs_f64() } else { 0.0 },
        }));
    }
    writeln!(out, "{tail}")?;
    Ok(())
}
