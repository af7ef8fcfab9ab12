#!/usr/bin/env bash
# The desktop demo app (demo-app/, its own Cargo workspace): installs what a
# fresh Debian 12 machine lacks (WebKitGTK, Xvfb, WebKitWebDriver, strace,
# tauri-driver, the selenium client), then fmt, clippy, unit tests, a build of
# the app, and the end-to-end + no-network tests under Xvfb in a network
# namespace that has only a loopback interface. Idempotent; caches under /var/tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# ---- system packages (skipped when present) ----
# WebKitGTK 4.1 + GTK 3 (+ libsoup 3) to build the Tauri app; Xvfb and xauth
# for xvfb-run; WebKitWebDriver for tauri-driver; strace and iproute2 for the
# no-network test. The app uses no tray icon, no TLS and is not bundled, so
# libayatana-appindicator3-dev, libssl-dev and librsvg2-dev are not needed.
pkgs=(libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev xvfb xauth webkit2gtk-driver strace iproute2 pkg-config)
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi

# ---- tools (cached under /var/tmp) ----
TOOLS=/var/tmp/hearth-tools
if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
  cargo install tauri-driver --version '^2' --locked --root "$TOOLS"
fi
VENV=/var/tmp/hearth-demo-venv
REQ=demo-app/e2e/requirements.txt
if ! cmp -s "$REQ" "$VENV/requirements.txt" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$VENV/requirements.txt"
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/hearth-ci-target}"
export CARGO_TERM_COLOR=never
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/hearth-xdg-$(id -u)}"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"

# ---- Rust: the app is its own workspace, so the root's steps do not cover it ----
(
  cd demo-app
  # tests/privacy.rs runs `cargo tree --offline` for macOS, Windows and
  # Android too: fetch every target's crates, not only this machine's (a
  # fresh machine's registry has none of them).
  cargo fetch --locked
  cargo fmt --all -- --check
  cargo clippy --all-targets --locked -- -D warnings
  cargo test --locked
  # Default features include custom-protocol: the page is embedded and served
  # by the app itself (a production build, in the dev profile to share the
  # test build's dependencies).
  cargo build --locked
)

# ---- end to end, under Xvfb, in a network namespace with loopback only ----
SHOTS=/var/tmp/hearth-demo-e2e
mkdir -p "$SHOTS"
export HEARTH_DEMO_BIN="$CARGO_TARGET_DIR/debug/hearth-demo"
export HEARTH_DEMO_SHOTS="$SHOTS" HEARTH_DEMO_LOGS="$SHOTS/logs" HEARTH_DEMO_REQUIRE_NETNS=1
export TAURI_DRIVER="$TOOLS/bin/tauri-driver"
unshare --net -- bash -c '
  ip link set lo up
  exec xvfb-run -a -s "-screen 0 1400x900x24" "$0/bin/python" -m pytest -v -p no:cacheprovider "$1/demo-app/e2e"
' "$VENV" "$ROOT"
echo "demo app: screenshots and logs in $SHOTS"
