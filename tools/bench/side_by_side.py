#!/usr/bin/env python3
"""PSPNet-mini training and evaluation throughput, auxsweep against PyTorch, in one run.

Runs `auxsweep bench --format json` and `tools/reference/bench_pspnet.py --format json` with the same
batch, thread count and timing, one after the other (never at once), and prints both and the ratios.

    python3 tools/bench/side_by_side.py [--batch 16] [--threads 1] [--seconds 10] [--binary PATH]
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_json(command: list[str]) -> dict:
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "auxsweep"))
    args = parser.parse_args()
    common = ["--batch", str(args.batch), "--threads", str(args.threads), "--seconds", str(args.seconds),
              "--format", "json"]
    ours = run_json([args.binary, "bench", *common])
    torch = run_json([sys.executable, os.path.join(ROOT, "tools", "reference", "bench_pspnet.py"), *common])
    print(f"PSPNet-mini, batch {args.batch}, threads {args.threads}, {args.seconds:g} s per measurement")
    print(f"{'':8}{'auxsweep':>12}{'PyTorch':>12}{'ratio':>8}")
    for key, label in [("train_img_s", "train"), ("eval_img_s", "eval")]:
        print(f"{label + ' img/s':14}{ours[key]:>6.1f}{torch[key]:>12.1f}{ours[key] / torch[key]:>8.2f}")
    for key, label in [("train_gflops", "train"), ("eval_gflops", "eval")]:
        print(f"{label + ' GFLOP/s':14}{ours[key]:>6.1f}{torch[key]:>12.1f}")
    print(f"auxsweep peak RSS {ours.get('peak_rss_mib', 0):.0f} MiB (train and eval plans)")
    print(json.dumps({"auxsweep": ours, "pytorch": torch}))


if __name__ == "__main__":
    main()
