//! `hearth info`: what a model file holds and what it will cost to run.

use anyhow::Result;
use hearth::{Model, ModelSource};
use serde_json::json;
use std::path::Path;

pub fn run(path: &Path, as_json: bool) -> Result<()> {
    let src = ModelSource::open(path)?;
    let model = Model::load(&src)?;
    let c = &model.config;
    let tokenizer = match hearth::load_tokenizer(&src, None) {
        Ok(t) => format!("{:?}", t.kind()),
        Err(e) => format!("none ({e})"),
    };
    let types: serde_json::Map<String, serde_json::Value> =
        src.type_counts().into_iter().map(|(t, n)| (t.name(), json!(n))).collect();
    let weights = model.weight_bytes();
    let kv = model.kv_cache_bytes(c.context_length, 4);
    let info = json!({
        "path": path.display().to_string(),
        "format": match src { ModelSource::Gguf(_) => "gguf", ModelSource::Hf(_) => "safetensors" },
        "architecture": c.arch,
        "config": c,
        "tied_embeddings": model.weights.tied_embeddings,
        "tensor_count": src.tensor_count(),
        "tensor_types": types,
        "file_size_bytes": src.file_size(),
        "weights_bytes": weights,
        "kv_cache_bytes_f32_at_context": kv,
        "tokenizer": tokenizer,
        "chat_template": hearth::chat_template_source(&src).is_some(),
    });
    if as_json {
        return super::print_json(&info);
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!("{}", path.display());
    println!("  architecture    {:?} ({} layers, dim {}, ffn {})", c.arch, c.n_layers, c.dim, c.ffn_dim);
    println!("  attention       {} heads, {} KV heads, head size {}", c.n_heads, c.n_kv_heads, c.head_dim);
    println!("  vocabulary      {} ({})", c.vocab_size, tokenizer);
    println!("  context         {}", c.context_length);
    println!(
        "  rope            θ={} dims={} {:?}{}",
        c.rope_theta,
        c.rope_dim,
        c.rope_layout,
        if c.rope_scaling.is_some() || model.weights.rope_freq_factors.is_some() { " (llama3 scaling)" } else { "" }
    );
    println!("  tensors         {} ({})", src.tensor_count(), info["tensor_types"]);
    println!("  file size       {:.2} MiB", mib(src.file_size()));
    println!("  weights         {:.2} MiB", mib(weights));
    println!("  KV cache (f32)  {:.2} MiB at {} positions", mib(kv), c.context_length);
    println!("  chat template   {}", if info["chat_template"] == true { "yes" } else { "no (completion mode)" });
    Ok(())
}
