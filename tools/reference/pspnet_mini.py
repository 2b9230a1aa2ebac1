#!/usr/bin/env python3
"""PSPNet-mini: the PyTorch reference of the network in docs/DESIGN.md section 4.

The module tree is laid out so that `state_dict()` names are exactly the
checkpoint contract (`stem.0.weight`, `layer2.0.down.0.weight`,
`ppm.stages.3.1.weight`, `head.4.bias`, `aux.0.weight`, ...).

    model = PSPNetMini(classes=7)                 # default network, ~0.88 M parameters
    model = from_state_dict(sd, metadata)         # rebuild from a checkpoint

Run as a script to print the parameter count (and the per-tensor shapes with -v).
"""

from __future__ import annotations

import argparse
import re
from typing import Mapping, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTHS = (16, 32, 64, 128)
STEM_WIDTH = 16
PPM_BINS = (1, 2, 3, 6)
PPM_WIDTH = 32
HEAD_WIDTH = 64
AUX_WIDTH = 32


def _up(t: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(t, size=tuple(size), mode="bilinear", align_corners=True)


class BasicBlock(nn.Module):
    """conv3x3 -> BN -> ReLU -> conv3x3 -> BN (+ identity / projection) -> ReLU.

    A plain block (residual=False) has no second path and no `down` module.
    """

    def __init__(self, cin: int, cout: int, stride: int = 1, dilation: int = 1, residual: bool = True):
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if residual and (stride != 1 or cin != cout):
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.down = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + (self.down(x) if self.down is not None else x)
        return self.relu(out)


class PPM(nn.Module):
    """Pyramid pooling: concat(x, up(ReLU(BN(conv1x1(adaptive_avg_pool(x, b))))) for b in bins)."""

    def __init__(self, cin: int = WIDTHS[-1], width: int = PPM_WIDTH, bins: Sequence[int] = PPM_BINS):
        super().__init__()
        self.stages = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(cin, width, 1, bias=False),
                          nn.BatchNorm2d(width), nn.ReLU())
            for b in bins
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[2:]
        return torch.cat([x] + [_up(s(x), size) for s in self.stages], 1)


def _make_layer(cin: int, cout: int, n: int, stride: int, dilation: int, residual: bool) -> nn.Sequential:
    blocks = [BasicBlock(cin, cout, stride, dilation, residual)]
    blocks += [BasicBlock(cout, cout, 1, dilation, residual) for _ in range(n - 1)]
    return nn.Sequential(*blocks)


class PSPNetMini(nn.Module):
    def __init__(self, classes: int = 7, blocks: Sequence[int] = (2, 2, 2, 2),
                 residual: Sequence[bool] = (True, True, True, True), dropout: float = 0.1):
        super().__init__()
        blocks = tuple(int(b) for b in blocks)
        residual = tuple(bool(r) for r in residual)
        assert len(blocks) == 4 and all(b >= 1 for b in blocks), blocks
        assert len(residual) == 4, residual
        self.classes = classes
        self.blocks = blocks
        self.residual = residual
        self.dropout = dropout

        self.stem = nn.Sequential(nn.Conv2d(3, STEM_WIDTH, 3, stride=2, padding=1, bias=False),
                                  nn.BatchNorm2d(STEM_WIDTH), nn.ReLU())
        # (stride, dilation) per stage
        geometry = ((1, 1), (2, 1), (2, 1), (1, 2))
        cin = STEM_WIDTH
        for i, (cout, n, (stride, dilation), res) in enumerate(zip(WIDTHS, blocks, geometry, residual)):
            setattr(self, f"layer{i + 1}", _make_layer(cin, cout, n, stride, dilation, res))
            cin = cout
        self.ppm = PPM(WIDTHS[3], PPM_WIDTH, PPM_BINS)
        self.head = nn.Sequential(
            nn.Conv2d(WIDTHS[3] + len(PPM_BINS) * PPM_WIDTH, HEAD_WIDTH, 3, padding=1, bias=False),
            nn.BatchNorm2d(HEAD_WIDTH), nn.ReLU(), nn.Dropout2d(dropout),
            nn.Conv2d(HEAD_WIDTH, classes, 1))
        self.aux = nn.Sequential(
            nn.Conv2d(WIDTHS[2], AUX_WIDTH, 3, padding=1, bias=False),
            nn.BatchNorm2d(AUX_WIDTH), nn.ReLU(), nn.Dropout2d(dropout),
            nn.Conv2d(AUX_WIDTH, classes, 1))

    def forward(self, x: torch.Tensor):
        h, w = x.shape[2:]
        f = self.stem(x)
        f = self.layer1(f)
        f = self.layer2(f)
        f3 = self.layer3(f)
        f4 = self.layer4(f3)
        main = _up(self.head(self.ppm(f4)), (h, w))
        if self.training:
            aux = _up(self.aux(f3), (h, w))
            return main, aux
        return main

    def config_metadata(self) -> dict[str, str]:
        """Model config as safetensors metadata strings."""
        return {
            "classes": str(self.classes),
            "blocks": ",".join(str(b) for b in self.blocks),
            "residual": ",".join("true" if r else "false" for r in self.residual),
        }


def _parse_bools(text: str) -> tuple[bool, ...]:
    out = []
    for item in text.split(","):
        item = item.strip().lower()
        if item not in ("true", "false", "1", "0"):
            raise ValueError(f"residual metadata: bad value {item!r}")
        out.append(item in ("true", "1"))
    return tuple(out)


def infer_config(sd: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None = None) -> dict:
    """Architecture from tensor names (and shapes) alone; metadata only for stage 1's residual flag.

    classes  = len(head.4.bias)
    blocks   = number of `layerL.B.conv1.weight` per stage
    residual = stages 2-4: True iff `layerL.0.down.0.weight` exists (their first block always
               changes shape, so a residual stage always has a projection); stage 1 (16 -> 16,
               stride 1, identity shortcut) cannot be told from names: metadata "residual" if
               given, else True.
    """
    metadata = dict(metadata or {})
    classes = int(sd["head.4.bias"].shape[0])
    pat = re.compile(r"^layer([1-4])\.(\d+)\.conv1\.weight$")
    counts = [0, 0, 0, 0]
    indices: list[set[int]] = [set(), set(), set(), set()]
    for name in sd:
        m = pat.match(name)
        if m:
            stage, block = int(m.group(1)) - 1, int(m.group(2))
            counts[stage] += 1
            indices[stage].add(block)
    for i, idx in enumerate(indices):
        if idx != set(range(len(idx))) or not idx:
            raise ValueError(f"layer{i + 1}: block indices {sorted(idx)} are not 0..n-1")
    residual = [True] * 4
    for i in (1, 2, 3):
        residual[i] = f"layer{i + 1}.0.down.0.weight" in sd
    if "residual" in metadata:
        meta_res = _parse_bools(metadata["residual"])
        if len(meta_res) != 4:
            raise ValueError(f"residual metadata: expected 4 values, got {metadata['residual']!r}")
        residual[0] = meta_res[0]
        for i in (1, 2, 3):
            if meta_res[i] != residual[i]:
                raise ValueError(f"residual metadata disagrees with tensors for layer{i + 1}")
    return {"classes": classes, "blocks": tuple(counts), "residual": tuple(residual)}


def from_state_dict(sd: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None = None,
                    dropout: float = 0.1) -> PSPNetMini:
    """Build a PSPNetMini whose architecture matches `sd` and load it (strict, except that
    `num_batches_tracked` may be missing)."""
    model = PSPNetMini(dropout=dropout, **infer_config(sd, metadata))
    missing, unexpected = model.load_state_dict(dict(sd), strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise KeyError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
    return model


def load_checkpoint(path: str, dropout: float = 0.1) -> PSPNetMini:
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(path, framework="pt") as f:
        metadata = f.metadata() or {}
    return from_state_dict(load_file(path), metadata, dropout=dropout)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description="PSPNet-mini parameter count")
    parser.add_argument("--classes", type=int, default=7)
    parser.add_argument("--blocks", default="2,2,2,2")
    parser.add_argument("--residual", default="true,true,true,true")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every state_dict tensor")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = PSPNetMini(args.classes, tuple(int(b) for b in args.blocks.split(",")),
                       _parse_bools(args.residual))
    if args.verbose:
        for name, t in model.state_dict().items():
            print(f"{name:36s} {str(t.dtype):14s} {list(t.shape)}")
    n = parameter_count(model)
    aux = sum(p.numel() for p in model.aux.parameters())
    print(f"PSPNetMini(classes={args.classes}, blocks={args.blocks}, residual={args.residual}): "
          f"{n} parameters ({n / 1e6:.3f} M; aux head {aux}, without aux {n - aux})")


if __name__ == "__main__":
    main()
