#!/usr/bin/env bash
# Bindings CI (called at the end of .ci/run): builds hearth-ffi, generates the Kotlin,
# Swift and Python bindings fresh (generated code is never committed), runs the pytest
# tests and the Kotlin tests on the JVM, and type-checks hearth-ffi for Android and iOS.
# Installs what a fresh Debian machine lacks; caches kotlinc under /var/tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/hearth-ci-target}"
export CARGO_TERM_COLOR=never
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/hearth-xdg-$(id -u)}"
mkdir -p -m 700 "$XDG_RUNTIME_DIR"

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@"
}

need_apt=()
[ -f /usr/share/java/jna.jar ] || need_apt+=(libjna-java)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
[ ${#need_apt[@]} -eq 0 ] || apt_install "${need_apt[@]}"

# pytest for whichever python3 is first on PATH: pip where it may install (pyenv, venv),
# Debian's package where the system Python refuses pip.
if ! python3 -m pytest --version >/dev/null 2>&1; then
  python3 -m pip install -q pytest 2>/dev/null || apt_install python3-pytest
fi

# JetBrains' kotlinc (Debian's kotlin 1.3 is too old for uniffi's output); it ships
# kotlinx-coroutines, which the generated async code needs.
kotlin_version=2.3.21
kotlin_prefix=/var/tmp/hearth-kotlin-$kotlin_version
export KOTLINC="$kotlin_prefix/node_modules/kotlin-compiler/bin/kotlinc"
if [ ! -x "$KOTLINC" ]; then
  npm install --silent --no-audit --no-fund --prefix "$kotlin_prefix" "kotlin-compiler@$kotlin_version"
fi

# The test profile (opt-level 2) reuses what `cargo test --workspace` built.
export HEARTH_FFI_PROFILE="${HEARTH_FFI_PROFILE:-test}"
bindings/python/build.sh
(cd bindings/python && python3 -m pytest -q tests)
bindings/kotlin/test.sh

# Android and iOS cannot be built here (no NDK, no Xcode), but the crate can be
# type-checked for them; skip with a message where the target cannot be installed.
for target in aarch64-linux-android aarch64-apple-ios; do
  if rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"; then
    cargo check --locked -q -p hearth-ffi --target "$target"
    echo "hearth-ffi type-checks for $target"
  else
    echo "skipping the $target check: rustup could not install the target"
  fi
done
