//! One module per subcommand, plus what they share.

pub mod backend;
pub mod devices;
pub mod generate;
pub mod info;
pub mod logits;
pub mod tokenize;

use crate::ModelArgs;
use anyhow::{Context, Result};
use hearth::tokenizer::Tokenizer;
use hearth::{Model, ModelSource};

/// Open the model file or folder.
pub fn open_source(args: &ModelArgs) -> Result<ModelSource> {
    ModelSource::open(&args.model).with_context(|| format!("cannot open model {}", args.model.display()))
}

/// The tokenizer given with --tokenizer, else the model's own.
pub fn tokenizer(src: &ModelSource, args: &ModelArgs) -> Result<Tokenizer> {
    Ok(hearth::load_tokenizer(src, args.tokenizer.as_deref())?)
}

/// Open and load a model.
pub fn load(args: &ModelArgs) -> Result<(ModelSource, Model)> {
    let src = open_source(args)?;
    let model = Model::load(&src)?;
    Ok((src, model))
}

/// Print a JSON value on stdout.
pub fn print_json(v: &serde_json::Value) -> Result<()> {
    println!("{}", serde_json::to_string(v)?);
    Ok(())
}
