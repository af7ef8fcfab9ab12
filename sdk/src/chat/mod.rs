//! Chat templates: turning a conversation into the prompt text a model expects.
//!
//! Instruction-tuned models ship a Jinja template (Hugging Face's
//! `tokenizer_config.json` `chat_template`, GGUF's `tokenizer.chat_template`)
//! that lays out the special tokens around each turn. [`ChatTemplate`] renders
//! such templates with minijinja, configured like Hugging Face's
//! `apply_chat_template` so the text matches what the model was trained on:
//! `trim_blocks` and `lstrip_blocks` on, no auto-escaping, the
//! `raise_exception` and `strftime_now` globals, Python's `json.dumps` as
//! `tojson`, and Python string/dict methods (`.strip()`, `.split()`,
//! `.items()`, ...) through minijinja-contrib's `pycompat`.
//!
//! # Sandbox
//!
//! A template comes from the model file, and a model file is untrusted input:
//! anyone can publish one. llama-cpp-python's CVE-2024-34359 ("Llama Drama")
//! was exactly this: it rendered GGUF chat templates with an unsandboxed
//! Jinja2 environment, so a template could walk `__class__`/`__globals__` to
//! `os.popen` and run commands on the user's machine. Rendering here is
//! therefore confined:
//!
//! - minijinja values have no Python-style attributes, so there is nothing to
//!   walk to; unknown attributes are undefined.
//! - There is no loader and every `include`/`import`/`extends` name resolves
//!   to a template that does not exist (not even the template itself), so a
//!   template cannot read files or recurse through includes.
//! - Fuel bounds the number of instructions one render may execute, so an
//!   endless or enormous loop fails in well under a second; the recursion
//!   limit bounds macro and `loop()` recursion; `range` refuses more than
//!   100 000 items.
//! - The rendered text is capped at [`OUTPUT_LIMIT`] bytes; writing past it
//!   aborts the render instead of filling memory.
//! - Sequence and string repetition (`list * n`, `'x' * n`) is refused past
//!   10^8 items by minijinja (3.x), and iterating a repeated sequence costs
//!   fuel per item, so `messages * 1000000000` fails at once instead of
//!   building billions of entries (found by `fuzz/chat_template`).
//!
//! Known residual risk: memory. Fuel counts steps, not bytes, and the output
//! cap only sees text that reaches the final output. A hostile template can
//! still build large values within its fuel: `'x' * 100000000` is one step
//! that allocates 100 MB (about 200 MB peak), doubling a string in a loop
//! grows it exponentially, and `{% set x %}...{% endset %}` captures or macro
//! calls accumulate text the output cap never sees. minijinja offers no
//! allocation hook to bound this, so it can exhaust memory (a crash, not code
//! execution). An app that renders templates from unknown sources should do
//! so in a process it can afford to lose.
//!
//! Not supported: Hugging Face's `{% generation %}` tag (used only to build
//! training masks) and Python methods beyond those `pycompat` provides; both
//! fail with [`Error::Template`] rather than render differently.

mod clock;
mod pyjson;

use crate::error::{Error, Result};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Rest, Serde, ValueOrKwargs};
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior, Value};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io;

/// Most bytes one render may produce. 1 MiB is several times the text that
/// fits in the context window of any model this SDK runs (128k tokens of
/// English is about 512 KiB), so only a runaway template reaches it.
pub const OUTPUT_LIMIT: usize = 1 << 20;

/// Longest template source accepted. Real templates are a few KiB (the
/// largest tool-calling ones around 30 KiB).
pub const SOURCE_LIMIT: usize = 1 << 20;

/// Instructions one render may execute. Real templates spend well under 100
/// per message, so [`OUTPUT_LIMIT`] is always reached first (tens of
/// thousands of turns), while a tight loop burns through it in about a tenth
/// of a second.
const FUEL: u64 = 2_000_000;

/// Deepest macro / recursive-loop nesting. Real templates recurse a few levels
/// (e.g. into JSON schemas); each level costs native stack, and on mobile
/// threads with small stacks a deep recursion would crash the process.
const RECURSION_LIMIT: usize = 64;

/// Name the template is registered under.
const TEMPLATE_NAME: &str = "chat_template";

/// What every `include`/`import`/`extends` resolves to. No template has this
/// name, so those tags always fail with "template not found".
const NO_TEMPLATE: &str = "\0include is disabled in chat templates";

/// Prefix of errors raised by the template itself via `raise_exception`.
const RAISED: &str = "template raised an exception: ";

/// Variables every render defines; extra variables may not replace them.
const RESERVED_VARIABLES: [&str; 4] = ["messages", "add_generation_prompt", "bos_token", "eos_token"];

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, or whatever else the template knows.
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self { role: role.into(), content: content.into() }
    }

    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content)
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content)
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content)
    }
}

/// A compiled, sandboxed chat template plus the special tokens it refers to.
///
/// Compiled once in [`ChatTemplate::new`]; rendering takes `&self` and the
/// value is `Send + Sync`, so one template can serve many threads.
pub struct ChatTemplate {
    env: Environment<'static>,
    bos_token: String,
    eos_token: String,
}

impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The environment's own Debug lists every builtin; the tokens are
        // what tells two templates apart in a log.
        f.debug_struct("ChatTemplate")
            .field("bos_token", &self.bos_token)
            .field("eos_token", &self.eos_token)
            .finish_non_exhaustive()
    }
}

impl ChatTemplate {
    /// Compiles `source`. `bos_token`/`eos_token` are the tokenizer's special
    /// token strings (e.g. `<|begin_of_text|>`), visible to the template under
    /// those names. Syntax errors are reported here, not at render time.
    pub fn new(source: &str, bos_token: &str, eos_token: &str) -> Result<Self> {
        if source.len() > SOURCE_LIMIT {
            return Err(Error::Template {
                reason: format!("template is {} bytes, more than the {SOURCE_LIMIT}-byte limit", source.len()),
            });
        }
        let mut env = sandboxed_environment()?;
        env.add_template_owned(TEMPLATE_NAME, source.to_owned()).map_err(|e| template_error(&e))?;
        Ok(Self { env, bos_token: bos_token.to_owned(), eos_token: eos_token.to_owned() })
    }

    /// Renders `messages`; with `add_generation_prompt` the template appends
    /// the header that opens the assistant's reply.
    ///
    /// The text includes whatever special tokens the template writes (most
    /// write `bos_token` first), so tokenize it without adding BOS again.
    pub fn render(&self, messages: &[ChatMessage], add_generation_prompt: bool) -> Result<String> {
        self.render_with(messages, add_generation_prompt, &serde_json::Map::new())
    }

    /// Like [`render`](Self::render), with extra template variables, the way
    /// Hugging Face passes keyword arguments to `apply_chat_template`: e.g.
    /// `date_string` for Llama 3.x, `tools`, or `enable_thinking` for Qwen3.
    /// The four standard variables cannot be overridden.
    ///
    /// Object keys reach the template in sorted order (serde_json's `Map`
    /// without `preserve_order`), which `tojson` then reproduces.
    pub fn render_with(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        extra: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<String> {
        let mut ctx: BTreeMap<&str, Value> = BTreeMap::new();
        for (name, value) in extra {
            if RESERVED_VARIABLES.contains(&name.as_str()) {
                return Err(Error::InvalidArgument {
                    reason: format!("chat template variable {name:?} is set by the renderer"),
                });
            }
            ctx.insert(name, Value::from(Serde(value)));
        }
        ctx.insert("messages", Value::from(Serde(messages)));
        ctx.insert("add_generation_prompt", Value::from(add_generation_prompt));
        ctx.insert("bos_token", Value::from(self.bos_token.as_str()));
        ctx.insert("eos_token", Value::from(self.eos_token.as_str()));

        let template = self.env.get_template(TEMPLATE_NAME).map_err(|e| template_error(&e))?;
        let mut sink = CappedSink::new(OUTPUT_LIMIT);
        // minijinja 2.24 panicked on arithmetic overflow in builds with
        // overflow checks (`messages * 3333333333333333167`, found by
        // fuzz/chat_template). 3.x checks that multiplication, but a template
        // must give an error, not a crash, whatever the next engine bug is.
        let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            template.render_captured_to(Value::from(Serde(&ctx)), &mut sink)
        }))
        .map_err(|_| Error::Template { reason: "the template engine panicked (arithmetic overflow?)".to_owned() })?;
        if let Err(e) = rendered {
            if sink.overflowed {
                return Err(Error::Template {
                    reason: format!("rendered prompt exceeds the {OUTPUT_LIMIT}-byte limit"),
                });
            }
            return Err(template_error(&e));
        }
        String::from_utf8(sink.buf)
            .map_err(|_| Error::Template { reason: "rendered prompt is not valid UTF-8".to_owned() })
    }
}

/// How a prompt was built, so the API can report which path was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptMode {
    /// Rendered through the model's chat template.
    Template,
    /// No template: message contents joined as a plain completion prompt.
    Completion,
}

impl PromptMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PromptMode::Template => "template",
            PromptMode::Completion => "completion",
        }
    }
}

/// Separator between messages in a completion prompt.
pub const COMPLETION_SEPARATOR: &str = "\n\n";

/// Builds the prompt for a model.
///
/// With a template: the rendered text and [`PromptMode::Template`].
///
/// Without one (base models, or a model file without a template): a plain
/// completion prompt and [`PromptMode::Completion`]. The rule is: take the
/// `content` of every message whose role is `system` or `user`, in order,
/// unchanged (no trimming, no role labels), and join them with
/// [`COMPLETION_SEPARATOR`] (a blank line). Other roles (`assistant`,
/// `tool`, ...) are left out, and `add_generation_prompt` has no effect since
/// a base model has no reply header. A conversation with no system or user
/// message is an [`Error::InvalidArgument`]: there would be nothing to
/// complete.
pub fn format_prompt(
    template: Option<&ChatTemplate>,
    messages: &[ChatMessage],
    add_generation_prompt: bool,
) -> Result<(String, PromptMode)> {
    if let Some(template) = template {
        let text = template.render(messages, add_generation_prompt)?;
        return Ok((text, PromptMode::Template));
    }
    let parts: Vec<&str> =
        messages.iter().filter(|m| m.role == "system" || m.role == "user").map(|m| m.content.as_str()).collect();
    if parts.is_empty() {
        return Err(Error::InvalidArgument {
            reason: "no system or user message to build a completion prompt from".to_owned(),
        });
    }
    Ok((parts.join(COMPLETION_SEPARATOR), PromptMode::Completion))
}

/// The environment every template is compiled in; see the module docs for
/// why each restriction exists.
fn sandboxed_environment() -> Result<Environment<'static>> {
    // `Environment::new` has the builtin filters, tests and globals but no
    // loader: nothing here ever touches the filesystem.
    let mut env = Environment::new();

    // Hugging Face renders with trim_blocks and lstrip_blocks; templates are
    // written for that whitespace handling.
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(false)
        .build()
        .map_err(|e| template_error(&e))?;
    env.set_syntax(syntax);
    // Prompts are not HTML: `<|im_start|>` must come out as written.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // Jinja2's default: undefined values are falsy and print as nothing,
    // which templates rely on (`{% if tools %}`, `message.tool_calls`).
    env.set_undefined_behavior(UndefinedBehavior::Lenient);

    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_path_join_callback(|_, _| Cow::Borrowed(NO_TEMPLATE));
    // `debug()` dumps the whole render state; prompts never need it.
    env.remove_global("debug");

    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.set_formatter(python_formatter);
    // `ValueOrKwargs`: minijinja 3 keeps keyword arguments out of `Rest<Value>`.
    env.add_filter("tojson", |value: &Value, args: Rest<ValueOrKwargs>| {
        pyjson::tojson_filter(OUTPUT_LIMIT, value, &args.into_values())
    });
    env.add_function("raise_exception", raise_exception);
    env.add_function("strftime_now", clock::strftime_now);
    Ok(env)
}

/// Prints `None`, `True` and `False` the way Jinja2 (i.e. Python) does;
/// everything else as minijinja would.
fn python_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    if value.is_none() {
        out.write_str("None").map_err(minijinja::Error::from)
    } else if value.kind() == minijinja::value::ValueKind::Bool {
        out.write_str(if value.is_true() { "True" } else { "False" }).map_err(minijinja::Error::from)
    } else {
        minijinja::escape_formatter(out, state, value)
    }
}

/// `raise_exception(message)`: templates use it to reject conversations they
/// cannot format (e.g. Gemma's strict user/assistant alternation).
fn raise_exception(message: String) -> std::result::Result<Value, minijinja::Error> {
    Err(minijinja::Error::new(ErrorKind::InvalidOperation, format!("{RAISED}{message}")))
}

/// Converts a minijinja error into ours, keeping the message a template
/// raised verbatim and the line it happened on.
fn template_error(err: &minijinja::Error) -> Error {
    let mut reason = match err.detail() {
        Some(detail) if detail.starts_with(RAISED) => detail.to_owned(),
        Some(detail) => format!("{}: {detail}", err.kind()),
        None => err.kind().to_string(),
    };
    if let Some(line) = err.line() {
        reason.push_str(&format!(" (line {line})"));
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        reason.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    Error::Template { reason }
}

/// An `io::Write` that collects at most `limit` bytes and fails the write
/// that would exceed it, which makes minijinja abort the render.
struct CappedSink {
    buf: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

impl CappedSink {
    fn new(limit: usize) -> Self {
        Self { buf: Vec::new(), limit, overflowed: false }
    }
}

impl io::Write for CappedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(data.len()) > self.limit {
            self.overflowed = true;
            return Err(io::Error::other("output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
