"""PyTorch reference of CycleGAN's networks, as swift-gan builds them: ``ResnetGenerator``,
``ResnetBlock`` and ``NLayerDiscriminator`` of junyanz/pytorch-CycleGAN-and-pix2pix
(``models/networks.py``) with ``norm='instance'`` (InstanceNorm2d without affine parameters or
running statistics, so convolutions keep their biases), no dropout and reflection padding.

Built from a run's model config, whose ``network`` is the JSON of the Swift
``CycleGANNetworkSettings``::

    {"network": {"channels": 1, "imageSize": 28, "generatorWidth": 32, "residualBlocks": 6,
                 "discriminatorWidth": 32, "discriminatorLayers": 2}, "cycleWeight": 10, ...}

State-dict names (``model.1.weight``, ``model.10.conv_block.5.weight``, ...) are the reference's::

    generator      model.0-3   ReflectionPad2d(3), Conv2d(C, w, 7), IN, ReLU
                   model.4-9   2 x [Conv2d(3, 2, 1), IN, ReLU]                       w -> 2w -> 4w
                   model.10..  B x ResnetBlock(4w): x + [Pad(1), Conv(3), IN, ReLU, Pad(1), Conv(3), IN]
                               2 x [ConvTranspose2d(3, 2, 1, output_padding=1), IN, ReLU]
                               ReflectionPad2d(3), Conv2d(w, C, 7), Tanh
    discriminator  model       Conv2d(C, d, 4, 2, 1), LeakyReLU(0.2),
                               (L - 1) x [Conv2d(4, 2, 1), IN, LeakyReLU(0.2)]      channels x2 up to 8d
                               Conv2d(4, 1, 1), IN, LeakyReLU(0.2), Conv2d(-> 1, 4, 1, 1)

``build(model_config, family)`` returns the modules a run's checkpoint holds under its
prefixes: ``generator_a2b``, ``generator_b2a``, ``discriminator_a``, ``discriminator_b``.
"""
import torch.nn as nn

FAMILIES = ("cyclegan",)


class ResnetBlock(nn.Module):
    """``x + conv_block(x)``; [N, C, H, W] -> the same."""

    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """c7s1-w, d2w, d4w, B x R4w, u2w, uw, c7s1-C. [N, C, S, S] -> [N, C, S, S]."""

    def __init__(self, channels, ngf, n_blocks):
        super().__init__()
        model = [nn.ReflectionPad2d(3), nn.Conv2d(channels, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1),
                      nn.InstanceNorm2d(ngf * mult * 2), nn.ReLU(True)]
        model += [ResnetBlock(ngf * 4) for _ in range(n_blocks)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1),
                      nn.InstanceNorm2d(ngf * mult // 2), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    """PatchGAN with ``n_layers`` stride-2 convolutions. [N, C, S, S] -> raw patch scores [N, 1, P, P]."""

    def __init__(self, channels, ndf, n_layers):
        super().__init__()
        sequence = [nn.Conv2d(channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            previous, mult = mult, min(2 ** n, 8)
            sequence += [nn.Conv2d(ndf * previous, ndf * mult, 4, 2, 1), nn.InstanceNorm2d(ndf * mult),
                         nn.LeakyReLU(0.2, True)]
        previous, mult = mult, min(2 ** n_layers, 8)
        sequence += [nn.Conv2d(ndf * previous, ndf * mult, 4, 1, 1), nn.InstanceNorm2d(ndf * mult),
                     nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*sequence)

    def forward(self, x):
        return self.model(x)


def build(model_config, family="cyclegan"):
    """The modules of a CycleGAN run by checkpoint prefix."""
    if family not in FAMILIES:
        raise ValueError("cyclegan reference: unknown family %r" % family)
    s = model_config["network"]
    c = s["channels"]

    def generator():
        return ResnetGenerator(c, s["generatorWidth"], s["residualBlocks"])

    def discriminator():
        return NLayerDiscriminator(c, s["discriminatorWidth"], s["discriminatorLayers"])

    return {"generator_a2b": generator(), "generator_b2a": generator(),
            "discriminator_a": discriminator(), "discriminator_b": discriminator()}
