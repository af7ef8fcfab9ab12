#!/usr/bin/env bash
# Compiles the generated Kotlin, the wrappers in src/ and the tests in test/ with
# kotlinc, then runs the tests on the JVM against the Linux cdylib.
# Needs: kotlinc 2.x (KOTLINC, else on PATH), a JDK, JNA (JNA_JAR, default Debian's
# libjna-java), and bindings/generate.sh having run (it does so when the output is absent).
set -euo pipefail
cd "$(dirname "$0")/../.."
kotlinc="${KOTLINC:-kotlinc}"
jna="${JNA_JAR:-/usr/share/java/jna.jar}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
# The library's folder for the profile generate.sh built (HEARTH_FFI_PROFILE, default release).
case "${HEARTH_FFI_PROFILE:-release}" in
  dev | test) lib_dir="$target_dir/debug" ;;
  *) lib_dir="$target_dir/${HEARTH_FFI_PROFILE:-release}" ;;
esac
[ -f bindings/generated/kotlin/dev/hearth/hearth.kt ] || bindings/generate.sh >/dev/null
kotlin_home="$(dirname "$(dirname "$(readlink -f "$(command -v "$kotlinc")")")")"
coroutines="$(ls "$kotlin_home"/lib/kotlinx-coroutines-core-jvm*.jar | head -n 1)"
out="$target_dir/kotlin-tests"
mkdir -p "$out"
"$kotlinc" -nowarn -jvm-target 17 -cp "$jna:$coroutines" -d "$out/tests.jar" \
  bindings/generated/kotlin bindings/kotlin/src bindings/kotlin/test
java -Djna.library.path="$lib_dir" -Dhearth.root="$PWD" \
  -cp "$out/tests.jar:$jna:$coroutines:$kotlin_home/lib/kotlin-stdlib.jar" dev.hearth.test.MainKt
