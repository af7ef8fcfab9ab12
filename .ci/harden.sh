#!/usr/bin/env bash
# Hardening CI step: builds the cargo-fuzz targets (fuzz/, outside the
# workspace) with nightly and runs each one briefly on seeds from
# ../shared/models, so the targets keep building and the seeds keep passing.
# The long runs recorded in fuzz/README.md are done by hand. The malformed-file
# corpus, template payload and device-loss tests run in `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
TOOLS=/var/tmp/hearth-tools
export PATH="$TOOLS/bin:$PATH"
export CARGO_TERM_COLOR=never
TARGET_DIR="${HEARTH_FUZZ_TARGET_DIR:-/var/tmp/hearth-fuzz-target}"

command -v python3 >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq python3
}
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
# Installed under /var/tmp so that later runs on this machine reuse it.
if ! cargo-fuzz --version 2>/dev/null | grep -q '0.13.2'; then
  cargo install cargo-fuzz --version 0.13.2 --locked --root "$TOOLS" --target-dir "$TOOLS/build"
fi

# cargo fuzz has no --locked: fail here if fuzz/Cargo.lock is out of date.
cargo +nightly metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null
python3 fuzz/seeds.py
# No sanitizer: the SDK is safe Rust (unsafe_code = "deny"); panics, aborts,
# timeouts and oversized allocations are what the fuzzers look for, and
# debug assertions (-a) turn integer overflow into a panic.
cargo +nightly fuzz build -s none -a --target-dir "$TARGET_DIR"
for target in $(cargo +nightly fuzz list); do
  echo "fuzz: $target for ${FUZZ_SECONDS}s"
  # A private copy of the seeds, so the runs do not grow the checkout.
  corpus="$(mktemp -d /var/tmp/hearth-fuzz-corpus.XXXXXX)"
  cp -r "fuzz/corpus/$target/." "$corpus/"
  set +e
  cargo +nightly fuzz run -s none -a --target-dir "$TARGET_DIR" "$target" "$corpus" -- \
    -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 | tail -n 12
  rc=${PIPESTATUS[0]}
  set -e
  rm -rf "$corpus"
  [ "$rc" -eq 0 ] || { echo "fuzz target $target failed (see fuzz/artifacts/$target)" >&2; exit "$rc"; }
done
