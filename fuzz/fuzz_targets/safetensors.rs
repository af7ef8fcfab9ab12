//! A safetensors image loaded as a model folder's weights: header parsing,
//! offset and size checks, then the model's own weight checks.
#![no_main]

use hearth::hf::HfFolder;
use hearth::{Model, ModelSource};
use libfuzzer_sys::fuzz_target;

/// The config of stories260K, so that the weight checks run against a real shape.
const CONFIG: &[u8] = br#"{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":172,
"max_position_embeddings":512,"model_type":"llama","num_attention_heads":8,"num_hidden_layers":5,
"num_key_value_heads":4,"rms_norm_eps":1e-05,"vocab_size":512,"tie_word_embeddings":true}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(folder) = HfFolder::from_memory("fuzz", CONFIG, data.to_vec()) else {
        return;
    };
    let names: Vec<String> = folder.tensor_names().map(str::to_owned).collect();
    for n in &names {
        if let Ok(t) = folder.tensor(n) {
            let _ = t.bytes().len();
        }
    }
    let _ = Model::load(&ModelSource::Hf(folder));
});
