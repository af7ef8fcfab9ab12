#!/usr/bin/env bash
# Builds HearthFFI.xcframework (static libraries + the uniffi C header and module map)
# and copies the generated Swift into Sources/Hearth. Needs macOS with Xcode and
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin
# Then add ios/ as a Swift package (File → Add Package Dependencies → Add Local…).
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
bindings/generate.sh >/dev/null
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin; do
  cargo build --locked --release --target "$t" -p hearth-ffi
done
lib() { echo "$target_dir/$1/release/libhearth_ffi.a"; }

work="$target_dir/xcframework"
rm -rf "$work" ios/HearthFFI.xcframework
mkdir -p "$work/headers" "$work/sim" "$work/mac"
cp bindings/generated/swift/HearthFFI.h "$work/headers/"
cp bindings/generated/swift/HearthFFI.modulemap "$work/headers/module.modulemap"
# One library per platform: simulator and macOS slices each join two architectures.
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/sim/libhearth_ffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/mac/libhearth_ffi.a"
xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$work/headers" \
  -library "$work/sim/libhearth_ffi.a" -headers "$work/headers" \
  -library "$work/mac/libhearth_ffi.a" -headers "$work/headers" \
  -output ios/HearthFFI.xcframework
cp bindings/generated/swift/Hearth.swift ios/Sources/Hearth/Hearth.swift
echo "ios/HearthFFI.xcframework and ios/Sources/Hearth/Hearth.swift are ready"
