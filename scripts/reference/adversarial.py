"""PyTorch reference of the adversarial families' networks (gan, dcgan, cgan, wgan, wgan-gp), as
swift-gan builds them.

The modules have the same state_dict names and layouts as the Swift networks of
``Sources/GANModels/GAN/`` and ``Sources/GANModels/DCGAN/``, built from a run's model config:
the JSON encoding of the family's Swift config, whose ``network`` is a ``NetworkSettings``::

    {"network": {"architecture": "dcgan28", "latentDimension": 100, "dataShape": [1, 28, 28],
                 "generatorBatchNorm": true, "discriminatorBatchNorm": true, "width": 64, ...},
     "classCount": 10, "emaDecay": 0.99, ...}

Architectures (K = classCount, 0 unless cgan; Sequential indices count every layer, as PyTorch's)::

    mlp      generator      model: [Linear, BatchNorm1d(eps) (not first), ReLU | LeakyReLU] x hidden,
                            Linear(-> prod(dataShape)), Tanh (images)          z (+ one-hot) -> view dataShape
             discriminator  model: [Linear, BatchNorm1d (not first), LeakyReLU] x hidden, Linear(-> 1)
                                                                               flatten (+ one-hot) -> [N, 1]
    dcgan28  generator      fc Linear(nz + K, 2w (S/4)^2) -> view [N, 2w, S/4, S/4]
                            net: BN(2w), ReLU, ConvT(2w, w, 4, 2, 1), BN(w), ReLU, ConvT(w, C, 4, 2, 1), Tanh
             discriminator  net: Conv(C + K, w, 4, 2, 1), LReLU, Conv(w, 2w, 4, 2, 1), BN(2w), LReLU,
                                 Flatten, Linear(2w (S/4)^2, 1)                (K label planes appended)
    dcgan    generator      main: ConvT(nz + K, w 2^(u-1), 4, 1, 0), BN, ReLU, ... ConvT(w, C, 4, 2, 1), Tanh
             discriminator  main: Conv(C + K, w, 4, 2, 1), LReLU, [Conv(4, 2, 1), BN, LReLU] ..., Conv(8w, 1, 4, 1, 0)

BatchNorm layers are left out where the settings turn them off (the indices shift as in Swift).
CGAN conditions G by appending one-hot labels to z and D by appending them to the flattened
sample (MLP) or as K constant planes after the image channels (convolutional networks).

``build(model_config, family)`` returns the modules a run's checkpoint holds under its
prefixes (``generator``, ``discriminator`` and, when the config has an ``emaDecay``, ``ema``), so
a checker can do ``modules[prefix].load_state_dict(weights_with_prefix_removed, strict=True)``.
Generators take ``(z, labels)``, discriminators ``(x, labels)``; labels are ignored (and may be
``None``) when K is 0.
"""
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

FAMILIES = ("gan", "dcgan", "cgan", "wgan", "wgan-gp")


def append_one_hot(x, labels, class_count):
    """``x`` [N, F] -> [N, F + K] with one-hot labels appended (x unchanged when K is 0)."""
    if class_count == 0:
        return x
    return torch.cat([x, F.one_hot(labels.long(), class_count).to(x.dtype)], dim=1)


def append_label_planes(x, labels, class_count):
    """Images [N, C, H, W] -> [N, C + K, H, W] with K constant one-hot planes appended."""
    if class_count == 0:
        return x
    planes = F.one_hot(labels.long(), class_count).to(x.dtype)[:, :, None, None]
    return torch.cat([x, planes.expand(-1, -1, x.shape[2], x.shape[3])], dim=1)


class MLPGenerator(nn.Module):
    """PyTorch-GAN's MLP generator. z [N, nz] (+ labels) -> [N] + dataShape."""

    def __init__(self, s, class_count=0):
        super().__init__()
        self.data_shape, self.class_count = list(s["dataShape"]), class_count
        layers, width = [], s["latentDimension"] + class_count
        for i, hidden in enumerate(s.get("generatorHidden", [])):
            layers.append(nn.Linear(width, hidden))
            if s.get("generatorBatchNorm", True) and i > 0:
                layers.append(nn.BatchNorm1d(hidden, eps=s.get("batchNormEpsilon", 1e-5)))
            slope = s.get("generatorSlope", 0)
            layers.append(nn.ReLU() if slope == 0 else nn.LeakyReLU(slope))
            width = hidden
        layers.append(nn.Linear(width, math.prod(self.data_shape)))
        if s.get("outputTanh", True):
            layers.append(nn.Tanh())
        self.model = nn.Sequential(*layers)

    def forward(self, z, labels=None):
        return self.model(append_one_hot(z, labels, self.class_count)).view(z.shape[0], *self.data_shape)


class MLPDiscriminator(nn.Module):
    """PyTorch-GAN's MLP discriminator without the sigmoid. [N] + dataShape (+ labels) -> [N, 1]."""

    def __init__(self, s, class_count=0):
        super().__init__()
        self.class_count = class_count
        layers, width = [], math.prod(s["dataShape"]) + class_count
        for i, hidden in enumerate(s.get("discriminatorHidden", [])):
            layers.append(nn.Linear(width, hidden))
            if s.get("discriminatorBatchNorm", True) and i > 0:
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(nn.LeakyReLU(s.get("discriminatorSlope", 0.2)))
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        return self.model(append_one_hot(x.reshape(x.shape[0], -1), labels, self.class_count))


class DCGAN28Generator(nn.Module):
    """``DC28Gen`` of ../shared/bench (``fc``, ``net``). z [N, nz] (+ labels) -> [N, C, S, S]."""

    def __init__(self, s, class_count=0):
        super().__init__()
        self.class_count = class_count
        w, bias, bn = s.get("width", 64), s.get("convolutionBias", True), s.get("generatorBatchNorm", True)
        self.side, self.width = s["dataShape"][1] // 4, w
        self.fc = nn.Linear(s["latentDimension"] + class_count, 2 * w * self.side * self.side)
        layers = ([nn.BatchNorm2d(2 * w)] if bn else []) + [nn.ReLU(), nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=bias)]
        layers += ([nn.BatchNorm2d(w)] if bn else []) + [nn.ReLU(), nn.ConvTranspose2d(w, s["dataShape"][0], 4, 2, 1, bias=bias),
                                                          nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z, labels=None):
        h = self.fc(append_one_hot(z, labels, self.class_count))
        return self.net(h.view(z.shape[0], 2 * self.width, self.side, self.side))


class DCGAN28Discriminator(nn.Module):
    """``DC28Disc`` of ../shared/bench (``net``). [N, C, S, S] (+ label planes) -> [N, 1]."""

    def __init__(self, s, class_count=0):
        super().__init__()
        self.class_count = class_count
        w, bias, slope = s.get("width", 64), s.get("convolutionBias", True), s.get("discriminatorSlope", 0.2)
        side = s["dataShape"][1] // 4
        layers = [nn.Conv2d(s["dataShape"][0] + class_count, w, 4, 2, 1, bias=bias), nn.LeakyReLU(slope),
                  nn.Conv2d(w, 2 * w, 4, 2, 1, bias=bias)]
        layers += ([nn.BatchNorm2d(2 * w)] if s.get("discriminatorBatchNorm", True) else [])
        layers += [nn.LeakyReLU(slope), nn.Flatten(), nn.Linear(2 * w * side * side, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        return self.net(append_label_planes(x, labels, self.class_count))


class DCGANGenerator(nn.Module):
    """``pytorch/examples`` DCGAN generator (``main``). z [N, nz] (+ labels) -> [N, C, S, S]."""

    def __init__(self, s, class_count=0):
        super().__init__()
        self.class_count = class_count
        w, bias, bn = s.get("width", 64), s.get("convolutionBias", True), s.get("generatorBatchNorm", True)
        ups = int(math.log2(s["dataShape"][1])) - 2
        channels = w << (ups - 1)
        layers = [nn.ConvTranspose2d(s["latentDimension"] + class_count, channels, 4, 1, 0, bias=bias)]
        layers += ([nn.BatchNorm2d(channels)] if bn else []) + [nn.ReLU()]
        for _ in range(ups - 1):
            layers.append(nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=bias))
            channels //= 2
            layers += ([nn.BatchNorm2d(channels)] if bn else []) + [nn.ReLU()]
        layers += [nn.ConvTranspose2d(channels, s["dataShape"][0], 4, 2, 1, bias=bias), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z, labels=None):
        h = append_one_hot(z, labels, self.class_count)
        return self.main(h.view(z.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """``pytorch/examples`` DCGAN discriminator without the sigmoid (``main``). [N, C, S, S] -> [N, 1]."""

    def __init__(self, s, class_count=0):
        super().__init__()
        self.class_count = class_count
        w, bias, slope = s.get("width", 64), s.get("convolutionBias", True), s.get("discriminatorSlope", 0.2)
        downs = int(math.log2(s["dataShape"][1])) - 2
        channels = w
        layers = [nn.Conv2d(s["dataShape"][0] + class_count, channels, 4, 2, 1, bias=bias), nn.LeakyReLU(slope)]
        for _ in range(1, downs):
            layers.append(nn.Conv2d(channels, 2 * channels, 4, 2, 1, bias=bias))
            channels *= 2
            layers += ([nn.BatchNorm2d(channels)] if s.get("discriminatorBatchNorm", True) else []) + [nn.LeakyReLU(slope)]
        layers.append(nn.Conv2d(channels, 1, 4, 1, 0, bias=bias))
        self.main = nn.Sequential(*layers)

    def forward(self, x, labels=None):
        return self.main(append_label_planes(x, labels, self.class_count)).view(x.shape[0], 1)


NETWORKS = {
    "mlp": (MLPGenerator, MLPDiscriminator),
    "dcgan28": (DCGAN28Generator, DCGAN28Discriminator),
    "dcgan": (DCGANGenerator, DCGANDiscriminator),
}


def build(model_config, family):
    """The modules of a ``family`` run by checkpoint prefix: ``generator``, ``discriminator`` and,
    when ``model_config`` has a non-null ``emaDecay``, ``ema`` (a copy of the generator)."""
    if family not in FAMILIES:
        raise ValueError("adversarial reference: unknown family %r (expected one of %s)" % (family, ", ".join(FAMILIES)))
    settings = model_config["network"]
    class_count = model_config.get("classCount", 0) if family == "cgan" else 0
    try:
        make_generator, make_discriminator = NETWORKS[settings["architecture"]]
    except KeyError:
        raise ValueError("adversarial reference: unknown architecture %r" % settings.get("architecture"))
    generator = make_generator(settings, class_count)
    modules = {"generator": generator, "discriminator": make_discriminator(settings, class_count)}
    if model_config.get("emaDecay") is not None:
        modules["ema"] = copy.deepcopy(generator)
    return modules
