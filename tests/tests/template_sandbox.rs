//! Known Jinja2 sandbox-escape payloads and runaway templates: each must give
//! an error or harmless text, quickly. The payloads are the attribute walks
//! that reached `os.popen` in unsandboxed Jinja2 (CVE-2024-34359 and the
//! SSTI literature); under minijinja there are no Python attributes to walk,
//! and this test keeps it that way whatever the renderer's configuration
//! becomes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hearth::chat::{ChatMessage, ChatTemplate};
use hearth::Error;
use std::time::{Duration, Instant};

/// Far above what fuel allows on the slowest CI machine, far below "hangs".
const TIME_BOUND: Duration = Duration::from_secs(2);

const ESCAPES: &[&str] = &[
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__[2].__subclasses__()[40]('/etc/passwd').read() }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ [].__class__.__base__.__subclasses__() | map(attribute='__name__') | join(',') }}",
    "{{ messages.__class__.__base__.__subclasses__() }}",
    "{{ messages[0].__dict__ }}{{ messages[0].__class__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ raise_exception.__globals__ }}{{ strftime_now.__globals__ }}{{ range.__self__ }}",
    "{{ ''|attr('__class__') }}{{ ''['__class__'] }}{{ messages|attr('__class__') }}",
    "{{ '{0.__class__}'.format(messages) }}",
    "{{ '%s' % messages.__class__ }}",
    // The shape of the CVE-2024-34359 proof of concept.
    "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}\
     {{ c()._module.__builtins__['__import__']('os').popen('touch /tmp/hearth-pwned').read() }}\
     {% endif %}{% endfor %}",
    "{% include '/etc/passwd' %}",
    "{% import '/etc/passwd' as p %}{{ p }}",
    "{% extends '../../../../etc/passwd' %}",
    "{% from 'chat' import x %}{{ x }}",
    "{% include 'chat' %}",
    "{{ debug() }}",
    "{{ env }}{{ environment }}{{ loader }}{{ __builtins__ }}{{ os }}{{ sys }}",
];

const RUNAWAYS: &[&str] = &[
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for i in range(1000000000) %}x{% endfor %}",
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "{% for m in messages recursive %}{{ loop(messages) }}{% endfor %}",
    "{% set ns = namespace(l=[1]) %}{% for x in ns.l %}{% set _ = ns.l.append(1) %}{% endfor %}",
    "{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}",
    // Found by fuzz/chat_template: overflowed minijinja's list repetition.
    "{{ 33334*333%333333333/333/33*666666*messages*3333333333333333167 }}",
    // Found by fuzz/chat_template: a list of ~10^9 entries within one fuel step.
    "{{ 65970*333%333333333/333/33*666666*messages*337 }}",
    // Repetition just under minijinja's 10^8-entry cap, consumed by filters
    // and materialised: fuel is charged per item, so these stop too.
    "{{ ([1] * 100000000) | sum }}",
    "{{ ((messages * 50000000) | list) | length }}",
    "{{ ((1, 2) * 50000000) | length }}",
    "{% for a in range(99999) %}{% for b in range(99999) %}{% for c in range(99999) %}{{ a }}{% endfor %}{% endfor %}{% endfor %}",
];

/// What escaped text would contain: Python reprs, file contents, command output.
const LEAKS: &[&str] = &["__", "class", "<function", "<module", "builtin", "popen", "root:", "uid=", "subprocess"];

/// Compile and render with an ordinary conversation; the result and the time it took.
fn attempt(source: &str) -> (hearth::Result<String>, Duration) {
    let t0 = Instant::now();
    let messages = [ChatMessage::system("Be brief."), ChatMessage::user("Hi")];
    let r = ChatTemplate::new(source, "<s>", "</s>").and_then(|t| t.render(&messages, true));
    (r, t0.elapsed())
}

#[test]
fn sandbox_escape_payloads_give_an_error_or_harmless_text() {
    for payload in ESCAPES {
        let (r, took) = attempt(payload);
        assert!(took < TIME_BOUND, "{payload}: took {took:?}");
        match r {
            Err(Error::Template { .. }) => {}
            Err(e) => panic!("{payload}: unexpected error type {e:?}"),
            Ok(text) => {
                assert!(text.len() < 256, "{payload}: {} bytes of output", text.len());
                for leak in LEAKS {
                    assert!(!text.contains(leak), "{payload}: output {text:?} contains {leak:?}");
                }
            }
        }
    }
    assert!(!std::path::Path::new("/tmp/hearth-pwned").exists(), "a payload ran a command");
}

#[test]
fn runaway_templates_stop_with_an_error_in_time() {
    for source in RUNAWAYS {
        let (r, took) = attempt(source);
        assert!(took < TIME_BOUND, "{source}: took {took:?}");
        match r {
            Err(Error::Template { reason }) => {
                let known =
                    ["fuel", "recursion", "limit", "range", "too large", "unknown method", "cannot", "panicked"];
                assert!(known.iter().any(|k| reason.contains(k)), "{source}: unexpected reason {reason}");
            }
            other => panic!("{source}: expected a template error, got {other:?}"),
        }
    }
}
