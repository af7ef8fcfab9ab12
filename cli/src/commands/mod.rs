//! One module per subcommand, plus what they share.

pub mod bench;
pub mod chat;
pub mod devices;
pub mod generate;
pub mod info;
pub mod logits;
pub mod perplexity;
pub mod roofline;
pub mod synth;
pub mod tokenize;

use crate::{EngineArgs, ModelArgs};
use anyhow::{Context, Result};
use hearth::engine::{Engine, EngineOptions};
use hearth::tokenizer::Tokenizer;
use hearth::ModelSource;

/// Open the model file or folder (no weights loaded).
pub fn open_source(args: &ModelArgs) -> Result<ModelSource> {
    ModelSource::open(&args.model).with_context(|| format!("cannot open model {}", args.model.display()))
}

/// The tokenizer given with --tokenizer, else the model's own.
pub fn tokenizer(src: &ModelSource, args: &ModelArgs) -> Result<Tokenizer> {
    Ok(hearth::load_tokenizer(src, args.tokenizer.as_deref())?)
}

/// Load an engine; a progress bar on stderr when `progress` is set.
pub fn engine(m: &ModelArgs, e: &EngineArgs, context_length: Option<usize>, progress: bool) -> Result<Engine> {
    let opts = EngineOptions {
        backend: e.backend.into(),
        adapter: e.adapter.clone(),
        context_length: context_length.or(e.ctx),
        tokenizer: m.tokenizer.clone(),
        kv_cache: e.kv_cache.into(),
        memory_budget: e.memory_budget_mib.map(|m| m << 20),
        int8_activations: e.int8_activations,
        ..Default::default()
    };
    let bar = progress.then(|| {
        let b = indicatif::ProgressBar::new(100);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}%")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let engine = Engine::load(&m.model, &opts, &mut |p| {
        if let Some(b) = &bar {
            b.set_message(p.stage);
            b.set_position((p.fraction * 100.0) as u64);
        }
    })
    .with_context(|| format!("cannot load {}", m.model.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(engine)
}

/// Print a JSON value on stdout.
pub fn print_json(v: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}
