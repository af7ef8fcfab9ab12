#!/bin/bash
# Hearth on a lent GPU machine (no network, no Rust there): correctness tests,
# roofline, models with per-kernel profiles, llama.cpp (Vulkan) on the same
# files, kernel microbenchmarks. Results for BENCHMARKS.md.
#
# Prepare on the build machine, in the repository root (all git-ignored via
# .git/info/exclude):
#   .gl/              libvulkan1 + GL loader .debs (the device tool's README)
#   .devbin.tar.xz    hearth (release, stripped), optionally hearth-old (a
#                     baseline build), t/<test> (stripped debug test binaries of
#                     tests/, built in /work/main so their fixture paths match),
#                     models/stories260K (from ../shared/models)
#   .peer/llama-bench llama.cpp's llama-bench with the Vulkan backend (BENCHMARKS.md)
# then run `bash scripts/bench/gpu_device_run.sh [tests|bench|all]` there with
# those paths carried; env: SHAPES="shape:quant ...", OLD_SHAPES, REPEAT,
# PROFILE=--profile, COOP_SHAPES, INT8_SHAPES. Writes summary.txt and logs.tgz under $OUT.
set -u
MODE=${1:-all}
R=$PWD
for f in .gl/*.deb; do dpkg -x $f / ; done; ldconfig
B=/tmp/hb; mkdir -p $B && tar -xJf .devbin.tar.xz -C $B
# The test binaries look for fixtures at compile-time paths under /work.
[ -e /work/main/tests ] || { mkdir -p /work; ln -sfn $R /work/main; }
[ -e /work/shared/models ] || { mkdir -p /work/shared; ln -sfn $B/models /work/shared/models; }
export XDG_RUNTIME_DIR=/tmp/xdg; mkdir -p -m 700 $XDG_RUNTIME_DIR
S=$OUT/summary.txt
trap 'cd $OUT && tar -czf /tmp/logs.tgz --exclude=summary.txt *.log *.json 2>/dev/null; rm -f $OUT/*.log; mv /tmp/logs.tgz $OUT/' EXIT
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv > $S 2>&1
$B/hearth devices --json > $OUT/devices.json 2>&1
if ! grep -q NVIDIA $OUT/devices.json; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  $B/hearth devices --json > $OUT/devices.json 2>&1
fi
head -c 600 $OUT/devices.json >> $S; echo >> $S
step() { local name=$1 t=$2; shift 2; local t0=$(date +%s%N); timeout $t "$@" > $OUT/$name.log 2>&1; local rc=$?; echo "$name rc=$rc $(( ($(date +%s%N) - t0) / 1000000 )) ms" >> $S; }
if [ $MODE = all ] || [ $MODE = tests ]; then
  export HEARTH_REQUIRE_GPU=1
  for t in gpu_kernels gpu_linear gpu_attention gpu_qkv gpu_coop gpu_profile gpu_models engine; do
    step test-$t 60 $B/t/$t --test-threads 8
    grep -E "test result|FAILED|panicked" $OUT/test-$t.log | head -5 >> $S
  done
fi
[ $MODE = tests ] && exit 0
[ $MODE = all ] && step roofline 60 $B/hearth bench --roofline --json
mkdir -p /tmp/m
for sq in ${SHAPES:-qwen2.5-0.5b:q4_0 llama-3.2-1b:q4_0 qwen2.5-0.5b:q8_0 llama-3.2-1b:q8_0 smollm2-135m:q4_0 qwen2.5-1.5b:q4_0 llama-3.2-1b:f16 llama-3.2-1b:q4_k llama-3.2-1b:q4_k_m}; do
  s=${sq%:*}; q=${sq#*:}; f=/tmp/m/$s-$q.gguf
  $B/hearth synth --shape $s --quant $q --out $f > /dev/null 2>&1 || { echo "synth $s $q failed" >> $S; continue; }
  step hearth-$s-$q 60 $B/hearth bench -m $f --repeat ${REPEAT:-3} ${PROFILE:-} --json
  python3 - $OUT/hearth-$s-$q.log >> $S 2>&1 <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(" decode", round(r["decode_tokens_per_s"]["median"], 1), "prefill", round(r["prefill_tokens_per_s"]["median"], 1), "sol", {k: round(v, 1) for k, v in r["speed_of_light"].items() if k.endswith("percent")})
for ph, d in (r.get("profile") or {}).items():
    print(" ", ph, "gpu_us", round(d["gpu_us"]), "wall_us", d["wall_us"] and round(d["wall_us"]), [(k["kernel"], round(k["us"])) for k in d["kernels"][:7]])
PY
  if [ -x $R/.peer/llama-bench ]; then
    step llama-$s-$q 100 $R/.peer/llama-bench -m $f -p 512 -n 128 -ngl 99 -r ${REPEAT:-3} -o md
    grep -E "^\|" $OUT/llama-$s-$q.log | tail -2 >> $S
  fi
done
# Prefill on cooperative matrices (experimental, opt-in), same files: COOP_SHAPES="qwen2.5-0.5b:q4_0 …".
for sq in ${COOP_SHAPES:-}; do
  s=${sq%:*}; q=${sq#*:}; f=/tmp/m/$s-$q.gguf
  HEARTH_COOPERATIVE_MATRIX=1 step coop-$s-$q 60 $B/hearth bench -m $f --repeat ${REPEAT:-3} --json
  python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(' coop', sys.argv[1][-30:], round(r['decode_tokens_per_s']['median'],1), round(r['prefill_tokens_per_s']['median'],1))" $OUT/coop-$s-$q.log >> $S 2>&1
done
# 8-bit activations in decode (off by default on GPUs until measured),
# same files: INT8_SHAPES="qwen2.5-0.5b:q4_0 …".
for sq in ${INT8_SHAPES:-}; do
  s=${sq%:*}; q=${sq#*:}; f=/tmp/m/$s-$q.gguf
  HEARTH_INT8_ACTIVATIONS=1 step int8-$s-$q 60 $B/hearth bench -m $f --repeat ${REPEAT:-3} --json
  python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(' int8', sys.argv[1][-30:], round(r['decode_tokens_per_s']['median'],1), round(r['prefill_tokens_per_s']['median'],1))" $OUT/int8-$s-$q.log >> $S 2>&1
done
# Before this session's kernel changes, same machine, same files.
for sq in ${OLD_SHAPES:-}; do
  s=${sq%:*}; q=${sq#*:}; f=/tmp/m/$s-$q.gguf
  step old-$s-$q 60 $B/hearth-old bench -m $f --repeat ${REPEAT:-3} --profile --json
  python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(' old', sys.argv[1][-30:], round(r['decode_tokens_per_s']['median'],1), round(r['prefill_tokens_per_s']['median'],1))" $OUT/old-$s-$q.log >> $S 2>&1
done
[ $MODE = all ] && step kernels-1b 120 $B/hearth bench --kernels --shape llama-3.2-1b --json
