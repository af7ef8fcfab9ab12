#!/usr/bin/env bash
# One long fuzzing run, measured in CPU time rather than wall time (on a
# shared machine the two differ a lot): starts the fuzzer under `nice`, stops
# it with SIGINT once it has used CPU_SECONDS of CPU, and leaves libFuzzer's
# log (final stats included) in $LOGS/TARGET.log.
# Usage: fuzz/long_run.sh TARGET CPU_SECONDS   (after `cargo +nightly fuzz build -s none -a`)
set -euo pipefail
cd "$(dirname "$0")"
target="$1"
cpu_limit="$2"
TARGET_DIR="${HEARTH_FUZZ_TARGET_DIR:-/var/tmp/hearth-fuzz-target}"
LOGS="${LOGS:-/var/tmp/hearth-fuzz-logs}"
bin="$TARGET_DIR/x86_64-unknown-linux-gnu/release/$target"
work="/var/tmp/hearth-fuzz-corpus/$target"
mkdir -p "$work" "$LOGS" "artifacts/$target"
[ -d "corpus/$target" ] || python3 seeds.py
nice -n 10 "$bin" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="artifacts/$target/" "$work" "corpus/$target" >"$LOGS/$target.log" 2>&1 &
pid=$!
tck=$(getconf CLK_TCK)
cpu=0
while kill -0 "$pid" 2>/dev/null; do
  # utime + stime of the fuzzer process (fields 14 and 15 of /proc/PID/stat).
  cpu=$(awk -v t="$tck" '{print int(($14 + $15) / t)}' "/proc/$pid/stat" 2>/dev/null || echo "$cpu")
  echo "$cpu" >"$LOGS/$target.cpu"
  if [ "$cpu" -ge "$cpu_limit" ]; then
    kill -INT "$pid"
    break
  fi
  sleep 10
done
wait "$pid" && rc=0 || rc=$?
echo "target=$target cpu_seconds=$cpu exit=$rc" | tee -a "$LOGS/$target.log"
