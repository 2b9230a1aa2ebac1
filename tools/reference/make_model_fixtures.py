#!/usr/bin/env python3
"""Whole-model golden fixtures for PSPNet-mini (Swift `Segmentation` tests), from PyTorch.

For each case two files go into Tests/SegmentationTests/Fixtures/ (or --out DIR):

model_<case>.safetensors  -- a checkpoint: the full `state_dict()` of `PSPNetMini` after PyTorch's
    default initialisation followed by a seeded perturbation of every BatchNorm so BN is not the
    identity (weight ~ U[0.5,1.5), bias ~ 0.1 N(0,1), running_mean ~ 0.1 N(0,1),
    running_var ~ U[0.5,1.5)).  F32 tensors plus the I64 `num_batches_tracked` (0) exactly as
    PyTorch writes them.  Metadata: classes, blocks ("2,2,2,2"), residual ("true,...").

io_<case>.safetensors -- inputs and expected results for that checkpoint:
    x                  [N,3,H,W] f32, N(0,1)
    labels             [N,H,W]   u8, uniform in [0,classes), ~10% set to 255 (ignore)
    eval_logits        [N,C,H,W] f32, model.eval()(x) (main head only, BN running stats)
    main_loss, aux_loss, loss   0-dim f32: one TRAINING-mode forward (BN batch statistics,
                       running stats updated) with dropout off (every Dropout2d p = 0):
                       CE(main, labels, ignore_index=255) and CE(aux, ...) (mean over
                       non-ignored pixels); loss = main_loss + aux_weight * aux_loss
    grad.<name>        d loss / d parameter for every named parameter (zeros if unused)
    bn_check.running_mean, bn_check.running_var
                       layer1.0.bn1 running stats after that training forward (momentum 0.1,
                       unbiased variance)
    Metadata: case, seed, aux_weight, classes, blocks, residual, plus diagnostics
    (min_abs_relu_input and relu_inputs_below_1e-4 over every ReLU input of the training
    forward; eval_logits_absmax) and the conditioning below.

Well-conditioned: before anything is written, BatchNorm biases are shifted per channel (by at most a
few 1e-4) until no ReLU input of the training forward lies within RELU_MARGIN (1e-4) of its layer's
standard deviation of the kink, in float64 (`condition_relus`; metadata relu_margin,
min_relu_input_over_layer_std, bn_bias_channels_shifted, bn_bias_largest_shift). float32 rounding is
about 1e-6 of that scale, so every implementation puts every ReLU on the same side, and a gradient
mismatch means a bug.

Everything runs on CPU, float32, one thread, deterministic, fixed seed per case; reruns are
byte-identical (metadata keys are sorted after saving, as in make_fixtures.py).

Run:  python3 tools/reference/make_model_fixtures.py [--out DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import struct
import sys
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pspnet_mini import PSPNetMini, from_state_dict, parameter_count  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "Tests" / "SegmentationTests" / "Fixtures"

CE_IGNORE = 255
IGNORE_FRACTION = 0.1

# case: (classes, blocks, residual, x shape (N,3,H,W), aux weight, seed)
CASES = {
    "default": (7, (2, 2, 2, 2), (True, True, True, True), (2, 3, 64, 64), 0.4, 12000),
    # N=2, not 1: with N=1 the training-mode BN after the 1x1 PPM bin sees one value per
    # channel and PyTorch refuses ("Expected more than 1 value per channel when training").
    "small_rect": (3, (1, 1, 1, 1), (True, True, True, True), (2, 3, 48, 40), 1.0, 12001),
    "plain4": (5, (1, 1, 1, 2), (True, True, True, False), (2, 3, 32, 32), 0.0, 12002),
}
BN_PERTURB_SEED_OFFSET = 500  # BN perturbation generator seed = case seed + this
BN_CHECK = "layer1.0.bn1"


def canonicalize_header(path: Path) -> None:
    """Sort __metadata__ keys (safetensors writes them in hash order) so reruns are byte-identical.
    Same header length and padding; tensor data untouched."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    if "__metadata__" in header:
        header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(text) <= n, path
    path.write_bytes(raw[:8] + text.ljust(n, b" ") + raw[8 + n:])


def write(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> int:
    clean = {}
    for key, t in tensors.items():
        t = t.detach().contiguous().clone()
        assert t.dtype in (torch.float32, torch.uint8, torch.int64), (path.name, key, t.dtype)
        clean[key] = t
    save_file(clean, str(path), metadata=metadata)
    canonicalize_header(path)
    size = path.stat().st_size
    print(f"  {path.name:32s} {size:9d} B  ({len(clean)} tensors)")
    return size


def perturb_batchnorm(model: nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)


RELU_NEAR = 1e-4  # diagnostics: ReLU inputs closer than this to the kink
# Conditioning: no training-mode ReLU input closer to the kink than this fraction of the standard
# deviation of that ReLU's whole input (its layer's scale), in a float64 forward. float32 results (ours,
# PyTorch's) differ from float64 by about 1e-6 of that scale, so every ReLU takes the same side in
# every implementation and a gradient mismatch means a bug, not rounding.
RELU_MARGIN = 1e-4


def relu_inputs(model: nn.Module, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """Every ReLU call's input in a float64 training-mode forward (dropout off) of a copy of `model`,
    with the name of the last BatchNorm that ran before it: the BN whose bias shifts that input (its
    output is the ReLU's input, or is added to it in a residual sum)."""
    m64 = copy.deepcopy(model).double()
    for m in m64.modules():
        if isinstance(m, nn.Dropout2d):
            m.p = 0.0
    m64.train()
    names = {mod: name for name, mod in m64.named_modules()}
    last_bn: list[str] = [""]
    calls: list[tuple[str, torch.Tensor]] = []

    def bn_hook(module, _inputs, _output):
        last_bn[0] = names[module]

    def relu_hook(_module, inputs):
        calls.append((last_bn[0], inputs[0].detach()))

    hooks = [m.register_forward_hook(bn_hook) for m in m64.modules() if isinstance(m, nn.BatchNorm2d)]
    hooks += [m.register_forward_pre_hook(relu_hook) for m in m64.modules() if isinstance(m, nn.ReLU)]
    with torch.no_grad():
        m64(x.double())
    for h in hooks:
        h.remove()
    return calls


def kink_free_shift(values: torch.Tensor, half: float) -> float:
    """The smallest shift s such that every |v + s| >= half: 0 moved into the nearest gap between the
    sorted values that is at least 2 * half wide."""
    u = torch.sort(values).values.tolist()
    candidates = [min(0.0, u[0] - half), max(0.0, u[-1] + half)]  # below all, above all
    for lo, hi in zip(u, u[1:]):
        if hi - lo >= 2 * half:
            candidates.append(min(max(0.0, lo + half), hi - half))
    point = min(candidates, key=abs)
    return -point


def condition_relus(model: nn.Module, x: torch.Tensor) -> tuple[int, float, float]:
    """Shifts BatchNorm biases (per channel, by as little as possible) until no ReLU input of the
    training forward on `x` lies within RELU_MARGIN of its layer's std of the kink; ReLUs in forward
    order, so a shift never undoes an earlier one. Returns (channels shifted, largest shift, the
    smallest |ReLU input| / layer std left)."""
    shifted, largest = 0, 0.0
    for _ in range(1000):
        for bn_name, a in relu_inputs(model, x):
            scale = float(a.std())
            near = (a.abs() < RELU_MARGIN * scale).transpose(0, 1).reshape(a.shape[1], -1).any(dim=1)
            if not near.any():
                continue
            bias = model.get_submodule(bn_name).bias
            with torch.no_grad():
                for c in near.nonzero().flatten().tolist():
                    shift = kink_free_shift(a[:, c].flatten(), 2 * RELU_MARGIN * scale)
                    bias[c] += shift
                    shifted += 1
                    largest = max(largest, abs(shift))
            break
        else:
            worst = min(float((a.abs() / a.std()).min()) for _, a in relu_inputs(model, x))
            assert worst >= RELU_MARGIN, worst
            return shifted, largest, worst
    raise RuntimeError("ReLU conditioning did not converge")


def relu_margin_hooks(model: nn.Module, sink: list[tuple[float, int]]):
    def hook(_module, inputs):
        a = inputs[0].detach().abs()
        sink.append((float(a.min()), int((a < RELU_NEAR).sum())))
    return [m.register_forward_pre_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]


def make_case(out_dir: Path, case: str, spec) -> int:
    classes, blocks, residual, shape, aux_weight, seed = spec
    torch.manual_seed(seed)
    model = PSPNetMini(classes, blocks, residual, dropout=0.1)
    perturb_batchnorm(model, seed + BN_PERTURB_SEED_OFFSET)
    cfg = model.config_metadata()

    # ---- inputs
    n, _, h, w = shape
    x = torch.randn(shape)
    labels = torch.randint(0, classes, (n, h, w), dtype=torch.int64)
    labels[torch.rand(n, h, w) < IGNORE_FRACTION] = CE_IGNORE
    assert (labels != CE_IGNORE).any()

    # ---- well-conditioned: every ReLU input of the training pass clear of the kink
    shifted, largest_shift, worst_ratio = condition_relus(model, x)

    # ---- checkpoint
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model_path = out_dir / f"model_{case}.safetensors"
    total = write(model_path, sd, dict(cfg))

    # ---- eval forward (running stats, main head only)
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    assert eval_logits.shape == (n, classes, h, w)

    # ---- training forward/backward, dropout off, BN batch statistics
    for m in model.modules():
        if isinstance(m, nn.Dropout2d):
            m.p = 0.0
    model.train()
    model.zero_grad(set_to_none=True)
    margins: list[tuple[float, int]] = []
    hooks = relu_margin_hooks(model, margins)
    main, aux = model(x)
    for hk in hooks:
        hk.remove()
    main_loss = F.cross_entropy(main, labels, ignore_index=CE_IGNORE)
    aux_loss = F.cross_entropy(aux, labels, ignore_index=CE_IGNORE)
    loss = main_loss + aux_weight * aux_loss
    loss.backward()

    bn = model.get_submodule(BN_CHECK)
    tensors = {
        "x": x.float(),
        "labels": labels.to(torch.uint8),
        "eval_logits": eval_logits.float(),
        "main_loss": main_loss.detach().float(),
        "aux_loss": aux_loss.detach().float(),
        "loss": loss.detach().float(),
        "bn_check.running_mean": bn.running_mean.detach().float(),
        "bn_check.running_var": bn.running_var.detach().float(),
    }
    for name, p in model.named_parameters():
        tensors[f"grad.{name}"] = p.grad.detach().float() if p.grad is not None else torch.zeros_like(p)
    for k in ("main_loss", "aux_loss", "loss"):
        assert tensors[k].dim() == 0

    n_ignored = int((labels == CE_IGNORE).sum())
    meta = {
        "generator": "tools/reference/make_model_fixtures.py",
        "torch": torch.__version__,
        "case": case,
        "seed": str(seed),
        "bn_perturb_seed": str(seed + BN_PERTURB_SEED_OFFSET),
        "aux_weight": repr(float(aux_weight)),
        **cfg,
        "dropout_in_training_pass": "0",
        "ignore_index": str(CE_IGNORE),
        "n_ignored": str(n_ignored),
        "n_valid": str(labels.numel() - n_ignored),
        "bn_check": BN_CHECK,
        "bn_momentum": "0.1",
        "bn_eps": "1e-05",
        "min_abs_relu_input": f"{min(m for m, _ in margins):.3g}",
        "relu_margin": f"{RELU_MARGIN:g}",
        "min_relu_input_over_layer_std": f"{worst_ratio:.3g}",
        "bn_bias_channels_shifted": str(shifted),
        "bn_bias_largest_shift": f"{largest_shift:.3g}",
        "relu_inputs_below_1e-4": str(sum(c for _, c in margins)),
        "eval_logits_absmax": f"{float(eval_logits.abs().max()):.6g}",
        "parameters": str(parameter_count(model)),
    }
    io_path = out_dir / f"io_{case}.safetensors"
    total += write(io_path, tensors, meta)

    # ---- self-check: the checkpoint alone (names/shapes + residual metadata) rebuilds the model
    with safe_open(str(model_path), framework="pt") as f:
        file_meta = f.metadata()
    loaded = load_file(str(model_path))
    assert set(loaded) == set(sd), case
    rebuilt = from_state_dict(loaded, file_meta).eval()
    assert (rebuilt.classes, rebuilt.blocks, rebuilt.residual) == (classes, tuple(blocks), tuple(residual))
    with torch.no_grad():
        again = rebuilt(x)
    assert torch.equal(again, eval_logits), f"{case}: reloaded eval logits differ"
    # without metadata too (stage-1 residual defaults to True; all cases here have it True)
    assert from_state_dict(loaded).residual == tuple(residual)

    print(f"    {case}: {parameter_count(model)} parameters, loss {float(loss.detach()):.6f} "
          f"(main {float(main_loss.detach()):.6f}, aux {float(aux_loss.detach()):.6f}, w {aux_weight}), "
          f"|eval_logits| max {float(eval_logits.abs().max()):.4g}, "
          f"min |ReLU input| {min(m for m, _ in margins):.3g} "
          f"({sum(c for _, c in margins)} below {RELU_NEAR:g}); conditioning shifted {shifted} BN bias "
          f"channels by at most {largest_shift:.3g}, min |ReLU input| / layer std {worst_ratio:.3g}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args()

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"writing model fixtures to {args.out}")
    total = 0
    for case, spec in CASES.items():
        total += make_case(args.out, case, spec)
    print(f"  total {total} B ({total / 2**20:.2f} MiB)")


if __name__ == "__main__":
    main()
