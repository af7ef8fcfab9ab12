//! `hearth run`: greedy generation on the CPU reference path.

use crate::ModelArgs;
use anyhow::Result;
use hearth::model::cpu::argmax;
use hearth::model::CpuState;
use hearth::tokenizer::StreamDecoder;
use serde_json::json;
use std::io::Write;

pub fn run(args: &ModelArgs, prompt: &str, n: usize, temp: f32, as_json: bool) -> Result<()> {
    anyhow::ensure!(temp == 0.0, "only greedy decoding (--temp 0) is available on this backend yet");
    let (src, model) = super::load(args)?;
    let tok = super::tokenizer(&src, args)?;
    let prompt_tokens = tok.encode(prompt, true)?;
    anyhow::ensure!(!prompt_tokens.is_empty(), "the prompt has no tokens");
    let ctx = (prompt_tokens.len() + n).min(model.config.context_length);
    let mut state = CpuState::new(&model, ctx);
    let mut logits = model.forward(&mut state, &prompt_tokens, 0)?;
    let mut stream = StreamDecoder::new(&tok);
    let mut out = std::io::stdout().lock();
    if !as_json {
        write!(out, "{prompt}")?;
    }
    let mut tokens = Vec::new();
    for _ in 0..n {
        let next = argmax(&logits);
        if tok.is_eog(next) {
            break;
        }
        tokens.push(next);
        let text = stream.push(next)?;
        if !as_json {
            write!(out, "{text}")?;
            out.flush()?;
        }
        // Position of `next`; stop before computing logits nobody will use.
        let pos = prompt_tokens.len() + tokens.len() - 1;
        if tokens.len() == n || pos + 1 >= ctx {
            break;
        }
        logits = model.forward(&mut state, &[next], pos)?;
    }
    let tail = stream.finish()?;
    if as_json {
        let text = tok.decode(&tokens)?;
        return super::print_json(&json!({ "prompt_tokens": prompt_tokens, "tokens": tokens, "text": text }));
    }
    writeln!(out, "{tail}")?;
    Ok(())
}
