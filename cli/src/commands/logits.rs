//! `hearth logits`: raw next-token logits, for comparing against other engines.

use crate::args::{EngineArgs, InputArgs, ModelArgs};
use anyhow::Result;
use serde_json::json;

/// How `hearth logits` prints.
pub struct LogitsArgs {
    pub top: Option<usize>,
    pub all: bool,
    pub no_bos: bool,
    pub json: bool,
}

pub fn run(m: &ModelArgs, e: &EngineArgs, input: &InputArgs, a: LogitsArgs) -> Result<()> {
    let tokens = match (&input.prompt, &input.tokens) {
        (Some(p), _) => super::tokenizer(&super::open_source(m)?, m)?.encode(p, !a.no_bos)?,
        (None, Some(t)) => t.clone(),
        (None, None) => anyhow::bail!("give --prompt or --tokens"),
    };
    anyhow::ensure!(!tokens.is_empty(), "no tokens to run");
    let engine = super::engine(m, e, Some(tokens.len()), false)?;
    let mut rows = engine.logits_all(&tokens)?;
    if !a.all {
        rows = rows.split_off(rows.len() - 1);
    }
    let tops: Vec<Vec<(u32, f32)>> = rows.iter().map(|r| top_n(r, a.top.unwrap_or(0))).collect();
    if a.json {
        let mut out = json!({ "tokens": tokens });
        out["logits"] = if a.all { json!(rows) } else { json!(rows[0]) };
        if a.top.is_some() {
            out["top"] = if a.all { json!(tops) } else { json!(tops[0]) };
        }
        return super::print_json(&out);
    }
    for (i, (row, t)) in rows.iter().zip(&tops).enumerate() {
        let pos = if a.all { i } else { tokens.len() - 1 };
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
