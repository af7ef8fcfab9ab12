//! The `hearth` binary as a user runs it: JSON outputs against the references,
//! and clean non-zero exits (no panic) on bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn hearth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth")).args(args).output().expect("run hearth")
}

fn json_of(out: &Output) -> Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stories() -> Option<PathBuf> {
    let p = root().join("../shared/models/stories260K");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipped: {} is not present", p.display());
        None
    }
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

#[test]
fn logits_of_a_fixture_match_transformers() {
    let dir = root().join("tests/fixtures/tiny/qwen2-tiny");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
    let tokens: Vec<String> = ids(&r["tokens"]).iter().map(u64::to_string).collect();
    let model = dir.join("qwen2-tiny-F32.gguf");
    let out = json_of(&hearth(&[
        "logits",
        "--model",
        model.to_str().unwrap(),
        "--tokens",
        &tokens.join(","),
        "--all",
        "--top",
        "3",
        "--json",
    ]));
    let got = out["logits"].as_array().unwrap();
    let want = r["logits"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        for (a, b) in g.as_array().unwrap().iter().zip(w.as_array().unwrap()) {
            assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-4);
        }
    }
    assert_eq!(out["top"].as_array().unwrap().len(), want.len());
}

#[test]
fn run_reproduces_the_reference_continuations() {
    let Some(dir) = stories() else { return };
    let r: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
    for backend in ["gpu", "cpu"] {
        for (file, entry) in r["files"].as_object().unwrap() {
            let model = dir.join(file);
            let m = model.to_str().unwrap();
            let args = ["run", "--model", m, "--prompt", "Once upon a time", "-n", "32", "--temp", "0", "--json"];
            let out = json_of(&hearth(&[&args[..], &["--backend", backend]].concat()));
            assert_eq!(ids(&out["prompt_tokens"]), ids(&r["prompt_tokens_with_bos"]), "{file}");
            assert_eq!(ids(&out["tokens"]), ids(&entry["greedy_tokens"]), "{file} on {backend}");
            let text = format!("Once upon a time{}", out["text"].as_str().unwrap());
            assert_eq!(text, entry["greedy_text"].as_str().unwrap(), "{file}");
            assert_eq!(out["finish_reason"], "length");
            assert_eq!(out["usage"]["generated_tokens"], 32);
            for key in ["ttft_ms", "prefill_tokens_per_s", "decode_tokens_per_s"] {
                assert!(out[key].as_f64().unwrap() > 0.0, "{key}");
                assert_eq!(out[key], out["timings"][key]);
            }
            let adapter = out["adapter"].as_str().unwrap();
            assert_eq!(adapter.contains("cpu"), backend == "cpu", "{adapter}");
        }
    }
    // The HF folder has no tokenizer.json: borrow the GGUF's vocabulary.
    let vocab = dir.join("stories260K-F32.gguf");
    let hf = dir.join("hf");
    let out = json_of(&hearth(&[
        "run",
        "--model",
        hf.to_str().unwrap(),
        "--tokenizer",
        vocab.to_str().unwrap(),
        "--prompt",
        "Once upon a time",
        "-n",
        "32",
        "--temp",
        "0",
        "--json",
    ]));
    assert_eq!(ids(&out["tokens"]), ids(&r["files"]["stories260K-F32.gguf"]["greedy_tokens"]));
}

#[test]
fn info_tokenize_and_top_logits() {
    let Some(dir) = stories() else { return };
    let q8 = dir.join("stories260K-Q8_0.gguf");
    let info = json_of(&hearth(&["info", q8.to_str().unwrap(), "--json"]));
    assert_eq!(info["architecture"], "llama");
    assert_eq!(info["config"]["n_layers"], 5);
    assert_eq!(info["config"]["n_kv_heads"], 4);
    assert!(info["tensor_types"]["Q8_0"].as_u64().unwrap() > 0);
    assert!(info["tensor_types"]["F32"].as_u64().unwrap() > 0);
    let tok = json_of(&hearth(&["tokenize", "--model", q8.to_str().unwrap(), "--text", "Once upon a time", "--json"]));
    assert_eq!(ids(&tok["tokens"]), vec![1, 403, 407, 261, 378]);
    assert_eq!(tok["pieces"].as_array().unwrap().len(), 5);
    let f32 = dir.join("stories260K-F32.gguf");
    let out = json_of(&hearth(&[
        "logits",
        "--model",
        f32.to_str().unwrap(),
        "--prompt",
        "Once upon a time",
        "--top",
        "5",
        "--json",
    ]));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
    for (got, want) in out["top"].as_array().unwrap().iter().zip(r["reference_f64_top5_first_step"].as_array().unwrap())
    {
        assert_eq!(got[0], want[0]);
        assert!((got[1].as_f64().unwrap() - want[1].as_f64().unwrap()).abs() < 1e-3);
    }
}

#[test]
fn perplexity_matches_the_transformers_fixture() {
    let Some(dir) = stories() else { return };
    let fx: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/perplexity/stories260k.json")).unwrap(),
    )
    .unwrap();
    let text_file = std::env::temp_dir().join(format!("hearth-ppl-{}.txt", std::process::id()));
    std::fs::write(&text_file, fx["text"].as_str().unwrap()).unwrap();
    let model = dir.join("stories260K-F32.gguf");
    let (m, t) = (model.to_str().unwrap(), text_file.to_str().unwrap());
    let out = json_of(&hearth(&["perplexity", "--model", m, "--file", t, "--window", "64", "--json"]));
    let want =
        fx["results"].as_array().unwrap().iter().find(|r| r["ctx"] == 64).unwrap()["perplexity"].as_f64().unwrap();
    let got = out["perplexity"].as_f64().unwrap();
    assert!((got - want).abs() / want < 1e-4, "{got} vs {want}");
    std::fs::remove_file(&text_file).ok();
}

#[test]
fn chat_reads_turns_from_stdin() {
    use std::io::Write;
    let Some(dir) = stories() else { return };
    let model = dir.join("stories260K-F32.gguf");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["chat", "--model", model.to_str().unwrap(), "--temp", "0", "-n", "8"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"Once upon a time\n/reset\n/quit\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // No template: completion mode continues the text as `run` does (8 greedy tokens).
    let said = String::from_utf8_lossy(&out.stdout).trim_end().to_string();
    assert!(said.len() > 10 && ", there was a little girl named Lily".starts_with(&said), "{said:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("completion mode"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_answer_not_the_program() {
    use std::io::{Read, Write};
    let Some(dir) = stories() else { return };
    let model = dir.join("stories260K-F32.gguf");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth"))
        .args(["chat", "--model", model.to_str().unwrap(), "--temp", "0.9", "-n", "2000", "--ctx", "512"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"Once upon a time\n").unwrap();
    // Wait until the answer streams, then interrupt it like a user pressing Ctrl-C.
    let mut first = [0u8; 1];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    let kill = Command::new("kill").args(["-s", "INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    stdin.write_all(b"/quit\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("(stopped)"), "{stderr}");
}

#[test]
fn synth_writes_a_real_shape_that_bench_runs() {
    let out = std::env::temp_dir().join(format!("hearth-synth-{}.gguf", std::process::id()));
    let o = out.to_str().unwrap();
    let status = hearth(&["synth", "--shape", "smollm2-135m", "--quant", "q8_0", "--out", o]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let info = json_of(&hearth(&["info", o, "--json"]));
    assert_eq!(info["config"]["dim"], 576);
    assert_eq!(info["config"]["n_layers"], 30);
    let b =
        json_of(&hearth(&["bench", "-m", o, "--prompt-tokens", "8", "--gen-tokens", "2", "--repeat", "1", "--json"]));
    for key in ["prefill_tokens_per_s", "decode_tokens_per_s", "ttft_ms"] {
        assert!(b[key]["median"].as_f64().unwrap() > 0.0, "{key}");
    }
    assert!(b["load_s"].as_f64().unwrap() > 0.0);
    assert!(!b["driver"].as_str().unwrap().is_empty(), "{}", b["driver"]);
    assert!(b["device_bytes"].as_u64().unwrap() > b["weights_bytes"].as_u64().unwrap() / 2);
    assert!(["int8", "f32"].contains(&b["decode_activations"].as_str().unwrap()), "{}", b["decode_activations"]);
    assert!(["tiles", "rows"].contains(&b["weight_layout"].as_str().unwrap()), "{}", b["weight_layout"]);
    assert!(["textures", "buffers"].contains(&b["weight_storage"].as_str().unwrap()), "{}", b["weight_storage"]);
    let args = ["bench", "-m", o, "--prompt-tokens", "4", "--gen-tokens", "1", "--repeat", "1", "--json"];
    let f32 = json_of(&hearth(&[&args[..], &["--int8-activations", "false"]].concat()));
    assert_eq!(f32["decode_activations"], "f32");
    std::fs::remove_file(&out).ok();
}

#[test]
fn devices_lists_adapters() {
    let out = hearth(&["devices", "--json"]);
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    if std::env::var("HEARTH_REQUIRE_GPU").is_ok_and(|v| v == "1") {
        assert!(!list.is_empty(), "no adapters");
    }
    for a in list {
        for key in ["name", "backend", "device_type", "driver", "shader_f16", "subgroups", "max_storage_binding"] {
            assert!(!a[key].is_null(), "{key} missing");
        }
    }
}

#[test]
fn bad_input_exits_non_zero_without_panicking() {
    let dir = std::env::temp_dir().join(format!("hearth-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.gguf");
    std::fs::write(&junk, b"GGUF\x03\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff").unwrap();
    let missing = dir.join("missing.gguf");
    for args in [
        vec!["info", missing.to_str().unwrap()],
        vec!["info", junk.to_str().unwrap(), "--json"],
        vec!["run", "--model", junk.to_str().unwrap(), "--prompt", "x", "-n", "1"],
    ] {
        let out = hearth(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
    std::fs::remove_dir_all(&dir).ok();
}
