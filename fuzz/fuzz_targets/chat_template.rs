//! Chat-template compilation and rendering in the sandbox. Input: the
//! template source, optionally followed by a NUL byte and a JSON list of
//! messages (the default conversation is used when that part is absent or
//! not valid).
#![no_main]

use hearth::chat::{ChatMessage, ChatTemplate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // The SDK catches minijinja's overflow panics (chat/mod.rs); see hf_json.rs.
        std::panic::set_hook(Box::new(|info| eprintln!("panic (caught by the SDK?): {info}")));
    },
    |data: &[u8]| {
    let mut parts = data.splitn(2, |&b| b == 0);
    let Ok(source) = std::str::from_utf8(parts.next().unwrap_or_default()) else { return };
    let messages: Vec<ChatMessage> = parts.next().and_then(|m| serde_json::from_slice(m).ok()).unwrap_or_else(|| {
        vec![ChatMessage::system("Be brief."), ChatMessage::user("Hi"), ChatMessage::assistant("Hello!")]
    });
    let Ok(t) = ChatTemplate::new(source, "<s>", "</s>") else { return };
    let _ = t.render(&messages, true);
});
