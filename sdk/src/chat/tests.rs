//! Unit tests of the renderer's Hugging Face compatibility and sandbox.
//! Real model templates are tested in `tests/tests/chat_templates.rs`.

use super::*;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn render(source: &str) -> Result<String> {
    ChatTemplate::new(source, "<s>", "</s>")?.render(&[ChatMessage::user("hi")], true)
}

fn reason(result: Result<String>) -> String {
    match result {
        Err(Error::Template { reason }) => reason,
        other => format!("not a template error: {other:?}"),
    }
}

#[test]
fn standard_variables() -> TestResult {
    let out = render("{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ messages[0].role }}:{{ messages[0]['content'] }}")?;
    assert_eq!(out, "<s>|</s>|True|user:hi");
    Ok(())
}

#[test]
fn whitespace_handling_matches_hugging_face() -> TestResult {
    // trim_blocks drops the newline after a tag, lstrip_blocks the
    // indentation before it; a single trailing newline is dropped.
    let out = render("{% for m in messages %}\n    {% if true %}\n[{{ m.content }}]\n    {% endif %}\n{% endfor %}\n")?;
    assert_eq!(out, "[hi]\n");
    Ok(())
}

#[test]
fn no_html_escaping() -> TestResult {
    let out = render("{{ '<|im_start|>' }}{{ '&\"\\'' }}")?;
    assert_eq!(out, "<|im_start|>&\"'");
    Ok(())
}

#[test]
fn python_values_print_like_python() -> TestResult {
    assert_eq!(render("{{ none }} {{ true }} {{ false }} {{ 1.5 }} {{ undefined_var }}.")?, "None True False 1.5 .");
    Ok(())
}

#[test]
fn raise_exception_message_reaches_the_error() {
    let r = reason(render("{{ raise_exception('Roles must alternate!') }}"));
    assert!(r.contains("Roles must alternate!"), "{r}");
    assert!(r.starts_with(RAISED), "{r}");
}

#[test]
fn python_string_methods() -> TestResult {
    let out = render(
        "{{ '  a b  '.strip() }}|{{ 'abc'.startswith('ab') }}|{{ 'x,y'.split(',')[1] }}|{{ 'hi'.upper() }}|{{ 'a</think>b'.split('</think>')[-1].lstrip() }}|{{ 'Hello'.endswith('lo') }}|{{ 'a-b'.replace('-', '+') }}",
    )?;
    assert_eq!(out, "a b|True|y|HI|b|True|a+b");
    let out = render("{% for k, v in {'a': 1}.items() %}{{ k }}={{ v }}{% endfor %}|{{ {'a': 1}.get('b', 'dflt') }}")?;
    assert_eq!(out, "a=1|dflt");
    Ok(())
}

#[test]
fn loop_controls_and_namespace() -> TestResult {
    let out = render(
        "{%- set ns = namespace(n=0, seen=false) -%}\
         {%- for i in range(10) -%}\
           {%- if i == 1 %}{% continue %}{% endif -%}\
           {%- if i == 5 %}{% break %}{% endif -%}\
           {%- set ns.n = ns.n + i -%}\
           {{ i }}{{ ',' if not loop.last }}{{ '^' if loop.first }}\
         {%- endfor -%}|{{ ns.n }}",
    )?;
    assert_eq!(out, "0,^2,3,4,|9");
    Ok(())
}

#[test]
fn tojson_matches_python_json_dumps() -> TestResult {
    let tpl = ChatTemplate::new("{{ tools | tojson }}", "", "")?;
    let mut extra = serde_json::Map::new();
    extra.insert(
        "tools".into(),
        serde_json::json!([{"name": "f<x>&", "n": 1, "f": 2.0, "ok": true, "none": null, "s": "é\n\"\\\u{1}", "e": [], "o": {}}]),
    );
    let out = tpl.render_with(&[], false, &extra)?;
    // Keys come sorted (serde_json Map); Python's spacing; no HTML escapes;
    // non-ASCII kept; control characters escaped with lowercase hex.
    assert_eq!(
        out,
        r#"[{"e": [], "f": 2.0, "n": 1, "name": "f<x>&", "none": null, "o": {}, "ok": true, "s": "é\n\"\\\u0001"}]"#
    );
    Ok(())
}

#[test]
fn tojson_indent_and_options() -> TestResult {
    let out = render("{{ {'a': [1, 2], 'b': {}} | tojson(indent=4) }}")?;
    assert_eq!(out, "{\n    \"a\": [\n        1,\n        2\n    ],\n    \"b\": {}\n}");
    let out = render("{{ {'b': 1, 'a': 'é'} | tojson(ensure_ascii=true, sort_keys=true, separators=(',', ':')) }}")?;
    assert_eq!(out, r#"{"a":"\u00e9","b":1}"#);
    let out = render("{{ '😀' | tojson(true) }}|{{ [1] | tojson(indent='\t') }}")?;
    assert_eq!(out, "\"\\ud83d\\ude00\"|[\n\t1\n]");
    // Python raises on values it cannot serialize; so do we.
    assert!(render("{{ missing | tojson }}").is_err());
    assert!(render("{{ 1 | tojson(bogus=1) }}").is_err());
    // An indent that would blow past the output limit is refused up front.
    assert!(render("{{ [[[1]]] | tojson(indent=2000000) }}").is_err());
    Ok(())
}

#[test]
fn strftime_now_is_available() -> TestResult {
    let out = render("{{ strftime_now('%Y') }}")?;
    assert_eq!(out.len(), 4);
    assert!(out.chars().all(|c| c.is_ascii_digit()), "{out}");
    assert!(render("{{ strftime_now('%Q') }}").is_err());
    Ok(())
}

#[test]
fn syntax_errors_surface_at_construction() {
    let err = ChatTemplate::new("{% for x in %}", "", "");
    assert!(matches!(err, Err(Error::Template { .. })), "{err:?}");
    let err = ChatTemplate::new(&"x".repeat(SOURCE_LIMIT + 1), "", "");
    assert!(matches!(err, Err(Error::Template { .. })), "{err:?}");
}

#[test]
fn includes_and_imports_are_refused() {
    for src in [
        "{% include '/etc/passwd' %}",
        "{% include 'chat_template' %}",
        "{% import 'chat_template' as t %}",
        "{% from 'chat_template' import x %}",
        "{% extends 'chat_template' %}",
    ] {
        let r = reason(render(src));
        assert!(r.contains("template not found"), "{src}: {r}");
    }
}

#[test]
fn debug_global_is_removed() {
    assert!(render("{{ debug() }}").is_err());
}

#[test]
fn runaway_loops_run_out_of_fuel() {
    let r = reason(render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"));
    assert!(r.contains("fuel"), "{r}");
}

#[test]
fn deep_recursion_is_stopped_on_a_small_stack() -> TestResult {
    // Mobile threads may have only 512 KiB of stack; the recursion limit
    // must stop a recursive macro long before that is exhausted.
    let handle = std::thread::Builder::new().stack_size(512 * 1024).spawn(|| {
        let a = reason(render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        let b = reason(render("{% for x in [[1]] recursive %}{{ loop([x]) }}{% endfor %}"));
        (a, b)
    })?;
    let (a, b) = handle.join().map_err(|_| "render thread panicked")?;
    assert!(a.contains("recursion"), "{a}");
    assert!(b.contains("recursion"), "{b}");
    Ok(())
}

#[test]
fn output_is_capped() {
    let r = reason(render("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"));
    assert!(r.contains("limit"), "{r}");
}

#[test]
fn reserved_variables_cannot_be_overridden() -> TestResult {
    let tpl = ChatTemplate::new("{{ bos_token }}", "<s>", "")?;
    let mut extra = serde_json::Map::new();
    extra.insert("bos_token".into(), serde_json::json!("evil"));
    assert!(matches!(tpl.render_with(&[], false, &extra), Err(Error::InvalidArgument { .. })));
    Ok(())
}

#[test]
fn format_prompt_with_and_without_template() -> TestResult {
    let messages = [
        ChatMessage::system("Be brief."),
        ChatMessage::user("Hello"),
        ChatMessage::assistant("Hi!"),
        ChatMessage::new("tool", "{}"),
        ChatMessage::user("  Bye \n"),
    ];
    let (text, mode) = format_prompt(None, &messages, true)?;
    assert_eq!(text, "Be brief.\n\nHello\n\n  Bye \n");
    assert_eq!(mode, PromptMode::Completion);
    assert_eq!(mode.as_str(), "completion");

    let tpl = ChatTemplate::new("{% for m in messages %}<{{ m.role }}>{% endfor %}", "", "")?;
    let (text, mode) = format_prompt(Some(&tpl), &messages[..2], true)?;
    assert_eq!(text, "<system><user>");
    assert_eq!(mode, PromptMode::Template);

    let only_assistant = [ChatMessage::assistant("x")];
    assert!(matches!(format_prompt(None, &only_assistant, true), Err(Error::InvalidArgument { .. })));
    Ok(())
}

#[test]
fn template_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ChatTemplate>();
}
