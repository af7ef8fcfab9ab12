#!/usr/bin/env python3
"""Run `hearth bench` over synthetic shapes and quantizations and print a
Markdown table for BENCHMARKS.md (plus one JSON line per run with --jsonl).

Each run measures the adapter's roofline in the same process, so the
percentages compare like with like; the 1-minute load average before each
run is recorded, because on a shared machine absolute figures drift.

    python3 scripts/bench/sweep.py --hearth target/release/hearth \
        --shapes qwen2.5-0.5b,llama-3.2-1b --quants q4_0,q8_0 --prompt-tokens 128 --gen-tokens 32

With --llamacpp (run it with the Python of the llama-cpp-python virtual
environment, see llamacpp_peer.py) each row also measures llama.cpp on the
same file right after Hearth, with the same prompt, generated tokens and
repeats, and adds Hearth / llama.cpp for prefill and decode.
"""

import argparse
import json
import os
import subprocess
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hearth", default="target/release/hearth")
    p.add_argument("--shapes", default="smollm2-135m,smollm2-360m,qwen2.5-0.5b,llama-3.2-1b,qwen2.5-1.5b")
    p.add_argument("--quants", default="f16,q8_0,q4_0,q4_k,q4_k_m")
    p.add_argument("--prompt-tokens", type=int, default=128)
    p.add_argument("--gen-tokens", type=int, default=32)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--cache-dir", default="/var/tmp/hearth-peer")
    p.add_argument("--jsonl", help="also append one JSON object per run to this file")
    p.add_argument("--llamacpp", action="store_true", help="also run llama.cpp on each file (llamacpp_peer.py)")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="llama.cpp CPU threads")
    p.add_argument("--no-warmup", dest="warmup", action="store_false",
                   help="time the first call too (both engines otherwise run one untimed pass first)")
    a = p.parse_args()
    peer = None
    if a.llamacpp:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import llamacpp_peer as peer
    os.makedirs(a.cache_dir, exist_ok=True)
    print("| shape | quant | prompt/gen | prefill tok/s | decode tok/s | TTFT ms | decode GB/s | % read roofline | "
          "prefill GFLOP/s | % FMA roofline | decode CPU ms/token | load avg |"
          + (" llama.cpp prefill / decode tok/s | Hearth ÷ llama.cpp prefill / decode |" if peer else ""))
    print("|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if peer else ""))
    rows = [(shape, quant) for shape in a.shapes.split(",") for quant in a.quants.split(",")]
    # Every file is written and flushed before anything is timed: a run
    # started right after its file was written was once ~100x slower than
    # the same run a minute later (session 16), write-back being the likely
    # culprit.
    for shape, quant in rows:
        path = os.path.join(a.cache_dir, f"{shape}-{quant}.gguf")
        if not os.path.exists(path):
            subprocess.run([a.hearth, "synth", "--shape", shape, "--quant", quant, "--out", path + ".tmp"],
                           check=True, stdout=subprocess.DEVNULL)
            os.replace(path + ".tmp", path)
    os.sync()
    for shape, quant in rows:
        path = os.path.join(a.cache_dir, f"{shape}-{quant}.gguf")
        load = os.getloadavg()[0]
        cmd = [a.hearth, "bench", "--model", path, "--prompt-tokens", str(a.prompt_tokens),
               "--gen-tokens", str(a.gen_tokens), "--repeat", str(a.repeat), "--json"]
        out = subprocess.run(cmd + ([] if a.warmup else ["--no-warmup"]), check=True, capture_output=True,
                             text=True).stdout
        r = json.loads(out)
        r.update({"shape": shape, "quant": quant, "load_avg_1m": load})
        extra = ""
        if peer:
            lc = peer.llamacpp_bench(a, path)
            r["llama_cpp"] = lc
            extra = (f" {lc['prefill_tokens_per_s']:.2f} / {lc['decode_tokens_per_s']:.2f} |"
                     f" {r['prefill_tokens_per_s']['median'] / lc['prefill_tokens_per_s']:.3f} /"
                     f" {r['decode_tokens_per_s']['median'] / lc['decode_tokens_per_s']:.3f} |")
        if a.jsonl:
            with open(a.jsonl, "a") as f:
                f.write(json.dumps(r) + "\n")
        s = r["speed_of_light"]
        cpu = r.get("decode_cpu_ms_per_token")
        print(f"| {shape} | {quant} | {a.prompt_tokens}/{a.gen_tokens} | {r['prefill_tokens_per_s']['median']:.2f} | "
              f"{r['decode_tokens_per_s']['median']:.2f} | {r['ttft_ms']['median']:.0f} | {s['decode_gbps']:.2f} | "
              f"{s['decode_read_roofline_percent']:.1f} | {s['prefill_gflops']:.2f} | "
              f"{s['prefill_fma_roofline_percent']:.1f} | {cpu:.0f} | {load:.1f} |{extra}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
