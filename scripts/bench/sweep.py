#!/usr/bin/env python3
"""Run `hearth bench` over synthetic shapes and quantizations and print a
Markdown table for BENCHMARKS.md (plus one JSON line per run with --jsonl).

Each run measures the adapter's roofline in the same process, so the
percentages compare like with like; the 1-minute load average before each
run is recorded, because on a shared machine absolute figures drift.

    python3 scripts/bench/sweep.py --hearth target/release/hearth \
        --shapes qwen2.5-0.5b,llama-3.2-1b --quants q4_0,q8_0 --prompt-tokens 128 --gen-tokens 32
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
    a = p.parse_args()
    os.makedirs(a.cache_dir, exist_ok=True)
    print("| shape | quant | prompt/gen | prefill tok/s | decode tok/s | TTFT ms | decode GB/s | % read roofline | "
          "prefill GFLOP/s | % FMA roofline | decode CPU ms/token | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for shape in a.shapes.split(","):
        for quant in a.quants.split(","):
            path = os.path.join(a.cache_dir, f"{shape}-{quant}.gguf")
            if not os.path.exists(path):
                subprocess.run([a.hearth, "synth", "--shape", shape, "--quant", quant, "--out", path + ".tmp"],
                               check=True, stdout=subprocess.DEVNULL)
                os.replace(path + ".tmp", path)
            load = os.getloadavg()[0]
            out = subprocess.run([a.hearth, "bench", "--model", path, "--prompt-tokens", str(a.prompt_tokens),
                                  "--gen-tokens", str(a.gen_tokens), "--repeat", str(a.repeat), "--json"],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            r.update({"shape": shape, "quant": quant, "load_avg_1m": load})
            if a.jsonl:
                with open(a.jsonl, "a") as f:
                    f.write(json.dumps(r) + "\n")
            s = r["speed_of_light"]
            cpu = r.get("decode_cpu_ms_per_token")
            print(f"| {shape} | {quant} | {a.prompt_tokens}/{a.gen_tokens} | {r['prefill_tokens_per_s']['median']:.2f} | "
                  f"{r['decode_tokens_per_s']['median']:.2f} | {r['ttft_ms']['median']:.0f} | {s['decode_gbps']:.2f} | "
                  f"{s['decode_read_roofline_percent']:.1f} | {s['prefill_gflops']:.2f} | "
                  f"{s['prefill_fma_roofline_percent']:.1f} | {cpu:.0f} | {load:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
