#!/usr/bin/env python3
"""Write Tests/Fixtures/stylegan2_regularizers.safetensors: StyleGAN2's two regularisers on whole
small networks in PyTorch (float64; scripts/reference/stylegan.py, variant 2), for
Tests/GANModelsTests/StyleGAN2Tests.swift:

R1 on the residual discriminator (``StyleGANRegularization.r1``): E[|grad_x D(x)|^2] on reals and its
gradient w.r.t. every D parameter (second order: through the convolutions' and the minibatch
std-dev's derivative rules).

Path length on the variant-2 generator (``StyleGANRegularization.pathLength``, rosinality's
g_path_regularize): styles from the mapping of z (layers from ``crossover`` on from z2's w), noise
maps and y fixed, the running mean before the batch fixed; the penalty, each sample's path length,
the updated mean and the penalty's gradient w.r.t. every G parameter (mapping included, through
the styles; second order through the modulated convolutions).

Tensors: d.init.<name>, real, r1, d.grad.<name>; g.init.<name>, z, z2, noise.<i>, y, pl_mean,
penalty, lengths, pl_mean_after, g.grad.<name>. Metadata: settings (StyleGANNetworkSettings JSON),
crossover, decay.

Run: python3 scripts/make_style_regularizer_fixtures.py  (torch, numpy; deterministic)
"""
import json
import math
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, HERE)
import stylegan  # noqa: E402
from make_fixtures import Fixture  # noqa: E402

SETTINGS = {"channels": 1, "bottomSide": 4, "levelChannels": [6, 5, 4], "latentDimension": 8,
            "mappingLayers": 2, "mappingLearningRateMultiplier": 0.01, "groupSize": 4}


def f32(t):
    """Drawn in float32, computed in float64 (the Swift side reads the same float32 values)."""
    return t.to(torch.float32).to(torch.float64)


def perturbed(module):
    """Every parameter away from its start (zero noise strengths and biases, modulation biases of 1),
    so that a term in the wrong place shows; stored as float32 values."""
    module = module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(f32(p + 0.2 * torch.randn_like(p)))
    return module


def grads(value, params):
    """d value / d every parameter; zeros where the value does not depend on one (the score's last
    bias for R1, the RGB biases for the path length)."""
    found = torch.autograd.grad(value, list(params.values()), allow_unused=True)
    return {name: torch.zeros_like(p) if gr is None else gr for (name, p), gr in zip(params.items(), found)}


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(11)
    fx = Fixture("stylegan2_regularizers")
    modules = stylegan.build({"variant": 2, "network": SETTINGS})
    g, d = perturbed(modules["generator"]), perturbed(modules["discriminator"])

    # R1 on a batch of 6: the minibatch std-dev takes groups of 3.
    for name, t in d.state_dict().items():
        fx.add(f"d.init.{name}", t)
    real = f32(torch.rand(6, 1, 16, 16) * 2 - 1).requires_grad_(True)
    scores = d(real)
    grad, = torch.autograd.grad(scores.sum(), real, create_graph=True)
    r1 = grad.reshape(6, -1).pow(2).sum(1).mean()
    for name, gr in grads(r1, dict(d.named_parameters())).items():
        fx.add(f"d.grad.{name}", gr)
    fx.add("real", real.detach())
    fx.add("r1", r1)

    # Path length on a batch of 3, mixed at style 3 of 6.
    for name, t in g.state_dict().items():
        fx.add(f"g.init.{name}", t)
    n, nz, crossover, decay = 3, SETTINGS["latentDimension"], 3, 0.01
    z, z2 = f32(torch.randn(n, nz)), f32(torch.randn(n, nz))
    w, w2 = g.mapping(z), g.mapping(z2)
    styles = [w if i < crossover else w2 for i in range(g.style_count)]
    noise = [f32(torch.randn(n, 1, s, s)) for s in g.sides]
    side = 4 << 2
    y = f32(torch.randn(n, 1, side, side)) / math.sqrt(side * side)
    pl_mean = 0.25
    penalty, lengths, updated = stylegan.path_length_penalty(g, styles, noise, y, pl_mean, decay)
    for name, gr in grads(penalty, dict(g.named_parameters())).items():
        fx.add(f"g.grad.{name}", gr)
    fx.add("z", z)
    fx.add("z2", z2)
    for i, m in enumerate(noise):
        fx.add(f"noise.{i}", m)
    fx.add("y", y)
    fx.add("pl_mean", torch.tensor(pl_mean))
    fx.add("penalty", penalty)
    fx.add("lengths", lengths)
    fx.add("pl_mean_after", updated)
    print("r1", r1.item(), "penalty", penalty.item(), "lengths", lengths.tolist(), "mean", updated.item())

    fx.meta["settings"] = json.dumps(SETTINGS)
    fx.meta["crossover"] = str(crossover)
    fx.meta["decay"] = str(decay)
    out = os.path.join(HERE, "..", "Tests", "Fixtures", "stylegan2_regularizers.safetensors")
    fx.write(out)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
