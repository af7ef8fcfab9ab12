//! `hearth synth`: a GGUF with random weights and the dimensions of a real model.

use anyhow::Result;
use hearth::gguf::GgmlType;
use hearth::synth::Recipe;
use std::path::Path;

/// The quantization names `--quant` accepts.
pub fn parse_quant(q: &str) -> Result<Recipe> {
    Ok(match q.to_ascii_lowercase().as_str() {
        "f16" => GgmlType::F16.into(),
        "q8_0" => GgmlType::Q8_0.into(),
        "q4_0" => GgmlType::Q4_0.into(),
        "q4_k" => GgmlType::Q4_K.into(),
        "q4_k_m" => Recipe::Q4KM,
        other => anyhow::bail!("unknown quantization {other:?} (f16, q8_0, q4_0, q4_k, q4_k_m)"),
    })
}

pub fn run(shape: &str, quant: &str, out: &Path, seed: u64) -> Result<()> {
    let s = hearth::synth::shape(shape)?;
    let q = parse_quant(quant)?;
    hearth::synth::write(&s, q, seed, out)?;
    let size = std::fs::metadata(out)?.len();
    eprintln!(
        "wrote {} ({:.1} MiB): {} with {quant} weights, seed {seed}",
        out.display(),
        size as f64 / 1048576.0,
        s.name
    );
    Ok(())
}
