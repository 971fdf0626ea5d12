#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for the Swift tensor engine tests.

What it makes
-------------
One file per fixture group, ``<out>/<group>.safetensors``, in the standard safetensors format,
written here with numpy only (no ``safetensors`` package):

    u64 little-endian N | N bytes of JSON header (space-padded to a multiple of 8) | raw LE data

Every tensor is F32 (C order).  The reference values are computed in float64 from float32 inputs
(inputs are drawn in float32, cast to float64, computed, and the results cast back to float32).

Groups (files):
    conv2d             F.conv2d, ~30 cases                       roles x w [b] y gy dx dw [db]
    conv_transpose2d   F.conv_transpose2d, ~30 cases              roles x w [b] y gy dx dw [db]
    matmul             torch.matmul incl. vector / batched / broadcast   roles a b y gy da db
    pool               F.avg_pool2d / F.max_pool2d                 roles x y gy dx
    upsample           nearest / bilinear interpolate, 2x avg down roles x y gy dx
    softmax            F.softmax / F.log_softmax                   roles x y gy dx
    dcgan28_disc       DC28Disc (BatchNorm, train mode): forward, BN running stats, grads of out.sum()
    dcgan28_gp         WGAN-GP penalty, DC28Disc(batchnorm=False) (the wgangp28 critic), prefix "gp."
    dcgan28_gpbn       WGAN-GP penalty, DC28Disc(batchnorm=True), train mode, prefix "gpbn."

Naming: tensors of an op case are ``<case>.<role>`` with cases ``c000``, ``c001``, ...;
``__metadata__["cases"]`` is the JSON list of case names, ``__metadata__[<case>]`` is a JSON object
with the case's parameters (always including "op").  Spatial parameters (kernel, stride, padding,
output_padding, dilation, size) are always stored as [h, w] pairs.
The dcgan28_* files have no c000 cases: dcgan28_disc has ``cases = []`` and its description in
``__metadata__["model"]``; dcgan28_gp / dcgan28_gpbn have ``cases = ["gp"]`` / ``["gpbn"]`` (the tensor
prefix) with the description under that key.  Some parameter gradients there are analytically zero
(the last Linear bias for the penalty; conv2 bias and BN bias behind BatchNorm) and are stored as
0 or ~1e-18: compare them with an absolute tolerance.
Gradient convention: ``gy`` is a random upstream gradient (shape of y) and ``d<role>`` is the gradient
of ``(y * gy).sum()`` with respect to input ``<role>``.

Install torch (CPU-only wheel, kept locally via PIP_FIND_LINKS=/opt/wheels):
    python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install "torch==2.13.0+cpu" numpy

Run (from anywhere; default output dir is Tests/Fixtures next to this script's repo root):
    /tmp/torch-venv/bin/python scripts/make_fixtures.py                 # all groups, then verify
    /tmp/torch-venv/bin/python scripts/make_fixtures.py --only conv2d,matmul
    /tmp/torch-venv/bin/python scripts/make_fixtures.py --check         # only verify existing files
    /tmp/torch-venv/bin/python scripts/make_fixtures.py --out /tmp/fx

The output is deterministic (torch.manual_seed(0) at the start of every group, one thread):
re-running produces byte-identical files.
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "Tests", "Fixtures")
MAX_FILE_BYTES = 1_500_000
MAX_TOTAL_BYTES = 5_000_000


# ------------------------------------------------------------------------------------ writer
class Fixture:
    """Collects F32 tensors (in order) and string metadata for one safetensors file."""

    def __init__(self, group):
        self.group = group
        self.tensors = []  # (name, np.float32 array)
        self.names = set()
        self.meta = {}
        self.cases = []

    def add(self, name, t):
        import torch
        if isinstance(t, torch.Tensor):
            t = t.detach().to(torch.float64).cpu().numpy()
        # (np.ascontiguousarray would turn a 0-d array into shape [1]; astype keeps 0-d)
        a = np.asarray(t, dtype=np.float64).astype("<f4", order="C")
        assert name not in self.names, name
        assert np.all(np.isfinite(a)), name
        self.names.add(name)
        self.tensors.append((name, a))

    def case(self, params, **tensors):
        """Add one op case: params dict (JSON metadata) and tensors by role."""
        name = "c%03d" % len(self.cases)
        self.cases.append(name)
        self.meta[name] = json.dumps(params, separators=(",", ":"))
        for role, t in tensors.items():
            if t is not None:
                self.add(name + "." + role, t)
        return name

    def write(self, path):
        header = {}
        meta = {"group": self.group, "cases": json.dumps(self.cases, separators=(",", ":"))}
        meta.update(self.meta)
        header["__metadata__"] = meta
        off = 0
        for name, a in self.tensors:
            n = a.nbytes
            header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + n]}
            off += n
        hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
        hb += b" " * ((-len(hb)) % 8)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(hb)))
            f.write(hb)
            for _, a in self.tensors:
                f.write(a.tobytes(order="C"))
        os.replace(tmp, path)
        return os.path.getsize(path)


# ------------------------------------------------------------------------------------ helpers
def pair(v):
    return [int(v), int(v)] if isinstance(v, int) else [int(v[0]), int(v[1])]


def f64(t):
    import torch
    return t.to(torch.float64).requires_grad_(True)


def randn(*shape):
    import torch
    return torch.randn(list(shape), dtype=torch.float32)


def grads(y, inputs, gy):
    """Gradients of (y * gy).sum() w.r.t. inputs (float64), via autograd."""
    import torch
    return torch.autograd.grad(y, inputs, grad_outputs=gy.to(torch.float64))


# ------------------------------------------------------------------------------------ groups
def group_conv2d(fx):
    import torch
    import torch.nn.functional as F
    # (N, Cin, Cout, H, W, kernel, stride, padding, dilation, groups, bias)
    grid = [
        (1, 1, 1, 5, 5, 1, 1, 0, 1, 1, True),
        (2, 3, 4, 6, 7, 1, 1, 0, 1, 1, False),
        (2, 2, 4, 7, 7, 1, 2, 0, 1, 2, True),
        (1, 1, 2, 5, 5, 3, 1, 0, 1, 1, True),
        (2, 3, 5, 6, 8, 3, 1, 1, 1, 1, True),
        (2, 4, 4, 7, 6, 3, 2, 1, 1, 1, False),
        (3, 4, 6, 8, 8, 3, 1, 2, 1, 2, True),
        (2, 4, 8, 9, 7, 3, (2, 1), 1, 1, 4, True),
        (1, 2, 3, 7, 9, 3, 1, (1, 0), 1, 1, True),
        (2, 3, 2, 9, 9, 3, 1, 0, 2, 1, True),
        (2, 4, 4, 8, 7, 3, 2, 2, 2, 2, False),
        (1, 8, 8, 9, 9, 3, 1, 1, 2, 4, True),
        (2, 1, 4, 8, 8, 4, 2, 1, 1, 1, True),   # dcgan28 conv1 scaled down (1->64 k4 s2 p1)
        (2, 4, 8, 8, 8, 4, 2, 1, 1, 1, True),   # dcgan28 conv2 scaled down (64->128 k4 s2 p1)
        (3, 2, 2, 7, 7, 4, 1, 0, 1, 1, True),
        (1, 4, 2, 9, 8, 4, 1, 2, 1, 2, False),
        (2, 3, 3, 9, 9, 4, (2, 1), (1, 0), 1, 1, True),
        (2, 2, 2, 9, 9, 4, 2, 1, 2, 2, True),
        (2, 2, 3, 7, 6, (3, 2), 1, 0, 1, 1, True),
        (1, 4, 4, 8, 7, (3, 2), 2, 1, 1, 2, True),
        (2, 3, 6, 9, 9, (3, 2), (2, 1), (1, 0), 1, 1, False),
        (3, 4, 8, 6, 9, (3, 2), 1, 2, 2, 4, True),
        (2, 8, 4, 5, 5, 1, (2, 1), 1, 1, 4, True),
        (1, 6, 6, 7, 9, 3, 2, 0, 1, 2, False),
        (2, 2, 6, 5, 7, 3, 1, 1, 1, 2, True),
        (1, 4, 4, 5, 5, 3, 1, 0, 1, 4, True),   # depthwise
        (2, 8, 8, 9, 9, 4, 2, 1, 1, 4, True),
        (1, 3, 1, 6, 5, (3, 2), 1, (1, 0), 2, 1, True),
        (2, 1, 1, 5, 9, 3, 2, 2, 1, 1, True),
        (3, 5, 7, 6, 6, 3, 1, 1, 1, 1, True),
    ]
    for (n, cin, cout, h, w, k, s, p, d, g, bias) in grid:
        k, s, p, d = pair(k), pair(s), pair(p), pair(d)
        assert cin % g == 0 and cout % g == 0
        for i in range(2):
            o = (( h, w)[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1
            assert o >= 1, (h, w, k, s, p, d)
        x = randn(n, cin, h, w)
        wt = randn(cout, cin // g, k[0], k[1])
        b = randn(cout) if bias else None
        xs, ws = f64(x), f64(wt)
        bs = f64(b) if bias else None
        y = F.conv2d(xs, ws, bs, tuple(s), tuple(p), tuple(d), g)
        gy = randn(*y.shape)
        ins = [xs, ws] + ([bs] if bias else [])
        gr = grads(y, ins, gy)
        params = {"op": "conv2d", "kernel": k, "stride": s, "padding": p, "dilation": d,
                  "groups": g, "bias": bias}
        fx.case(params, x=x, w=wt, b=b, y=y, gy=gy, dx=gr[0], dw=gr[1],
                db=gr[2] if bias else None)


def group_conv_transpose2d(fx):
    import torch
    import torch.nn.functional as F
    # (N, Cin, Cout, H, W, kernel, stride, padding, output_padding, dilation, groups, bias)
    grid = [
        (1, 1, 1, 3, 3, 1, 1, 0, 0, 1, 1, True),
        (2, 3, 2, 4, 5, 1, 2, 0, 1, 1, 1, False),
        (2, 2, 4, 4, 4, 3, 1, 0, 0, 1, 1, True),
        (2, 3, 3, 5, 4, 3, 1, 1, 0, 1, 1, True),
        (1, 4, 2, 4, 5, 3, 2, 1, 1, 1, 1, True),
        (2, 4, 6, 3, 4, 3, 2, 0, 0, 1, 2, True),
        (2, 2, 4, 5, 5, 3, (2, 1), 1, (1, 0), 1, 1, False),
        (1, 2, 2, 4, 4, 3, 1, 2, 0, 1, 1, True),
        (2, 3, 2, 4, 3, 3, 1, 1, 1, 2, 1, True),     # output_padding < dilation (stride 1)
        (2, 4, 4, 3, 5, 3, 2, 2, 1, 2, 2, True),
        (2, 8, 4, 7, 7, 4, 2, 1, 0, 1, 1, True),     # dcgan28 gen deconv1 scaled (128->64, 7->14)
        (2, 4, 1, 7, 7, 4, 2, 1, 0, 1, 1, True),     # dcgan28 gen deconv2 scaled (64->1, ->14)
        (1, 2, 3, 4, 4, 4, 1, 0, 0, 1, 1, True),
        (2, 4, 2, 5, 4, 4, 2, 2, 1, 1, 2, False),
        (1, 3, 3, 3, 5, 4, (2, 1), 1, 0, 1, 1, True),
        (2, 2, 2, 4, 4, 4, 2, 1, 1, 2, 2, True),
        (2, 2, 3, 4, 5, (3, 2), 1, 0, 0, 1, 1, True),
        (1, 4, 4, 5, 4, (3, 2), 2, 1, 1, 1, 2, True),
        (2, 3, 2, 4, 4, (3, 2), (2, 1), 1, (1, 0), 1, 1, False),
        (2, 2, 4, 3, 3, (3, 2), 2, 2, 1, 2, 2, True),
        (1, 1, 4, 5, 5, 3, 2, 0, 1, 1, 1, True),
        (3, 2, 2, 3, 3, 4, 2, 0, 0, 1, 2, True),
        (2, 6, 4, 4, 6, 3, 1, 0, 0, 2, 2, False),
        (1, 2, 6, 6, 5, 1, 1, 0, 0, 1, 2, True),
        (2, 4, 4, 4, 4, 3, 2, 1, 0, 2, 1, True),
        (2, 3, 5, 5, 3, 4, 1, 2, 0, 2, 1, True),
        (1, 4, 8, 3, 4, 4, (2, 1), 1, (1, 0), 1, 2, True),
        (2, 2, 2, 5, 5, (3, 2), 1, 1, 0, 2, 1, False),
        (2, 1, 2, 2, 2, 3, 2, 0, 1, 1, 1, True),
        (1, 8, 8, 4, 3, 3, 2, 1, 1, 1, 2, True),
    ]
    for (n, cin, cout, h, w, k, s, p, op, d, g, bias) in grid:
        k, s, p, op, d = pair(k), pair(s), pair(p), pair(op), pair(d)
        assert cin % g == 0 and cout % g == 0
        for i in range(2):
            assert op[i] < s[i] or op[i] < d[i], (s, d, op)
            o = ((h, w)[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1
            assert o >= 1, (h, w, k, s, p, op, d)
        x = randn(n, cin, h, w)
        wt = randn(cin, cout // g, k[0], k[1])
        b = randn(cout) if bias else None
        xs, ws = f64(x), f64(wt)
        bs = f64(b) if bias else None
        y = F.conv_transpose2d(xs, ws, bs, tuple(s), tuple(p), tuple(op), g, tuple(d))
        gy = randn(*y.shape)
        ins = [xs, ws] + ([bs] if bias else [])
        gr = grads(y, ins, gy)
        params = {"op": "conv_transpose2d", "kernel": k, "stride": s, "padding": p,
                  "output_padding": op, "dilation": d, "groups": g, "bias": bias}
        fx.case(params, x=x, w=wt, b=b, y=y, gy=gy, dx=gr[0], dw=gr[1],
                db=gr[2] if bias else None)


def group_matmul(fx):
    import torch
    shapes = [
        ([3, 4], [4, 5]),
        ([1, 1], [1, 1]),
        ([4], [4, 3]),
        ([3, 4], [4]),
        ([4], [4]),
        ([2, 3, 4], [2, 4, 5]),
        ([2, 3, 4], [4, 5]),
        ([1, 3, 4], [2, 4, 5]),
        ([2, 1, 3, 4], [1, 3, 4, 2]),
        ([17, 33], [33, 19]),
    ]
    for sa, sb in shapes:
        a, b = randn(*sa), randn(*sb)
        as_, bs = f64(a), f64(b)
        y = torch.matmul(as_, bs)
        gy = randn(*y.shape)
        da, db = grads(y, [as_, bs], gy)
        fx.case({"op": "matmul", "a_shape": sa, "b_shape": sb},
                a=a, b=b, y=y, gy=gy, da=da, db=db)


def group_pool(fx):
    import torch
    import torch.nn.functional as F
    n, c = 2, 3
    i = 0
    for op in ("avg_pool2d", "max_pool2d"):
        for k in (2, 3):
            for s in (1, 2):
                for p in (0, 1):
                    if p > k // 2:
                        continue
                    cips = (True, False) if (op == "avg_pool2d" and p > 0) else (True,)
                    for cip in cips:
                        hw = 6 if i % 2 == 0 else 7
                        i += 1
                        if op == "max_pool2d":
                            # distinct values -> unique argmax in every window
                            m = n * c * hw * hw
                            perm = torch.randperm(m).to(torch.float32)
                            x = ((perm + 0.5) / m * 4.0 - 2.0).reshape(n, c, hw, hw)
                        else:
                            x = randn(n, c, hw, hw)
                        xs = f64(x)
                        if op == "avg_pool2d":
                            y = F.avg_pool2d(xs, k, s, p, ceil_mode=False, count_include_pad=cip)
                            params = {"op": op, "kernel": pair(k), "stride": pair(s),
                                      "padding": pair(p), "count_include_pad": cip,
                                      "ceil_mode": False}
                        else:
                            y = F.max_pool2d(xs, k, s, p, dilation=1, ceil_mode=False)
                            params = {"op": op, "kernel": pair(k), "stride": pair(s),
                                      "padding": pair(p), "dilation": [1, 1], "ceil_mode": False}
                        gy = randn(*y.shape)
                        (dx,) = grads(y, [xs], gy)
                        fx.case(params, x=x, y=y, gy=gy, dx=dx)


def group_upsample(fx):
    import torch.nn.functional as F
    cases = [
        ("nearest", {"scale": 2}, [2, 3, 4, 5]),
        ("nearest", {"scale": 3}, [1, 2, 3, 4]),
        ("bilinear", {"scale": 2, "align_corners": False}, [2, 3, 4, 5]),
        ("bilinear", {"scale": 2, "align_corners": True}, [2, 3, 4, 5]),
        ("bilinear", {"size": [7, 5], "align_corners": False}, [2, 2, 4, 3]),
        ("bilinear", {"size": [7, 5], "align_corners": True}, [2, 2, 4, 3]),
        ("avgdown2", {"scale": 2}, [2, 3, 6, 8]),
    ]
    for op, extra, shape in cases:
        x = randn(*shape)
        xs = f64(x)
        if op == "nearest":
            y = F.interpolate(xs, scale_factor=extra["scale"], mode="nearest")
        elif op == "bilinear":
            if "size" in extra:
                y = F.interpolate(xs, size=tuple(extra["size"]), mode="bilinear",
                                  align_corners=extra["align_corners"])
            else:
                y = F.interpolate(xs, scale_factor=extra["scale"], mode="bilinear",
                                  align_corners=extra["align_corners"])
        else:
            y = F.avg_pool2d(xs, 2)
        gy = randn(*y.shape)
        (dx,) = grads(y, [xs], gy)
        params = {"op": op}
        params.update(extra)
        fx.case(params, x=x, y=y, gy=gy, dx=dx)


def group_softmax(fx):
    import torch
    import torch.nn.functional as F
    inputs = [("randn", [3, 5]), ("randn", [2, 3, 4]), ("large", [3, 5]), ("large", [2, 3, 4])]
    for kind, shape in inputs:
        dims = (0, 1, -1) if kind == "randn" else (0, -1)
        for op in ("softmax", "log_softmax"):
            for dim in dims:
                if kind == "randn":
                    x = randn(*shape)
                else:  # values in [50, 100): exp overflows float32 without max-subtraction
                    x = torch.rand(list(shape), dtype=torch.float32) * 50.0 + 50.0
                xs = f64(x)
                y = (F.softmax if op == "softmax" else F.log_softmax)(xs, dim=dim)
                gy = randn(*y.shape)
                (dx,) = grads(y, [xs], gy)
                fx.case({"op": op, "dim": dim, "input": kind}, x=x, y=y, gy=gy, dx=dx)


# ---------------------------------------------------------------- dcgan28 discriminator
def _torch_models():
    import torch.nn as nn

    # Copied verbatim from /work/shared/bench/torch_bench.py (class DC28Disc).
    class DC28Disc(nn.Module):
        def __init__(self, batchnorm=True):
            super().__init__()
            layers = [nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2, True), nn.Conv2d(64, 128, 4, 2, 1)]
            if batchnorm:
                layers.append(nn.BatchNorm2d(128))
            layers += [nn.LeakyReLU(0.2, True), nn.Flatten(), nn.Linear(128 * 7 * 7, 1)]
            self.net = nn.Sequential(*layers)

        def forward(self, x):
            return self.net(x)

    return DC28Disc


def _disc_meta(batchnorm, **extra):
    m = {"model": "DC28Disc", "batchnorm": batchnorm, "mode": "train",
         "layers": "Conv2d(1,64,k4,s2,p1) LeakyReLU(0.2) Conv2d(64,128,k4,s2,p1)"
                   + (" BatchNorm2d(128)" if batchnorm else "")
                   + " LeakyReLU(0.2) Flatten Linear(6272,1)",
         "leaky_relu_slope": 0.2}
    if batchnorm:
        m.update({"bn_eps": 1e-5, "bn_momentum": 0.1,
                  "bn_running_var": "unbiased batch variance; normalisation uses biased"})
    m.update(extra)
    return json.dumps(m, separators=(",", ":"))


def _state_float(model):
    """state_dict entries except num_batches_tracked, float32 copies, in state_dict order."""
    return [(k, v.detach().clone()) for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")]


def _make_disc(batchnorm):
    """Seeded default-init DC28Disc (float32); call right after torch.manual_seed(0)."""
    DC28Disc = _torch_models()
    return DC28Disc(batchnorm=batchnorm)


def group_dcgan28_disc(fx):
    import torch
    model = _make_disc(True)
    before = _state_float(model)
    x = torch.rand(4, 1, 28, 28, dtype=torch.float32) * 2 - 1
    for k, v in before:
        fx.add("weights." + k, v)
    fx.add("x", x)
    m = model.double().train()
    xs = f64(x)
    out = m(xs)
    params = list(m.named_parameters())
    gr = torch.autograd.grad(out.sum(), [p for _, p in params] + [xs])
    fx.add("out", out)
    for k, v in m.state_dict().items():
        if k.endswith("running_mean") or k.endswith("running_var"):
            fx.add("after." + k, v)
    for (k, _), g in zip(params, gr[:-1]):
        fx.add("grad." + k, g)
    fx.add("grad.x", gr[-1])
    fx.meta["model"] = _disc_meta(True, loss="out.sum()",
                                  x="U(-1,1) [4,1,28,28]",
                                  tensors="weights.<state_dict name> (before forward), x, out [4,1], "
                                          "after.<running stat> (after the forward), "
                                          "grad.<param name>, grad.x")


def _gp(fx, prefix, batchnorm):
    import torch
    model = _make_disc(batchnorm)
    weights = _state_float(model)
    real = torch.rand(4, 1, 28, 28, dtype=torch.float32) * 2 - 1
    fake = torch.rand(4, 1, 28, 28, dtype=torch.float32) * 2 - 1
    alpha = torch.rand(4, 1, 1, 1, dtype=torch.float32)
    m = model.double().train()
    r, f, a = real.double(), fake.double(), alpha.double()
    x_hat = (a * r + (1 - a) * f).requires_grad_(True)
    d = m(x_hat)
    g = torch.autograd.grad(d.sum(), x_hat, create_graph=True)[0]
    penalty = ((g.view(4, -1).norm(2, dim=1) - 1) ** 2).mean()
    params = list(m.named_parameters())
    # the last Linear's bias does not influence d D / d x_hat: its gradient is exactly zero
    gp = torch.autograd.grad(penalty, [p for _, p in params], allow_unused=True,
                             materialize_grads=True)
    for k, v in weights:
        fx.add(prefix + "weights." + k, v)
    fx.add(prefix + "real", real)
    fx.add(prefix + "fake", fake)
    fx.add(prefix + "alpha", alpha)
    fx.add(prefix + "penalty", penalty)
    fx.add(prefix + "gradx", g)
    for (k, _), v in zip(params, gp):
        fx.add(prefix + "grad." + k, v)
    name = prefix.rstrip(".")
    fx.cases.append(name)
    fx.meta[name] = _disc_meta(
        batchnorm,
        real="U(-1,1) [4,1,28,28]", fake="U(-1,1) [4,1,28,28]", alpha="U(0,1) [4,1,1,1]",
        x_hat="alpha*real + (1-alpha)*fake",
        gradx="autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)",
        penalty="((gradx.view(4,-1).norm(2,dim=1) - 1)**2).mean()",
        tensors=("{p}weights.<state_dict name>, {p}real, {p}fake, {p}alpha, {p}penalty [], "
                 "{p}gradx, {p}grad.<param name> (d penalty / d param)").format(p=prefix))


def group_dcgan28_gp(fx):
    _gp(fx, "gp.", batchnorm=False)


def group_dcgan28_gpbn(fx):
    # Same seed and construction as group_dcgan28_disc -> identical weights to part a.
    _gp(fx, "gpbn.", batchnorm=True)


GROUPS = {
    "conv2d": group_conv2d,
    "conv_transpose2d": group_conv_transpose2d,
    "matmul": group_matmul,
    "pool": group_pool,
    "upsample": group_upsample,
    "softmax": group_softmax,
    "dcgan28_disc": group_dcgan28_disc,
    "dcgan28_gp": group_dcgan28_gp,
    "dcgan28_gpbn": group_dcgan28_gpbn,
}


# ------------------------------------------------------------------------------------ checker
def read_safetensors(path):
    """Independent minimal reader: returns (metadata, {name: np.ndarray}); validates layout."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("file too short")
    (n,) = struct.unpack("<Q", raw[:8])
    if n % 8 != 0 or 8 + n > len(raw):
        raise ValueError("bad header length %d" % n)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        raise ValueError("metadata must map str -> str")
    spans = []
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError("%s: dtype %s" % (name, info["dtype"]))
        b, e = info["data_offsets"]
        shape = info["shape"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if e - b != 4 * count or b < 0 or e > len(data):
            raise ValueError("%s: offsets %s vs shape %s" % (name, (b, e), shape))
        spans.append((b, e, name))
        out[name] = np.frombuffer(data, dtype="<f4", count=count, offset=b).reshape(shape)
    spans.sort()
    pos = 0
    for b, e, name in spans:
        if b != pos:
            raise ValueError("%s: gap/overlap at %d (expected %d)" % (name, b, pos))
        pos = e
    if pos != len(data):
        raise ValueError("data section %d bytes, tensors cover %d" % (len(data), pos))
    return meta, out


def check_file(path):
    meta, ts = read_safetensors(path)
    cases = json.loads(meta["cases"])
    for t, a in ts.items():
        if not np.all(np.isfinite(a)):
            raise ValueError("%s: non-finite values" % t)
    for c in cases:
        json.loads(meta[c])
        roles = {k[len(c) + 1:]: v for k, v in ts.items() if k.startswith(c + ".")}
        if not roles:
            raise ValueError("case %s has no tensors" % c)
        # gradient roles must match their input's shape; gy must match y
        for r, v in roles.items():
            if r == "gy" and v.shape != roles["y"].shape:
                raise ValueError("%s.gy shape" % c)
            if r.startswith("d") and r[1:] in roles and v.shape != roles[r[1:]].shape:
                raise ValueError("%s.%s shape" % (c, r))
    for t, a in ts.items():  # 0-d results must stay 0-d (shape [])
        if t.endswith(".penalty") or (meta.get("group") == "matmul"
                                      and t.split(".")[1] in ("y", "gy")
                                      and ts[t.split(".")[0] + ".a"].ndim == 1
                                      and ts[t.split(".")[0] + ".b"].ndim == 1):
            if a.shape != ():
                raise ValueError("%s: expected shape [], got %s" % (t, list(a.shape)))
    if meta.get("group") != "dcgan28_disc":
        prefixes = {k.split(".", 1)[0] for k in ts}
        if not prefixes <= set(cases):
            raise ValueError("tensors outside listed cases: %s" % sorted(prefixes - set(cases)))
    else:  # parameter gradients match the weights they belong to
        for k, v in ts.items():
            if k.startswith("grad.") and k != "grad.x" and v.shape != ts["weights." + k[5:]].shape:
                raise ValueError("%s shape" % k)
    return len(cases), len(ts)


def check_dir(out, groups):
    ok = True
    total = 0
    for g in groups:
        path = os.path.join(out, g + ".safetensors")
        try:
            nc, nt = check_file(path)
            size = os.path.getsize(path)
            total += size
            flag = "" if size < MAX_FILE_BYTES else "  (OVER %d)" % MAX_FILE_BYTES
            print("check ok  %-28s %9d bytes  %3d cases  %4d tensors%s" % (g + ".safetensors", size, nc, nt, flag))
            ok &= size < MAX_FILE_BYTES
        except Exception as e:  # noqa: BLE001
            print("check FAIL %s: %s" % (path, e))
            ok = False
    allsize = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out)
                  if os.path.isfile(os.path.join(out, f)))
    print("total %d bytes in %s (limit %d)" % (allsize, out, MAX_TOTAL_BYTES))
    ok &= allsize < MAX_TOTAL_BYTES
    return ok


# ------------------------------------------------------------------------------------ main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default %(default)s)")
    ap.add_argument("--only", default="", help="comma-separated groups: " + ",".join(GROUPS))
    ap.add_argument("--check", action="store_true", help="only verify existing files, do not generate")
    args = ap.parse_args(argv)

    groups = [g.strip() for g in args.only.split(",") if g.strip()] or list(GROUPS)
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        ap.error("unknown group(s) %s; known: %s" % (bad, ", ".join(GROUPS)))

    if not args.check:
        import torch
        torch.set_num_threads(1)
        torch.use_deterministic_algorithms(True)
        os.makedirs(args.out, exist_ok=True)
        for g in groups:
            torch.manual_seed(0)
            fx = Fixture(g)
            fx.meta["generator"] = "scripts/make_fixtures.py, torch " + torch.__version__.split("+")[0]
            GROUPS[g](fx)
            path = os.path.join(args.out, g + ".safetensors")
            size = fx.write(path)
            print("wrote %-40s %9d bytes" % (os.path.relpath(path), size))
    return 0 if check_dir(args.out, groups) else 1


if __name__ == "__main__":
    sys.exit(main())
