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
root="$dir/root"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs"
cat > "$dir/apt/apt.conf" <<CONF
Dir::Etc::SourceList "$dir/apt/sources.list";
Dir::Etc::SourceParts "/dev/null";
Dir::State::Lists "$dir/apt/lists";
Dir::State::status "/dev/null";
Dir::Cache "$dir/apt/cache";
Dir::Etc::Preferences "/dev/null";
Dir::Etc::PreferencesParts "/dev/null";
APT::Architecture "amd64";
APT::Architectures { "amd64"; };
Debug::NoLocking "true";
APT::Sandbox::User "root";
CONF
cat > "$dir/apt/sources.list" <<LIST
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian trixie-backports main
LIST
export APT_CONFIG="$dir/apt/apt.conf"

if [ ! -e "$root/.complete" ]; then
  apt-get update -qq
  # The driver and everything it needs at run time (no recommends).
  mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
      --no-replaces --no-enhances --no-pre-depends mesa-vulkan-drivers/trixie-backports libvulkan1 \
      | grep -E '^[a-z0-9]' | sort -u)
  (cd "$dir/debs" && apt-get download -qq "${pkgs[@]/#mesa-vulkan-drivers/mesa-vulkan-drivers/trixie-backports}")
  rm -rf "$root"
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
  touch "$root/.complete"
fi

lib="$root/usr/lib/x86_64-linux-gnu"
icd="$dir/lvp_icd.json"
printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.4.0"}}\n' \
  "$lib/libvulkan_lvp.so" > "$icd"

# The binary `cargo test --workspace` built (a `-p` build would unify
# features differently and compile the test crate again).
bin=$(cargo test --workspace --locked --no-run 2>&1 | grep -o '(/[^)]*gpu_coop-[^)]*)' | tr -d '()')
echo "running $bin on $(ls "$root"/usr/share/doc | grep -c .) fetched packages' lavapipe"
# Only the test binary runs under the fetched loader (it execs nothing).
VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd" VK_LOADER_LAYERS_DISABLE='~implicit~' WGPU_BACKEND=vulkan \
  HEARTH_REQUIRE_COOP=1 \
  "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$lib" "$bin" --test-threads 1
