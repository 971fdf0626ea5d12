"""PyTorch reference of CoGAN's coupled networks (Liu & Tuzel 2016), as swift-gan builds them.

The modules have the same state_dict names and layouts as the Swift ``CoGANGenerators`` and
``CoGANDiscriminators`` (Sources/GANModels/CoGAN/), built from the same settings dict: the
JSON encoding of the Swift ``CoGANNetworkSettings``::

    {"latentDimension": 100, "channels": 1, "generatorWidth": 0.25,
     "discriminatorWidth": 1, "dcganInitialization": true}

Layers (widths round(paper x multiplier), half away from zero)::

    generators      shared  0 ConvT(nz, 1024g, 4, 1, 0)  1 BN  2 PReLU(C)        1 -> 4
                            3 ConvT(.., 512g, 3, 2, 1)   4 BN  5 PReLU           4 -> 7
                            6 ConvT(.., 256g, 3, 2, 1)   7 BN  8 PReLU           7 -> 13
                            9 ConvT(.., 128g, 3, 2, 1)  10 BN 11 PReLU          13 -> 25
                    head_a, head_b  0 ConvT(128g, C, 6, 1, 1)  1 Tanh           25 -> 28
    discriminators  trunk_a, trunk_b  0 Conv(C, 20d, 5)  1 MaxPool(2)           28 -> 12
                    shared  0 Conv(20d, 50d, 5)  1 MaxPool(2)  2 Flatten         12 -> 4
                            3 Linear(50d*16, 500d)  4 PReLU(500d)  5 Linear(500d, 1)   logits

``build(model_config)`` returns the modules a run's checkpoint holds under its prefixes, so a
checker can do ``modules[prefix].load_state_dict(weights_with_prefix_removed, strict=True)``.
"""
import copy
import math

import torch
import torch.nn as nn

PAPER_GENERATOR_CHANNELS = [1024, 512, 256, 128]
PAPER_DISCRIMINATOR_CHANNELS = [20, 50, 500]
IMAGE_SIZE = 28


def scaled(base, multiplier):
    """Swift's ``max(1, Int((base * m).rounded(.toNearestOrAwayFromZero)))``."""
    return max(1, int(math.floor(base * float(multiplier) + 0.5)))


def generator_channels(settings):
    return [scaled(c, settings.get("generatorWidth", 1)) for c in PAPER_GENERATOR_CHANNELS]


def discriminator_channels(settings):
    return [scaled(c, settings.get("discriminatorWidth", 1)) for c in PAPER_DISCRIMINATOR_CHANNELS]


class CoGANGenerators(nn.Module):
    """Both generators: ``shared`` trunk, ``head_a`` / ``head_b``. z [N, nz] -> [N, C, 28, 28]."""

    def __init__(self, settings):
        super().__init__()
        nz, channels = settings.get("latentDimension", 100), settings.get("channels", 1)
        layers, cin = [], nz
        for i, cout in enumerate(generator_channels(settings)):
            layers += [nn.ConvTranspose2d(cin, cout, 4 if i == 0 else 3, 1 if i == 0 else 2, 0 if i == 0 else 1),
                       nn.BatchNorm2d(cout), nn.PReLU(cout)]
            cin = cout
        self.shared = nn.Sequential(*layers)
        self.head_a = nn.Sequential(nn.ConvTranspose2d(cin, channels, 6, 1, 1), nn.Tanh())
        self.head_b = nn.Sequential(nn.ConvTranspose2d(cin, channels, 6, 1, 1), nn.Tanh())
        self.latent_dimension = nz

    def shared_features(self, z):
        return self.shared(z.view(z.shape[0], self.latent_dimension, 1, 1))

    def generate(self, z, domain):
        return (self.head_a if domain == "a" else self.head_b)(self.shared_features(z))

    def forward(self, z):
        """Both domains from one pass of the shared trunk (Swift's ``generatePair``)."""
        h = self.shared_features(z)
        return self.head_a(h), self.head_b(h)


class CoGANDiscriminators(nn.Module):
    """Both discriminators: ``trunk_a`` / ``trunk_b``, then ``shared``. [N, C, 28, 28] -> logits [N, 1]."""

    def __init__(self, settings):
        super().__init__()
        channels = settings.get("channels", 1)
        c = discriminator_channels(settings)
        self.trunk_a = nn.Sequential(nn.Conv2d(channels, c[0], 5), nn.MaxPool2d(2))
        self.trunk_b = nn.Sequential(nn.Conv2d(channels, c[0], 5), nn.MaxPool2d(2))
        self.shared = nn.Sequential(nn.Conv2d(c[0], c[1], 5), nn.MaxPool2d(2), nn.Flatten(),
                                    nn.Linear(c[1] * 16, c[2]), nn.PReLU(c[2]), nn.Linear(c[2], 1))

    def score(self, x, domain):
        return self.shared((self.trunk_a if domain == "a" else self.trunk_b)(x))

    def forward(self, a, b):
        return self.score(a, "a"), self.score(b, "b")


def dcgan_init(module, generator=None):
    """DCGAN's weights_init: conv / linear weights N(0, 0.02), biases 0; BatchNorm N(1, 0.02), 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02, generator=generator)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02, generator=generator)
            nn.init.zeros_(m.bias)


def network_settings(model_config):
    """The settings dict inside a run's model config (or the config itself when it is one)."""
    if "latentDimension" in model_config:
        return model_config
    for value in model_config.values():
        if isinstance(value, dict) and "latentDimension" in value:
            return value
    raise ValueError("no CoGAN network settings (a dict with latentDimension) in %r" % sorted(model_config))


def build(model_config):
    """The modules of a CoGAN run by checkpoint prefix: ``generators``, ``discriminators`` and,
    when the config has a non-null ``emaDecay``, ``ema`` (a copy of the generators). A run
    without EMA has no ``emaDecay`` in its config.json: Swift leaves nil optionals out."""
    settings = network_settings(model_config)
    generators = CoGANGenerators(settings)
    discriminators = CoGANDiscriminators(settings)
    if settings.get("dcganInitialization", True):
        dcgan_init(generators)
        dcgan_init(discriminators)
    modules = {"generators": generators, "discriminators": discriminators}
    if model_config.get("emaDecay") is not None:
        modules["ema"] = copy.deepcopy(generators)
    return modules
