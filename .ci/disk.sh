#!/usr/bin/env bash
# Keeps the build caches under /var/tmp from filling the disk. Sourced by
# .ci/run before anything builds. The caches only grow: every clone builds
# new incremental sessions and, when a dependency or feature set changes, new
# artifacts beside the old ones. A full disk once failed CI in a test that
# writes a GGUF to /tmp ("No space left on device"), so this runs first.
#
# Removing a file cargo made is always safe: a missing output makes cargo
# rebuild that unit, never use a stale one. Only folders cargo marked as its
# own (CACHEDIR.TAG) are touched, whatever CARGO_TARGET_DIR says.

free_gib() { df -P -k "$1" | awk 'NR == 2 { print int($4 / 1048576) }'; }

trim_caches() {
  local min_free_gib="${HEARTH_CI_MIN_FREE_GIB:-20}"
  local caches=("$CARGO_TARGET_DIR" /var/tmp/hearth-bindings-ci-target /var/tmp/hearth-demo-target
    "${HEARTH_FUZZ_TARGET_DIR:-/var/tmp/hearth-fuzz-target}")
  local dir kept=()
  for dir in "${caches[@]}"; do
    if [ -e "$dir/CACHEDIR.TAG" ]; then kept+=("$dir"); fi
  done
  caches=("${kept[@]}")
  # Stale first: incremental sessions not used for two days, artifacts for a week
  # (relatime keeps access times to within a day, enough for this).
  for dir in "${caches[@]}"; do
    find "$dir" -mindepth 1 -maxdepth 4 -path '*/incremental/*' -atime +2 -prune -exec rm -rf {} + 2>/dev/null || true
    find "$dir" -path '*/deps/*' -type f -atime +7 -delete 2>/dev/null || true
  done
  # Then, while the disk is still short, whole incremental trees, then whole caches.
  if [ "$(free_gib /var/tmp)" -lt "$min_free_gib" ]; then
    for dir in "${caches[@]}"; do
      find "$dir" -maxdepth 3 -type d -name incremental -prune -exec rm -rf {} +
    done
  fi
  for dir in "${caches[@]}"; do
    [ "$(free_gib /var/tmp)" -lt "$min_free_gib" ] || break
    echo "disk: removing the cache $dir to free space" >&2
    rm -rf "$dir"
  done
  echo "disk: $(free_gib /var/tmp) GiB free under /var/tmp, $(free_gib /tmp) GiB under /tmp"
  if [ "$(free_gib /tmp)" -lt 4 ]; then
    echo "disk: under 4 GiB free under /tmp even without the caches; the tests write models there" >&2
    return 1
  fi
}
