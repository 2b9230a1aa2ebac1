#!/usr/bin/env python3
"""PyTorch side of the PSPNet-mini speed comparison (the counterpart of `auxsweep bench`).

Default network (classes 11, blocks 2,2,2,2, all residual, dropout 0.1), float32, CPU,
64x64 random inputs, random labels in [0, 7).

  training step = zero_grad, train-mode forward (main + aux), loss = CE(main) + 0.4 * CE(aux)
                  (ignore_index 255), backward, SGD(lr 0.01, momentum 0.9, weight decay 1e-4) step
  eval          = torch.no_grad() eval-mode forward (main head only)

3 warm-up iterations of each, then each is timed for at least --seconds (default 5).

FLOP convention: multiply-adds of every Conv2d, counted once with forward hooks (output
elements x in_channels/groups x kH x kW; bias adds, BN, ReLU, pooling, interpolation, loss and
optimizer are not counted); 1 multiply-add = 2 FLOP.  Training FLOPs per image = 3 x the
training-mode forward (main + aux head), i.e. forward + backward-data + backward-weights;
eval FLOPs per image = 1 x the eval-mode forward (main head only).

Run:  python3 tools/reference/bench_pspnet.py [--batch 16] [--threads 1] [--seconds 5]
                                              [--format table|json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pspnet_mini import PSPNetMini, parameter_count  # noqa: E402

CLASSES = 11  # the shapes task's classes, as `auxsweep bench` uses
SIZE = 64
AUX_WEIGHT = 0.4
WARMUP = 3


def conv_macs_per_image(model: nn.Module, x: torch.Tensor, training: bool) -> int:
    """Multiply-adds of all Conv2d layers for one forward, per image."""
    total = 0

    def hook(m: nn.Conv2d, _inputs, out):
        nonlocal total
        kh, kw = m.kernel_size
        total += out.numel() * (m.in_channels // m.groups) * kh * kw

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    was_training = model.training
    model.train(training)
    try:
        with torch.no_grad():
            model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return total // x.shape[0]


def timed(fn, seconds: float) -> tuple[int, float]:
    """Run fn until at least `seconds` have passed; returns (iterations, elapsed)."""
    iters = 0
    start = time.perf_counter()
    while True:
        fn()
        iters += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return iters, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0, help="minimum timed seconds per mode")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("table", "json"), default="table")
    args = parser.parse_args()
    if args.batch < 2:
        parser.error("--batch must be at least 2 (training-mode BN after the 1x1 PPM bin needs it)")

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    model = PSPNetMini(CLASSES)
    x = torch.randn(args.batch, 3, SIZE, SIZE)
    labels = torch.randint(0, CLASSES, (args.batch, SIZE, SIZE))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)

    train_macs = conv_macs_per_image(model, x[:2], training=True)
    eval_macs = conv_macs_per_image(model, x[:2], training=False)

    def train_step():
        opt.zero_grad()
        main_out, aux_out = model(x)
        loss = (F.cross_entropy(main_out, labels, ignore_index=255)
                + AUX_WEIGHT * F.cross_entropy(aux_out, labels, ignore_index=255))
        loss.backward()
        opt.step()

    def eval_step():
        with torch.no_grad():
            model(x)

    model.train()
    for _ in range(WARMUP):
        train_step()
    train_iters, train_time = timed(train_step, args.seconds)

    model.eval()
    for _ in range(WARMUP):
        eval_step()
    eval_iters, eval_time = timed(eval_step, args.seconds)

    train_img_s = train_iters * args.batch / train_time
    eval_img_s = eval_iters * args.batch / eval_time
    result = {
        "train_img_s": round(train_img_s, 2),
        "eval_img_s": round(eval_img_s, 2),
        "batch": args.batch,
        "threads": args.threads,
        "train_gflops": round(train_img_s * 3 * 2 * train_macs / 1e9, 2),
        "eval_gflops": round(eval_img_s * 2 * eval_macs / 1e9, 2),
    }
    if args.format == "json":
        print(json.dumps(result))
        return

    print(f"PSPNet-mini (classes {CLASSES}, {parameter_count(model)} parameters), "
          f"PyTorch {torch.__version__}, float32, {SIZE}x{SIZE}, batch {args.batch}, "
          f"threads {args.threads}")
    print(f"conv multiply-adds per image: forward train {train_macs / 1e6:.2f} M "
          f"(main + aux), eval {eval_macs / 1e6:.2f} M; training FLOPs = 3 x forward, 1 MAC = 2 FLOP")
    print(f"{'mode':6s} {'img/s':>9s} {'GFLOP/s':>9s} {'iters':>6s} {'seconds':>8s}")
    print(f"{'train':6s} {train_img_s:9.1f} {result['train_gflops']:9.1f} {train_iters:6d} {train_time:8.2f}")
    print(f"{'eval':6s} {eval_img_s:9.1f} {result['eval_gflops']:9.1f} {eval_iters:6d} {eval_time:8.2f}")


if __name__ == "__main__":
    main()
