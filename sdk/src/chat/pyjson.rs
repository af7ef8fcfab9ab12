//! The `tojson` filter as Hugging Face templates expect it.
//!
//! Hugging Face replaces Jinja's own `tojson` with a thin wrapper around
//! Python's `json.dumps(x, ensure_ascii=False, indent=None, separators=None,
//! sort_keys=False)`. Templates (Llama 3.x tools, Qwen2.5 tools, ...) therefore
//! produce Python's spacing (`{"a": 1, "b": [1, 2]}`) and leave `<`, `>`, `&`
//! and non-ASCII text unescaped. minijinja's built-in `tojson` writes compact,
//! HTML-safe JSON instead, so a model would see a prompt it was never trained
//! on. This module re-implements the Python behaviour on minijinja values.

use minijinja::value::{from_args, Kwargs, ValueKind};
use minijinja::{Error, ErrorKind, Value};

/// Deepest nesting `tojson` follows. Values built inside a template cannot be
/// cyclic, but nesting comes from caller input too; a bound keeps the
/// recursion from ever exhausting the stack.
const MAX_DEPTH: usize = 128;

/// Formatting options, named after the `json.dumps` parameters.
struct Options {
    ensure_ascii: bool,
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
    /// Output larger than this is an error rather than an allocation: a huge
    /// `indent` repeated on every line would otherwise be a memory bomb.
    limit: usize,
}

/// The `tojson` filter. Positional arguments follow the Hugging Face
/// wrapper's order (`ensure_ascii, indent, separators, sort_keys`); keyword
/// arguments with the same names override them.
pub(super) fn tojson_filter(limit: usize, value: &Value, args: &[Value]) -> Result<Value, Error> {
    let (ensure_ascii, indent, separators, sort_keys, kwargs): (
        Option<bool>,
        Option<Value>,
        Option<Value>,
        Option<bool>,
        Kwargs,
    ) = from_args(args)?;
    let ensure_ascii = kwargs.get::<Option<bool>>("ensure_ascii")?.or(ensure_ascii).unwrap_or(false);
    let indent = kwargs.get::<Option<Value>>("indent")?.or(indent);
    let separators = kwargs.get::<Option<Value>>("separators")?.or(separators);
    let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.or(sort_keys).unwrap_or(false);
    kwargs.assert_all_used()?;

    let indent = match indent {
        None => None,
        Some(v) if v.is_none() || v.is_undefined() => None,
        // Python: an integer indent means that many spaces (negative: none).
        Some(v) if v.is_integer() => {
            let n = v.as_i64().unwrap_or(0).max(0);
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if n > limit {
                return Err(too_large(limit));
            }
            Some(" ".repeat(n))
        }
        Some(v) => match v.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                return Err(Error::new(ErrorKind::InvalidOperation, "tojson: indent must be an integer or a string"))
            }
        },
    };
    // Python's defaults: ", " between items on one line, "," when each item
    // gets its own line (an indent was given); ": " between key and value.
    let (item_sep, key_sep) = match separators {
        Some(v) if !(v.is_none() || v.is_undefined()) => parse_separators(&v)?,
        _ => (if indent.is_some() { "," } else { ", " }.to_owned(), ": ".to_owned()),
    };
    let opts = Options { ensure_ascii, indent, item_sep, key_sep, sort_keys, limit };
    let mut out = String::new();
    write_value(&mut out, value, &opts, 0)?;
    // Marked safe: JSON must reach the prompt verbatim even if an auto-escape
    // mode were ever switched on.
    Ok(Value::from_safe_string(out))
}

fn parse_separators(v: &Value) -> Result<(String, String), Error> {
    let bad = || Error::new(ErrorKind::InvalidOperation, "tojson: separators must be a pair of strings");
    if v.len() != Some(2) {
        return Err(bad());
    }
    let item = v.get_item_by_index(0)?;
    let key = v.get_item_by_index(1)?;
    match (item.as_str(), key.as_str()) {
        (Some(i), Some(k)) => Ok((i.to_owned(), k.to_owned())),
        _ => Err(bad()),
    }
}

fn too_large(limit: usize) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("tojson: output exceeds {limit} bytes"))
}

fn not_serializable(kind: ValueKind) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("tojson: a value of type {kind} is not JSON serializable"))
}

fn write_value(out: &mut String, value: &Value, opts: &Options, depth: usize) -> Result<(), Error> {
    if out.len() > opts.limit {
        return Err(too_large(opts.limit));
    }
    if depth > MAX_DEPTH {
        return Err(Error::new(ErrorKind::InvalidOperation, format!("tojson: nesting deeper than {MAX_DEPTH} levels")));
    }
    match value.kind() {
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => write_number(out, value),
        ValueKind::String => write_string(out, value.as_str().unwrap_or_default(), opts),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            write_container(out, '[', ']', items.len(), opts, depth, |out, i| {
                items.get(i).map_or(Ok(()), |item| write_value(out, item, opts, depth + 1))
            })?;
        }
        ValueKind::Map => {
            let mut entries = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                entries.push((key_string(&key)?, item));
            }
            if opts.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            write_container(out, '{', '}', entries.len(), opts, depth, |out, i| {
                let Some((key, item)) = entries.get(i) else {
                    return Ok(());
                };
                write_string(out, key, opts);
                out.push_str(&opts.key_sep);
                write_value(out, item, opts, depth + 1)
            })?;
        }
        // Jinja's Undefined, functions, namespaces and bytes make Python's
        // json.dumps raise a TypeError; do the same rather than invent text.
        ValueKind::Invalid => {
            // Iterating an invalid value surfaces the error it carries.
            value.try_iter()?;
            return Err(not_serializable(ValueKind::Invalid));
        }
        kind => return Err(not_serializable(kind)),
    }
    Ok(())
}

/// Writes `[a, b]` / `{...}` with Python's line breaking when `indent` is set.
fn write_container(
    out: &mut String,
    open: char,
    close: char,
    len: usize,
    opts: &Options,
    depth: usize,
    mut item: impl FnMut(&mut String, usize) -> Result<(), Error>,
) -> Result<(), Error> {
    out.push(open);
    if len == 0 {
        out.push(close);
        return Ok(());
    }
    for i in 0..len {
        if i > 0 {
            out.push_str(&opts.item_sep);
        }
        if let Some(indent) = &opts.indent {
            newline(out, indent, depth + 1, opts.limit)?;
        }
        item(out, i)?;
    }
    if let Some(indent) = &opts.indent {
        newline(out, indent, depth, opts.limit)?;
    }
    out.push(close);
    Ok(())
}

fn newline(out: &mut String, indent: &str, level: usize, limit: usize) -> Result<(), Error> {
    let extra = indent.len().saturating_mul(level);
    if out.len().saturating_add(extra) > limit {
        return Err(too_large(limit));
    }
    out.push('\n');
    for _ in 0..level {
        out.push_str(indent);
    }
    Ok(())
}

/// Python converts non-string dict keys to strings; other key types raise.
fn key_string(key: &Value) -> Result<String, Error> {
    match key.kind() {
        ValueKind::String => Ok(key.as_str().unwrap_or_default().to_owned()),
        ValueKind::Number => {
            let mut s = String::new();
            write_number(&mut s, key);
            Ok(s)
        }
        ValueKind::Bool => Ok(if key.is_true() { "true" } else { "false" }.to_owned()),
        ValueKind::None => Ok("null".to_owned()),
        kind => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("tojson: keys must be str, int, float, bool or None, not {kind}"),
        )),
    }
}

fn write_number(out: &mut String, value: &Value) {
    if value.is_integer() {
        // Integers (up to 128 bits) print the same in Rust and Python.
        out.push_str(&value.to_string());
    } else {
        match f64::try_from(value.clone()) {
            Ok(f) => out.push_str(&python_float_repr(f)),
            Err(_) => out.push_str(&value.to_string()),
        }
    }
}

/// Python's `repr(float)` as json.dumps uses it: the shortest round-tripping
/// digits, positional for exponents in [-4, 16), scientific otherwise
/// (`1e-05`, `1.5e+16`), and `Infinity`/`NaN` for the non-finite values.
pub(super) fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, e.g. "-1.5e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp < 0 {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        } else if exp + 1 >= n {
            format!("{}{}.0", digits, "0".repeat((exp + 1 - n) as usize))
        } else {
            let (int, frac) = digits.split_at((exp + 1) as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{body}")
    } else {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

/// Python's JSON string escaping: only `"`, `\` and control characters are
/// escaped unless `ensure_ascii` asks for every non-ASCII character too.
fn write_string(out: &mut String, s: &str, opts: &Options) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (opts.ensure_ascii && !(' '..='~').contains(&c)) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::python_float_repr;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (100.0, "100.0"),
            (123.456, "123.456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (-1.5e-7, "-1.5e-07"),
            (0.1, "0.1"),
            (0.0, "0.0"),
            (f64::INFINITY, "Infinity"),
            (f64::NAN, "NaN"),
        ];
        for (f, want) in cases {
            assert_eq!(python_float_repr(f), want, "repr({f})");
        }
    }
}
