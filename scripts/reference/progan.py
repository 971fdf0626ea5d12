"""PyTorch reference of ProGAN's networks (Karras et al. 2017), as swift-gan builds them.

The modules have the same state_dict names and layouts as the Swift ``ProGANGenerator`` and
``ProGANDiscriminator`` (Sources/GANModels/ProGAN/), built from a run's model config whose
``network`` is the JSON encoding of the Swift ``ProGANNetworkSettings``::

    {"network": {"channels": 1, "bottomSide": 7, "levelChannels": [96, 48, 24],
                 "latentDimension": 128, "groupSize": 4}, "phaseImages": 60000, "emaHalfLifeImages": 10000, ...}

Layers (C_k = levelChannels[k], side b 2^k at level k; every weight equalised, rosinality's
EqualLinear / EqualConv2d: stored N(0, 1), scaled by gain / sqrt(fan_in) at run time; LReLU 0.2)::

    generator      blocks.0  PixelNorm(z), dense EqualLinear(nz, C0 b^2, gain sqrt2/4) -> view, LReLU, PixelNorm,
                             conv EqualConv(C0, C0, 3), LReLU, PixelNorm
                   blocks.k  nearest x2, conv0 EqualConv(C_k-1, C_k, 3), LReLU, PixelNorm,
                             conv1 EqualConv(C_k, C_k, 3), LReLU, PixelNorm
                   to_rgb.k  EqualConv(C_k, channels, 1, gain 1): linear output
    discriminator  from_rgb.k EqualConv(channels, C_k, 1), LReLU
                   blocks.k  conv0 EqualConv(C_k, C_k, 3), LReLU, conv1 EqualConv(C_k, C_k-1, 3), LReLU, avgpool 2
                   blocks.0  minibatch std-dev, conv EqualConv(C0 + 1, C0, 3), LReLU,
                             dense0 EqualLinear(C0 b^2, C0), LReLU, dense1 EqualLinear(C0, 1, gain 1)

At growth (depth d, alpha): G's output is (1 - a) up(to_rgb_{d-1}(h_{d-1})) + a to_rgb_d(h_d) when
0 < d and a < 1, D's input path (1 - a) from_rgb_{d-1}(avgpool(x)) + a block_d(from_rgb_d(x)).
``forward(z, depth, alpha)`` and ``forward(x, depth, alpha)`` take the growth explicitly; a run's
growth is its checkpoint's ``progan.depth`` and ``progan.alpha`` (``sample`` up-samples to the
full side, as ``gan sample`` does).

``build(model_config)`` returns the modules a run's checkpoint holds under its prefixes
(``generator``, ``discriminator`` and, with an ``emaDecay`` or ``emaHalfLifeImages``, ``ema``).
"""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SQRT2 = math.sqrt(2)


class EqualLinear(nn.Module):
    def __init__(self, in_dim, out_dim, gain=SQRT2):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = gain / math.sqrt(in_dim)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class EqualConv2d(nn.Module):
    def __init__(self, cin, cout, k, gain=SQRT2):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin * k * k)
        self.padding = k // 2

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


def pixel_norm(x):
    return x * torch.rsqrt(torch.mean(x ** 2, dim=1, keepdim=True) + 1e-8)


def lrelu(x):
    return F.leaky_relu(x, 0.2)


def minibatch_stddev(x, group_size):
    """One statistic channel; the group is the largest divisor of the batch up to group_size."""
    n, c, h, w = x.shape
    g = next(k for k in range(min(group_size, n), 0, -1) if n % k == 0)
    y = x.view(g, -1, 1, c, h, w)
    y = torch.sqrt(y.var(0, unbiased=False) + 1e-8)
    y = y.mean([2, 3, 4], keepdim=True).squeeze(2)
    return torch.cat([x, y.repeat(g, 1, h, w)], 1)


class GeneratorBlock(nn.Module):
    def __init__(self, level, cin, cout, bottom):
        super().__init__()
        self.level, self.bottom, self.channels = level, bottom, cout
        if level == 0:
            self.dense = EqualLinear(cin, cout * bottom * bottom, gain=SQRT2 / 4)
            self.conv = EqualConv2d(cout, cout, 3)
        else:
            self.conv0 = EqualConv2d(cin, cout, 3)
            self.conv1 = EqualConv2d(cout, cout, 3)

    def forward(self, x):
        if self.level == 0:
            h = self.dense(pixel_norm(x)).view(x.shape[0], self.channels, self.bottom, self.bottom)
            h = pixel_norm(lrelu(h))
            return pixel_norm(lrelu(self.conv(h)))
        h = pixel_norm(lrelu(self.conv0(F.interpolate(x, scale_factor=2, mode="nearest"))))
        return pixel_norm(lrelu(self.conv1(h)))


class ProGANGenerator(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, b = s["levelChannels"], s["bottomSide"]
        self.blocks = nn.ModuleList(
            GeneratorBlock(k, s["latentDimension"] if k == 0 else c[k - 1], c[k], b) for k in range(len(c)))
        self.to_rgb = nn.ModuleList(EqualConv2d(ck, s["channels"], 1, gain=1) for ck in c)
        self.levels = len(c) - 1
        self.depth, self.alpha = self.levels, 1.0

    def forward(self, z, depth=None, alpha=None):
        depth = self.depth if depth is None else depth
        alpha = self.alpha if alpha is None else alpha
        fading = depth > 0 and alpha < 1
        h, below = self.blocks[0](z), None
        for k in range(1, depth + 1):
            if k == depth and fading:
                below = h
            h = self.blocks[k](h)
        image = self.to_rgb[depth](h)
        if below is None:
            return image
        previous = F.interpolate(self.to_rgb[depth - 1](below), scale_factor=2, mode="nearest")
        return (1 - alpha) * previous + alpha * image

    def sample(self, z):
        """At the run's growth, up-sampled (nearest) to the full side, as ``gan sample``."""
        return F.interpolate(self(z), scale_factor=2 ** (self.levels - self.depth), mode="nearest")


class DiscriminatorBlock(nn.Module):
    def __init__(self, level, cin, cout, bottom, group_size):
        super().__init__()
        self.level, self.group_size = level, group_size
        if level == 0:
            self.conv = EqualConv2d(cin + 1, cin, 3)
            self.dense0 = EqualLinear(cin * bottom * bottom, cin)
            self.dense1 = EqualLinear(cin, 1, gain=1)
        else:
            self.conv0 = EqualConv2d(cin, cin, 3)
            self.conv1 = EqualConv2d(cin, cout, 3)

    def forward(self, x):
        if self.level == 0:
            h = lrelu(self.conv(minibatch_stddev(x, self.group_size)))
            return self.dense1(lrelu(self.dense0(h.reshape(x.shape[0], -1))))
        return F.avg_pool2d(lrelu(self.conv1(lrelu(self.conv0(x)))), 2)


class ProGANDiscriminator(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, b = s["levelChannels"], s["bottomSide"]
        self.from_rgb = nn.ModuleList(EqualConv2d(s["channels"], ck, 1) for ck in c)
        self.blocks = nn.ModuleList(
            DiscriminatorBlock(k, c[k], 1 if k == 0 else c[k - 1], b, s.get("groupSize", 4)) for k in range(len(c)))
        self.levels = len(c) - 1
        self.depth, self.alpha = self.levels, 1.0

    def forward(self, x, depth=None, alpha=None):
        depth = self.depth if depth is None else depth
        alpha = self.alpha if alpha is None else alpha
        h = self.blocks[depth](lrelu(self.from_rgb[depth](x)))
        if depth > 0 and alpha < 1:
            below = lrelu(self.from_rgb[depth - 1](F.avg_pool2d(x, 2)))
            h = (1 - alpha) * below + alpha * h
        for k in range(depth - 1, -1, -1):
            h = self.blocks[k](h)
        return h


def parameters_in_use(module, depth, alpha):
    """(name, parameter) of what the output at (depth, alpha) depends on, in named_parameters order."""
    fading = depth > 0 and alpha < 1
    rgb = "to_rgb." if isinstance(module, ProGANGenerator) else "from_rgb."
    used = {f"blocks.{k}." for k in range(depth + 1)} | {f"{rgb}{depth}."} | ({f"{rgb}{depth - 1}."} if fading else set())
    return [(n, p) for n, p in module.named_parameters() if any(n.startswith(u) for u in used)]


def real_images(x, depth, alpha, levels):
    """The full-size real batch as D sees it at (depth, alpha)."""
    factor = 2 ** (levels - depth)
    y = F.avg_pool2d(x, factor) if factor > 1 else x
    if depth > 0 and alpha < 1:
        y = (1 - alpha) * F.interpolate(F.avg_pool2d(y, 2), scale_factor=2, mode="nearest") + alpha * y
    return y


def build(model_config):
    """The modules of a progan run by checkpoint prefix."""
    s = model_config["network"]
    generator = ProGANGenerator(s)
    modules = {"generator": generator, "discriminator": ProGANDiscriminator(s)}
    if model_config.get("emaDecay") is not None or model_config.get("emaHalfLifeImages") is not None:
        modules["ema"] = copy.deepcopy(generator)
    return modules
