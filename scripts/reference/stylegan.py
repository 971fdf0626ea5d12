"""PyTorch reference of StyleGAN's networks (Karras et al. 2018), as swift-gan builds them.

The modules have the same state_dict names and layouts as the Swift ``StyleGANGenerator`` and
``StyleGANDiscriminator`` (Sources/GANModels/StyleGAN/), built from a run's model config whose
``network`` is the JSON encoding of the Swift ``StyleGANNetworkSettings``::

    {"network": {"channels": 1, "bottomSide": 7, "levelChannels": [96, 48, 24], "latentDimension": 128,
                 "mappingLayers": 4, "mappingLearningRateMultiplier": 0.01, "groupSize": 4}, "emaDecay": 0.999, ...}

Layers (C_k = levelChannels[k]; every weight equalised as rosinality's EqualLinear / EqualConv2d:
stored N(0, 1/lr_mul^2), scaled by gain / sqrt(fan_in) * lr_mul at run time, bias * lr_mul; LReLU 0.2)::

    generator      mapping.K   EqualLinear(nz, nz, gain sqrt2, lr_mul 0.01), LReLU   (after PixelNorm(z))
                   const       [1, C0, b, b], N(0, 1) at the start
                   layers.i    (i even, i >= 2: bilinear x2) conv EqualConv(., C, 3, gain sqrt2, no bias) (not layer 0),
                               + noise_strength[c] noise, + bias, LReLU, adain (IN eps 1e-8; style EqualLinear(nz, 2C, gain 1))
                   to_rgb      EqualConv(C_L, channels, 1, gain 1)
                   w_avg       buffer [nz]
    discriminator  from_rgb    EqualConv(channels, C_L, 1), LReLU; blocks.k as ProGAN's (progan.py)

``forward(z)`` samples as ``gan sample``: one w per layer, optional truncation ``psi`` below ``cutoff``,
noise inputs off (zeros). ``build(model_config)`` returns the modules a run's checkpoint holds under
its prefixes (``generator``, ``discriminator`` and, with an ``emaDecay``, ``ema``).
"""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from progan import DiscriminatorBlock, EqualConv2d, lrelu, pixel_norm

SQRT2 = math.sqrt(2)


class EqualLinear(nn.Module):
    def __init__(self, in_dim, out_dim, gain=1.0, lr_mul=1.0, bias_init=0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_dim, in_dim) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_dim,), float(bias_init)))
        self.scale = gain / math.sqrt(in_dim) * lr_mul
        self.lr_mul = lr_mul

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class AdaIN(nn.Module):
    def __init__(self, channels, style_dim, eps=1e-8):
        super().__init__()
        self.style = EqualLinear(style_dim, 2 * channels)
        with torch.no_grad():
            self.style.bias[:channels] = 1
        self.eps = eps

    def forward(self, x, w):
        gain, bias = self.style(w).view(x.shape[0], -1, 1, 1).chunk(2, 1)
        mean = x.mean([2, 3], keepdim=True)
        var = x.var([2, 3], unbiased=False, keepdim=True)
        return gain * (x - mean) * torch.rsqrt(var + self.eps) + bias


class NoConvBias(EqualConv2d):
    def __init__(self, cin, cout, k, gain=SQRT2):
        super().__init__(cin, cout, k, gain)
        del self.bias
        self.bias = None


class SynthesisLayer(nn.Module):
    def __init__(self, cin, cout, style_dim, upsample):
        super().__init__()
        self.upsample = upsample
        self.conv = NoConvBias(cin, cout, 3) if cin is not None else None
        self.noise_strength = nn.Parameter(torch.zeros(cout))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.adain = AdaIN(cout, style_dim)

    def forward(self, x, w, noise):
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        if self.conv is not None:
            x = self.conv(x)
        c = self.bias.shape[0]
        x = x + self.noise_strength.view(1, c, 1, 1) * noise
        return self.adain(lrelu(x + self.bias.view(1, c, 1, 1)), w)


class Mapping(nn.ModuleList):
    def __init__(self, s):
        nz = s["latentDimension"]
        super().__init__(EqualLinear(nz, nz, gain=SQRT2, lr_mul=s.get("mappingLearningRateMultiplier", 0.01))
                         for _ in range(s["mappingLayers"]))

    def forward(self, z):
        h = pixel_norm(z)
        for layer in self:
            h = lrelu(layer(h))
        return h


class StyleGANGenerator(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, b, nz = s["levelChannels"], s["bottomSide"], s["latentDimension"]
        self.mapping = Mapping(s)
        self.const = nn.Parameter(torch.randn(1, c[0], b, b))
        self.layers = nn.ModuleList(
            SynthesisLayer(None if i == 0 else (c[i // 2 - 1] if i % 2 == 0 else c[i // 2]), c[i // 2], nz,
                           i >= 2 and i % 2 == 0)
            for i in range(2 * len(c)))
        self.to_rgb = EqualConv2d(c[-1], s["channels"], 1, gain=1)
        self.register_buffer("w_avg", torch.zeros(nz))
        self.sides = [b << (i // 2) for i in range(2 * len(c))]

    def noise(self, n, draw):
        """One noise map per layer, drawn by ``draw(count)`` in layer order; zeros without ``draw``."""
        return [(draw(n * s * s) if draw else torch.zeros(n * s * s, dtype=self.const.dtype)).view(n, 1, s, s)
                for s in self.sides]

    def synthesize(self, styles, noise):
        h = self.const.expand(styles[0].shape[0], -1, -1, -1)
        for layer, w, nm in zip(self.layers, styles, noise):
            h = layer(h, w, nm)
        return self.to_rgb(h)

    def forward(self, z, psi=None, cutoff=None):
        w = self.mapping(z)
        styles = [w] * len(self.layers)
        if psi is not None:
            pulled = self.w_avg + psi * (w - self.w_avg)
            styles = [pulled if i < (len(self.layers) if cutoff is None else cutoff) else w
                      for i in range(len(self.layers))]
        return self.synthesize(styles, self.noise(z.shape[0], None))


class StyleGANDiscriminator(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, b = s["levelChannels"], s["bottomSide"]
        self.from_rgb = EqualConv2d(s["channels"], c[-1], 1)
        self.blocks = nn.ModuleList(
            DiscriminatorBlock(k, c[k], 1 if k == 0 else c[k - 1], b, s.get("groupSize", 4)) for k in range(len(c)))

    def forward(self, x):
        h = lrelu(self.from_rgb(x))
        for k in range(len(self.blocks) - 1, -1, -1):
            h = self.blocks[k](h)
        return h


def build(model_config):
    """The modules of a stylegan run by checkpoint prefix."""
    s = model_config["network"]
    generator = StyleGANGenerator(s)
    modules = {"generator": generator, "discriminator": StyleGANDiscriminator(s)}
    if model_config.get("emaDecay") is not None:
        modules["ema"] = copy.deepcopy(generator)
    return modules
