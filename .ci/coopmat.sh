#!/usr/bin/env bash
# The cooperative-matrix prefill kernel (tests/tests/gpu_coop.rs) needs an
# adapter with VK_KHR_cooperative_matrix. Debian 12's lavapipe (Mesa 22.3)
# has none; Mesa 26's lavapipe has 8×8 f16 tiles with f32 accumulators. So
# this fetches Mesa from trixie-backports with the libraries it needs (glibc
# 2.39+, LLVM 19 …) into a private folder — nothing is installed system-wide
# — and runs that one test binary through the fetched glibc loader with the
# fetched Vulkan driver. Downloads are cached in $HEARTH_LVP_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${HEARTH_LVP_DIR:-/var/tmp/hearth-lvp26}"
bash scripts/lavapipe/fetch.sh "$dir" mesa-vulkan-drivers/trixie-backports \
  "deb http://deb.debian.org/debian trixie main" "deb http://deb.debian.org/debian trixie-backports main"

# The binary `cargo test --workspace` built (a `-p` build would unify
# features differently and compile the test crate again).
bin=$(cargo test --workspace --locked --no-run 2>&1 | grep -o '(/[^)]*gpu_coop-[^)]*)' | tr -d '()')
echo "running $bin on $(ls "$dir"/root/usr/share/doc | grep -c .) fetched packages' lavapipe"
# Only the test binary runs under the fetched loader (it execs nothing).
HEARTH_REQUIRE_COOP=1 bash scripts/lavapipe/run.sh "$dir" "$bin" --test-threads 1
