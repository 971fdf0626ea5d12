#!/usr/bin/env python3
"""Write Tests/Fixtures/cogan.safetensors: PyTorch's CoGAN networks (scripts/reference/cogan.py)
at a reduced width, for the Swift parity test (Tests/GANModelsTests/CoGANTests.swift).

Settings (``__metadata__["settings"]``, the Swift CoGANNetworkSettings JSON): latent 16,
generator width 1/16 (64, 32, 16, 8 channels), discriminator width 1/4 (5, 13, 125: 12.5
rounds half away from zero, as Swift does). Tensors (float32; computed in float64):

    generators.<name>, discriminators.<name>   state dicts (random BatchNorm statistics and
                                               affine values, random PReLU slopes)
    z [6, 16]                                  latents
    eval.a, eval.b [6, 1, 28, 28]              generate(z, domain) in eval mode
    train.a, train.b                           one training-mode pass (forward(z): the trunk once)
    train.grad.<name>                          gradients of (train.a * ga).sum() + (train.b * gb).sum()
    ga, gb                                     those random weights
    after.<buffer>                             generator buffers after that training pass
    x.a, x.b [5, 1, 28, 28]                    discriminator inputs in [-1, 1]
    score.a, score.b [5, 1]                    logits
    score.grad.<name>                          gradients of score.a.sum() - 2 * score.b.sum()

Run: python3 scripts/make_cogan_fixtures.py  (torch, numpy; deterministic, one thread)
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cogan  # noqa: E402
from make_fixtures import Fixture  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "cogan.safetensors")
SETTINGS = {"latentDimension": 16, "channels": 1, "generatorWidth": 0.0625, "discriminatorWidth": 0.25,
            "dcganInitialization": False}
MAX_BYTES = 1_000_000


def randomize(module):
    """Weights at their default init, plus non-trivial BatchNorm statistics, affine values and slopes."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(1 + 0.3 * torch.randn_like(m.weight))
                m.bias.copy_(0.3 * torch.randn_like(m.bias))
                m.running_mean.copy_(0.2 * torch.randn_like(m.running_mean))
                m.running_var.copy_(0.5 + torch.rand_like(m.running_var))
                m.num_batches_tracked.fill_(3)
            elif isinstance(m, torch.nn.PReLU):
                m.weight.copy_(0.25 + 0.3 * torch.randn_like(m.weight))


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    modules = cogan.build(SETTINGS)
    g, d = modules["generators"], modules["discriminators"]
    randomize(g)
    randomize(d)
    fx = Fixture("cogan")
    fx.meta["generator"] = "scripts/make_cogan_fixtures.py, torch " + torch.__version__.split("+")[0]
    fx.meta["settings"] = json.dumps(SETTINGS, separators=(",", ":"))
    fx.meta["channels"] = json.dumps({"generator": cogan.generator_channels(SETTINGS),
                                      "discriminator": cogan.discriminator_channels(SETTINGS)})
    for prefix, m in (("generators", g), ("discriminators", d)):
        for k, v in m.state_dict().items():
            fx.add(prefix + "." + k, v)

    z = torch.randn(6, SETTINGS["latentDimension"])
    fx.add("z", z)
    g = g.double()
    g.eval()
    with torch.no_grad():
        fx.add("eval.a", g.generate(z.double(), "a"))
        fx.add("eval.b", g.generate(z.double(), "b"))
    g.train()
    a, b = g(z.double())
    ga, gb = torch.randn(a.shape), torch.randn(b.shape)
    names = [n for n, _ in g.named_parameters()]
    grads = torch.autograd.grad((a * ga.double()).sum() + (b * gb.double()).sum(), list(g.parameters()))
    fx.add("train.a", a)
    fx.add("train.b", b)
    fx.add("ga", ga)
    fx.add("gb", gb)
    for n, gr in zip(names, grads):
        fx.add("train.grad." + n, gr)
    for n, buf in g.named_buffers():
        fx.add("after." + n, buf)

    d = d.double()
    xa, xb = torch.tanh(torch.randn(5, 1, 28, 28)), torch.tanh(torch.randn(5, 1, 28, 28))
    fx.add("x.a", xa)
    fx.add("x.b", xb)
    sa, sb = d.score(xa.double(), "a"), d.score(xb.double(), "b")
    fx.add("score.a", sa)
    fx.add("score.b", sb)
    names = [n for n, _ in d.named_parameters()]
    grads = torch.autograd.grad(sa.sum() - 2 * sb.sum(), list(d.parameters()))
    for n, gr in zip(names, grads):
        fx.add("score.grad." + n, gr)

    size = fx.write(OUT)
    print("wrote %s: %d bytes, %d tensors" % (os.path.normpath(OUT), size, len(fx.tensors)))
    print("channels", fx.meta["channels"])
    return 0 if size < MAX_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
