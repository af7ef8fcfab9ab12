//! Stream a continuation: `cargo run -p hearth --example generate -- MODEL.gguf "Once upon a time"`.

use hearth::engine::{Engine, EngineOptions, GenerateOptions};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model = args.next().ok_or("usage: generate MODEL [PROMPT]")?;
    let prompt = args.next().unwrap_or_else(|| "Once upon a time".into());
    let engine = Engine::load(&model, &EngineOptions::default(), &mut |_| {})?;
    let mut session = engine.new_session()?;
    let opts = GenerateOptions { max_tokens: 64, ..Default::default() };
    print!("{prompt}");
    let done = session.generate(&prompt, &opts, &mut |piece| {
        print!("{piece}");
        std::io::stdout().flush().is_ok()
    })?;
    println!("\n[{:?}, {} tokens on {}]", done.finish_reason, done.usage.generated_tokens, engine.info().adapter);
    Ok(())
}
