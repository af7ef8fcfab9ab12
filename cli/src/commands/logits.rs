//! `hearth logits`: raw next-token logits, for comparing against other engines.

use super::backend::Runner;
use crate::{Backend, InputArgs, ModelArgs};
use anyhow::Result;
use serde_json::json;

/// How `hearth logits` runs.
pub struct LogitsArgs {
    pub top: Option<usize>,
    pub all: bool,
    pub no_bos: bool,
    pub backend: Backend,
    pub adapter: Option<String>,
    pub json: bool,
}

pub fn run(args: &ModelArgs, input: &InputArgs, a: LogitsArgs) -> Result<()> {
    let LogitsArgs { top, all, no_bos, backend, adapter, json: as_json } = a;
    let (src, model) = super::load(args)?;
    let tokens = match (&input.prompt, &input.tokens) {
        (Some(p), _) => super::tokenizer(&src, args)?.encode(p, !no_bos)?,
        (None, Some(t)) => t.clone(),
        (None, None) => anyhow::bail!("give --prompt or --tokens"),
    };
    anyhow::ensure!(!tokens.is_empty(), "no tokens to run");
    anyhow::ensure!(tokens.len() <= model.config.context_length, "more tokens than the model's context");
    let mut runner = Runner::new(backend, adapter, model, tokens.len())?;
    let rows = if all { runner.logits_all(&tokens, 0)? } else { vec![runner.logits(&tokens, 0)?] };
    let tops: Vec<Vec<(u32, f32)>> = rows.iter().map(|r| top_n(r, top.unwrap_or(0))).collect();
    if as_json {
        let mut out = json!({ "tokens": tokens });
        if all {
            out["logits"] = json!(rows);
        } else {
            out["logits"] = json!(rows[0]);
        }
        if top.is_some() {
            out["top"] = if all { json!(tops) } else { json!(tops[0]) };
        }
        return super::print_json(&out);
    }
    for (i, (row, t)) in rows.iter().zip(&tops).enumerate() {
        let pos = if all { i } else { tokens.len() - 1 };
        println!("position {pos}: {} logits", row.len());
        for (id, l) in t {
            println!("  {id:>8} {l:>12.6}");
        }
    }
    Ok(())
}

/// The `n` largest logits, highest first (lowest id first on ties).
fn top_n(logits: &[f32], n: usize) -> Vec<(u32, f32)> {
    let mut idx: Vec<(u32, f32)> = logits.iter().enumerate().map(|(i, &l)| (i as u32, l)).collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    idx.truncate(n);
    idx
}
