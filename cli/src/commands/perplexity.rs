//! `hearth perplexity`: how well a model predicts a text (see `hearth::perplexity`).

use crate::args::{EngineArgs, ModelArgs};
use anyhow::{Context, Result};
use std::path::Path;

pub fn run(m: &ModelArgs, e: &EngineArgs, file: &Path, window: usize, as_json: bool) -> Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let engine = super::engine(m, e, Some(window), !as_json)?;
    let report =
        hearth::perplexity::perplexity_of_text(&mut |w| engine.logits_all(w), engine.tokenizer()?, &text, window)?;
    if as_json {
        return super::print_json(&serde_json::to_value(&report)?);
    }
    for (i, p) in report.per_window.iter().enumerate() {
        eprint!("[{}]{p:.4} ", i + 1);
    }
    eprintln!();
    println!(
        "perplexity {:.4} over {} scored tokens ({} windows of {})",
        report.perplexity, report.tokens_scored, report.windows, report.ctx
    );
    Ok(())
}
