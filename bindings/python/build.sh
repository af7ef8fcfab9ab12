#!/usr/bin/env bash
# Builds the release cdylib and leaves an importable package at bindings/python/hearth/
# (generated module + library, git-ignored):  PYTHONPATH=bindings/python python3 -c "import hearth"
set -euo pipefail
cd "$(dirname "$0")/../.."
lib="$(bindings/generate.sh | tail -n 1)"
pkg=bindings/python/hearth
rm -rf "$pkg"
mkdir -p "$pkg"
cp bindings/generated/python/hearth.py "$pkg/__init__.py"
cp "$lib" "$pkg/"
echo "built $pkg" >&2
