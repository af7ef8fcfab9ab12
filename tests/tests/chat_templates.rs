//! Real chat templates of several model families, rendered through
//! `hearth::chat`, compared with the prompt format each model documents.
//!
//! The fixtures in `tests/fixtures/templates/` are the `chat_template` strings
//! of the models' `tokenizer_config.json`. The expected strings below are
//! written by hand from the formats the model cards describe, not captured
//! from our own output.

use hearth::chat::{format_prompt, ChatMessage, ChatTemplate, PromptMode};
use hearth::Error;
use std::time::{Duration, Instant};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const LLAMA3: &str = include_str!("../fixtures/templates/llama3.jinja");
const LLAMA3_1: &str = include_str!("../fixtures/templates/llama3.1.jinja");
const LLAMA3_2: &str = include_str!("../fixtures/templates/llama3.2.jinja");
const QWEN2_5: &str = include_str!("../fixtures/templates/qwen2.5.jinja");
const PHI3_5: &str = include_str!("../fixtures/templates/phi-3.5-mini.jinja");
const GEMMA2: &str = include_str!("../fixtures/templates/gemma2.jinja");
const GEMMA3: &str = include_str!("../fixtures/templates/gemma3.jinja");
const SMOLLM2: &str = include_str!("../fixtures/templates/smollm2.jinja");
const ZEPHYR: &str = include_str!("../fixtures/templates/tinyllama-zephyr.jinja");

/// Every fixture with the special tokens its tokenizer defines.
const ALL: [(&str, &str, &str, &str); 9] = [
    ("llama3", LLAMA3, "<|begin_of_text|>", "<|eot_id|>"),
    ("llama3.1", LLAMA3_1, "<|begin_of_text|>", "<|eot_id|>"),
    ("llama3.2", LLAMA3_2, "<|begin_of_text|>", "<|eot_id|>"),
    ("qwen2.5", QWEN2_5, "", "<|im_end|>"),
    ("phi-3.5-mini", PHI3_5, "<s>", "<|endoftext|>"),
    ("gemma2", GEMMA2, "<bos>", "<eos>"),
    ("gemma3", GEMMA3, "<bos>", "<eos>"),
    ("smollm2", SMOLLM2, "<|im_start|>", "<|im_end|>"),
    ("tinyllama-zephyr", ZEPHYR, "<s>", "</s>"),
];

const SYSTEM: &str = "You are a helpful assistant.";
const USER1: &str = "Hello!";
const ASSISTANT1: &str = "Hi! How can I help you today?";
const USER2: &str = "What is the capital of France?";

/// system + user + assistant + user.
fn conversation() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system(SYSTEM),
        ChatMessage::user(USER1),
        ChatMessage::assistant(ASSISTANT1),
        ChatMessage::user(USER2),
    ]
}

/// The same without the system message.
fn no_system() -> Vec<ChatMessage> {
    conversation().into_iter().skip(1).collect()
}

fn render(source: &str, bos: &str, eos: &str, messages: &[ChatMessage]) -> hearth::Result<String> {
    ChatTemplate::new(source, bos, eos)?.render(messages, true)
}

#[test]
fn llama3() -> TestResult {
    let out = render(LLAMA3, "<|begin_of_text|>", "<|eot_id|>", &conversation())?;
    let want = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n\
                You are a helpful assistant.<|eot_id|>\
                <|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>\
                <|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help you today?<|eot_id|>\
                <|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>\
                <|start_header_id|>assistant<|end_header_id|>\n\n";
    assert_eq!(out, want);
    Ok(())
}

/// Llama 3.1 and 3.2 put the knowledge cutoff and today's date in the system
/// header, followed by the caller's system message.
fn llama31_style(date: &str, system: &str) -> String {
    format!(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n\
         Cutting Knowledge Date: December 2023\nToday Date: {date}\n\n\
         {system}<|eot_id|>\
         <|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>\
         <|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help you today?<|eot_id|>\
         <|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>\
         <|start_header_id|>assistant<|end_header_id|>\n\n"
    )
}

#[test]
fn llama3_1_with_its_fixed_default_date() -> TestResult {
    let tpl = ChatTemplate::new(LLAMA3_1, "<|begin_of_text|>", "<|eot_id|>")?;
    assert_eq!(tpl.render(&conversation(), true)?, llama31_style("26 Jul 2024", SYSTEM));
    // Without a system message the header still carries the dates.
    assert_eq!(tpl.render(&no_system(), true)?, llama31_style("26 Jul 2024", ""));
    // `date_string` passed by the caller wins, as with Hugging Face kwargs.
    let mut extra = serde_json::Map::new();
    extra.insert("date_string".into(), serde_json::json!("01 Jan 2025"));
    assert_eq!(tpl.render_with(&conversation(), true, &extra)?, llama31_style("01 Jan 2025", SYSTEM));
    Ok(())
}

#[test]
fn llama3_2_uses_todays_date() -> TestResult {
    let tpl = ChatTemplate::new(LLAMA3_2, "<|begin_of_text|>", "<|eot_id|>")?;
    // The template calls strftime_now("%d %b %Y") in local time; accept the
    // date on either side of the render in case it straddles midnight.
    let before = chrono::Local::now().format("%d %b %Y").to_string();
    let out = tpl.render(&conversation(), true)?;
    let after = chrono::Local::now().format("%d %b %Y").to_string();
    assert!(
        out == llama31_style(&before, SYSTEM) || out == llama31_style(&after, SYSTEM),
        "unexpected render: {out:?}"
    );
    Ok(())
}

#[test]
fn llama3_1_tools_use_python_json() -> TestResult {
    // Tools go into the first user turn as `json.dumps(tool, indent=4)`.
    let tpl = ChatTemplate::new(LLAMA3_1, "<|begin_of_text|>", "<|eot_id|>")?;
    let mut extra = serde_json::Map::new();
    extra.insert(
        "tools".into(),
        serde_json::json!([{"type": "function", "function": {"name": "get_time", "parameters": {"tz": "string"}}}]),
    );
    let messages = [ChatMessage::user("What time is it?")];
    let out = tpl.render_with(&messages, true, &extra)?;
    let want = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n\
                Environment: ipython\n\
                Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>\
                <|start_header_id|>user<|end_header_id|>\n\n\
                Given the following functions, please respond with a JSON for a function call \
                with its proper arguments that best answers the given prompt.\n\n\
                Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.\
                Do not use variables.\n\n\
                {\n    \"function\": {\n        \"name\": \"get_time\",\n        \"parameters\": {\n            \"tz\": \"string\"\n        }\n    },\n    \"type\": \"function\"\n}\n\n\
                What time is it?<|eot_id|>\
                <|start_header_id|>assistant<|end_header_id|>\n\n";
    assert_eq!(out, want);
    Ok(())
}

#[test]
fn qwen2_5() -> TestResult {
    let tpl = ChatTemplate::new(QWEN2_5, "", "<|im_end|>")?;
    let want = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n\
                <|im_start|>user\nHello!<|im_end|>\n\
                <|im_start|>assistant\nHi! How can I help you today?<|im_end|>\n\
                <|im_start|>user\nWhat is the capital of France?<|im_end|>\n\
                <|im_start|>assistant\n";
    assert_eq!(tpl.render(&conversation(), true)?, want);
    Ok(())
}

#[test]
fn qwen2_5_default_system_prompt() -> TestResult {
    let tpl = ChatTemplate::new(QWEN2_5, "", "<|im_end|>")?;
    let want = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n\
                <|im_start|>user\nHello!<|im_end|>\n\
                <|im_start|>assistant\nHi! How can I help you today?<|im_end|>\n\
                <|im_start|>user\nWhat is the capital of France?<|im_end|>\n";
    // add_generation_prompt=false: no open assistant turn at the end.
    assert_eq!(tpl.render(&no_system(), false)?, want);
    Ok(())
}

#[test]
fn phi3_5_mini() -> TestResult {
    let tpl = ChatTemplate::new(PHI3_5, "<s>", "<|endoftext|>")?;
    let want = "<|system|>\nYou are a helpful assistant.<|end|>\n\
                <|user|>\nHello!<|end|>\n\
                <|assistant|>\nHi! How can I help you today?<|end|>\n\
                <|user|>\nWhat is the capital of France?<|end|>\n\
                <|assistant|>\n";
    assert_eq!(tpl.render(&conversation(), true)?, want);
    // Without a generation prompt the template closes with the EOS token.
    let out = tpl.render(&conversation()[..3], false)?;
    assert!(out.ends_with("today?<|end|>\n<|endoftext|>"), "{out:?}");
    Ok(())
}

#[test]
fn gemma3_folds_system_into_first_user_turn() -> TestResult {
    let out = render(GEMMA3, "<bos>", "<eos>", &conversation())?;
    let want = "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n\
                <start_of_turn>model\nHi! How can I help you today?<end_of_turn>\n\
                <start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n\
                <start_of_turn>model\n";
    assert_eq!(out, want);
    Ok(())
}

#[test]
fn gemma2() -> TestResult {
    let out = render(GEMMA2, "<bos>", "<eos>", &no_system())?;
    let want = "<bos><start_of_turn>user\nHello!<end_of_turn>\n\
                <start_of_turn>model\nHi! How can I help you today?<end_of_turn>\n\
                <start_of_turn>user\nWhat is the capital of France?<end_of_turn>\n\
                <start_of_turn>model\n";
    assert_eq!(out, want);
    Ok(())
}

fn template_reason(result: hearth::Result<String>) -> String {
    match result {
        Err(Error::Template { reason }) => reason,
        other => format!("expected Error::Template, got {other:?}"),
    }
}

#[test]
fn gemma_rejects_broken_alternation() {
    let broken = [ChatMessage::user("one"), ChatMessage::user("two"), ChatMessage::assistant("three")];
    for source in [GEMMA2, GEMMA3] {
        let reason = template_reason(render(source, "<bos>", "<eos>", &broken));
        assert!(reason.contains("Conversation roles must alternate user/assistant/user/assistant/..."), "{reason}");
    }
    // Gemma 2 has no system role at all.
    let reason = template_reason(render(GEMMA2, "<bos>", "<eos>", &conversation()));
    assert!(reason.contains("System role not supported"), "{reason}");
}

#[test]
fn smollm2_chatml() -> TestResult {
    let tpl = ChatTemplate::new(SMOLLM2, "<|im_start|>", "<|im_end|>")?;
    let want = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n\
                <|im_start|>user\nHello!<|im_end|>\n\
                <|im_start|>assistant\nHi! How can I help you today?<|im_end|>\n\
                <|im_start|>user\nWhat is the capital of France?<|im_end|>\n\
                <|im_start|>assistant\n";
    assert_eq!(tpl.render(&conversation(), true)?, want);
    // Its default system prompt appears only when none is given.
    let out = tpl.render(&[ChatMessage::user("Hi")], true)?;
    assert_eq!(
        out,
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
    Ok(())
}

#[test]
fn tinyllama_zephyr() -> TestResult {
    // Relies on trim_blocks: the template has a newline after every tag.
    let out = render(ZEPHYR, "<s>", "</s>", &conversation())?;
    let want = "<|system|>\nYou are a helpful assistant.</s>\n\
                <|user|>\nHello!</s>\n\
                <|assistant|>\nHi! How can I help you today?</s>\n\
                <|user|>\nWhat is the capital of France?</s>\n\
                <|assistant|>\n";
    assert_eq!(out, want);
    Ok(())
}

#[test]
fn long_conversations_fit_in_the_fuel_budget() -> TestResult {
    // 2,000 turns is far beyond any on-device context window; every real
    // template must still render it.
    let mut messages = vec![ChatMessage::system(SYSTEM)];
    for i in 0..1000 {
        messages.push(ChatMessage::user(format!("question {i}")));
        messages.push(ChatMessage::assistant(format!("answer {i}")));
    }
    messages.push(ChatMessage::user(USER2));
    for (name, source, bos, eos) in ALL {
        let msgs = if name == "gemma2" { &messages[1..] } else { &messages[..] };
        let start = Instant::now();
        let out = render(source, bos, eos, msgs).map_err(|e| format!("{name}: {e}"))?;
        assert!(out.contains("answer 999"), "{name}");
        assert!(start.elapsed() < Duration::from_secs(2), "{name}: {:?}", start.elapsed());
    }
    Ok(())
}

#[test]
fn format_prompt_reports_the_mode() -> TestResult {
    let tpl = ChatTemplate::new(SMOLLM2, "<|im_start|>", "<|im_end|>")?;
    let (text, mode) = format_prompt(Some(&tpl), &conversation(), true)?;
    assert_eq!(mode, PromptMode::Template);
    assert!(text.ends_with("<|im_start|>assistant\n"));

    let (text, mode) = format_prompt(None, &conversation(), true)?;
    assert_eq!(mode, PromptMode::Completion);
    assert_eq!(text, "You are a helpful assistant.\n\nHello!\n\nWhat is the capital of France?");
    Ok(())
}

/// Renders a hostile template and checks it neither leaks anything nor runs
/// long: it must fail, or produce harmless text, in under two seconds.
fn assert_contained(source: &str) {
    let start = Instant::now();
    let result = ChatTemplate::new(source, "<s>", "</s>").and_then(|t| t.render(&conversation(), true));
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(2), "{source}: took {elapsed:?}");
    assert!(matches!(result, Ok(_) | Err(Error::Template { .. })), "{source}: unexpected error kind {result:?}");
    if let Ok(text) = result {
        for leak in ["<class", "uid=", "root:", "subclasses", "__", "function", "module"] {
            assert!(!text.contains(leak), "{source}: rendered {text:?}");
        }
        assert!(text.len() < 1024, "{source}: rendered {} bytes", text.len());
    }
}

#[test]
fn python_sandbox_escapes_find_nothing() {
    for source in [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__ }}{{ [].__class__.__base__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ joiner.__init__.__globals__ }}{{ lipsum.__globals__ }}",
        "{{ namespace.__init__.__globals__['os'] }}",
        "{{ raise_exception.__globals__ }}{{ strftime_now.__code__ }}",
        "{{ self.__init__.__globals__.__builtins__.open('/etc/passwd').read() }}",
        "{{ config.items() }}{{ request.application.__globals__ }}",
        "{{ messages.__class__.__init__.__globals__ }}",
        "{{ (messages|attr('__class__')) }}",
        "{% set x = ''.format.__globals__ %}{{ x }}",
        "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    ] {
        assert_contained(source);
    }
}

#[test]
fn filesystem_is_unreachable() {
    for source in [
        "{% include '/etc/passwd' %}",
        "{% include '../../../../etc/passwd' %}",
        "{% import '/etc/passwd' as p %}{{ p }}",
        "{% extends '/etc/passwd' %}",
        "{% include 'chat_template' %}",
    ] {
        let result = ChatTemplate::new(source, "", "").and_then(|t| t.render(&conversation(), true));
        assert!(matches!(result, Err(Error::Template { .. })), "{source}: {result:?}");
    }
}

#[test]
fn runaway_templates_stop_quickly() {
    for source in [
        "{% for i in range(999999999) %}x{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
        "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(0) }}",
        "{% for m in messages recursive %}{{ loop(messages) }}{% endfor %}",
        "{{ 'x' * 100000000 }}",
        "{% for i in range(100000) %}{{ messages | tojson(indent=1000) }}{% endfor %}",
        "{% set ns = namespace(s='ab') %}{% for i in range(100000) %}{% set ns.s = ns.s ~ 'ab' %}{% endfor %}{{ ns.s | length }}",
    ] {
        assert_contained(source);
    }
}
