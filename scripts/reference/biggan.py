"""PyTorch reference for swift-gan's BigGAN networks (Sources/GANModels/BigGAN/).

The modules follow ajbrock/BigGAN-PyTorch (``BigGAN.py``, ``layers.py``) as its ImageNet runs
configure them (``--G_shared --hier --G_init ortho --D_init ortho``, SN everywhere but G's
shared embedding, wide D blocks, projection), written again here with these differences, which
the Swift networks share:

- spectral norm is ``torch.nn.utils.spectral_norm`` (state_dict ``weight_orig``, ``weight_u``,
  ``weight_v``; eps 1e-12, one power iteration per training forward) in place of
  BigGAN-PyTorch's own ``SN`` (``u0``, ``sv0``);
- the attention block is the child ``attention`` (BigGAN-PyTorch: ``blocks.<a>.1``, the blocks
  themselves ``blocks.<i>.0``), its ``gamma`` has shape [1];
- G's output layers are ``output_bn`` and ``output_conv`` (BigGAN-PyTorch: ``output_layer.0``,
  ``output_layer.2``) and the image has C channels;
- the conditional batch norms keep their statistics in a child ``bn`` (``nn.BatchNorm2d`` without
  affine parameters: ``bn.running_mean``, ``bn.running_var``, ``bn.num_batches_tracked``) where
  BigGAN-PyTorch's ``ccbn`` has ``stored_mean``, ``stored_var``; BN eps 1e-5, momentum 0.1.

Settings are a dict equal to the JSON encoding of the Swift ``BigGANNetworkSettings``:

    {"channels": 1, "imageSize": 28, "width": 32, "latentDimension": 120, "sharedDimension": 128,
     "classCount": 10, "generatorMultipliers": [4, 4, 2], "bottomWidth": 7, "generatorAttention": 14,
     "discriminatorMultipliers": [2, 4, 4, 4], "discriminatorDownsample": [true, true, false, false],
     "discriminatorAttention": 14}

(an attention side absent or null: no attention block).

Use:
    import biggan                                  # scripts/reference on sys.path
    g = biggan.build_generator(settings)           # G(z, labels) -> [N, C, S, S] in [-1, 1]
    d = biggan.build_discriminator(settings)       # D(x, labels) -> [N, 1]
    g.load_state_dict(state, strict=True)          # a Swift state dict loads as it is
    g.attention_map(z, labels)                     # [N, s*s, s*s/4] at G's attention side s
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm

from sagan import set_power_iterations  # the same spectral_norm hooks

# The Swift presets (BigGANNetworkSettings.grey28, .colour32, .colour64); the fixture test checks
# that the Swift values still equal these.
PRESETS = {
    "grey28": {"channels": 1, "imageSize": 28, "width": 16, "latentDimension": 120, "sharedDimension": 128,
               "classCount": 10, "generatorMultipliers": [4, 4, 2], "bottomWidth": 7, "generatorAttention": 14,
               "discriminatorMultipliers": [2, 4, 4, 4], "discriminatorDownsample": [True, True, False, False],
               "discriminatorAttention": 14},
    "colour32": {"channels": 3, "imageSize": 32, "width": 32, "latentDimension": 120, "sharedDimension": 128,
                 "classCount": 10, "generatorMultipliers": [4, 4, 4, 4], "bottomWidth": 4, "generatorAttention": 16,
                 "discriminatorMultipliers": [4, 4, 4, 4], "discriminatorDownsample": [True, True, False, False],
                 "discriminatorAttention": 16},
    "colour64": {"channels": 3, "imageSize": 64, "width": 32, "latentDimension": 120, "sharedDimension": 128,
                 "classCount": 10, "generatorMultipliers": [16, 16, 8, 4, 2], "bottomWidth": 4,
                 "generatorAttention": 32, "discriminatorMultipliers": [1, 2, 4, 8, 16],
                 "discriminatorDownsample": [True, True, True, True, False], "discriminatorAttention": 32},
}

BN_EPS = 1e-5


def sn_conv(cin, cout, kernel_size, bias=True):
    """A spectrally normalised convolution, padding kernel_size // 2."""
    return spectral_norm(nn.Conv2d(cin, cout, kernel_size, padding=kernel_size // 2, bias=bias))


def sn_linear(cin, cout, bias=True):
    return spectral_norm(nn.Linear(cin, cout, bias=bias))


class ConditionalBatchNorm(nn.Module):
    """BigGAN-PyTorch's ``ccbn`` with SN linear maps: ``bn(x) * (1 + gain(c)) + bias(c)``."""

    def __init__(self, features, conditioning):
        super().__init__()
        self.bn = nn.BatchNorm2d(features, eps=BN_EPS, momentum=0.1, affine=False)
        self.gain = sn_linear(conditioning, features, bias=False)
        self.bias = sn_linear(conditioning, features, bias=False)

    def forward(self, x, c):
        shape = (c.shape[0], -1, 1, 1)
        return self.bn(x) * (1 + self.gain(c)).view(shape) + self.bias(c).view(shape)


class Attention(nn.Module):
    """BigGAN-PyTorch's ``layers.Attention`` with SN 1x1 convolutions: [N, C, H, W] -> same."""

    def __init__(self, ch):
        super().__init__()
        self.ch = ch
        self.theta = sn_conv(ch, ch // 8, 1, bias=False)
        self.phi = sn_conv(ch, ch // 8, 1, bias=False)
        self.g = sn_conv(ch, ch // 2, 1, bias=False)
        self.o = sn_conv(ch // 2, ch, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def weights(self, x):
        """softmax over the pooled keys of theta^T phi: [N, H*W, H*W/4]."""
        n, _, h, w = x.shape
        theta = self.theta(x).view(n, self.ch // 8, h * w)
        phi = F.max_pool2d(self.phi(x), [2, 2]).view(n, self.ch // 8, h * w // 4)
        return F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)

    def forward(self, x):
        n, _, h, w = x.shape
        beta = self.weights(x)
        g = F.max_pool2d(self.g(x), [2, 2]).view(n, self.ch // 2, h * w // 4)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(n, self.ch // 2, h, w))
        return self.gamma * o + x


class GBlock(nn.Module):
    """``layers.GBlock`` with nearest x2 up-sampling and a learnable shortcut."""

    def __init__(self, cin, cout, conditioning):
        super().__init__()
        self.conv1 = sn_conv(cin, cout, 3)
        self.conv2 = sn_conv(cout, cout, 3)
        self.conv_sc = sn_conv(cin, cout, 1)
        self.bn1 = ConditionalBatchNorm(cin, conditioning)
        self.bn2 = ConditionalBatchNorm(cout, conditioning)

    def forward(self, x, c):
        h = F.interpolate(F.relu(self.bn1(x, c)), scale_factor=2)
        x = F.interpolate(x, scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), c)))
        return h + self.conv_sc(x)


class DBlock(nn.Module):
    """``layers.DBlock`` (wide): [N, in, s, s] -> [N, out, s/2 or s, ...]."""

    def __init__(self, cin, cout, preactivation, downsample):
        super().__init__()
        self.preactivation, self.downsample = preactivation, downsample
        self.conv1 = sn_conv(cin, cout, 3)
        self.conv2 = sn_conv(cout, cout, 3)
        self.learnable_sc = cin != cout or downsample
        if self.learnable_sc:
            self.conv_sc = sn_conv(cin, cout, 1)

    def down(self, x):
        return F.avg_pool2d(x, 2) if self.downsample else x

    def shortcut(self, x):
        if not self.learnable_sc:
            return x
        return self.down(self.conv_sc(x)) if self.preactivation else self.conv_sc(self.down(x))

    def forward(self, x):
        h = F.relu(x) if self.preactivation else x
        h = self.down(self.conv2(F.relu(self.conv1(h))))
        return h + self.shortcut(x)


def generator_sides(s):
    return [s["bottomWidth"] * 2 ** (i + 1) for i in range(len(s["generatorMultipliers"]) - 1)]


def discriminator_sides(s):
    sides, side = [], s["imageSize"]
    for down in s["discriminatorDownsample"]:
        side = side // 2 if down else side
        sides.append(side)
    return sides


def attention_index(sides, side):
    """The first block whose output side is ``side`` (None for no attention)."""
    return None if side is None else sides.index(side)


def class_labels(labels, count):
    """``labels`` as a long tensor; class 0 for every sample when None (unlabelled data: one class)."""
    return torch.zeros(count, dtype=torch.long) if labels is None else labels.long()


class Generator(nn.Module):
    """BigGAN-PyTorch's ``Generator`` (shared embedding, hierarchical z): (z, labels) -> [N, C, S, S]."""

    def __init__(self, s):
        super().__init__()
        self.s = s
        ch = [m * s["width"] for m in s["generatorMultipliers"]]
        self.blocks_count = len(ch) - 1
        self.chunk = s["latentDimension"] // (self.blocks_count + 1)
        conditioning = s["sharedDimension"] + self.chunk
        self.shared = nn.Embedding(s["classCount"], s["sharedDimension"])
        self.linear = sn_linear(self.chunk, ch[0] * s["bottomWidth"] ** 2)
        self.blocks = nn.ModuleList([GBlock(ch[i], ch[i + 1], conditioning) for i in range(self.blocks_count)])
        self.attention_index = attention_index(generator_sides(s), s.get("generatorAttention"))
        if self.attention_index is not None:
            self.attention = Attention(ch[self.attention_index + 1])
        self.output_bn = nn.BatchNorm2d(ch[-1], eps=BN_EPS, momentum=0.1)
        self.output_conv = sn_conv(ch[-1], s["channels"], 3)

    def run(self, z, y, stop_at_attention=False):
        zs = torch.split(z, self.chunk, 1)
        h = self.linear(zs[0]).view(z.shape[0], -1, self.s["bottomWidth"], self.s["bottomWidth"])
        for i, block in enumerate(self.blocks):
            h = block(h, torch.cat([y, zs[i + 1]], 1))
            if i == self.attention_index:
                if stop_at_attention:
                    return self.attention.weights(h)
                h = self.attention(h)
        return torch.tanh(self.output_conv(F.relu(self.output_bn(h))))

    def forward(self, z, labels=None):
        return self.run(z, self.shared(class_labels(labels, z.shape[0])))

    def attention_map(self, z, labels):
        """G's attention weights [N, s*s, s*s/4] for (z, labels); None without attention."""
        if self.attention_index is None:
            return None
        return self.run(z, self.shared(class_labels(labels, z.shape[0])), stop_at_attention=True)


class Discriminator(nn.Module):
    """BigGAN-PyTorch's ``Discriminator`` with projection: (x, labels) -> [N, 1]."""

    def __init__(self, s):
        super().__init__()
        ch = [m * s["width"] for m in s["discriminatorMultipliers"]]
        cin = [s["channels"]] + ch[:-1]
        self.blocks = nn.ModuleList([DBlock(cin[i], ch[i], i > 0, s["discriminatorDownsample"][i])
                                     for i in range(len(ch))])
        self.attention_index = attention_index(discriminator_sides(s), s.get("discriminatorAttention"))
        if self.attention_index is not None:
            self.attention = Attention(ch[self.attention_index])
        self.linear = sn_linear(ch[-1], 1)
        self.embed = spectral_norm(nn.Embedding(s["classCount"], ch[-1]))

    def forward(self, x, labels=None):
        labels = class_labels(labels, x.shape[0])
        h = x
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attention_index:
                h = self.attention(h)
        h = torch.sum(F.relu(h), [2, 3])
        return self.linear(h) + torch.sum(self.embed(labels) * h, 1, keepdim=True)


def init_ortho(net):
    """BigGAN-PyTorch's ``init_weights`` ('ortho'): every conv, linear and embedding weight
    (``weight_orig`` under spectral norm) orthogonal; biases keep PyTorch's default."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
            weight = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            with torch.no_grad():
                nn.init.orthogonal_(weight)
    return net


def network_settings(config):
    """The settings dict: ``config`` itself, or ``config["network"]`` (a run's model config)."""
    if "network" in config and isinstance(config["network"], dict):
        config = config["network"]
    required = [k for k in PRESETS["grey28"] if not k.endswith("Attention")]
    missing = [k for k in required if k not in config]
    if missing:
        raise ValueError(f"BigGAN settings lack {missing}: got keys {sorted(config)}")
    return config


def build_generator(settings, init=True):
    """BigGAN's G for ``settings`` (or a run's model config holding it under "network")."""
    g = set_power_iterations(Generator(network_settings(settings)), network_settings(settings))
    return init_ortho(g) if init else g


def build_discriminator(settings, init=True):
    """BigGAN's D for ``settings`` (or a run's model config holding it under "network")."""
    d = set_power_iterations(Discriminator(network_settings(settings)), network_settings(settings))
    return init_ortho(d) if init else d



def build(model_config):
    """The modules of a biggan run by checkpoint prefix: ``generator``, ``discriminator`` and, with
    an ``emaDecay`` or ``emaHalfLifeImages``, ``ema`` (a copy of the generator)."""
    modules = {"generator": build_generator(model_config, init=False),
               "discriminator": build_discriminator(model_config, init=False)}
    if model_config.get("emaDecay") is not None or model_config.get("emaHalfLifeImages") is not None:
        modules["ema"] = build_generator(model_config, init=False)
    return modules
