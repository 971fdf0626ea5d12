"""PyTorch reference of StyleGAN's networks (Karras et al. 2018), as swift-gan builds them.

The modules have the same state_dict names and layouts as the Swift ``StyleGANGenerator`` and
``StyleGANDiscriminator`` (Sources/GANModels/StyleGAN/), built from a run's model config whose
``network`` is the JSON encoding of the Swift ``StyleGANNetworkSettings``::

    {"network": {"channels": 1, "bottomSide": 7, "levelChannels": [96, 48, 24], "latentDimension": 128,
                 "mappingLayers": 4, "mappingLearningRateMultiplier": 0.01, "groupSize": 4}, "emaHalfLifeImages": 10000, ...}

Layers (C_k = levelChannels[k]; every weight equalised as rosinality's EqualLinear / EqualConv2d:
stored N(0, 1/lr_mul^2), scaled by gain / sqrt(fan_in) * lr_mul at run time, bias * lr_mul; LReLU 0.2)::

    generator      mapping.K   EqualLinear(nz, nz, gain sqrt2, lr_mul 0.01), LReLU   (after PixelNorm(z))
                   const       [1, C0, b, b], N(0, 1) at the start
                   layers.i    (i even, i >= 2: bilinear x2) conv EqualConv(., C, 3, gain sqrt2, no bias) (not layer 0),
                               + noise_strength[c] noise, + bias, LReLU, adain (IN eps 1e-8; style EqualLinear(nz, 2C, gain 1))
                   to_rgb      EqualConv(C_L, channels, 1, gain 1)
                   w_avg       buffer [nz]
    discriminator  from_rgb    EqualConv(channels, C_L, 1), LReLU; blocks.k as ProGAN's (progan.py)

Variant 2 (``"variant": 2`` in the model config; StyleGAN2 as the Swift ``StyleGAN2Generator`` and
``StyleGAN2Discriminator``; rosinality's stylegan2-pytorch formulas; act = fused_leaky_relu: + bias,
LReLU 0.2, x sqrt2)::

    generator      mapping.K, const, w_avg as above
                   convs.K     StyledConv: (K odd: bilinear x2) ModulatedConv2d(., C, 3, demodulated) as conv,
                               + noise.weight[1] noise, act with activate.bias[C]; K = 0 .. 2L
                   to_rgbs.k   ModulatedConv2d(C_k, channels, 1, not demodulated) as conv, + bias[1, ch, 1, 1],
                               + bilinear x2 of the previous level's rgb; k = 0 .. L
                   styles      convs.K takes w_K, to_rgbs.k takes w_(2k+1): 2(L + 1) styles, 2L + 1 noise maps
    discriminator  from_rgb EqualConv(channels, C_L, 1, gain 1), act
                   blocks.j    ResBlock C_(L-j) -> C_(L-j-1): act(conv2(avgpool(act(conv1(x))))) + skip(avgpool(x)), / sqrt2
                   final_conv  minibatch std-dev, EqualConv(C0 + 1, C0, 3, gain 1), act
                   final_linear EqualLinear(C0 b^2, C0), act;  final_output EqualLinear(C0, 1)

``path_length_penalty`` is ``StyleGANRegularization.pathLength`` (rosinality's g_path_regularize).

``forward(z)`` samples as ``gan sample``: one w per layer, optional truncation ``psi`` below ``cutoff``,
noise inputs off (zeros). ``build(model_config)`` returns the modules a run's checkpoint holds under
its prefixes (``generator``, ``discriminator`` and, with an ``emaDecay`` or ``emaHalfLifeImages``, ``ema``).
"""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from progan import DiscriminatorBlock, EqualConv2d, lrelu, minibatch_stddev, pixel_norm

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


def act(x):
    """rosinality's fused_leaky_relu after a biased layer."""
    return F.leaky_relu(x, 0.2) * SQRT2


class ModulatedConv2d(nn.Module):
    def __init__(self, cin, cout, k, style_dim, demodulate=True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, cout, cin, k, k))
        self.modulation = EqualLinear(style_dim, cin, bias_init=1)
        self.scale = 1 / math.sqrt(cin * k * k)
        self.demodulate = demodulate

    def forward(self, x, w):
        n, cin, h, wd = x.shape
        _, cout, _, k, _ = self.weight.shape
        weight = self.scale * self.weight * self.modulation(w).view(n, 1, cin, 1, 1)
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4], keepdim=True) + 1e-8)
        out = F.conv2d(x.reshape(1, n * cin, h, wd), weight.view(n * cout, cin, k, k), padding=k // 2, groups=n)
        return out.view(n, cout, h, wd)


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x, noise):
        return x + self.weight * noise


class FusedLeakyReLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return act(x + self.bias.view(1, -1, 1, 1))


class StyledConv(nn.Module):
    def __init__(self, cin, cout, style_dim, upsample):
        super().__init__()
        self.upsample = upsample
        self.conv = ModulatedConv2d(cin, cout, 3, style_dim)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(cout)

    def forward(self, x, w, noise):
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        return self.activate(self.noise(self.conv(x, w), noise))


class ToRGB(nn.Module):
    def __init__(self, cin, channels, style_dim):
        super().__init__()
        self.conv = ModulatedConv2d(cin, channels, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x, w, skip=None):
        out = self.conv(x, w) + self.bias
        if skip is not None:
            out = out + F.interpolate(skip, scale_factor=2, mode="bilinear", align_corners=False)
        return out


class StyleGAN2Generator(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, b, nz = s["levelChannels"], s["bottomSide"], s["latentDimension"]
        self.mapping = Mapping(s)
        self.const = nn.Parameter(torch.randn(1, c[0], b, b))
        self.convs = nn.ModuleList(
            StyledConv(c[(i + 1) // 2 - 1] if i % 2 == 1 else c[(i + 1) // 2], c[(i + 1) // 2], nz, i % 2 == 1)
            for i in range(2 * len(c) - 1))
        self.to_rgbs = nn.ModuleList(ToRGB(ck, s["channels"], nz) for ck in c)
        self.register_buffer("w_avg", torch.zeros(nz))
        self.sides = [b << ((i + 1) // 2) for i in range(2 * len(c) - 1)]
        self.style_count = 2 * len(c)

    def noise(self, n, draw):
        """One noise map per convolution, drawn by ``draw(count)`` in order; zeros without ``draw``."""
        return [(draw(n * s * s) if draw else torch.zeros(n * s * s, dtype=self.const.dtype)).view(n, 1, s, s)
                for s in self.sides]

    def synthesize(self, styles, noise):
        h = self.convs[0](self.const.expand(styles[0].shape[0], -1, -1, -1), styles[0], noise[0])
        rgb = self.to_rgbs[0](h, styles[1])
        for k in range(1, len(self.to_rgbs)):
            h = self.convs[2 * k - 1](h, styles[2 * k - 1], noise[2 * k - 1])
            h = self.convs[2 * k](h, styles[2 * k], noise[2 * k])
            rgb = self.to_rgbs[k](h, styles[2 * k + 1], rgb)
        return rgb

    def forward(self, z, psi=None, cutoff=None):
        w = self.mapping(z)
        styles = [w] * self.style_count
        if psi is not None:
            pulled = self.w_avg + psi * (w - self.w_avg)
            styles = [pulled if i < (self.style_count if cutoff is None else cutoff) else w
                      for i in range(self.style_count)]
        return self.synthesize(styles, self.noise(z.shape[0], None))


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = EqualConv2d(cin, cin, 3, gain=1)
        self.conv2 = EqualConv2d(cin, cout, 3, gain=1)
        self.skip = EqualConv2d(cin, cout, 1, gain=1)
        del self.skip.bias
        self.skip.bias = None

    def forward(self, x):
        h = act(self.conv2(F.avg_pool2d(act(self.conv1(x)), 2)))
        return (h + self.skip(F.avg_pool2d(x, 2))) / SQRT2


class StyleGAN2Discriminator(nn.Module):
    def __init__(self, s):
        super().__init__()
        c, b, levels = s["levelChannels"], s["bottomSide"], len(s["levelChannels"]) - 1
        self.from_rgb = EqualConv2d(s["channels"], c[-1], 1, gain=1)
        self.blocks = nn.ModuleList(ResBlock(c[levels - j], c[levels - j - 1]) for j in range(levels))
        self.final_conv = EqualConv2d(c[0] + 1, c[0], 3, gain=1)
        self.final_linear = EqualLinear(c[0] * b * b, c[0])
        self.final_output = EqualLinear(c[0], 1)
        self.group_size = s.get("groupSize", 4)

    def forward(self, x):
        h = act(self.from_rgb(x))
        for block in self.blocks:
            h = block(h)
        h = act(self.final_conv(minibatch_stddev(h, self.group_size)))
        return self.final_output(act(self.final_linear(h.reshape(x.shape[0], -1))))


def path_length_penalty(g, styles, noise, y, mean, decay=0.01):
    """StyleGANRegularization.pathLength: (penalty, lengths [N], updated mean)."""
    stacked = torch.stack(styles, 1)
    image = g.synthesize(list(stacked.unbind(1)), noise)
    grad, = torch.autograd.grad((image * y).sum(), stacked, create_graph=True)
    lengths = grad.pow(2).sum(2).mean(1).sqrt()
    updated = mean + decay * (lengths.mean() - mean)
    return (lengths - updated).pow(2).mean(), lengths, updated


def build(model_config):
    """The modules of a stylegan run by checkpoint prefix."""
    s = model_config["network"]
    if model_config.get("variant", 1) == 2:
        generator, discriminator = StyleGAN2Generator(s), StyleGAN2Discriminator(s)
    else:
        generator, discriminator = StyleGANGenerator(s), StyleGANDiscriminator(s)
    modules = {"generator": generator, "discriminator": discriminator}
    if model_config.get("emaDecay") is not None or model_config.get("emaHalfLifeImages") is not None:
        modules["ema"] = copy.deepcopy(generator)
    return modules
