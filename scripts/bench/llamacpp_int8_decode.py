#!/usr/bin/env python3
"""How far llama.cpp's decode moves the tiny Q8_0 fixtures' logits, for
comparison with Hearth's 8-bit activations (tests/tests/gpu_models.rs,
int8_activations_stay_close_to_the_cpu_reference).

llama.cpp's CPU backend quantizes activations to 8 bits before every
Q8_0/Q4_0 dot product, as Hearth's decode does on CPU adapters. This runs
llama.cpp (llama-cpp-python, see llamacpp_peer.py) one token at a time over
each fixture's reference tokens and prints the max-abs and rms difference
from reference.json's "q8_0" logits (transformers on the dequantized
weights), next to the logits' own rms.

The fixtures carry no vocabulary, which llama.cpp needs to load a file, so a
copy with placeholder tokens is written to a temporary folder first (needs
gguf-py, `pip install gguf`, in the interpreter that runs this script; the
llama.cpp run uses the peer venv's interpreter).

Usage (repository root):
    python3 scripts/bench/llamacpp_int8_decode.py [--python /var/tmp/hearth-peer-venv/bin/python]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NAMES = ["llama-tiny", "llama3-tiny", "qwen2-tiny"]

RUN = r'''
import json, sys
import numpy as np
from llama_cpp import Llama
path, ref_path = sys.argv[1], sys.argv[2]
r = json.load(open(ref_path))
ref = np.array(r["q8_0"]["logits"], dtype=np.float64)
m = Llama(model_path=path, logits_all=True, verbose=False, n_ctx=64, n_threads=2)
rows = []
for t in r["tokens"]:
    m.eval([t])
    rows.append(np.array(m.scores[m.n_tokens - 1], dtype=np.float64))
d = np.stack(rows) - ref
print("max-abs %.2e rms %.2e; logits rms %.2f" % (np.abs(d).max(), np.sqrt((d * d).mean()), np.sqrt((ref * ref).mean())))
'''


def with_vocabulary(src: Path, dst: Path) -> None:
    """Copy `src` to `dst`, adding a placeholder SentencePiece-style vocabulary."""
    import gguf
    import numpy as np

    reader = gguf.GGUFReader(str(src))
    fields = {f.name: f for f in reader.fields.values()}
    arch = bytes(fields["general.architecture"].parts[-1]).decode()
    writer = gguf.GGUFWriter(str(dst), arch)
    for name, f in fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        kind = f.types[0]
        if kind == gguf.GGUFValueType.ARRAY:
            sub = f.types[1]
            if sub == gguf.GGUFValueType.STRING:
                values = [bytes(f.parts[i]).decode() for i in f.data]
            else:
                values = [f.parts[i].tolist()[0] for i in f.data]
            writer.add_key_value(name, values, kind, sub_type=sub)
        elif kind == gguf.GGUFValueType.STRING:
            writer.add_key_value(name, bytes(f.parts[f.data[0]]).decode(), kind)
        else:
            writer.add_key_value(name, f.parts[f.data[0]].tolist()[0], kind)
    vocab = 0
    for t in reader.tensors:
        if t.name == "token_embd.weight":
            vocab = int(t.shape[1])
        writer.add_tensor(t.name, np.array(t.data), raw_dtype=t.tensor_type)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(3, vocab)])
    writer.add_token_scores([0.0] * vocab)
    writer.add_token_types([2, 3, 3] + [1] * (vocab - 3))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default="/var/tmp/hearth-peer-venv/bin/python",
                    help="interpreter with llama-cpp-python installed")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            folder = REPO / "tests" / "fixtures" / "tiny" / name
            copy = Path(tmp) / f"{name}-Q8_0.gguf"
            with_vocabulary(folder / f"{name}-Q8_0.gguf", copy)
            out = subprocess.run([args.python, "-c", RUN, str(copy), str(folder / "reference.json")],
                                 capture_output=True, text=True, check=True)
            print(f"{name} Q8_0, llama.cpp decode vs reference: {out.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
