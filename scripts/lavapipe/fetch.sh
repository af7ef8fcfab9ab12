#!/usr/bin/env bash
# Fetches one distribution's Mesa lavapipe, with every library it needs at
# run time (its own glibc and LLVM too), into a private folder: nothing is
# installed system-wide. Used by .ci/coopmat.sh (Mesa 26, for cooperative
# matrices) and to measure driver rules on other Mesa versions
# (BENCHMARKS.md, sessions 11 and 12). Idempotent: a finished folder is kept.
#
#   scripts/lavapipe/fetch.sh DIR PACKAGE "deb URL SUITE COMPONENTS"...
#   scripts/lavapipe/fetch.sh /var/tmp/hearth-lvp24 mesa-vulkan-drivers/noble \
#       "deb [trusted=yes] http://archive.ubuntu.com/ubuntu noble main universe"
#
# (`[trusted=yes]`: Debian's apt has no key for Ubuntu's archive; the
# packages only ever run in the private folder.)
# PACKAGE names the mesa-vulkan-drivers version (a suite or a version), e.g.
# mesa-vulkan-drivers/trixie-backports. Then run a command with
# scripts/lavapipe/run.sh DIR COMMAND...
set -euo pipefail

dir=$1
package=$2
shift 2
[ $# -gt 0 ] || { echo "usage: $0 DIR PACKAGE 'deb …'..." >&2; exit 2; }
root="$dir/root"

if [ ! -e "$root/.complete" ]; then
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
  printf '%s\n' "$@" > "$dir/apt/sources.list"
  export APT_CONFIG="$dir/apt/apt.conf"
  apt-get update -qq
  # The driver and everything it needs at run time (no recommends).
  mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
      --no-replaces --no-enhances --no-pre-depends "$package" libvulkan1 \
      | grep -E '^[a-z0-9]' | sort -u)
  (cd "$dir/debs" && apt-get download -qq "${pkgs[@]/#mesa-vulkan-drivers/$package}")
  rm -rf "$root"
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
  touch "$root/.complete"
fi

# The package's own ICD file, pointed at the fetched library.
lib="$root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so"
api=$(grep -ho '"api_version": *"[0-9.]*"' "$root"/usr/share/vulkan/icd.d/lvp_icd*.json | head -n 1 \
  | grep -o '[0-9][0-9.]*' || echo 1.3.0)
printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"%s"}}\n' "$lib" "$api" \
  > "$dir/lvp_icd.json"
