//! Privacy guarantees checked without running the app: no HTTP client,
//! updater or telemetry crate in the dependency tree for any desktop target,
//! and a Content-Security-Policy and page that name no remote origin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Crates that exist to talk over a network (HTTP/WebSocket clients and
/// servers, TLS stacks, telemetry, Tauri's network plugins and updater).
const FORBIDDEN: &[&str] = &[
    "reqwest",
    "hyper",
    "h2",
    "ureq",
    "isahc",
    "curl",
    "curl-sys",
    "attohttpc",
    "surf",
    "minreq",
    "awc",
    "tungstenite",
    "tokio-tungstenite",
    "rustls",
    "native-tls",
    "openssl",
    "sentry",
    "opentelemetry",
    "tauri-plugin-updater",
    "tauri-plugin-http",
    "tauri-plugin-websocket",
    "tauri-plugin-upload",
    "tauri-plugin-localhost",
    "tauri-plugin-aptabase",
];

/// The app is a desktop app; these are the targets Tauri builds it for.
const DESKTOP_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "aarch64-pc-windows-msvc",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Names of every package the app links for `target` (normal and build dependencies).
fn packages(target: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "--edges", "normal,build", "--prefix", "none", "--format", "{p}"])
        .args(["--target", target])
        .current_dir(manifest_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo tree --target {target}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_owned).collect()
}

fn forbidden_in(pkgs: &BTreeSet<String>) -> Vec<&'static str> {
    FORBIDDEN.iter().copied().filter(|f| pkgs.contains(*f)).collect()
}

#[test]
fn no_network_crate_in_any_desktop_build() {
    for target in DESKTOP_TARGETS {
        let pkgs = packages(target);
        // The listing is real: the app and its two big dependencies are in it.
        for needed in ["hearth-demo", "hearth", "tauri", "rusqlite"] {
            assert!(pkgs.contains(needed), "{target}: {needed} missing from the tree");
        }
        assert_eq!(forbidden_in(&pkgs), Vec::<&str>::new(), "{target}: network crates in the dependency tree");
    }
}

#[test]
fn the_check_does_find_a_network_crate_where_there_is_one() {
    // On Android, Tauri links reqwest (to fetch pages from a development
    // server); that is why the app is built for desktop targets only, and it
    // shows the scan above would catch such a crate.
    let pkgs = packages("aarch64-linux-android");
    assert!(forbidden_in(&pkgs).contains(&"reqwest"), "expected reqwest in the Android tree");
}

fn config() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(manifest_dir().join("tauri.conf.json")).unwrap()).unwrap()
}

/// Sources a local app may use: itself, inline data, and Tauri's IPC protocol
/// (`ipc:` on Linux and macOS, `http://ipc.localhost` on Windows, where custom
/// protocols are served under that local name).
const LOCAL_SOURCES: &[&str] = &["'self'", "'none'", "data:", "ipc:", "http://ipc.localhost"];

#[test]
fn csp_allows_no_remote_origin() {
    let c = config();
    let csp = c["app"]["security"]["csp"].as_object().expect("a CSP object in tauri.conf.json");
    for (directive, sources) in csp {
        for source in sources.as_str().unwrap().split_whitespace() {
            assert!(LOCAL_SOURCES.contains(&source), "{directive}: {source} is not a local source");
        }
    }
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'", "no inline or eval'd scripts");
    assert_eq!(csp["object-src"], "'none'");
    assert!(c["app"]["security"].get("dangerousDisableAssetCspModification").is_none());
    assert!(c["build"].get("devUrl").is_none(), "the page is never loaded from a server");
    assert!(c["plugins"].as_object().is_some_and(|p| !p.contains_key("updater")));
}

#[test]
fn the_page_references_nothing_remote() {
    for entry in std::fs::read_dir(manifest_dir().join("ui")).unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else { continue };
        if !["html", "js", "css"].contains(&ext) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for scheme in ["http://", "https://", "ws://", "wss://", "//cdn", "fonts.googleapis"] {
            assert!(!text.contains(scheme), "{}: references {scheme}", path.display());
        }
    }
}
