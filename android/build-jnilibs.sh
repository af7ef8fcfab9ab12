#!/usr/bin/env bash
# Builds libhearth_ffi.so for arm64-v8a, armeabi-v7a and x86_64 into
# hearth/src/main/jniLibs with cargo-ndk, and generates the Kotlin bindings.
# Needs: the Android NDK (ANDROID_NDK_HOME), `cargo install cargo-ndk`, and
#   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
# Then: cd android && gradle :hearth:assembleRelease   (AAR in hearth/build/outputs/aar; Gradle 8.9+)
set -euo pipefail
cd "$(dirname "$0")/.."
bindings/generate.sh >/dev/null
# 16 KB page alignment of the ELF segments: required by Google Play for Android 15+ devices.
export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-Wl,-z,max-page-size=16384"
cargo ndk -t arm64-v8a -t armeabi-v7a -t x86_64 -P 24 -o android/hearth/src/main/jniLibs \
  build --locked --release -p hearth-ffi
