//! `hearth tokenize`: ids and pieces of a text.

use crate::ModelArgs;
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;

pub fn run(args: &ModelArgs, text: Option<String>, file: Option<PathBuf>, no_bos: bool, as_json: bool) -> Result<()> {
    let text = match (text, file) {
        (Some(t), _) => t,
        (None, Some(f)) => std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?,
        (None, None) => anyhow::bail!("give --text or --file"),
    };
    let src = super::open_source(args)?;
    let tok = super::tokenizer(&src, args)?;
    let ids = tok.encode(&text, !no_bos)?;
    let pieces: Vec<String> = ids.iter().map(|&id| tok.piece_str(id).unwrap_or("").to_string()).collect();
    if as_json {
        return super::print_json(&json!({ "tokens": ids, "pieces": pieces }));
    }
    for (id, piece) in ids.iter().zip(&pieces) {
        println!("{id:>8} {piece:?}");
    }
    Ok(())
}
