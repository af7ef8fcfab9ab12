#!/usr/bin/env bash
# Runs one command with the lavapipe that scripts/lavapipe/fetch.sh put in
# DIR, through that folder's own glibc loader (the driver needs its glibc;
# the command must not exec other programs, which would use the system's).
#
#   scripts/lavapipe/run.sh DIR COMMAND [ARGS...]
set -euo pipefail
dir=$1
shift
root="$dir/root"
# The loader itself, in the multiarch folder: Ubuntu 22.04 has it under /lib
# (no merged /usr), and its lib64 entry is an absolute link to the system's.
ld="$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -f "$ld" ] || ld="$root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -f "$ld" ] || { echo "no glibc loader under $root: run scripts/lavapipe/fetch.sh first" >&2; exit 1; }
icd="$dir/lvp_icd.json"
VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd" VK_LOADER_LAYERS_DISABLE='~implicit~' WGPU_BACKEND=vulkan \
  exec "$ld" --library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" "$@"
