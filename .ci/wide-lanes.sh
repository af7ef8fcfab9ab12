#!/usr/bin/env bash
# The CPU-adapter kernels at 16-lane subgroups. lavapipe's subgroups are as
# wide as its SIMD vectors: 8 lanes by default, 16 where the CPU has AVX-512
# and LP_NATIVE_VECTOR_WIDTH=512 asks for them (Mesa may make that its
# default). The lane kernels read the subgroup size from the adapter; this
# runs the end-to-end model tests, the small kernel tests and the 8-bit
# prefill product (which broadcasts from lanes 0-7 of any wider subgroup) at
# 16 lanes so nothing that assumes 8 can land. (gpu_linear and gpu_attention
# passed at 16 lanes too, session 13, but take ~18 minutes there: not run in
# CI.)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! grep -qw avx512f /proc/cpuinfo; then
  echo "wide-lanes: no AVX-512 on this CPU, so lavapipe cannot run 16 lanes; skipped"
  exit 0
fi
# The binaries `cargo test --workspace` built: `--test NAME` on the command
# line would unify features differently and compile the crates again.
built=$(cargo test --workspace --locked --no-run 2>&1)
for name in gpu_models gpu_qkv gpu_kernels gpu_matmul_q8; do
  bin=$(grep -o "(/[^)]*/${name}-[^)]*)" <<<"$built" | tr -d '()')
  if [ -z "$bin" ]; then
    echo "wide-lanes: cargo built no $name test binary" >&2
    exit 1
  fi
  echo "wide-lanes: $name at 16 lanes"
  LP_NATIVE_VECTOR_WIDTH=512 "$bin"
done
