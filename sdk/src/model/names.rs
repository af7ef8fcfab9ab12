//! Tensor names per file format. Only the model knows these; loaders don't.

use crate::source::ModelSource;

/// A weight's role in a Llama-family model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Role {
    TokenEmbd,
    OutputNorm,
    Output,
    RopeFreqs,
    AttnNorm,
    AttnQ,
    AttnK,
    AttnV,
    AttnQBias,
    AttnKBias,
    AttnVBias,
    AttnOut,
    FfnNorm,
    FfnGate,
    FfnUp,
    FfnDown,
}

/// The name of `role` (in block `layer` for per-block roles) in `src`'s scheme.
pub fn tensor_name(src: &ModelSource, role: Role, layer: usize) -> String {
    match src {
        ModelSource::Gguf(_) => gguf_name(role, layer),
        ModelSource::Hf(_) => hf_name(role, layer),
    }
}

/// llama.cpp's GGUF names.
fn gguf_name(role: Role, l: usize) -> String {
    let blk = |s: &str| format!("blk.{l}.{s}");
    match role {
        Role::TokenEmbd => "token_embd.weight".into(),
        Role::OutputNorm => "output_norm.weight".into(),
        Role::Output => "output.weight".into(),
        Role::RopeFreqs => "rope_freqs.weight".into(),
        Role::AttnNorm => blk("attn_norm.weight"),
        Role::AttnQ => blk("attn_q.weight"),
        Role::AttnK => blk("attn_k.weight"),
        Role::AttnV => blk("attn_v.weight"),
        Role::AttnQBias => blk("attn_q.bias"),
        Role::AttnKBias => blk("attn_k.bias"),
        Role::AttnVBias => blk("attn_v.bias"),
        Role::AttnOut => blk("attn_output.weight"),
        Role::FfnNorm => blk("ffn_norm.weight"),
        Role::FfnGate => blk("ffn_gate.weight"),
        Role::FfnUp => blk("ffn_up.weight"),
        Role::FfnDown => blk("ffn_down.weight"),
    }
}

/// Hugging Face transformers' names (LlamaForCausalLM, Qwen2ForCausalLM, …).
fn hf_name(role: Role, l: usize) -> String {
    let layer = |s: &str| format!("model.layers.{l}.{s}");
    match role {
        Role::TokenEmbd => "model.embed_tokens.weight".into(),
        Role::OutputNorm => "model.norm.weight".into(),
        Role::Output => "lm_head.weight".into(),
        // HF checkpoints carry the scaling in config.json, not as a tensor.
        Role::RopeFreqs => "rope_freqs.weight".into(),
        Role::AttnNorm => layer("input_layernorm.weight"),
        Role::AttnQ => layer("self_attn.q_proj.weight"),
        Role::AttnK => layer("self_attn.k_proj.weight"),
        Role::AttnV => layer("self_attn.v_proj.weight"),
        Role::AttnQBias => layer("self_attn.q_proj.bias"),
        Role::AttnKBias => layer("self_attn.k_proj.bias"),
        Role::AttnVBias => layer("self_attn.v_proj.bias"),
        Role::AttnOut => layer("self_attn.o_proj.weight"),
        Role::FfnNorm => layer("post_attention_layernorm.weight"),
        Role::FfnGate => layer("mlp.gate_proj.weight"),
        Role::FfnUp => layer("mlp.up_proj.weight"),
        Role::FfnDown => layer("mlp.down_proj.weight"),
    }
}
