#!/usr/bin/env python3
"""PyTorch CPU conv2d throughput on the auxsweep PSPNet shapes (batch 16, f32).

Companion of tools/bench/dnnl_conv_bench.c; prints the same kind of table.

Passes:
  fwd   F.conv2d(x, w)                                     (no bias, no autograd)
  bwd-d torch.ops.aten.convolution_backward(..., output_mask=[True, False, False])
  bwd-w torch.ops.aten.convolution_backward(..., output_mask=[False, True, False])
(the aten op is what autograd calls for conv2d's backward; calling it
directly times exactly one gradient per pass.)

Timing: torch.set_num_threads(1); warm-up once, then repeat until >= 0.2 s
total and >= 3 runs; the fastest run is reported. GFLOP/s uses
2*N*OC*OH*OW*IC*KH*KW for every pass. "weighted" = sum(FLOPs*count) /
sum(time*count).

Tables: contiguous NCHW tensors (what our Swift core holds) and, with
--channels-last (default on), torch.channels_last (NHWC) tensors.
--impl runs each shape once under oneDNN verbose mode and lists the oneDNN
implementation torch's bundled oneDNN picked (default on).

Usage: python3 tools/reference/bench_conv.py [--min-seconds 0.2] [--no-channels-last] [--no-impl]
"""

import argparse
import os
import re
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

N = 16
# name, inC, outC, kernel, stride, padding, dilation, input size, count
SHAPES = [
    ("stem 3->16 s2", 3, 16, 3, 2, 1, 1, 64, 1),
    ("layer1 16->16", 16, 16, 3, 1, 1, 1, 32, 4),
    ("layer2 16->32 s2", 16, 32, 3, 2, 1, 1, 32, 1),
    ("layer2 32->32", 32, 32, 3, 1, 1, 1, 16, 3),
    ("layer2 down 1x1 s2", 16, 32, 1, 2, 0, 1, 32, 1),
    ("layer3 32->64 s2", 32, 64, 3, 2, 1, 1, 16, 1),
    ("layer3 64->64", 64, 64, 3, 1, 1, 1, 8, 3),
    ("layer3 down 1x1 s2", 32, 64, 1, 2, 0, 1, 16, 1),
    ("layer4 64->128 d2", 64, 128, 3, 1, 2, 2, 8, 1),
    ("layer4 128->128 d2", 128, 128, 3, 1, 2, 2, 8, 3),
    ("layer4 down 1x1", 64, 128, 1, 1, 0, 1, 8, 1),
    ("ppm bin6 1x1", 128, 32, 1, 1, 0, 1, 6, 1),
    ("head 256->64", 256, 64, 3, 1, 1, 1, 8, 1),
    ("head cls 1x1", 64, 7, 1, 1, 0, 1, 8, 1),
    ("aux 64->32", 64, 32, 3, 1, 1, 1, 8, 1),
]
PASSES = ("fwd", "bwd-d", "bwd-w")


def out_size(h, k, s, p, d):
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


def flops(shape):
    _, ic, oc, k, s, p, d, h, _ = shape
    o = out_size(h, k, s, p, d)
    return 2.0 * N * oc * o * o * ic * k * k


def best_time(fn, min_seconds):
    fn()  # warm-up
    best, total, runs = float("inf"), 0.0, 0
    while total < min_seconds or runs < 3:
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        total += t
        runs += 1
        best = min(best, t)
    return best


def make_fns(shape, memory_format):
    _, ic, oc, k, s, p, d, h, _ = shape
    o = out_size(h, k, s, p, d)
    g = torch.Generator().manual_seed(1234)
    x = torch.rand(N, ic, h, h, generator=g) * 2 - 1
    w = torch.rand(oc, ic, k, k, generator=g) * 2 - 1
    dy = torch.rand(N, oc, o, o, generator=g) * 2 - 1
    x, w, dy = (t.contiguous(memory_format=memory_format) for t in (x, w, dy))
    st, pd, dl = [s, s], [p, p], [d, d]
    bwd = torch.ops.aten.convolution_backward

    def fwd():
        return F.conv2d(x, w, None, st, pd, dl)

    def bwd_d():
        return bwd(dy, x, w, None, st, pd, dl, False, [0, 0], 1, [True, False, False])

    def bwd_w():
        return bwd(dy, x, w, None, st, pd, dl, False, [0, 0], 1, [False, True, False])

    backend = torch._C._select_conv_backend(x, w, None, st, pd, dl, False, [0, 0], 1)
    return (fwd, bwd_d, bwd_w), backend


def run_table(title, memory_format, min_seconds):
    print(f"\n=== {title} ===")
    print(f"{'shape':<19} {'cnt':>3} {'MFLOP':>8} | {'fwd':>8} {'bwd-d':>8} {'bwd-w':>8} | "
          f"{'fwd us':>9} {'bwd-d us':>9} {'bwd-w us':>9} | backend")
    tot_f, tot_t = 0.0, [0.0, 0.0, 0.0]
    with torch.no_grad():
        for shape in SHAPES:
            fns, backend = make_fns(shape, memory_format)
            ts = [best_time(fn, min_seconds) for fn in fns]
            f = flops(shape)
            cnt = shape[8]
            tot_f += f * cnt
            for i in range(3):
                tot_t[i] += ts[i] * cnt
            gfs = [f / t * 1e-9 for t in ts]
            print(f"{shape[0]:<19} {cnt:>3} {f * 1e-6:>8.1f} | "
                  f"{gfs[0]:>8.1f} {gfs[1]:>8.1f} {gfs[2]:>8.1f} | "
                  f"{ts[0] * 1e6:>9.1f} {ts[1] * 1e6:>9.1f} {ts[2] * 1e6:>9.1f} | "
                  f"{str(backend).split('.')[-1]}")
    w = [tot_f / t * 1e-9 for t in tot_t]
    print(f"{'weighted':<19} {'':>3} {tot_f * 1e-6:>8.1f} | "
          f"{w[0]:>8.1f} {w[1]:>8.1f} {w[2]:>8.1f} | "
          f"{tot_t[0] * 1e6:>9.1f} {tot_t[1] * 1e6:>9.1f} {tot_t[2] * 1e6:>9.1f} |")
    print(f"SUMMARY torch {title} weighted GFLOP/s: fwd {w[0]:.1f}  bwd-data {w[1]:.1f}  "
          f"bwd-weights {w[2]:.1f}")


def impl_names(memory_format):
    """Run each pass once under oneDNN verbose; return {(shape, pass): [impl, ...]}."""
    res = {}
    with torch.no_grad():
        for shape in SHAPES:
            fns, _ = make_fns(shape, memory_format)
            for pname, fn in zip(PASSES, fns):
                fn()  # create primitives outside verbose (cache warm)
                sys.stdout.flush()
                with tempfile.TemporaryFile(mode="w+b") as tmp:
                    saved = os.dup(1)
                    os.dup2(tmp.fileno(), 1)
                    try:
                        with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
                            fn()
                    finally:
                        sys.stdout.flush()
                        os.dup2(saved, 1)
                        os.close(saved)
                    tmp.seek(0)
                    text = tmp.read().decode(errors="replace")
                names = []
                for line in text.splitlines():
                    # onednn_verbose,v1,primitive,exec,cpu,convolution,IMPL,PROP,...
                    m = re.match(r"onednn_verbose,.*?exec,cpu,(\w+),([^,]+),([^,]+),([^,]*)", line)
                    if m:
                        kind, impl, prop = m.group(1), m.group(2), m.group(3)
                        if kind == "convolution":
                            names.append(f"{impl}[{prop.replace('forward_training', 'fwd_train').replace('forward_inference', 'fwd_inf')}]")
                        else:
                            names.append(f"{kind}:{impl}")
                res[(shape[0], pname)] = names or ["(no oneDNN call: native kernel)"]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-seconds", type=float, default=0.2)
    ap.add_argument("--no-channels-last", action="store_true")
    ap.add_argument("--no-impl", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {N}, float32, "
          f"min {args.min_seconds:.2f} s / >=3 runs, fastest run reported")
    print(f"mkldnn available {torch.backends.mkldnn.is_available()}, "
          f"enabled {torch.backends.mkldnn.enabled}, "
          f"mkl available {torch.backends.mkl.is_available()}, "
          f"cpu capability {torch.backends.cpu.get_cpu_capability()}")
    for line in torch.__config__.show().splitlines():
        if "MKL-DNN" in line or "oneDNN" in line:
            print("bundled:" + line.strip().lstrip("-"))
    print("bwd-data / bwd-weights: torch.ops.aten.convolution_backward with output_mask "
          "[True,False,False] / [False,True,False]")

    formats = [("NCHW contiguous", torch.contiguous_format)]
    if not args.no_channels_last:
        formats.append(("channels_last (NHWC)", torch.channels_last))
    for title, mf in formats:
        run_table(title, mf, args.min_seconds)
        if not args.no_impl:
            names = impl_names(mf)
            print(f"  oneDNN primitives executed per call ({title}; fwd | bwd-d | bwd-w;"
                  " '+k reorder' = layout reorders torch ran around the conv, weights included):")
            for shape in SHAPES:
                cols = []
                for p in PASSES:
                    ns = names[(shape[0], p)]
                    convs = [n for n in ns if not n.startswith("reorder:")]
                    nreo = len(ns) - len(convs)
                    cols.append(" ".join(convs) + (f" +{nreo} reorder" if nreo else ""))
                print(f"    {shape[0]:<19} {cols[0]:<42} | {cols[1]:<62} | {cols[2]}")


if __name__ == "__main__":
    main()
