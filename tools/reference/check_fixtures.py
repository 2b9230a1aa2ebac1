#!/usr/bin/env python3
"""Reload every fixture, print its tensors, and check it against the contract.

Checks, per file: it exists for every case in make_fixtures.py's tables, holds
exactly the expected tensor names with the expected dtypes (float32, labels
uint8), carries the expected metadata keys, and stays under the size cap.
It then recomputes each case independently in float64 NumPy (forward, and the
backward where it is short to write) to catch a swapped or mislabelled tensor.

Run:  python3 tools/reference/check_fixtures.py [--dir DIR]
Exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from safetensors import safe_open

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as mf  # noqa: E402  (case tables: single source of truth)

MAX_FILE_BYTES = 40 * 1024
MAX_TOTAL_BYTES = 1024 * 1024
RTOL, ATOL = 1e-4, 1e-5

# ---------------------------------------------------------------- contract

CONV = {"x", "weight", "y", "dy", "dx", "dweight"}
BN = {"x", "weight", "bias", "running_mean_before", "running_var_before",
      "y", "dy", "dx", "dweight", "dbias"}
UNARY = {"x", "y", "dy", "dx"}
BLOCK_PARAMS = ["conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias"]


def expected_files() -> dict[str, tuple[set[str], set[str]]]:
    """file stem -> (tensor names, required metadata keys)"""
    out = {}
    for name, case in mf.CONV_CASES.items():
        names = CONV | ({"bias", "dbias"} if case[-1] else set())
        out[f"conv_{name}"] = (names, {"stride", "padding", "dilation", "bias"})
    for name in mf.BN_TRAIN_CASES:
        out[f"bn_train_{name}"] = (BN | {"running_mean_after", "running_var_after"}, {"eps", "momentum"})
    for name in mf.BN_EVAL_CASES:
        out[f"bn_eval_{name}"] = (BN, {"eps", "momentum"})
    out["relu"] = (UNARY, set())
    for name in mf.POOL_CASES:
        out[f"pool_{name}"] = (UNARY, {"output_size"})
    for name in mf.BILINEAR_CASES:
        out[f"bilinear_{name}"] = (UNARY, {"out_h", "out_w"})
    for name in mf.CE_CASES:
        out[f"ce_{name}"] = ({"logits", "labels", "loss", "dlogits"}, {"loss_shape"})
    for name in mf.SGD_CASES:
        out[f"sgd_{name}"] = ({"p0", "g1", "g2", "g3", "p1", "p2", "p3", "lrs"},
                              {"momentum", "weight_decay"})
    block = {"x", "y", "dy", "dx"} | set(BLOCK_PARAMS) | {f"grad.{p}" for p in BLOCK_PARAMS}
    block |= {f"bn{i}.running_{s}_after" for i in (1, 2) for s in ("mean", "var")}
    out["block_basic"] = (block, set())
    out["ppm_concat"] = (UNARY, {"bins"})
    return out


# ------------------------------------------------------- NumPy references


def conv_cols(x, k, stride, pad, dil):
    n, c, h, w = x.shape
    oh = (h + 2 * pad - dil * (k - 1) - 1) // stride + 1
    ow = (w + 2 * pad - dil * (k - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((n, c, k, k, oh, ow))
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = xp[:, :, i * dil: i * dil + stride * oh: stride,
                                  j * dil: j * dil + stride * ow: stride][:, :, :oh, :ow]
    return cols, (oh, ow)


def conv_ref(x, wt, b, stride, pad, dil, dy):
    n, cin, h, w = x.shape
    cout, _, k, _ = wt.shape
    cols, (oh, ow) = conv_cols(x, k, stride, pad, dil)
    flat = cols.reshape(n, cin * k * k, oh * ow)
    wm = wt.reshape(cout, -1)
    y = np.einsum("ok,nkp->nop", wm, flat).reshape(n, cout, oh, ow)
    if b is not None:
        y += b[None, :, None, None]
    dyf = dy.reshape(n, cout, oh * ow)
    dw = np.einsum("nop,nkp->ok", dyf, flat).reshape(wt.shape)
    dcols = np.einsum("ok,nop->nkp", wm, dyf).reshape(n, cin, k, k, oh, ow)
    dxp = np.zeros((n, cin, h + 2 * pad, w + 2 * pad))
    for i in range(k):
        for j in range(k):
            dxp[:, :, i * dil: i * dil + stride * (oh - 1) + 1: stride,
                j * dil: j * dil + stride * (ow - 1) + 1: stride] += dcols[:, :, i, j]
    dx = dxp[:, :, pad: pad + h, pad: pad + w]
    return y, dx, dw, dy.sum(axis=(0, 2, 3))


def bn_ref(x, wt, b, rm, rv, eps, mom, training, dy):
    if training:
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        count = x.size // x.shape[1]
        rm_after = (1 - mom) * rm + mom * mean
        rv_after = (1 - mom) * rv + mom * var * count / (count - 1)
    else:
        mean, var, rm_after, rv_after = rm, rv, rm, rv
    c = lambda v: v[None, :, None, None]  # noqa: E731
    inv = 1 / np.sqrt(var + eps)
    xhat = (x - c(mean)) * c(inv)
    y = xhat * c(wt) + c(b)
    dw = (dy * xhat).sum(axis=(0, 2, 3))
    db = dy.sum(axis=(0, 2, 3))
    if training:
        dmean = dy.mean(axis=(0, 2, 3))
        dxm = (dy * xhat).mean(axis=(0, 2, 3))
        dx = c(wt * inv) * (dy - c(dmean) - xhat * c(dxm))
    else:
        dx = dy * c(wt * inv)
    return y, dx, dw, db, rm_after, rv_after


def pool_matrix(size_in, size_out):
    m = np.zeros((size_out, size_in))
    for i in range(size_out):
        s = (i * size_in) // size_out
        e = -((-(i + 1) * size_in) // size_out)  # ceil
        m[i, s:e] = 1.0 / (e - s)
    return m


def bilinear_matrix(size_in, size_out):
    m = np.zeros((size_out, size_in))
    for i in range(size_out):
        src = i * (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
        i0 = min(int(np.floor(src)), size_in - 1)
        i1 = min(i0 + 1, size_in - 1)
        f = src - i0
        m[i, i0] += 1 - f
        m[i, i1] += f
    return m


def separable(x, mh, mw):
    """y[n,c] = mh @ x[n,c] @ mw.T ; returns y and the adjoint operator."""
    y = np.einsum("ih,nchw,jw->ncij", mh, x, mw)
    back = lambda dy: np.einsum("ih,ncij,jw->nchw", mh, dy, mw)  # noqa: E731
    return y, back


def ce_ref(logits, labels, ignore):
    n, c, h, w = logits.shape
    z = logits.transpose(0, 2, 3, 1).reshape(-1, c)
    lab = labels.reshape(-1).astype(np.int64)
    valid = lab != ignore
    zmax = z.max(axis=1, keepdims=True)
    logp = z - zmax - np.log(np.exp(z - zmax).sum(axis=1, keepdims=True))
    nv = valid.sum()
    loss = -logp[valid, lab[valid]].sum() / nv
    g = np.exp(logp)
    g[valid, lab[valid]] -= 1
    g[~valid] = 0
    g /= nv
    return loss, g.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def sgd_ref(p0, grads, lrs, mom, wd):
    p, buf, out = p0.copy(), None, []
    for g, lr in zip(grads, lrs):
        d = g + wd * p
        buf = d.copy() if buf is None else mom * buf + d
        p = p - lr * buf
        out.append(p)
    return out


# ------------------------------------------------------------- per family


def close(what, got, want, failures, rtol=RTOL, atol=ATOL):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        failures.append(f"{what}: shape {got.shape} != reference {want.shape}")
    elif not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.abs(got - want).max()
        failures.append(f"{what}: max abs diff {err:.3g} vs NumPy reference")


def verify(stem, t, md, failures):
    f = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in t.items()}
    if stem.startswith("conv_"):
        y, dx, dw, db = conv_ref(f["x"], f["weight"], f.get("bias"), int(md["stride"]),
                                 int(md["padding"]), int(md["dilation"]), f["dy"])
        for k, v in (("y", y), ("dx", dx), ("dweight", dw)):
            close(f"{stem}.{k}", f[k], v, failures)
        if "dbias" in f:
            close(f"{stem}.dbias", f["dbias"], db, failures)
    elif stem.startswith("bn_"):
        training = stem.startswith("bn_train_")
        y, dx, dw, db, rm, rv = bn_ref(f["x"], f["weight"], f["bias"], f["running_mean_before"],
                                       f["running_var_before"], float(md["eps"]),
                                       float(md["momentum"]), training, f["dy"])
        for k, v in (("y", y), ("dx", dx), ("dweight", dw), ("dbias", db)):
            close(f"{stem}.{k}", f[k], v, failures)
        if training:
            close(f"{stem}.running_mean_after", f["running_mean_after"], rm, failures)
            close(f"{stem}.running_var_after", f["running_var_after"], rv, failures)
    elif stem == "relu":
        if np.abs(f["x"]).min() < 0.05:
            failures.append("relu: |x| < 0.05 present")
        close("relu.y", f["y"], np.maximum(f["x"], 0), failures, 0, 0)
        close("relu.dx", f["dx"], f["dy"] * (f["x"] > 0), failures, 0, 0)
    elif stem.startswith("pool_") or stem.startswith("bilinear_"):
        h, w = f["x"].shape[2:]
        if stem.startswith("pool_"):
            n = int(md["output_size"])
            mh, mw = pool_matrix(h, n), pool_matrix(w, n)
        else:
            mh, mw = bilinear_matrix(h, int(md["out_h"])), bilinear_matrix(w, int(md["out_w"]))
        y, back = separable(f["x"], mh, mw)
        close(f"{stem}.y", f["y"], y, failures)
        close(f"{stem}.dx", f["dx"], back(f["dy"]), failures)
    elif stem.startswith("ce_"):
        loss, g = ce_ref(f["logits"], t["labels"], int(md["ignore_index"]))
        close(f"{stem}.loss", f["loss"], loss, failures)
        close(f"{stem}.dlogits", f["dlogits"], g, failures)
    elif stem.startswith("sgd_"):
        ps = sgd_ref(f["p0"], [f["g1"], f["g2"], f["g3"]], f["lrs"],
                     float(md["momentum"]), float(md["weight_decay"]))
        for k, p in enumerate(ps, start=1):
            close(f"{stem}.p{k}", f[f"p{k}"], p, failures)
    elif stem == "block_basic":
        x, z = f["x"], np.zeros(4)
        c1, *_ = conv_ref(x, f["conv1.weight"], None, 1, 1, 1, np.zeros_like(x))
        b1, _, _, _, rm1, rv1 = bn_ref(c1, f["bn1.weight"], f["bn1.bias"], z, z + 1, 1e-5, 0.1,
                                       True, np.zeros_like(c1))
        h = np.maximum(b1, 0)
        c2, *_ = conv_ref(h, f["conv2.weight"], None, 1, 1, 1, np.zeros_like(h))
        b2, _, _, _, rm2, rv2 = bn_ref(c2, f["bn2.weight"], f["bn2.bias"], z, z + 1, 1e-5, 0.1,
                                       True, np.zeros_like(c2))
        close("block_basic.y", f["y"], np.maximum(b2 + x, 0), failures)
        for k, v in (("bn1.running_mean_after", rm1), ("bn1.running_var_after", rv1),
                     ("bn2.running_mean_after", rm2), ("bn2.running_var_after", rv2)):
            close(f"block_basic.{k}", f[k], v, failures)
    elif stem == "ppm_concat":
        x, dy = f["x"], f["dy"]
        h, w = x.shape[2:]
        c = x.shape[1]
        ys, dx = [x], dy[:, :c].copy()
        for i, b in enumerate((int(s) for s in md["bins"].split(",")), start=1):
            mh = bilinear_matrix(b, h) @ pool_matrix(h, b)
            mw = bilinear_matrix(b, w) @ pool_matrix(w, b)
            y, back = separable(x, mh, mw)
            ys.append(y)
            dx += back(dy[:, i * c:(i + 1) * c])
        close("ppm_concat.y", f["y"], np.concatenate(ys, axis=1), failures)
        close("ppm_concat.dx", f["dx"], dx, failures)


# ------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=mf.DEFAULT_OUT)
    args = parser.parse_args()

    expected = expected_files()
    failures: list[str] = []
    present = {p.stem for p in args.dir.glob("*.safetensors")}
    for extra in sorted(present - expected.keys()):
        failures.append(f"unexpected file {extra}.safetensors")

    total = 0
    for stem, (names, meta_keys) in expected.items():
        path = args.dir / f"{stem}.safetensors"
        if not path.exists():
            failures.append(f"missing {path.name}")
            continue
        size = path.stat().st_size
        total += size
        if size > MAX_FILE_BYTES:
            failures.append(f"{path.name}: {size} B > {MAX_FILE_BYTES} B")
        with safe_open(str(path), framework="numpy") as fh:
            md = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
        print(f"{path.name}  ({size} B)")
        for k in sorted(tensors):
            v = tensors[k]
            print(f"    {k:28s} {str(v.dtype):8s} {list(v.shape)}")
            want = np.uint8 if k == "labels" else np.float32
            if v.dtype != want:
                failures.append(f"{path.name}:{k} dtype {v.dtype}, want {np.dtype(want)}")
        if set(tensors) != names:
            failures.append(f"{path.name}: missing {sorted(names - set(tensors))}, "
                            f"extra {sorted(set(tensors) - names)}")
            continue
        if not meta_keys <= md.keys():
            failures.append(f"{path.name}: missing metadata {sorted(meta_keys - md.keys())}")
            continue
        verify(stem, tensors, md, failures)

    print(f"\n{len(expected)} fixtures expected, {len(present)} present, total {total} B")
    if total > MAX_TOTAL_BYTES:
        failures.append(f"folder total {total} B > {MAX_TOTAL_BYTES} B")
    if failures:
        print("FAILED:")
        for msg in failures:
            print("  " + msg)
        return 1
    print("OK: all fixtures present and consistent with the NumPy references")
    return 0


if __name__ == "__main__":
    sys.exit(main())
