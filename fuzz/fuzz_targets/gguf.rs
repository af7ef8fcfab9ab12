//! GGUF header, metadata and tensor-info parsing, then everything a load does
//! with them: the model config, the weight checks and the tokenizer.
#![no_main]

use hearth::gguf::GgufFile;
use hearth::tensor::Mapped;
use hearth::{Model, ModelSource};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = GgufFile::parse(Path::new("fuzz.gguf"), Arc::new(Mapped::Owned(data.to_vec()))) else {
        return;
    };
    for t in &file.tensors {
        // Every placed tensor must be readable without going out of bounds.
        if let Ok(r) = file.tensor(&t.name) {
            assert_eq!(r.bytes().len() as u64, t.nbytes);
        }
    }
    let src = ModelSource::Gguf(file);
    let _ = hearth::load_tokenizer(&src, None);
    let _ = hearth::chat_template_source(&src);
    let _ = Model::load(&src);
});
