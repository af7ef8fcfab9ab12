#!/usr/bin/env python3
"""Hearth vs llama.cpp on the same synthetic GGUF, side by side in one run.

Writes (or reuses) a synthetic model with `hearth synth`, measures it with
`hearth bench --json`, then measures llama.cpp on the same file through the
llama-cpp-python package, and prints Hearth / llama.cpp for prefill and
decode. Both measurements use the same prompt length, generated-token count
and repeat count, greedy decoding, one process after the other.

llama-cpp-python builds llama.cpp from source (~15 minutes on 2 cores):
keep its virtual environment outside the repository, e.g.

    python3 -m venv /var/tmp/hearth-peer-venv
    /var/tmp/hearth-peer-venv/bin/pip install llama-cpp-python numpy
    /var/tmp/hearth-peer-venv/bin/python scripts/bench/llamacpp_peer.py \
        --hearth target/release/hearth --shape qwen2.5-0.5b --quant q4_0

The default pip build is llama.cpp's CPU backend; the output names the
backends so a ratio is never quoted without them.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hearth", default="target/release/hearth", help="path to the hearth binary")
    p.add_argument("--shape", default="qwen2.5-0.5b")
    p.add_argument("--quant", default="q4_0")
    p.add_argument("--prompt-tokens", type=int, default=512)
    p.add_argument("--gen-tokens", type=int, default=128)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="llama.cpp CPU threads")
    p.add_argument("--no-warmup", dest="warmup", action="store_false",
                   help="time the first call too (both engines otherwise run one untimed pass first)")
    p.add_argument("--cache-dir", default="/var/tmp/hearth-peer", help="where synthetic GGUFs are kept")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p.parse_args()


def synth(args):
    os.makedirs(args.cache_dir, exist_ok=True)
    path = os.path.join(args.cache_dir, f"{args.shape}-{args.quant}.gguf")
    if not os.path.exists(path):
        tmp = path + ".tmp"
        subprocess.run([args.hearth, "synth", "--shape", args.shape, "--quant", args.quant, "--out", tmp], check=True)
        os.replace(tmp, path)
    return path


def hearth_bench(args, path):
    cmd = [args.hearth, "bench", "--model", path, "--prompt-tokens", str(args.prompt_tokens),
           "--gen-tokens", str(args.gen_tokens), "--repeat", str(args.repeat), "--json"]
    if not args.warmup:
        cmd.append("--no-warmup")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return {
        "backend": f"Hearth on {r['adapter']}",
        "prefill_tokens_per_s": r["prefill_tokens_per_s"]["median"],
        "decode_tokens_per_s": r["decode_tokens_per_s"]["median"],
        "speed_of_light": r.get("speed_of_light"),
    }


def llamacpp_bench(args, path):
    import numpy as np
    from llama_cpp import Llama, llama_cpp

    llm = Llama(model_path=path, n_ctx=args.prompt_tokens + args.gen_tokens + 8, n_batch=512,
                n_threads=args.threads, n_threads_batch=args.threads, verbose=False)
    rng = np.random.default_rng(1)
    prompt = rng.integers(0, llm.n_vocab(), size=args.prompt_tokens).tolist()
    prefill, decode = [], []
    if args.warmup:
        # One untimed pass, as llama-bench's warm-up run (and `hearth bench`'s).
        llm.reset()
        llm.eval(prompt)
        llm.eval([int(np.argmax(llm.scores[llm.n_tokens - 1]))])
    for _ in range(max(1, args.repeat)):
        llm.reset()
        t = time.perf_counter()
        llm.eval(prompt)
        prefill.append(len(prompt) / (time.perf_counter() - t))
        t = time.perf_counter()
        for _ in range(args.gen_tokens):
            nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
            llm.eval([nxt])
        decode.append(args.gen_tokens / (time.perf_counter() - t))
    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    return {
        "backend": f"llama.cpp CPU, {args.threads} threads ({info.strip()[:120]})",
        "prefill_tokens_per_s": statistics.median(prefill),
        "decode_tokens_per_s": statistics.median(decode),
    }


def main():
    args = parse_args()
    path = synth(args)
    h = hearth_bench(args, path)
    l = llamacpp_bench(args, path)
    report = {
        "model": os.path.basename(path),
        "prompt_tokens": args.prompt_tokens,
        "gen_tokens": args.gen_tokens,
        "repeat": args.repeat,
        "hearth": h,
        "llama_cpp": l,
        "prefill_ratio": h["prefill_tokens_per_s"] / l["prefill_tokens_per_s"],
        "decode_ratio": h["decode_tokens_per_s"] / l["decode_tokens_per_s"],
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"model {report['model']}, prompt {args.prompt_tokens}, generate {args.gen_tokens}, medians of {args.repeat}")
    for k in ("hearth", "llama_cpp"):
        r = report[k]
        print(f"  {r['backend']}: prefill {r['prefill_tokens_per_s']:.2f} tok/s, decode {r['decode_tokens_per_s']:.2f} tok/s")
    print(f"  Hearth / llama.cpp: prefill {report['prefill_ratio']:.3f}x, decode {report['decode_ratio']:.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
