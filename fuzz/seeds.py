#!/usr/bin/env python3
"""Write the fuzzers' seed corpora from the real files in ../shared/models and
the repo's fixtures into fuzz/corpus/<target>/ (git-ignored). Standard library
only, so CI can run it. Large vocabularies are cut down to their first tokens
(and the merges among them) so that one execution stays fast; the cut files are
still real GGUF layouts with real token texts, scores and types."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent
MODELS = REPO.parent / "shared" / "models"
OUT = FUZZ / "corpus"
KEEP_TOKENS = 400

# GGUF value types (the spec's numbering) and their fixed sizes.
SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
STRING, ARRAY = 8, 9


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def unpack(self, fmt: str):
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v

    def string(self) -> bytes:
        n = self.unpack("<Q")
        s = self.data[self.pos : self.pos + n]
        self.pos += n
        return s

    def value(self, ty: int):
        if ty in SCALAR:
            return self.unpack(SCALAR[ty])
        if ty == STRING:
            return self.string()
        elem, n = self.unpack("<I"), self.unpack("<Q")
        return (elem, [self.value(elem) for _ in range(n)])


def read_metadata(path: Path) -> list[tuple[bytes, int, object]]:
    r = Reader(path.read_bytes())
    assert r.data[:4] == b"GGUF", path
    r.pos = 8
    r.unpack("<Q")  # tensor count
    n_kv = r.unpack("<Q")
    out = []
    for _ in range(n_kv):
        key = r.string()
        ty = r.unpack("<I")
        out.append((key, ty, r.value(ty)))
    return out


def write_value(ty: int, v) -> bytes:
    if ty in SCALAR:
        return struct.pack(SCALAR[ty], v)
    if ty == STRING:
        return struct.pack("<Q", len(v)) + v
    elem, items = v
    return struct.pack("<IQ", elem, len(items)) + b"".join(write_value(elem, x) for x in items)


def write_gguf(kvs: list[tuple[bytes, int, object]]) -> bytes:
    """A GGUF v3 image with metadata only (no tensors)."""
    body = b"".join(struct.pack("<Q", len(k)) + k + struct.pack("<I", ty) + write_value(ty, v) for k, ty, v in kvs)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + body


def cut_vocab(kvs):
    """Keep the first KEEP_TOKENS tokens, the merges among them, and ids inside."""
    tokens = next((v[1] for k, _, v in kvs if k == b"tokenizer.ggml.tokens"), [])
    kept = set(tokens[:KEEP_TOKENS])
    out = []
    for k, ty, v in kvs:
        if not k.startswith(b"tokenizer."):
            continue
        if ty == ARRAY and k == b"tokenizer.ggml.merges":
            keep = [m for m in v[1] if all(p in kept for p in m.split(b" ", 1)) and m.replace(b" ", b"") in kept]
            v = (v[0], keep)
        elif ty == ARRAY:
            v = (v[0], v[1][:KEEP_TOKENS])
        elif k.endswith(b"_token_id") and isinstance(v, int) and v >= KEEP_TOKENS:
            v = 1
        out.append((k, ty, v))
    return out


def put(target: str, name: str, data: bytes) -> None:
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def ggufs() -> list[Path]:
    return sorted(MODELS.glob("stories260K/*.gguf")) + sorted(REPO.glob("tests/fixtures/tiny/*/*Q8_0.gguf"))


def cut_tokenizer_json(path: Path, keep: int) -> bytes:
    """A real tokenizer.json with its vocabulary cut to the first `keep` ids."""
    tj = json.loads(path.read_text())
    model = tj["model"]
    vocab = {t: i for t, i in model["vocab"].items() if i < keep}
    model["vocab"] = vocab
    merges = []
    for m in model.get("merges", []):
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(m)
    model["merges"] = merges
    for i, t in enumerate(tj.get("added_tokens", [])):
        t["id"] = keep + i
    return json.dumps(tj).encode()


def main() -> int:
    if not MODELS.is_dir():
        print(f"{MODELS} is missing: no seeds written", file=sys.stderr)
        return 1
    text = (MODELS / "vocab" / "ggml-vocab-gpt-2.gguf.inp").read_bytes()[:300]
    for p in ggufs():
        put("gguf", p.name, p.read_bytes())
        kvs = read_metadata(p)
        put("gguf", p.stem + "-meta-only.gguf", write_gguf(kvs))
        if any(k == b"tokenizer.ggml.tokens" for k, _, _ in kvs):
            put("gguf_tokenizer", p.stem + ".bin", struct.pack("<H", len(text)) + text + write_gguf(cut_vocab(kvs)))
        tmpl = next((v for k, _, v in kvs if k == b"tokenizer.chat_template"), None)
        if tmpl:
            put("chat_template", p.stem + ".jinja", tmpl)
    for p in sorted(MODELS.glob("vocab/*.gguf")) + [MODELS / "tokenizers" / "llama3" / "vocab-llama3-bpe.gguf"]:
        inp = p.with_name(p.name + ".inp")
        sample = inp.read_bytes()[:300] if inp.exists() else text
        kvs = cut_vocab(read_metadata(p))
        put("gguf_tokenizer", p.stem + ".bin", struct.pack("<H", len(sample)) + sample + write_gguf(kvs))
    for p in sorted(MODELS.glob("stories260K/hf/model.safetensors")) + sorted(REPO.glob("tests/fixtures/tiny/*/hf/model.safetensors")):
        put("safetensors", p.parent.parent.name + ".safetensors", p.read_bytes())
        # The header alone (no data) is a small, fast seed.
        n = struct.unpack_from("<Q", p.read_bytes())[0]
        put("safetensors", p.parent.parent.name + "-header.safetensors", p.read_bytes()[: 8 + n])
    tok = cut_tokenizer_json(MODELS / "tokenizers" / "llama3" / "tokenizer.json", 600)
    tok_cfg = json.dumps({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>", "add_bos_token": True}).encode()
    for p in sorted(MODELS.glob("stories260K/hf/config.json")) + sorted(REPO.glob("tests/fixtures/tiny/*/hf/config.json")):
        name = p.parent.parent.name
        put("hf_json", name + "-config.bin", p.read_bytes())
        put("hf_json", name + "-llama3-tok.bin", p.read_bytes() + b"\0" + tok + b"\0" + tok_cfg)
    messages = json.dumps(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    ).encode()
    for p in sorted(REPO.glob("tests/fixtures/templates/*.jinja")):
        put("chat_template", p.name, p.read_bytes())
        put("chat_template", p.stem + "-messages.bin", p.read_bytes() + b"\0" + messages)
    for d in sorted(OUT.iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds, {sum(f.stat().st_size for f in d.iterdir())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
