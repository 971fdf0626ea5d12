"""PyTorch reference for swift-gan's CycleGAN networks (Sources/GANModels/CycleGAN/).

The modules are those of junyanz/pytorch-CycleGAN-and-pix2pix ``models/networks.py`` as its
CycleGAN model builds them (``--norm instance --netG resnet_Nblocks --netD n_layers``, no
dropout): InstanceNorm2d without affine parameters or running statistics, so every convolution
before a norm has a bias; reflection padding; transposed convolutions up. The state_dict names
are the reference's (``model.1.weight``, ``model.10.conv_block.1.weight``, ...), which are the
Swift networks' names, so a Swift checkpoint loads here with ``strict=True`` and back.

Settings are a dict equal to the JSON encoding of the Swift ``CycleGANNetworkSettings``:

    {"channels": 1, "imageSize": 28, "generatorWidth": 32, "residualBlocks": 3,
     "discriminatorWidth": 32, "discriminatorLayers": 2}

Use:
    import cyclegan                          # scripts/reference on sys.path
    nets = cyclegan.build(config)            # config: the settings dict, or a dict holding it
                                             # under "network" (a run's model config)
    cyclegan.load_checkpoint(nets, state)    # state: name -> tensor, with the prefixes
                                             # generator_a2b. generator_b2a. discriminator_a.
                                             # discriminator_b. ; strict per network
"""
import torch
import torch.nn as nn

# The Swift presets (CycleGANNetworkSettings.grey28, .colour32, .colour64); the fixture test
# checks that the Swift values still equal these.
PRESETS = {
    "grey28": {"channels": 1, "imageSize": 28, "generatorWidth": 32, "residualBlocks": 3,
               "discriminatorWidth": 32, "discriminatorLayers": 2},
    "colour32": {"channels": 3, "imageSize": 32, "generatorWidth": 32, "residualBlocks": 4,
                 "discriminatorWidth": 32, "discriminatorLayers": 2},
    "colour64": {"channels": 3, "imageSize": 64, "generatorWidth": 64, "residualBlocks": 6,
                 "discriminatorWidth": 64, "discriminatorLayers": 3},
}

# The four networks of a CycleGAN run, by checkpoint prefix (without the dot).
NETWORKS = ("generator_a2b", "generator_b2a", "discriminator_a", "discriminator_b")


def norm(channels):
    """The reference's ``get_norm_layer('instance')``."""
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResnetBlock(nn.Module):
    """``x + conv_block(x)``; conv_block: pad, conv3, IN, ReLU, pad, conv3, IN (reflect, no dropout)."""

    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=True), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """``ResnetGenerator(C, C, ngf, InstanceNorm, use_dropout=False, n_blocks)``: [N, C, S, S] -> same."""

    def __init__(self, settings):
        super().__init__()
        c, g = settings["channels"], settings["generatorWidth"]
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(c, g, 7, bias=True), norm(g), nn.ReLU(True)]
        for mult in (1, 2):
            layers += [nn.Conv2d(g * mult, g * mult * 2, 3, stride=2, padding=1, bias=True),
                       norm(g * mult * 2), nn.ReLU(True)]
        layers += [ResnetBlock(4 * g) for _ in range(settings["residualBlocks"])]
        for mult in (4, 2):
            layers += [nn.ConvTranspose2d(g * mult, g * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                          bias=True),
                       norm(g * mult // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(g, c, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    """``NLayerDiscriminator(C, ndf, n_layers, InstanceNorm)``, no sigmoid: [N, C, S, S] -> [N, 1, h, w]."""

    def __init__(self, settings):
        super().__init__()
        c, d, n_layers = settings["channels"], settings["discriminatorWidth"], settings["discriminatorLayers"]
        layers = [nn.Conv2d(c, d, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            layers += [nn.Conv2d(d * prev, d * mult, 4, stride=2, padding=1, bias=True),
                       norm(d * mult), nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        layers += [nn.Conv2d(d * prev, d * mult, 4, stride=1, padding=1, bias=True),
                   norm(d * mult), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(d * mult, 1, 4, stride=1, padding=1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def init_weights(net, gain=0.02):
    """The reference's ``init_weights(net, 'normal', 0.02)``: conv weights N(0, gain), biases 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


def network_settings(config):
    """The settings dict: ``config`` itself, or ``config["network"]`` (a run's model config)."""
    if "network" in config and isinstance(config["network"], dict):
        config = config["network"]
    missing = [k for k in PRESETS["grey28"] if k not in config]
    if missing:
        raise ValueError(f"CycleGAN settings lack {missing}: got keys {sorted(config)}")
    return config


def build(model_config, family="cyclegan", init=False):
    """The four networks of a CycleGAN run, by checkpoint prefix:
    ``{"generator_a2b": G, "generator_b2a": G, "discriminator_a": D, "discriminator_b": D}``.
    D_A scores domain-A images (real A against G_B2A's fakes), D_B domain-B images."""
    s = network_settings(model_config)
    nets = {"generator_a2b": ResnetGenerator(s), "generator_b2a": ResnetGenerator(s),
            "discriminator_a": NLayerDiscriminator(s), "discriminator_b": NLayerDiscriminator(s)}
    if init:
        for net in nets.values():
            init_weights(net)
    return nets


def load_checkpoint(nets, state):
    """Loads each network from the entries of ``state`` under ``<name>.`` with strict=True (every
    name and shape must match); entries under other prefixes (optimisers, pools) are ignored."""
    for name, net in nets.items():
        prefix = name + "."
        own = {k[len(prefix):]: v.float() for k, v in state.items() if k.startswith(prefix)}
        if not own:
            raise KeyError(f"the checkpoint has no entries under '{prefix}'")
        net.load_state_dict(own, strict=True)
    return nets
