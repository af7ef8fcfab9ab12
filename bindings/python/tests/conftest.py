"""Fixtures: the real stories260K model from ../shared/models (relative to the repo root)."""

import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
MODELS = ROOT.parent / "shared" / "models" / "stories260K"
GGUF = MODELS / "stories260K-Q8_0.gguf"
TEMPLATE = ROOT / "bindings" / "fixtures" / "chat_template.jinja"

if not GGUF.exists():
    pytest.skip(f"{GGUF} is absent (the real models live in ../shared/models)", allow_module_level=True)

import hearth  # noqa: E402  (after the skip: the package needs bindings/python/build.sh)


@pytest.fixture(scope="session")
def reference():
    ref = json.loads((MODELS / "reference.json").read_text())
    return ref["files"]["stories260K-Q8_0.gguf"]["greedy_tokens"]


@pytest.fixture(scope="session")
def engine():
    return hearth.Engine.load(str(GGUF), hearth.EngineOptions())


@pytest.fixture(scope="session")
def templated_engine(tmp_path_factory):
    """stories260K's HF folder plus a chat template, as symlinks: nothing is copied."""
    folder = tmp_path_factory.mktemp("templated")
    for name in ("config.json", "model.safetensors"):
        os.symlink(MODELS / "hf" / name, folder / name)
    os.symlink(TEMPLATE, folder / "chat_template.jinja")
    tokenizer = str(MODELS / "stories260K-F32.gguf")
    return hearth.Engine.load(str(folder), hearth.EngineOptions(tokenizer=tokenizer))


def greedy(max_tokens=32, **kw):
    return hearth.GenerateOptions(max_tokens=max_tokens, temperature=0.0, **kw)


class Collect(hearth.TokenListener):
    """Keeps every streamed piece; stops after `limit` pieces when one is given."""

    def __init__(self, limit=None):
        self.pieces = []
        self.limit = limit

    def on_token(self, text):
        self.pieces.append(text)
        return self.limit is None or len(self.pieces) < self.limit
