#!/usr/bin/env python3
"""Write Tests/Fixtures/step_cogan.safetensors and step_cyclegan.safetensors: one whole training step
of CoGAN and of CycleGAN in PyTorch (float64), for the Swift step-parity tests
(Tests/GANModelsTests/StepParityTests.swift).

CoGAN's step draws its latents from the trainer's RNG; `SwiftRandom` below is our RandomGenerator
(xoshiro256** seeded by SplitMix64, Box-Muller in double precision), so PyTorch gets the very
latents the Swift step draws from the same seed (the test checks that first).

Tensors: init.<prefix>.<name> (weights before the step), real.a, real.b, z, loss_d, loss_g,
grad.<prefix>.<name> (the gradients each optimiser receives), after.<prefix>.<name> (every
parameter and buffer after the step). Metadata: settings (CoGANNetworkSettings JSON), seed,
the optimiser settings.

Run: python3 scripts/make_step_fixtures.py  (torch, numpy; deterministic)
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
sys.path.insert(0, HERE)
import cogan  # noqa: E402
import cyclegan  # noqa: E402
from make_fixtures import Fixture  # noqa: E402

MASK = (1 << 64) - 1


class SwiftRandom:
    """GANTensor's RandomGenerator, bit for bit."""

    def __init__(self, seed):
        s = seed & MASK
        state = []
        for _ in range(4):
            s = (s + 0x9E3779B97F4A7C15) & MASK
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s = state

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self.rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self.rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform_double(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self, count):
        out = np.empty(count, dtype=np.float32)
        i = 0
        while i < count:
            u1 = 1.0 - self.uniform_double()
            u2 = self.uniform_double()
            r = math.sqrt(-2.0 * math.log(u1))
            theta = 2.0 * math.pi * u2
            out[i] = np.float32(r * math.cos(theta))
            if i + 1 < count:
                out[i + 1] = np.float32(r * math.sin(theta))
            i += 2
        return out


def adam_step(params, grads, lr, betas):
    """One torch.optim.Adam step with the given gradients."""
    optimizer = torch.optim.Adam(list(params.values()), lr=lr, betas=betas)
    for name, p in params.items():
        p.grad = grads[name].clone()
    optimizer.step()


def cogan_step(fx):
    settings = {"latentDimension": 8, "channels": 1, "generatorWidth": 0.03125, "discriminatorWidth": 0.25,
                "dcganInitialization": True}
    seed, batch, lr, betas = 11, 6, 2e-4, (0.5, 0.999)
    torch.manual_seed(1)
    modules = cogan.build(dict(settings, emaDecay=None))
    g, d = modules["generators"].double(), modules["discriminators"].double()
    for prefix, m in (("generators", g), ("discriminators", d)):
        for name, t in m.state_dict().items():
            fx.add(f"init.{prefix}.{name}", t)
    real_a = torch.rand(batch, 1, 28, 28, dtype=torch.float64) * 2 - 1
    real_b = torch.rand(batch, 1, 28, 28, dtype=torch.float64) * 2 - 1
    z = torch.from_numpy(SwiftRandom(seed).normal(batch * settings["latentDimension"]).astype(np.float64))
    z = z.view(batch, settings["latentDimension"])
    fx.add("real.a", real_a)
    fx.add("real.b", real_b)
    fx.add("z", z)

    g.train()
    d.train()
    fake_a, fake_b = g(z)
    # D: non-saturating loss on both domains, summed.
    ra, rb = d(real_a, real_b)
    fa, fb = d(fake_a.detach(), fake_b.detach())
    loss_d = (F.softplus(-ra).mean() + F.softplus(fa).mean()) + (F.softplus(-rb).mean() + F.softplus(fb).mean())
    d_params = dict(d.named_parameters())
    grads_d = dict(zip(d_params, torch.autograd.grad(loss_d, list(d_params.values()))))
    adam_step(d_params, grads_d, lr, betas)
    # G: through the updated D, on the same fakes.
    sa, sb = d(fake_a, fake_b)
    loss_g = F.softplus(-sa).mean() + F.softplus(-sb).mean()
    g_params = dict(g.named_parameters())
    grads_g = dict(zip(g_params, torch.autograd.grad(loss_g, list(g_params.values()))))
    adam_step(g_params, grads_g, lr, betas)

    fx.add("loss_d", loss_d)
    fx.add("loss_g", loss_g)
    for name, t in grads_d.items():
        fx.add(f"grad.discriminators.{name}", t)
    for name, t in grads_g.items():
        fx.add(f"grad.generators.{name}", t)
    for prefix, m in (("generators", g), ("discriminators", d)):
        for name, t in m.state_dict().items():
            fx.add(f"after.{prefix}.{name}", t)
    fx.meta["settings"] = json.dumps(settings)
    fx.meta["seed"] = str(seed)
    fx.meta["optimizer"] = json.dumps({"kind": "adam", "learningRate": lr, "beta1": betas[0], "beta2": betas[1]})


def cyclegan_step(fx):
    """CycleGAN's step as cycle_gan_model.py takes it: G (both generators, least squares + cycle
    + identity) first, then both discriminators on the pre-update fakes (the pools, not yet full,
    pass them on as they are)."""
    settings = {"channels": 1, "imageSize": 8, "generatorWidth": 2, "residualBlocks": 1,
                "discriminatorWidth": 2, "discriminatorLayers": 1}
    batch, lr, betas, cycle, identity = 3, 2e-4, (0.5, 0.999), 10.0, 0.5
    torch.manual_seed(2)
    nets = {k: v.double() for k, v in cyclegan.build(settings, init=True).items()}
    for prefix, m in nets.items():
        for name, t in m.state_dict().items():
            fx.add(f"init.{prefix}.{name}", t)
    real_a = torch.rand(batch, 1, 8, 8, dtype=torch.float64) * 2 - 1
    real_b = torch.rand(batch, 1, 8, 8, dtype=torch.float64) * 2 - 1
    fx.add("real.a", real_a)
    fx.add("real.b", real_b)
    g_ab, g_ba, d_a, d_b = nets["generator_a2b"], nets["generator_b2a"], nets["discriminator_a"], nets["discriminator_b"]

    fake_b, fake_a = g_ab(real_a), g_ba(real_b)
    rec_a, rec_b = g_ba(fake_b), g_ab(fake_a)
    loss_g = (((d_b(fake_b) - 1) ** 2).mean() + ((d_a(fake_a) - 1) ** 2).mean()
              + cycle * ((rec_a - real_a).abs().mean() + (rec_b - real_b).abs().mean())
              + cycle * identity * ((g_ab(real_b) - real_b).abs().mean() + (g_ba(real_a) - real_a).abs().mean()))
    g_params = {f"generator_a2b.{k}": v for k, v in g_ab.named_parameters()}
    g_params.update({f"generator_b2a.{k}": v for k, v in g_ba.named_parameters()})
    grads_g = dict(zip(g_params, torch.autograd.grad(loss_g, list(g_params.values()))))
    adam_step(g_params, grads_g, lr, betas)

    loss_d_b = 0.5 * (((d_b(real_b) - 1) ** 2).mean() + (d_b(fake_b.detach()) ** 2).mean())
    loss_d_a = 0.5 * (((d_a(real_a) - 1) ** 2).mean() + (d_a(fake_a.detach()) ** 2).mean())
    d_params = {f"discriminator_a.{k}": v for k, v in d_a.named_parameters()}
    d_params.update({f"discriminator_b.{k}": v for k, v in d_b.named_parameters()})
    grads_d = dict(zip(d_params, torch.autograd.grad(loss_d_a + loss_d_b, list(d_params.values()))))
    adam_step(d_params, grads_d, lr, betas)

    fx.add("loss_g", loss_g)
    fx.add("loss_d_a", loss_d_a)
    fx.add("loss_d_b", loss_d_b)
    for name, t in list(grads_g.items()) + list(grads_d.items()):
        fx.add(f"grad.{name}", t)
    for prefix, m in nets.items():
        for name, t in m.state_dict().items():
            fx.add(f"after.{prefix}.{name}", t)
    fx.meta["settings"] = json.dumps(settings)
    fx.meta["optimizer"] = json.dumps({"kind": "adam", "learningRate": lr, "beta1": betas[0], "beta2": betas[1]})


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for name, make in (("step_cogan", cogan_step), ("step_cyclegan", cyclegan_step)):
        fx = Fixture(name)
        make(fx)
        out = os.path.join(HERE, "..", "Tests", "Fixtures", name + ".safetensors")
        fx.write(out)
        print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
