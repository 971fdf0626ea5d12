#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for the GANLayers tests, and check Swift checkpoints.

What it makes (in Tests/Fixtures)
---------------------------------
Layer parity files, in make_fixtures.py's format (F32 only; ``<case>.<role>`` tensors, the case
list and each case's JSON parameters in ``__metadata__``):

    layers_core.safetensors   Linear, Conv2d, ConvTranspose2d, Embedding, activations, Flatten,
                              Upsample, AvgPool2d, Pad2d
    layers_norm.safetensors   BatchNorm1d/2d (train, eval, cumulative momentum, no affine),
                              InstanceNorm2d (affine, running stats), LayerNorm, GroupNorm, PixelNorm
    layers_gan.safetensors    spectral norm (Linear, Conv2d, ConvTranspose2d, Embedding; train and
                              eval), EqualizedLinear/Conv2d, MinibatchStdDev, SelfAttention2d,
                              ConditionalBatchNorm2d (classes / vector + SN), AdaIN, ModulatedConv2d
    layers_pool.safetensors   PReLU (one slope, per channel), MaxPool2d (CoGAN's layers)
    layers_optim.safetensors  20-step trajectories of SGD (momentum, Nesterov, dampening), Adam
                              (plain, weight decay, AMSGrad, AdamW) and RMSprop (plain, centred +
                              momentum) on Linear(4,8)-Tanh-Linear(8,3)

Case roles: ``state.<name>`` the module's state_dict before the forward passes (the Swift test
loads it with strict=True, which also checks the names); ``x`` the input (``labels`` for integer
inputs, stored as floats), ``x2`` a second input (style / conditioning); ``y`` the output of the
last of ``forwards`` forward passes; ``gy`` a random upstream gradient; ``dx`` / ``dx2`` and
``grad.<param name>`` the gradients of ``(y * gy).sum()``; ``after.<buffer name>`` the buffers
after the forward passes (running statistics, ``num_batches_tracked``, ``weight_u``/``weight_v``).
Parameters of a case: {"layer": <Swift class>, "args": {Swift initialiser arguments}, "mode":
"train"|"eval", "forwards": n}. Values are computed in float64 from float32 inputs and weights.

Interchange files:

    layers_interchange_torch.safetensors  ``safetensors.torch.save_file(net.state_dict())`` of
                                          InterchangeNet after 3 training forwards (BatchNorm,
                                          spectral norm, InstanceNorm, GroupNorm, attention, ...)
    layers_interchange_io.safetensors     its input ``x`` and outputs ``y_eval`` (eval mode) and
                                          ``y_train`` (one training forward from the saved state)
    layers_dtypes.safetensors             save_file of F32 / F16 / BF16 / I64 tensors and their
                                          float32 values (``src``, ``src_f16`` = src.half(), ...)

    layers_interchange_swift.safetensors  a checkpoint of the same model written by the Swift test
                                          (GANLayers' SafeTensors writer), with its input and Swift
                                          outputs in layers_interchange_swift_io.safetensors;
                                          ``--check`` loads it into PyTorch strictly and compares

Checking a checkpoint written by the Swift side (Swift -> PyTorch):

    GAN_LAYERS_EXPORT_DIR=/tmp/x swift test ... --filter GANLayersTests.InterchangeTests
    /tmp/torch-venv/bin/python scripts/make_layer_fixtures.py --check-swift-checkpoint /tmp/x/swift_checkpoint.safetensors

loads the file into PyTorch's InterchangeNet with ``load_state_dict(..., strict=True)`` and
compares its eval and train outputs on the input in ``<file>_io.safetensors`` (written by the
Swift test next to it) with the Swift outputs stored there.

Run:
    /tmp/torch-venv/bin/python scripts/make_layer_fixtures.py              # all, then verify
    /tmp/torch-venv/bin/python scripts/make_layer_fixtures.py --only layers_gan
    /tmp/torch-venv/bin/python scripts/make_layer_fixtures.py --check      # only verify
Needs torch (see make_fixtures.py) and the ``safetensors`` package for the interchange files.
Deterministic: torch.manual_seed(0) before every group, one thread.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import DEFAULT_OUT, Fixture, read_safetensors  # noqa: E402

MAX_FILE_BYTES = 1_500_000
MAX_TOTAL_BYTES = 6_000_000


# ------------------------------------------------------------------------------ reference modules
def reference_modules():
    """PyTorch modules for the layers torch.nn lacks, with the names the Swift layers use."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils import spectral_norm

    class EqualLinear(nn.Module):  # rosinality stylegan2-pytorch
        def __init__(self, in_dim, out_dim, bias=True, bias_init=0.0, gain=1.0, lr_mul=1.0):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(out_dim, in_dim).div_(lr_mul))
            self.bias = nn.Parameter(torch.zeros(out_dim).fill_(bias_init)) if bias else None
            self.scale = gain / math.sqrt(in_dim) * lr_mul
            self.lr_mul = lr_mul

        def forward(self, x):
            b = self.bias * self.lr_mul if self.bias is not None else None
            return F.linear(x, self.weight * self.scale, b)

    class EqualConv2d(nn.Module):
        def __init__(self, cin, cout, k, stride=1, padding=0, bias=True, gain=1.0):
            super().__init__()
            self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
            self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
            self.scale = gain / math.sqrt(cin * k * k)
            self.stride, self.padding = stride, padding

        def forward(self, x):
            return F.conv2d(x, self.weight * self.scale, self.bias, stride=self.stride, padding=self.padding)

    class PixelNorm(nn.Module):
        def forward(self, x):
            return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)

    class MinibatchStdDev(nn.Module):
        def __init__(self, group=4, feat=1):
            super().__init__()
            self.group, self.feat = group, feat

        def forward(self, out):
            batch, channel, height, width = out.shape
            group = min(batch, self.group)
            stddev = out.view(group, -1, self.feat, channel // self.feat, height, width)
            stddev = torch.sqrt(stddev.var(0, unbiased=False) + 1e-8)
            stddev = stddev.mean([2, 3, 4], keepdim=True).squeeze(2)
            stddev = stddev.repeat(group, 1, height, width)
            return torch.cat([out, stddev], 1)

    class SelfAttention2d(nn.Module):  # heykeetae/Self-Attention-GAN
        def __init__(self, c, reduction=8, sn=False):
            super().__init__()
            wrap = spectral_norm if sn else (lambda m: m)
            ca = max(c // reduction, 1)
            self.query_conv = wrap(nn.Conv2d(c, ca, 1))
            self.key_conv = wrap(nn.Conv2d(c, ca, 1))
            self.value_conv = wrap(nn.Conv2d(c, c, 1))
            self.gamma = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            b, c, h, w = x.shape
            q = self.query_conv(x).view(b, -1, h * w).permute(0, 2, 1)
            k = self.key_conv(x).view(b, -1, h * w)
            attention = torch.softmax(torch.bmm(q, k), dim=-1)
            v = self.value_conv(x).view(b, -1, h * w)
            out = torch.bmm(v, attention.permute(0, 2, 1)).view(b, c, h, w)
            return self.gamma * out + x

    class ConditionalBatchNorm2d(nn.Module):
        def __init__(self, c, classes=None, vector=None, sn=False):
            super().__init__()
            self.bn = nn.BatchNorm2d(c, affine=False)
            self.classes = classes
            if classes is not None:
                self.gain = nn.Embedding(classes, c)
                self.bias = nn.Embedding(classes, c)
                nn.init.ones_(self.gain.weight)
                nn.init.zeros_(self.bias.weight)
            else:
                wrap = spectral_norm if sn else (lambda m: m)
                self.gain = wrap(nn.Linear(vector, c, bias=False))
                self.bias = wrap(nn.Linear(vector, c, bias=False))

        def forward(self, x, y):
            n, c = x.shape[:2]
            out = self.bn(x)
            if self.classes is not None:
                return out * self.gain(y).view(n, c, 1, 1) + self.bias(y).view(n, c, 1, 1)
            return out * (1 + self.gain(y).view(n, c, 1, 1)) + self.bias(y).view(n, c, 1, 1)

    class AdaptiveInstanceNorm2d(nn.Module):  # rosinality style-based-gan-pytorch
        def __init__(self, c, style_dim):
            super().__init__()
            self.norm = nn.InstanceNorm2d(c)
            self.style = EqualLinear(style_dim, 2 * c)
            self.style.bias.data[:c] = 1
            self.style.bias.data[c:] = 0

        def forward(self, x, style):
            gamma, beta = self.style(style).unsqueeze(2).unsqueeze(3).chunk(2, 1)
            return gamma * self.norm(x) + beta

    class ModulatedConv2d(nn.Module):  # rosinality stylegan2-pytorch, no up/down-sampling
        def __init__(self, cin, cout, k, style_dim, demodulate=True):
            super().__init__()
            self.eps, self.k, self.cin, self.cout = 1e-8, k, cin, cout
            self.scale = 1 / math.sqrt(cin * k * k)
            self.padding = k // 2
            self.weight = nn.Parameter(torch.randn(1, cout, cin, k, k))
            self.modulation = EqualLinear(style_dim, cin, bias_init=1)
            self.demodulate = demodulate

        def forward(self, x, style):
            batch, cin, height, width = x.shape
            style = self.modulation(style).view(batch, 1, cin, 1, 1)
            weight = self.scale * self.weight * style
            if self.demodulate:
                demod = torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8)
                weight = weight * demod.view(batch, self.cout, 1, 1, 1)
            weight = weight.view(batch * self.cout, cin, self.k, self.k)
            out = F.conv2d(x.view(1, batch * cin, height, width), weight, padding=self.padding, groups=batch)
            return out.view(batch, self.cout, out.shape[2], out.shape[3])

    class InterchangeNet(nn.Module):
        """The model of the interchange test (same structure as the Swift test's InterchangeNet)."""

        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(4, 6, 3, 1, 0),           # [N,4,2,2] -> [N,6,4,4]
                nn.BatchNorm2d(6),
                nn.ReLU(),
                spectral_norm(nn.Conv2d(6, 8, 3, 1, 1)),
                nn.LeakyReLU(0.2),
                nn.InstanceNorm2d(8, affine=True),
                nn.Conv2d(8, 8, 4, 2, 1, bias=False),        # -> [N,8,2,2]
                nn.GroupNorm(2, 8),
            )
            self.attn = SelfAttention2d(8)
            self.head = nn.Sequential(
                nn.Flatten(),
                spectral_norm(nn.Linear(32, 6)),
                nn.BatchNorm1d(6),
                nn.Tanh(),
                nn.Linear(6, 3),
            )

        def forward(self, x):
            return self.head(self.attn(self.main(x)))

    return dict(EqualLinear=EqualLinear, EqualConv2d=EqualConv2d, PixelNorm=PixelNorm,
                MinibatchStdDev=MinibatchStdDev, SelfAttention2d=SelfAttention2d,
                ConditionalBatchNorm2d=ConditionalBatchNorm2d,
                AdaptiveInstanceNorm2d=AdaptiveInstanceNorm2d, ModulatedConv2d=ModulatedConv2d,
                InterchangeNet=InterchangeNet)


# ------------------------------------------------------------------------------ case runner
def randomize(module, skip=()):
    """Non-trivial float32 values for every parameter (norm weights and gains around 1)."""
    import torch
    with torch.no_grad():
        for name, p in module.named_parameters():
            if any(name.endswith(s) for s in skip):
                continue
            leaf = name.split(".")[-1]
            is_gain = leaf == "weight" and p.dim() == 1 or name.endswith("gain.weight") or leaf == "gamma"
            p.copy_((1 + 0.3 * torch.randn_like(p)) if is_gain else 0.5 * torch.randn_like(p))


def layer_case(fx, layer, args, module, inputs, mode="train", forwards=1, extra_input=None,
               integer_input=False, prepare=None):
    """Run `module` (float32-initialised) in float64 and store one case.

    inputs: x (float tensor, or LongTensor labels when integer_input); extra_input: x2 or None.
    """
    import torch
    if prepare is not None:
        prepare(module)
    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    m = module.double()
    m.train(mode == "train")
    tensors = {}
    for k, v in state.items():
        tensors["state." + k] = v
    if integer_input:
        x = inputs
        tensors["labels"] = inputs.to(torch.float64)
    else:
        tensors["x"] = inputs
        x = inputs.to(torch.float64).requires_grad_(True)
    x2 = None
    if extra_input is not None:
        if extra_input.dtype == torch.long:
            x2 = extra_input
            tensors["labels"] = extra_input.to(torch.float64)
        else:
            tensors["x2"] = extra_input
            x2 = extra_input.to(torch.float64).requires_grad_(True)
    for _ in range(forwards):
        y = m(x) if x2 is None else m(x, x2)
    gy = torch.randn(y.shape, dtype=torch.float32)
    wrt, names = [], []
    if not integer_input:
        wrt.append(x), names.append("dx")
    if x2 is not None and x2.dtype != torch.long:
        wrt.append(x2), names.append("dx2")
    for name, p in m.named_parameters():
        wrt.append(p), names.append("grad." + name)
    grads = torch.autograd.grad(y, wrt, grad_outputs=gy.to(torch.float64), allow_unused=True,
                                materialize_grads=True)
    tensors["y"] = y
    tensors["gy"] = gy
    for n, g in zip(names, grads):
        tensors[n] = g
    for name, b in m.named_buffers():
        tensors["after." + name] = b
    fx.case({"layer": layer, "args": args, "mode": mode, "forwards": forwards}, **tensors)


def randn(*shape):
    import torch
    return torch.randn(list(shape), dtype=torch.float32)


# ------------------------------------------------------------------------------ groups
def group_layers_core(fx):
    import torch
    import torch.nn as nn
    for (i, o, bias, shape) in [(5, 4, True, (3, 5)), (5, 3, False, (2, 3, 5))]:
        layer_case(fx, "Linear", {"inputFeatures": i, "outputFeatures": o, "bias": bias},
                   nn.Linear(i, o, bias=bias), randn(*shape))
    for (cin, cout, k, s, p, d, g, bias, hw) in [(3, 4, 3, 1, 1, 1, 1, True, 6), (4, 6, 4, 2, 1, 1, 1, False, 8),
                                                  (4, 6, 3, 1, 2, 2, 2, True, 7)]:
        layer_case(fx, "Conv2d", {"inputChannels": cin, "outputChannels": cout, "kernelSize": k, "stride": s,
                                  "padding": p, "dilation": d, "groups": g, "bias": bias},
                   nn.Conv2d(cin, cout, k, s, p, dilation=d, groups=g, bias=bias), randn(2, cin, hw, hw))
    for (cin, cout, k, s, p, op, g, bias, hw) in [(4, 3, 4, 2, 1, 0, 1, True, 4), (3, 2, 3, 2, 1, 1, 1, False, 3),
                                                   (4, 6, 3, 1, 0, 0, 2, True, 3)]:
        layer_case(fx, "ConvTranspose2d", {"inputChannels": cin, "outputChannels": cout, "kernelSize": k,
                                           "stride": s, "padding": p, "outputPadding": op, "groups": g,
                                           "bias": bias},
                   nn.ConvTranspose2d(cin, cout, k, s, p, output_padding=op, groups=g, bias=bias),
                   randn(2, cin, hw, hw))
    layer_case(fx, "Embedding", {"entries": 6, "dimension": 4}, nn.Embedding(6, 4),
               torch.tensor([0, 5, 2, 2, 3]), integer_input=True)
    x = randn(2, 3, 4, 4)
    for name, module, args in [("ReLU", nn.ReLU(), {}), ("LeakyReLU", nn.LeakyReLU(0.2), {"negativeSlope": 0.2}),
                               ("Tanh", nn.Tanh(), {}), ("Sigmoid", nn.Sigmoid(), {}),
                               ("ELU", nn.ELU(0.7), {"alpha": 0.7}), ("Softplus", nn.Softplus(), {}),
                               ("Flatten", nn.Flatten(), {}),
                               ("Upsample", nn.Upsample(scale_factor=2, mode="nearest"), {"scale": 2, "mode": "nearest"}),
                               ("Upsample", nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                {"scale": 2, "mode": "bilinear"}),
                               ("AvgPool2d", nn.AvgPool2d(2), {"kernelSize": 2}),
                               ("Pad2d", nn.ReflectionPad2d(1), {"amount": 1, "mode": "reflect"})]:
        layer_case(fx, name, args, module, x)


def group_layers_norm(fx):
    import torch
    import torch.nn as nn

    def running(m):
        """Random running statistics (eval-mode cases) and a batch count."""
        with torch.no_grad():
            m.running_mean.copy_(torch.randn_like(m.running_mean))
            m.running_var.copy_(0.5 + torch.rand_like(m.running_var))
            m.num_batches_tracked.fill_(3)

    def affine_and_running(m):
        randomize(m)
        running(m)

    x4 = randn(4, 3, 3, 3) * 2 + 0.5
    for mode in ("train", "eval"):
        layer_case(fx, "BatchNorm2d", {"features": 3}, nn.BatchNorm2d(3), x4, mode=mode, forwards=2,
                   prepare=affine_and_running)
    layer_case(fx, "BatchNorm2d", {"features": 3, "momentum": None, "affine": False},
               nn.BatchNorm2d(3, momentum=None, affine=False), x4, forwards=2, prepare=running)
    layer_case(fx, "BatchNorm2d", {"features": 3, "momentum": 0.3, "epsilon": 1e-3},
               nn.BatchNorm2d(3, momentum=0.3, eps=1e-3), x4, prepare=affine_and_running)
    for mode in ("train", "eval"):
        layer_case(fx, "BatchNorm1d", {"features": 5}, nn.BatchNorm1d(5), randn(6, 5), mode=mode, forwards=2,
                   prepare=affine_and_running)
    layer_case(fx, "BatchNorm1d", {"features": 3}, nn.BatchNorm1d(3), randn(4, 3, 5), forwards=1,
               prepare=affine_and_running)
    layer_case(fx, "InstanceNorm2d", {"features": 3}, nn.InstanceNorm2d(3), x4)
    layer_case(fx, "InstanceNorm2d", {"features": 3, "affine": True}, nn.InstanceNorm2d(3, affine=True), x4,
               prepare=randomize)
    for mode in ("train", "eval"):
        layer_case(fx, "InstanceNorm2d", {"features": 3, "affine": True, "trackRunningStatistics": True},
                   nn.InstanceNorm2d(3, affine=True, track_running_stats=True), x4, mode=mode, forwards=2,
                   prepare=affine_and_running)
    layer_case(fx, "LayerNorm", {"normalizedShape": [3, 3, 3]}, nn.LayerNorm([3, 3, 3]), x4, prepare=randomize)
    layer_case(fx, "LayerNorm", {"normalizedShape": [5], "elementwiseAffine": False},
               nn.LayerNorm(5, elementwise_affine=False), randn(2, 3, 5))
    layer_case(fx, "GroupNorm", {"groups": 2, "channels": 4}, nn.GroupNorm(2, 4), randn(2, 4, 3, 3),
               prepare=randomize)
    ref = reference_modules()
    layer_case(fx, "PixelNorm", {}, ref["PixelNorm"](), randn(3, 5, 2, 2))


def group_layers_gan(fx):
    import torch
    import torch.nn as nn
    from torch.nn.utils import spectral_norm
    ref = reference_modules()
    # Spectral normalisation: two training forwards (two power iterations), and eval.
    for mode, forwards in (("train", 2), ("eval", 1)):
        layer_case(fx, "SpectralNorm.Linear", {"inputFeatures": 5, "outputFeatures": 4},
                   spectral_norm(nn.Linear(5, 4)), randn(3, 5), mode=mode, forwards=forwards)
        layer_case(fx, "SpectralNorm.Conv2d", {"inputChannels": 3, "outputChannels": 4, "kernelSize": 3,
                                               "padding": 1},
                   spectral_norm(nn.Conv2d(3, 4, 3, 1, 1)), randn(2, 3, 5, 5), mode=mode, forwards=forwards)
        layer_case(fx, "SpectralNorm.ConvTranspose2d", {"inputChannels": 4, "outputChannels": 3, "kernelSize": 4,
                                                        "stride": 2, "padding": 1},
                   spectral_norm(nn.ConvTranspose2d(4, 3, 4, 2, 1)), randn(2, 4, 3, 3), mode=mode,
                   forwards=forwards)
    layer_case(fx, "SpectralNorm.Embedding", {"entries": 5, "dimension": 6},
               spectral_norm(nn.Embedding(5, 6)), torch.tensor([4, 0, 2]), integer_input=True, forwards=2)
    layer_case(fx, "EqualizedLinear", {"inputFeatures": 6, "outputFeatures": 4, "learningRateMultiplier": 0.01,
                                       "gain": 1.4142135623730951},
               ref["EqualLinear"](6, 4, gain=math.sqrt(2), lr_mul=0.01), randn(3, 6), prepare=randomize)
    layer_case(fx, "EqualizedConv2d", {"inputChannels": 3, "outputChannels": 4, "kernelSize": 3, "padding": 1},
               ref["EqualConv2d"](3, 4, 3, padding=1), randn(2, 3, 4, 4), prepare=randomize)
    layer_case(fx, "MinibatchStdDev", {"groupSize": 2, "features": 1}, ref["MinibatchStdDev"](2, 1),
               randn(4, 6, 3, 3))
    layer_case(fx, "MinibatchStdDev", {"groupSize": 4, "features": 2}, ref["MinibatchStdDev"](4, 2),
               randn(8, 4, 2, 2))
    layer_case(fx, "SelfAttention2d", {"channels": 8}, ref["SelfAttention2d"](8), randn(2, 8, 3, 3),
               prepare=randomize)
    layer_case(fx, "SelfAttention2d", {"channels": 8, "spectralNormalization": True},
               ref["SelfAttention2d"](8, sn=True), randn(2, 8, 3, 3), forwards=2, prepare=randomize)
    labels = torch.tensor([1, 0, 2, 1])

    def cbn_stats(m):
        randomize(m)
        with torch.no_grad():
            m.bn.running_mean.copy_(torch.randn(4))
            m.bn.running_var.copy_(0.5 + torch.rand(4))
    x = randn(4, 4, 3, 3)
    for mode in ("train", "eval"):
        layer_case(fx, "ConditionalBatchNorm2d.classes", {"features": 4, "classes": 3},
                   ref["ConditionalBatchNorm2d"](4, classes=3), x, mode=mode, forwards=2,
                   extra_input=labels, prepare=cbn_stats)
        layer_case(fx, "ConditionalBatchNorm2d.vector", {"features": 4, "vector": 5, "spectralNormalization": True},
                   ref["ConditionalBatchNorm2d"](4, vector=5, sn=True), x, mode=mode, forwards=2,
                   extra_input=randn(4, 5), prepare=cbn_stats)
    layer_case(fx, "AdaptiveInstanceNorm2d", {"channels": 3, "styleDimension": 5},
               ref["AdaptiveInstanceNorm2d"](3, 5), randn(2, 3, 4, 4), extra_input=randn(2, 5), prepare=randomize)
    for demodulate in (True, False):
        layer_case(fx, "ModulatedConv2d", {"inputChannels": 3, "outputChannels": 4, "kernelSize": 3,
                                           "styleDimension": 5, "demodulate": demodulate},
                   ref["ModulatedConv2d"](3, 4, 3, 5, demodulate), randn(2, 3, 4, 4), extra_input=randn(2, 5),
                   prepare=randomize)


OPTIMIZERS = [
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("sgd_dampening", "SGD", {"lr": 0.1, "momentum": 0.5, "dampening": 0.3}),
    ("adam", "Adam", {"lr": 0.01, "betas": [0.5, 0.999]}),
    ("adam_weight_decay", "Adam", {"lr": 0.01, "betas": [0.0, 0.99], "eps": 1e-8, "weight_decay": 0.01}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}),
    ("adamw", "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("rmsprop", "RMSprop", {"lr": 0.01}),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
]


def group_layers_optim(fx):
    import copy
    import torch
    import torch.nn as nn
    net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    steps = 20
    xs, ys = randn(steps, 16, 4), randn(steps, 16, 3)
    for k, v in net.state_dict().items():
        fx.add("initial." + k, v)
    fx.add("xs", xs)
    fx.add("ys", ys)
    for name, kind, kwargs in OPTIMIZERS:
        m = copy.deepcopy(net).double()
        kw = dict(kwargs)
        if "betas" in kw:
            kw["betas"] = tuple(kw["betas"])
        opt = getattr(torch.optim, kind)(m.parameters(), **kw)
        for step in range(steps):
            loss = ((m(xs[step].double()) - ys[step].double()) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step + 1 == steps // 2:
                for k, v in m.state_dict().items():
                    fx.add(name + ".half." + k, v)
        for k, v in m.state_dict().items():
            fx.add(name + ".final." + k, v)
        fx.cases.append(name)
        fx.meta[name] = json.dumps({"optimizer": kind, "args": kwargs, "steps": steps,
                                    "loss": "((net(xs[i]) - ys[i])**2).mean()"}, separators=(",", ":"))
    fx.meta["model"] = "Sequential(Linear(4,8), Tanh(), Linear(8,3)); tensors initial.<name>, xs [20,16,4], " \
                       "ys [20,16,3], <case>.half.<name> after 10 steps, <case>.final.<name> after 20"


def group_layers_pool(fx):
    """PReLU (one slope, per channel on images and on vectors) and MaxPool2d (CoGAN's layers)."""
    import torch
    import torch.nn as nn

    def slopes(values):
        def prepare(m):
            with torch.no_grad():
                m.weight.copy_(torch.tensor(values))
        return prepare

    x = randn(2, 3, 4, 4)
    x[0, 0, 0, :2] = 0  # PyTorch's gradient at exactly 0 is the slope
    layer_case(fx, "PReLU", {"parameterCount": 1}, nn.PReLU(1), x, prepare=slopes([-0.3]))
    layer_case(fx, "PReLU", {"parameterCount": 3}, nn.PReLU(3), x, prepare=slopes([0.1, -0.4, 0.7]))
    layer_case(fx, "PReLU", {"parameterCount": 5}, nn.PReLU(5), randn(4, 5),
               prepare=slopes([0.25, 0.0, -1.0, 0.5, 2.0]))
    layer_case(fx, "MaxPool2d", {"kernelSize": 2}, nn.MaxPool2d(2), randn(2, 3, 6, 7))
    layer_case(fx, "MaxPool2d", {"kernelSize": 3, "stride": 2, "padding": 1}, nn.MaxPool2d(3, 2, 1),
               randn(2, 2, 7, 7))


GROUPS = {
    "layers_core": group_layers_core,
    "layers_norm": group_layers_norm,
    "layers_gan": group_layers_gan,
    "layers_optim": group_layers_optim,
    "layers_pool": group_layers_pool,
}


# ------------------------------------------------------------------------------ interchange
def make_interchange(out):
    import torch
    from safetensors.torch import save_file
    torch.manual_seed(0)
    net = reference_modules()["InterchangeNet"]()
    randomize(net)
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(5, 4, 2, 2))
    state = {k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
    path = os.path.join(out, "layers_interchange_torch.safetensors")
    save_file(state, path, metadata={"model": "InterchangeNet (scripts/make_layer_fixtures.py)"})
    os.chmod(path, 0o644)  # save_file creates the file private
    x = randn(5, 4, 2, 2)
    y_eval, y_train = interchange_outputs(state, x)
    fx = Fixture("layers_interchange_io")
    fx.add("x", x)
    fx.add("y_eval", y_eval)
    fx.add("y_train", y_train)
    fx.write(os.path.join(out, "layers_interchange_io.safetensors"))
    print("wrote %s and layers_interchange_io.safetensors" % os.path.relpath(path))


def interchange_outputs(state, x):
    """Eval-mode output, then one training-mode output, of InterchangeNet loaded strictly from state."""
    import torch
    net = reference_modules()["InterchangeNet"]()
    net.load_state_dict(state, strict=True)
    net = net.double()
    with torch.no_grad():
        y_eval = net.eval()(x.double())
        y_train = net.train()(x.double())
    return y_eval, y_train


def make_dtypes(out):
    import torch
    from safetensors.torch import save_file
    specials = [0.0, -0.0, 1.0, -2.5, 65504.0, 65520.0, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 1e-9,
                1.0009765625, 1.00048828125, 1.000732421875, 3.14159265, 1.00390625, 1.005859375,
                float("inf"), float("-inf"), float("nan")]
    src = torch.cat([torch.tensor(specials, dtype=torch.float32), torch.randn(40) * 3,
                     torch.randn(20) * 1e-5, torch.randn(10) * 7e4])
    tensors = {
        "src": src,
        "src_f16": src.half(),
        "src_bf16": src.bfloat16(),
        "src_f16_as_f32": src.half().float(),
        "src_bf16_as_f32": src.bfloat16().float(),
        "i64": torch.tensor([0, 1, -5, 123456, -(2 ** 20), 2 ** 24], dtype=torch.int64),
        "i64_scalar": torch.tensor(7, dtype=torch.int64),
        "matrix_f16": torch.randn(3, 4).half(),
    }
    tensors["matrix_f16_as_f32"] = tensors["matrix_f16"].float()
    path = os.path.join(out, "layers_dtypes.safetensors")
    save_file(tensors, path, metadata={"about": "dtype conversions"})
    os.chmod(path, 0o644)
    print("wrote layers_dtypes.safetensors")


def check_swift_checkpoint(path, io_path=None):
    """Load a Swift-written checkpoint into PyTorch's InterchangeNet (strict) and compare outputs."""
    import torch
    from safetensors.torch import load_file
    io_path = io_path or path.replace(".safetensors", "_io.safetensors")
    state = load_file(path)
    print("loaded %s: %d tensors (%s)" % (path, len(state), ", ".join(sorted({str(v.dtype) for v in state.values()}))))
    _, io = read_safetensors(io_path)
    x = torch.from_numpy(io["x"].copy())
    y_eval, y_train = interchange_outputs(state, x)
    ok = True
    for name, y in (("y_eval", y_eval), ("y_train", y_train)):
        expected = torch.from_numpy(io[name].copy()).double()
        err = ((y - expected).abs().max() / expected.abs().max().clamp_min(1e-12)).item()
        print("%-8s PyTorch vs Swift: max relative error %.3g %s" % (name, err, "ok" if err < 1e-4 else "FAIL"))
        ok &= err < 1e-4
    print("strict load_state_dict: ok")
    return ok


# ------------------------------------------------------------------------------ checker
def check_dir(out):
    ok, total = True, 0
    names = sorted(f for f in os.listdir(out) if f.startswith("layers_") and f.endswith(".safetensors"))
    for f in names:
        path = os.path.join(out, f)
        size = os.path.getsize(path)
        total += size
        try:
            meta, ts = read_safetensors(path) if f not in ("layers_interchange_torch.safetensors",
                                                            "layers_interchange_swift.safetensors",
                                                            "layers_dtypes.safetensors") else ({}, {})
            for c in json.loads(meta.get("cases", "[]")):
                json.loads(meta[c])
            flag = "" if size < MAX_FILE_BYTES else "  (OVER %d)" % MAX_FILE_BYTES
            print("check ok  %-40s %8d bytes  %4d tensors%s" % (f, size, len(ts), flag))
            ok &= size < MAX_FILE_BYTES
        except Exception as e:  # noqa: BLE001
            print("check FAIL %s: %s" % (f, e))
            ok = False
    print("total %d bytes in layers_* (limit %d)" % (total, MAX_TOTAL_BYTES))
    swift = os.path.join(out, "layers_interchange_swift.safetensors")
    if os.path.exists(swift):  # the committed Swift-written checkpoint still loads into PyTorch
        ok &= check_swift_checkpoint(swift)
    return ok and total < MAX_TOTAL_BYTES


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(list(GROUPS) + ["interchange", "dtypes"]))
    ap.add_argument("--check", action="store_true", help="only verify existing files")
    ap.add_argument("--check-swift-checkpoint", metavar="FILE",
                    help="load a Swift-written InterchangeNet checkpoint into PyTorch (strict) and compare outputs")
    ap.add_argument("--io", help="the _io.safetensors file for --check-swift-checkpoint")
    args = ap.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    if args.check_swift_checkpoint:
        return 0 if check_swift_checkpoint(args.check_swift_checkpoint, args.io) else 1
    targets = [g.strip() for g in args.only.split(",") if g.strip()] or list(GROUPS) + ["interchange", "dtypes"]
    if not args.check:
        torch.use_deterministic_algorithms(True)
        for g in targets:
            torch.manual_seed(0)
            if g == "interchange":
                make_interchange(args.out)
            elif g == "dtypes":
                make_dtypes(args.out)
            else:
                fx = Fixture(g)
                fx.meta["generator"] = "scripts/make_layer_fixtures.py, torch " + torch.__version__.split("+")[0]
                GROUPS[g](fx)
                size = fx.write(os.path.join(args.out, g + ".safetensors"))
                print("wrote %-40s %9d bytes" % (g + ".safetensors", size))
    return 0 if check_dir(args.out) else 1


if __name__ == "__main__":
    sys.exit(main())
