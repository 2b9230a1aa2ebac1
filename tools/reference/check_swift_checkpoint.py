#!/usr/bin/env python3
"""Load a checkpoint written by `auxsweep train --save` into the PyTorch PSPNet-mini with
`load_state_dict`, run it in eval mode on a fixed input, and save the input and PyTorch's logits.

The Swift test `SwiftCheckpointInPyTorchTests` reloads the same checkpoint, runs `predict` on the
input and compares with these logits: proof that PyTorch reads our file and computes what we compute.

    python3 tools/reference/check_swift_checkpoint.py CKPT.safetensors OUT.safetensors
"""
import argparse
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pspnet_mini import infer_config, PSPNetMini  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("out")
    args = parser.parse_args()
    torch.set_num_threads(1)

    with safe_open(args.checkpoint, framework="pt") as f:
        metadata = f.metadata() or {}
    state = load_file(args.checkpoint)
    config = infer_config(state, metadata)
    model = PSPNetMini(**config)
    result = model.load_state_dict(state, strict=False)
    # strict=False tolerates only num_batches_tracked, which auxsweep does not write.
    assert not result.unexpected_keys, result.unexpected_keys
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    assert not missing, missing
    model.eval()

    generator = torch.Generator().manual_seed(31)
    x = torch.randn(2, 3, 64, 64, generator=generator)
    with torch.no_grad():
        logits = model(x)
    save_file({"x": x.contiguous(), "eval_logits": logits.contiguous()}, args.out,
              metadata={"torch": torch.__version__, "checkpoint": args.checkpoint.rsplit("/", 1)[-1],
                        "config": repr(config)})
    print(f"loaded {len(state)} tensors with load_state_dict(strict=False): no unexpected or missing keys; "
          f"logits {tuple(logits.shape)} written to {args.out}")


if __name__ == "__main__":
    main()
