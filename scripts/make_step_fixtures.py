#!/usr/bin/env python3
"""Write Tests/Fixtures/step_*.safetensors: one whole training step of every family in PyTorch
(float64) — step_cogan, step_cyclegan, step_progan (mid-fade) and step_adversarial (gan, dcgan, cgan,
wgan, wgan-gp, sagan, one prefix each) — for the Swift step-parity tests (Tests/GANModelsTests/StepParityTests.swift),
and orthogonal.safetensors: BigGAN's orthogonal regularisation, value and gradients.

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
import adversarial  # noqa: E402
import biggan  # noqa: E402
import cogan  # noqa: E402
import cyclegan  # noqa: E402
import progan  # noqa: E402
import sagan  # noqa: E402
import stylegan  # noqa: E402
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

    def uniform_float(self, count):
        """``randomUniform``: 24 random bits per value."""
        return np.array([(self.next() >> 40) * 2.0 ** -24 for _ in range(count)], dtype=np.float32)

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


def progan_step(fx):
    """ProGANModel.trainingStep mid-fade (depth 1 of 2, alpha 0.25: step 5 of batch 8 with 32
    images per phase; not 0.5, where swapping the two terms of a fade would go unseen): the real
    batch pooled to 8x8 and faded; D on fresh latents with WGAN-GP (one
    coefficient per sample) and the drift term; G on fresh latents through the updated D. Only the
    parameters in use get a gradient: Adam skips the others (level 2, from_rgb.2, to_rgb.2), whose
    weights and moments must not move."""
    config = {"network": {"channels": 1, "bottomSide": 4, "levelChannels": [6, 5, 4], "latentDimension": 8,
                          "groupSize": 4},
              "phaseImages": 32, "gradientPenaltyWeight": 10.0, "driftWeight": 0.001,
              "generatorOptimizer": adam(1e-3, 0.0, 0.99), "discriminatorOptimizer": adam(1e-3, 0.0, 0.99),
              "emaDecay": None}
    seed, step, batch = 31, 5, 8
    depth, alpha = 1, 0.25   # images shown before the step: 40 = 32 + 8, a quarter into the fade of level 1
    torch.manual_seed(5)
    modules = progan.build(config)
    g, d = modules["generator"].double(), modules["discriminator"].double()
    # Non-zero biases, so that a bias dropped from a layer shows.
    with torch.no_grad():
        for m in (g, d):
            for name, p in m.named_parameters():
                if name.endswith("bias"):
                    p.normal_(0, 0.1)
    for prefix, m in (("generator", g), ("discriminator", d)):
        for name, t in m.state_dict().items():
            fx.add(f"init.{prefix}.{name}", t)
    levels = len(config["network"]["levelChannels"]) - 1
    full = torch.rand(batch, 1, 16, 16, dtype=torch.float64) * 2 - 1
    fx.add("real", full)
    real = progan.real_images(full, depth, alpha, levels)
    rng = SwiftRandom(seed)
    nz = config["network"]["latentDimension"]

    def latents():
        return torch.from_numpy(rng.normal(batch * nz).astype(np.float64)).view(batch, nz)

    lr, betas = 1e-3, (0.0, 0.99)
    with torch.no_grad():
        fake = g(latents(), depth, alpha)
    real_scores, fake_scores = d(real, depth, alpha), d(fake, depth, alpha)
    mix = torch.from_numpy(rng.uniform_float(batch).astype(np.float64)).view(batch, 1, 1, 1)
    x = (mix * real + (1 - mix) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(d(x, depth, alpha).sum(), x, create_graph=True)
    norms = (grad.reshape(batch, -1).pow(2).sum(1) + 1e-12).sqrt()
    loss_d = (fake_scores.mean() - real_scores.mean() + config["gradientPenaltyWeight"] * (norms - 1).pow(2).mean()
              + config["driftWeight"] * real_scores.pow(2).mean())
    d_used = dict(progan.parameters_in_use(d, depth, alpha))
    grads_d = dict(zip(d_used, torch.autograd.grad(loss_d, list(d_used.values()))))
    d_opt = torch.optim.Adam(d.parameters(), lr=lr, betas=betas)
    for name, p in d_used.items():
        p.grad = grads_d[name].clone()
    d_opt.step()

    loss_g = -d(g(latents(), depth, alpha), depth, alpha).mean()
    g_used = dict(progan.parameters_in_use(g, depth, alpha))
    grads_g = dict(zip(g_used, torch.autograd.grad(loss_g, list(g_used.values()))))
    g_opt = torch.optim.Adam(g.parameters(), lr=lr, betas=betas)
    for name, p in g_used.items():
        p.grad = grads_g[name].clone()
    g_opt.step()

    fx.add("loss_d", loss_d)
    fx.add("loss_g", loss_g)
    for name, t in grads_d.items():
        fx.add(f"grad.discriminator.{name}", t)
    for name, t in grads_g.items():
        fx.add(f"grad.generator.{name}", t)
    for prefix, m in (("generator", g), ("discriminator", d)):
        for name, t in m.state_dict().items():
            fx.add(f"after.{prefix}.{name}", t)
    fx.meta["config"] = json.dumps(config)
    fx.meta["seed"] = str(seed)
    fx.meta["step"] = str(step)


def network(architecture, **overrides):
    """NetworkSettings JSON (a small dcgan28 or MLP on 1x8x8 images)."""
    settings = {"architecture": architecture, "latentDimension": 8, "dataShape": [1, 8, 8], "generatorHidden": [],
                "discriminatorHidden": [], "generatorBatchNorm": True, "discriminatorBatchNorm": True,
                "batchNormEpsilon": 1e-5, "generatorSlope": 0.0, "discriminatorSlope": 0.2, "width": 4,
                "convolutionBias": True, "outputTanh": True, "dcganInitialization": True}
    settings.update(overrides)
    return settings


def adam(lr, b1, b2):
    return {"kind": "adam", "learningRate": lr, "beta1": b1, "beta2": b2}


# family -> its model config as config.json holds it.
ADVERSARIAL = {
    "gan": {"network": network("mlp", generatorHidden=[16, 16], discriminatorHidden=[16], discriminatorBatchNorm=False,
                               batchNormEpsilon=0.8, generatorSlope=0.2, dcganInitialization=False),
            "loss": "minimax", "discriminatorSteps": 1,
            "generatorOptimizer": adam(2e-4, 0.5, 0.999), "discriminatorOptimizer": adam(2e-4, 0.5, 0.999)},
    "dcgan": {"network": network("dcgan28"), "loss": "non-saturating", "discriminatorSteps": 1,
              "generatorOptimizer": adam(2e-4, 0.5, 0.999), "discriminatorOptimizer": adam(2e-4, 0.5, 0.999)},
    "cgan": {"network": network("dcgan28"), "classCount": 2, "loss": "non-saturating", "discriminatorSteps": 1,
             "generatorOptimizer": adam(2e-4, 0.5, 0.999), "discriminatorOptimizer": adam(2e-4, 0.5, 0.999)},
    "wgan": {"network": network("dcgan28"), "clip": 0.01, "criticSteps": 2,
             "generatorOptimizer": {"kind": "rmsprop", "learningRate": 5e-5, "beta1": 0, "beta2": 0},
             "criticOptimizer": {"kind": "rmsprop", "learningRate": 5e-5, "beta1": 0, "beta2": 0}},
    "wgan-gp": {"network": network("dcgan28", discriminatorBatchNorm=False), "gradientPenaltyWeight": 10.0,
                "criticSteps": 2, "generatorOptimizer": adam(1e-4, 0.5, 0.9), "criticOptimizer": adam(1e-4, 0.5, 0.9)},
    # Spectral norm (one power iteration per training forward), attention, conditional BN and the
    # projection discriminator, hinge loss, TTUR.
    "sagan": {"network": {"channels": 1, "imageSize": 16, "latentDimension": 8, "generatorWidth": 2,
                          "discriminatorWidth": 4, "attentionSide": 8, "classCount": 2},
              "loss": "hinge", "discriminatorSteps": 1, "conditional": True,
              "generatorOptimizer": adam(1e-4, 0.0, 0.9), "discriminatorOptimizer": adam(4e-4, 0.0, 0.9)},
}
# Residual blocks, shared embedding, hierarchical z, conditional BN from [shared(y), z_i], BigGAN's
# attention, projection; two D steps, hinge, orthogonal regularisation of G (the shared embedding
# left out).
ADVERSARIAL["biggan"] = {
    "network": {"channels": 1, "imageSize": 16, "width": 4, "latentDimension": 12, "sharedDimension": 4,
                "classCount": 2, "generatorMultipliers": [4, 4, 2], "bottomWidth": 4, "generatorAttention": 8,
                "discriminatorMultipliers": [2, 4, 4], "discriminatorDownsample": [True, True, False],
                "discriminatorAttention": 8},
    "loss": "hinge", "discriminatorSteps": 2, "orthogonalRegularization": 0.001, "emaDecay": None, "emaStart": 0,
    "generatorOptimizer": adam(1e-4, 0.0, 0.999), "discriminatorOptimizer": adam(4e-4, 0.0, 0.999)}
# family -> build(model_config) of its reference networks.
REFERENCES = {"sagan": sagan.build, "biggan": biggan.build}


def optimizer_for(params, settings):
    if settings["kind"] == "adam":
        return torch.optim.Adam(params, lr=settings["learningRate"], betas=(settings["beta1"], settings["beta2"]))
    return torch.optim.RMSprop(params, lr=settings["learningRate"])   # alpha 0.99, eps 1e-8, as ours


def adversarial_step(fx, family, seed=21, batch=4):
    """AdversarialModel.trainingStep: D steps (each on the same fixed real batch, fresh latents;
    one coefficient per sample for the gradient penalty; clipping after each), then the G step
    (on the first D step's fakes when there is one D step, on fresh latents otherwise)."""
    config = ADVERSARIAL[family]
    prefix = family + "."
    torch.manual_seed(3)
    modules = REFERENCES[family](config) if family in REFERENCES else adversarial.build(config, family)
    g, d = modules["generator"].double(), modules["discriminator"].double()
    g.train()
    d.train()
    for name, m in (("generator", g), ("discriminator", d)):
        for key, t in m.state_dict().items():
            fx.add(f"{prefix}init.{name}.{key}", t)
    net = config["network"]
    shape = net.get("dataShape") or [net["channels"], net["imageSize"], net["imageSize"]]
    real = torch.rand(batch, *shape, dtype=torch.float64) * 2 - 1
    labels = torch.tensor([i % 2 for i in range(batch)]) if family in ("cgan", "sagan", "biggan") else None
    fx.add(prefix + "real", real)
    loss = config.get("loss", "wasserstein")
    steps = config.get("discriminatorSteps", config.get("criticSteps", 1))
    d_opt = optimizer_for(list(d.parameters()), config.get("discriminatorOptimizer", config.get("criticOptimizer")))
    g_opt = optimizer_for(list(g.parameters()), config["generatorOptimizer"])
    rng = SwiftRandom(seed)
    nz = config["network"]["latentDimension"]

    def latents():
        return torch.from_numpy(rng.normal(batch * nz).astype(np.float64)).view(batch, nz)

    def d_loss(r, f):
        if loss == "wasserstein":
            return f.mean() - r.mean()
        if loss == "hinge":
            return F.relu(1 - r).mean() + F.relu(1 + f).mean()
        return F.softplus(-r).mean() + F.softplus(f).mean()

    def g_loss(f):
        return {"minimax": lambda: -F.softplus(f).mean(), "non-saturating": lambda: F.softplus(-f).mean(),
                "wasserstein": lambda: -f.mean(), "hinge": lambda: -f.mean()}[loss]()

    kept = None
    for k in range(steps):
        z = latents()
        if steps == 1:
            fake = g(z, labels)
        else:
            with torch.no_grad():
                fake = g(z, labels)
        lossd = d_loss(d(real, labels), d(fake.detach(), labels))
        if "gradientPenaltyWeight" in config:
            alpha = torch.from_numpy(rng.uniform_float(batch).astype(np.float64)).view(batch, 1, 1, 1)
            x = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
            grad, = torch.autograd.grad(d(x, labels).sum(), x, create_graph=True)
            norms = (grad.reshape(batch, -1).pow(2).sum(1) + 1e-12).sqrt()
            lossd = lossd + config["gradientPenaltyWeight"] * (norms - 1).pow(2).mean()
        grads = torch.autograd.grad(lossd, list(d.parameters()))
        d_opt.zero_grad()
        for p, gr in zip(d.parameters(), grads):
            p.grad = gr.clone()
        d_opt.step()
        if "clip" in config:
            with torch.no_grad():
                for p in d.parameters():
                    p.clamp_(-config["clip"], config["clip"])
        if steps == 1:
            kept = fake
    if kept is None:
        kept = g(latents(), labels)
    lossg = g_loss(d(kept, labels))
    total = lossg
    if config.get("orthogonalRegularization"):
        ortho = sum(((w.view(w.shape[0], -1) @ w.view(w.shape[0], -1).t())
                     * (1 - torch.eye(w.shape[0], dtype=w.dtype))).pow(2).sum()
                    for name, w in g.named_parameters() if w.dim() >= 2 and not name.startswith("shared."))
        ortho = config["orthogonalRegularization"] * ortho
        fx.add(prefix + "ortho", ortho)
        total = lossg + ortho
    g_grads = torch.autograd.grad(total, list(g.parameters()))
    g_opt.zero_grad()
    for p, gr in zip(g.parameters(), g_grads):
        p.grad = gr.clone()
    g_opt.step()

    fx.add(prefix + "loss_d", lossd)
    fx.add(prefix + "loss_g", lossg)
    for (name, _), gr in zip(d.named_parameters(), grads):
        fx.add(f"{prefix}grad.discriminator.{name}", gr)
    for (name, _), gr in zip(g.named_parameters(), g_grads):
        fx.add(f"{prefix}grad.generator.{name}", gr)
    for name, m in (("generator", g), ("discriminator", d)):
        for key, t in m.state_dict().items():
            fx.add(f"{prefix}after.{name}.{key}", t)
    fx.meta[prefix + "config"] = json.dumps(config)
    fx.meta[prefix + "seed"] = str(seed)
    if labels is not None:
        fx.meta[prefix + "labels"] = json.dumps(labels.tolist())


def adversarial_steps(fx):
    for family in ADVERSARIAL:
        adversarial_step(fx, family)


def orthogonal(fx):
    """BigGAN's orthogonal regularisation on three weights (a conv, a wide and a tall matrix):
    the paper's value beta * sum ||W W^T * (1 - I)||_F^2 and its gradient by autograd, and the
    gradient BigGAN-PyTorch's utils.ortho adds (its formula, verbatim)."""
    beta = 1e-4
    torch.manual_seed(4)
    weights = [torch.randn(4, 3, 3, 3, dtype=torch.float64), torch.randn(5, 7, dtype=torch.float64),
               torch.randn(6, 2, dtype=torch.float64)]
    for w in weights:
        w.requires_grad_(True)
    value = sum(((w.view(w.shape[0], -1) @ w.view(w.shape[0], -1).t()) * (1 - torch.eye(w.shape[0], dtype=torch.float64)))
                .pow(2).sum() for w in weights) * beta
    grads = torch.autograd.grad(value, weights)
    fx.add("value", value)
    for i, (w, g) in enumerate(zip(weights, grads)):
        fx.add(f"weight.{i}", w.detach())
        fx.add(f"grad.{i}", g)
        # BigGAN-PyTorch utils.ortho: grad = 2 * mm(mm(w, w.t()) * (1. - eye), w); param.grad += strength * grad
        m = w.detach().view(w.shape[0], -1)
        ortho = 2 * torch.mm(torch.mm(m, m.t()) * (1. - torch.eye(m.shape[0], dtype=torch.float64)), m)
        fx.add(f"biggan_pytorch.{i}", beta * ortho.view(w.shape))
    fx.meta["strength"] = str(beta)


def stylegan_step(fx):
    """StyleGANModel.trainingStep at step 0, an R1 step (interval 16): D on fresh latents with the
    logistic loss and gamma/2 E|grad D(x)|^2 x 16 from the same real scores; G on fresh latents through
    the updated D; then w_avg moves towards G's batch mean w. Both batches mix styles (seed chosen so:
    the draws, crossover included, come from SwiftRandom in the Swift step's order)."""
    config = {"network": {"channels": 1, "bottomSide": 4, "levelChannels": [6, 5, 4], "latentDimension": 8,
                          "mappingLayers": 2, "mappingLearningRateMultiplier": 0.01, "groupSize": 4},
              "r1Gamma": 10.0, "r1Interval": 16, "mixingProbability": 0.9, "averageWDecay": 0.995,
              "generatorOptimizer": adam(1e-3, 0.0, 0.99), "discriminatorOptimizer": adam(1e-3, 0.0, 0.99),
              "emaDecay": None}
    seed, step, batch = 41, 0, 8
    torch.manual_seed(7)
    modules = stylegan.build(config)
    g, d = modules["generator"].double(), modules["discriminator"].double()
    # Every parameter away from its start (zero noise strengths and biases, unit constant, AdaIN's
    # identity style), so that a term in the wrong place shows; w_avg non-zero for its update.
    with torch.no_grad():
        for m in (g, d):
            for name, p in m.named_parameters():
                p.add_(torch.randn_like(p) * 0.2)
        g.w_avg.normal_(0, 0.3)
    for prefix, m in (("generator", g), ("discriminator", d)):
        for name, t in m.state_dict().items():
            fx.add(f"init.{prefix}.{name}", t)
    real = torch.rand(batch, 1, 16, 16, dtype=torch.float64) * 2 - 1
    fx.add("real", real)
    rng = SwiftRandom(seed)
    nz = config["network"]["latentDimension"]
    layers = len(g.layers)

    def normal(count):
        return torch.from_numpy(rng.normal(count).astype(np.float64))

    crossovers = []

    def styles():
        w = g.mapping(normal(batch * nz).view(batch, nz))
        if rng.uniform_double() < config["mixingProbability"]:
            second = g.mapping(normal(batch * nz).view(batch, nz))
            crossover = 1 + int(rng.uniform_double() * (layers - 1))
            crossovers.append(crossover)
            return [w if i < crossover else second for i in range(layers)], w
        crossovers.append(None)
        return [w] * layers, w

    lr, betas = 1e-3, (0.0, 0.99)
    with torch.no_grad():
        fake = g.synthesize(styles()[0], g.noise(batch, normal))
    x = real.clone().requires_grad_(True)
    real_scores, fake_scores = d(x), d(fake)
    loss_d = F.softplus(fake_scores).mean() + F.softplus(-real_scores).mean()
    grad, = torch.autograd.grad(real_scores.sum(), x, create_graph=True)
    r1 = grad.reshape(batch, -1).pow(2).sum(1).mean()
    loss_d = loss_d + config["r1Gamma"] / 2 * config["r1Interval"] * r1
    d_params = dict(d.named_parameters())
    grads_d = dict(zip(d_params, torch.autograd.grad(loss_d, list(d_params.values()))))
    adam_step(d_params, grads_d, lr, betas)

    mixed, w = styles()
    loss_g = F.softplus(-d(g.synthesize(mixed, g.noise(batch, normal)))).mean()
    g_params = dict(g.named_parameters())
    grads_g = dict(zip(g_params, torch.autograd.grad(loss_g, list(g_params.values()))))
    adam_step(g_params, grads_g, lr, betas)
    with torch.no_grad():
        mean = w.mean(0)
        g.w_avg.copy_(mean + config["averageWDecay"] * (g.w_avg - mean))
    assert all(c is not None for c in crossovers), f"seed {seed}: a batch did not mix ({crossovers})"

    fx.add("loss_d", loss_d)
    fx.add("loss_g", loss_g)
    fx.add("r1", r1)
    for name, t in grads_d.items():
        fx.add(f"grad.discriminator.{name}", t)
    for name, t in grads_g.items():
        fx.add(f"grad.generator.{name}", t)
    for prefix, m in (("generator", g), ("discriminator", d)):
        for name, t in m.state_dict().items():
            fx.add(f"after.{prefix}.{name}", t)
    fx.meta["config"] = json.dumps(config)
    fx.meta["seed"] = str(seed)
    fx.meta["step"] = str(step)
    fx.meta["crossovers"] = ",".join(str(c) for c in crossovers)


def stylegan2_step(fx, seed=44):
    """StyleGANModel.trainingStep for variant 2 (StyleGAN2) at step 0, an R1 step (interval 16) and a
    path-length step (interval 4): D as in stylegan_step on the residual D; G's logistic loss plus
    pl_weight x 4 x the path-length penalty on a second batch of N/2 (its styles, noise maps and
    y ~ N(0, 1)/S drawn after G's batch), against pl_mean (init.path_length.mean) updated by 0.01; one
    Adam step each, then w_avg. Every batch mixes styles (seed chosen so)."""
    config = {"network": {"channels": 1, "bottomSide": 4, "levelChannels": [6, 5, 4], "latentDimension": 8,
                          "mappingLayers": 2, "mappingLearningRateMultiplier": 0.01, "groupSize": 4},
              "variant": 2, "r1Gamma": 10.0, "r1Interval": 16, "mixingProbability": 0.9, "averageWDecay": 0.995,
              "generatorOptimizer": adam(1e-3, 0.0, 0.99), "discriminatorOptimizer": adam(1e-3, 0.0, 0.99),
              "emaDecay": None, "pathLengthWeight": 2.0, "pathLengthInterval": 4, "pathLengthBatchShrink": 2,
              "pathLengthDecay": 0.01}
    step, batch = 0, 8
    torch.manual_seed(8)
    modules = stylegan.build(config)
    g, d = modules["generator"].double(), modules["discriminator"].double()
    with torch.no_grad():
        for m in (g, d):
            for name, p in m.named_parameters():
                p.add_(torch.randn_like(p) * 0.2)
        g.w_avg.normal_(0, 0.3)
    pl_mean = 0.5
    for prefix, m in (("generator", g), ("discriminator", d)):
        for name, t in m.state_dict().items():
            fx.add(f"init.{prefix}.{name}", t)
    fx.add("init.path_length.mean", torch.tensor(pl_mean))
    real = torch.rand(batch, 1, 16, 16, dtype=torch.float64) * 2 - 1
    fx.add("real", real)
    rng = SwiftRandom(seed)
    nz, layers, side = config["network"]["latentDimension"], g.style_count, 16

    def normal(count):
        return torch.from_numpy(rng.normal(count).astype(np.float64))

    crossovers = []

    def styles(n):
        w = g.mapping(normal(n * nz).view(n, nz))
        if rng.uniform_double() < config["mixingProbability"]:
            second = g.mapping(normal(n * nz).view(n, nz))
            crossover = 1 + int(rng.uniform_double() * (layers - 1))
            crossovers.append(crossover)
            return [w if i < crossover else second for i in range(layers)], w
        crossovers.append(None)
        return [w] * layers, w

    lr, betas = 1e-3, (0.0, 0.99)
    with torch.no_grad():
        fake = g.synthesize(styles(batch)[0], g.noise(batch, normal))
    x = real.clone().requires_grad_(True)
    real_scores, fake_scores = d(x), d(fake)
    loss_d = F.softplus(fake_scores).mean() + F.softplus(-real_scores).mean()
    grad, = torch.autograd.grad(real_scores.sum(), x, create_graph=True)
    r1 = grad.reshape(batch, -1).pow(2).sum(1).mean()
    loss_d = loss_d + config["r1Gamma"] / 2 * config["r1Interval"] * r1
    d_params = dict(d.named_parameters())
    found = torch.autograd.grad(loss_d, list(d_params.values()), allow_unused=True)
    grads_d = {n: torch.zeros_like(p) if gr is None else gr for (n, p), gr in zip(d_params.items(), found)}
    adam_step(d_params, grads_d, lr, betas)

    mixed, w = styles(batch)
    loss_g = F.softplus(-d(g.synthesize(mixed, g.noise(batch, normal)))).mean()
    m = batch // config["pathLengthBatchShrink"]
    pl_styles, _ = styles(m)
    pl_noise = g.noise(m, normal)
    y = normal(m * side * side).view(m, 1, side, side) / side
    penalty, lengths, updated = stylegan.path_length_penalty(g, pl_styles, pl_noise, y, pl_mean,
                                                             config["pathLengthDecay"])
    loss_g = loss_g + config["pathLengthWeight"] * config["pathLengthInterval"] * penalty
    g_params = dict(g.named_parameters())
    grads_g = dict(zip(g_params, torch.autograd.grad(loss_g, list(g_params.values()))))
    adam_step(g_params, grads_g, lr, betas)
    with torch.no_grad():
        mean = w.mean(0)
        g.w_avg.copy_(mean + config["averageWDecay"] * (g.w_avg - mean))
    assert all(c is not None for c in crossovers), f"seed {seed}: a batch did not mix ({crossovers})"

    fx.add("loss_d", loss_d)
    fx.add("loss_g", loss_g)
    fx.add("r1", r1)
    fx.add("pl", lengths.mean())
    fx.add("pl_penalty", penalty)
    fx.add("after.path_length.mean", updated)
    for name, t in grads_d.items():
        fx.add(f"grad.discriminator.{name}", t)
    for name, t in grads_g.items():
        fx.add(f"grad.generator.{name}", t)
    for prefix, module in (("generator", g), ("discriminator", d)):
        for name, t in module.state_dict().items():
            fx.add(f"after.{prefix}.{name}", t)
    fx.meta["config"] = json.dumps(config)
    fx.meta["seed"] = str(seed)
    fx.meta["step"] = str(step)
    fx.meta["crossovers"] = ",".join(str(c) for c in crossovers)
    print("stylegan2: loss_d", loss_d.item(), "loss_g", loss_g.item(), "r1", r1.item(), "penalty", penalty.item(),
          "pl", lengths.tolist(), "crossovers", crossovers)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for name, make in (("step_cogan", cogan_step), ("step_cyclegan", cyclegan_step), ("step_progan", progan_step),
                       ("step_stylegan", stylegan_step), ("step_stylegan2", stylegan2_step),
                       ("step_adversarial", adversarial_steps), ("orthogonal", orthogonal)):
        fx = Fixture(name)
        make(fx)
        out = os.path.join(HERE, "..", "Tests", "Fixtures", name + ".safetensors")
        fx.write(out)
        print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main()
