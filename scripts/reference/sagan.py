"""PyTorch reference of SAGAN's networks (Zhang et al. 2019), as swift-gan builds them.

The modules have the same state_dict names and layouts as the Swift ``SAGANGenerator`` and
``SAGANDiscriminator`` (Sources/GANModels/SAGAN/), built from a run's model config whose
``network`` is the JSON encoding of the Swift ``SAGANNetworkSettings``::

    {"network": {"channels": 1, "imageSize": 28, "latentDimension": 128, "generatorWidth": 32,
                 "discriminatorWidth": 64, "attentionSide": 14, "classCount": 10}, "emaDecay": null, ...}

Layers (u up-samplings from side b; G has gw*2^(u-i) channels at level i, D dw*2^i after its
i-th down-sampling; every weight spectrally normalised with torch.nn.utils.spectral_norm)::

    generator      fc SN Linear(nz, c0 b^2, no bias) -> view; bn.0, ReLU
                   ups.i SN ConvT(c_i, c_i+1, 4, 2, 1); bn.(i+1), ReLU
                   attention (after the level whose side is attentionSide)
                   out SN Conv(c_u, C, 3, 1, 1), Tanh
    discriminator  downs.i SN Conv(., dw 2^i, 4, 2, 1), LeakyReLU(0.1); attention after the side
                   fc SN Linear(c, 1) on the spatial sum h; embed SN Embedding(K, c): + <embed(y), h>

``bn.i`` is BatchNorm2d without classes and ConditionalBatchNorm2d (``bn`` without affine,
``gain`` and ``bias`` Embedding(K, C) from 1 and 0) with them. The attention block is
heykeetae/Self-Attention-GAN's: ``query_conv``, ``key_conv`` (C -> C/8), ``value_conv`` (C -> C),
all SN 1x1 with bias, ``gamma`` from 0.

``build(model_config)`` returns the modules a run's checkpoint holds under its prefixes
(``generator``, ``discriminator`` and, with an ``emaDecay`` or ``emaHalfLifeImages``, ``ema``).
"""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm
from torch.nn.utils.spectral_norm import SpectralNorm as SpectralNormHook


def upsamplings(s):
    side, count = s["imageSize"], 0
    while side % 2 == 0 and side // 2 >= 4:
        side //= 2
        count += 1
    return count


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm without affine, then a per-class gain and bias."""

    def __init__(self, features, classes):
        super().__init__()
        self.bn = nn.BatchNorm2d(features, affine=False)
        self.gain = nn.Embedding(classes, features)
        self.bias = nn.Embedding(classes, features)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x, labels):
        return self.bn(x) * self.gain(labels)[:, :, None, None] + self.bias(labels)[:, :, None, None]


class SelfAttention(nn.Module):
    """heykeetae/Self-Attention-GAN's Self_Attn, spectrally normalised."""

    def __init__(self, channels):
        super().__init__()
        reduced = max(channels // 8, 1)
        self.query_conv = spectral_norm(nn.Conv2d(channels, reduced, 1))
        self.key_conv = spectral_norm(nn.Conv2d(channels, reduced, 1))
        self.value_conv = spectral_norm(nn.Conv2d(channels, channels, 1))
        self.gamma = nn.Parameter(torch.zeros(1))

    def weights(self, x):
        n, _, h, w = x.shape
        q = self.query_conv(x).view(n, -1, h * w)
        k = self.key_conv(x).view(n, -1, h * w)
        return torch.softmax(torch.bmm(q.transpose(1, 2), k), dim=-1)   # [N, P, P]

    def forward(self, x):
        n, c, h, w = x.shape
        v = self.value_conv(x).view(n, c, h * w)
        return self.gamma * torch.bmm(v, self.weights(x).transpose(1, 2)).view(n, c, h, w) + x


class SAGANGenerator(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s, u = s, upsamplings(s)
        self.bottom = s["imageSize"] >> u
        channels = [s["generatorWidth"] << (u - i) for i in range(u + 1)]
        self.channels, k = channels, s.get("classCount", 0)
        self.fc = spectral_norm(nn.Linear(s["latentDimension"], channels[0] * self.bottom ** 2, bias=False))
        self.bn = nn.ModuleList([ConditionalBatchNorm2d(c, k) if k > 0 else nn.BatchNorm2d(c) for c in channels])
        self.ups = nn.ModuleList([spectral_norm(nn.ConvTranspose2d(channels[i], channels[i + 1], 4, 2, 1))
                                  for i in range(u)])
        level = next(i for i in range(u + 1) if self.bottom << i == s["attentionSide"])
        self.attention = SelfAttention(channels[level])
        self.out = spectral_norm(nn.Conv2d(channels[u], s["channels"], 3, 1, 1))

    def norm(self, i, x, labels):
        return F.relu(self.bn[i](x, labels) if self.s.get("classCount", 0) > 0 else self.bn[i](x))

    def features(self, z, labels, stop_at_attention=False):
        x = self.norm(0, self.fc(z).view(z.shape[0], self.channels[0], self.bottom, self.bottom), labels)
        for i, up in enumerate(self.ups):
            if x.shape[2] == self.s["attentionSide"]:
                if stop_at_attention:
                    return x
                x = self.attention(x)
            x = self.norm(i + 1, up(x), labels)
        return x

    def forward(self, z, labels=None):
        return torch.tanh(self.out(self.features(z, labels)))


class SAGANDiscriminator(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s, u = s, upsamplings(s)
        channels = [s["discriminatorWidth"] << i for i in range(u)]
        self.downs = nn.ModuleList([spectral_norm(nn.Conv2d(s["channels"] if i == 0 else channels[i - 1], c, 4, 2, 1))
                                    for i, c in enumerate(channels)])
        level = next(i for i in range(u) if s["imageSize"] >> (i + 1) == s["attentionSide"])
        self.attention = SelfAttention(channels[level])
        self.fc = spectral_norm(nn.Linear(channels[-1], 1))
        if s.get("classCount", 0) > 0:
            self.embed = spectral_norm(nn.Embedding(s["classCount"], channels[-1]))

    def forward(self, x, labels=None):
        h = x
        for down in self.downs:
            h = F.leaky_relu(down(h), 0.1)
            if h.shape[2] == self.s["attentionSide"]:
                h = self.attention(h)
        pooled = h.sum(dim=(2, 3))
        score = self.fc(pooled)
        if self.s.get("classCount", 0) > 0:
            score = score + (self.embed(labels.long()) * pooled).sum(dim=1, keepdim=True)
        return score


def build(model_config):
    """The modules of a sagan run by checkpoint prefix."""
    s = model_config["network"]
    generator = set_power_iterations(SAGANGenerator(s), s)
    modules = {"generator": generator, "discriminator": set_power_iterations(SAGANDiscriminator(s), s)}
    if model_config.get("emaDecay") is not None or model_config.get("emaHalfLifeImages") is not None:
        modules["ema"] = copy.deepcopy(generator)
    return modules


def set_power_iterations(module, settings):
    """Every spectral_norm hook of ``module`` runs ``settings["powerIterations"]`` steps per
    training forward (absent or null: 1, as Swift's default)."""
    k = settings.get("powerIterations") or 1
    for m in module.modules():
        for hook in m._forward_pre_hooks.values():
            if isinstance(hook, SpectralNormHook):
                hook.n_power_iterations = k
    return module
