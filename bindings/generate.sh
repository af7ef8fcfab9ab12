#!/usr/bin/env bash
# Builds hearth-ffi (release) and generates its Kotlin, Swift and Python bindings into
# bindings/generated/{kotlin,swift,python}. Generated code is not committed: every
# consumer (python/build.sh, kotlin/test.sh, android/, ios/build-xcframework.sh, CI)
# runs this script, so the bindings always match the library they load.
# Prints the path of the built host library on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
# Release by default; CI sets HEARTH_FFI_PROFILE=test to reuse the artifacts of
# its `cargo test` build instead of compiling every dependency a second time.
profile="${HEARTH_FFI_PROFILE:-release}"
case "$profile" in
  dev | test) profile_dir=debug ;;
  *) profile_dir="$profile" ;;
esac

cargo build --locked --profile "$profile" -p hearth-ffi -p hearth-uniffi-bindgen >&2
case "$(uname -s)" in
  Darwin) lib="$target_dir/$profile_dir/libhearth_ffi.dylib" ;;
  *) lib="$target_dir/$profile_dir/libhearth_ffi.so" ;;
esac
out=bindings/generated
rm -rf "$out"
for lang in kotlin swift python; do
  "$target_dir/$profile_dir/uniffi-bindgen" generate --library "$lib" --language "$lang" \
    --out-dir "$out/$lang" --no-format >&2
done
echo "$lib"
