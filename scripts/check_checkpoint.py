#!/usr/bin/env python3
"""Checks that a swift-gan run's checkpoint loads strictly into the PyTorch reference modules and,
given the Swift outputs, that those modules compute the same thing.

    gan sample --run RUN --count 16 --seed 1 --save-latents z.npy --save-array x.npy --out x.png
    python3 scripts/check_checkpoint.py RUN --latents z.npy --samples x.npy

    gan translate --run RUN --direction a2b --input fashion-mnist:test@sneaker --count 8 \\
        --save-array y.npy --out y.png
    python3 scripts/check_checkpoint.py RUN --direction a2b --inputs fashion-mnist:test@sneaker \\
        --translations y.npy

It reads RUN/config.json, builds the reference modules of ``run.family`` (scripts/reference/:
adversarial.py, cyclegan.py, cogan.py, sagan.py, biggan.py, progan.py, stylegan.py; stylegan's ``model.variant`` 2
is StyleGAN2) from ``model``, and loads each network prefix of the
checkpoint (the newest RUN/checkpoints/step-*.safetensors unless --checkpoint) with
``load_state_dict(strict=True)``: a missing, unexpected or misshaped tensor fails, as does a
network prefix without a reference module or a reference module without its prefix. Prefixes
that hold no network (optimiser moments, CycleGAN's image pools, ProGAN's growth) are listed and skipped.

Outputs are compared in evaluation mode with the network ``gan`` itself uses (the EMA generator
when the run keeps one): latent families recompute ``--samples`` from ``--latents`` (the labels of
cgan and conditional sagan and biggan are ``i mod classCount`` as ``gan sample`` draws them, or ``--class K``; cogan's array is each
latent's A image then its B image; progan's networks run at the checkpoint's ``progan.depth`` and
``progan.alpha`` and the samples are up-sampled to the full side, as ``gan sample`` does; stylegan's run with zero noise inputs and ``--truncation``
as psi in W, ``--truncation-cutoff`` as its cutoff), cyclegan recomputes ``--translations`` from ``--inputs`` (a
``.npy`` or a ``fashion-mnist[:test]@CLASS`` spec, read from the IDX files as ``GANData`` reads
them: byte v -> v / 127.5 - 1).

Tolerance: |swift - torch| <= atol + rtol * max|torch|, atol = rtol = 1e-4 by default. Both sides
compute in float32 with different summation orders (our GEMM blocks against oneDNN / MKL), so
each dot product of K terms differs by about sqrt(K) * 6e-8 relative, a few 1e-6 after a
handful of layers of K <= 10^4; BatchNorm in evaluation mode and tanh do not amplify it. 1e-4
is 20-50x that noise and well below what a wrong layer (a transposed kernel, a missing bias,
a wrong epsilon) produces. The relative term covers the unbounded toy points. Seen after 2
training steps: at most 5e-8 for the latent families, 5e-6 for CycleGAN's 6-block generators;
sampling from G instead of its EMA gives 6e-3, cgan's labels shifted by one 5e-3.

Prints one verdict line per network and per compared output; exits 1 on any failure.
"""
import argparse
import gzip
import json
import os
import struct
import sys
from collections import defaultdict

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import adversarial  # noqa: E402
import biggan  # noqa: E402
import cogan  # noqa: E402
import cyclegan  # noqa: E402
import progan  # noqa: E402
import sagan  # noqa: E402
import stylegan  # noqa: E402

# family -> build(model_config) -> {checkpoint prefix: nn.Module}
REFERENCES = {
    **{family: (lambda config, family=family: adversarial.build(config, family)) for family in adversarial.FAMILIES},
    "cyclegan": lambda config: cyclegan.build(config, "cyclegan"),
    "cogan": lambda config: cogan.build(config),
    "sagan": sagan.build,
    "biggan": biggan.build,
    "progan": progan.build,
    "stylegan": stylegan.build,
}
# Checkpoint prefixes that hold no network: optimiser state, CycleGAN's pools of fakes, ProGAN's
# growth (images shown, depth, alpha: read for the forward pass) and StyleGAN2's running mean path
# length (``path_length.mean``).
NON_NETWORK_PREFIXES = {"optimizer_g", "optimizer_d", "pool_a", "pool_b", "progan", "path_length"}
# Bookkeeping kept beside a network's weights: the EMA's update count (``ExponentialMovingAverage``
# saves the averaged model's state dict plus ``num_updates``, an I64 scalar).
NON_WEIGHT_KEYS = {"ema": {"num_updates"}}

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle boot"]


class Verdicts:
    def __init__(self):
        self.failures = 0

    def report(self, ok, name, detail):
        print("%-4s %-16s %s" % ("ok" if ok else "FAIL", name, detail))
        self.failures += 0 if ok else 1


def newest_checkpoint(run):
    folder = os.path.join(run, "checkpoints")
    names = sorted(n for n in os.listdir(folder) if n.startswith("step-") and n.endswith(".safetensors"))
    if not names:
        sys.exit("%s: no step-*.safetensors" % folder)
    return os.path.join(folder, names[-1])


def split_prefixes(tensors):
    """{prefix: {rest of the name: tensor}} for names ``prefix.rest``."""
    parts = defaultdict(dict)
    for name, value in tensors.items():
        prefix, _, rest = name.partition(".")
        parts[prefix][rest] = value
    return parts


def load_networks(modules, parts, verdicts):
    for prefix in sorted(set(parts) - set(modules)):
        if prefix in NON_NETWORK_PREFIXES:
            print("skip %-16s %d tensors (not a network)" % (prefix + ".", len(parts[prefix])))
        else:
            verdicts.report(False, prefix + ".", "%d tensors with no reference module" % len(parts[prefix]))
    for prefix, module in modules.items():
        if prefix not in parts:
            verdicts.report(False, prefix + ".", "reference module has no tensors in the checkpoint")
            continue
        state = dict(parts[prefix])
        for key in sorted(NON_WEIGHT_KEYS.get(prefix, set()) & set(state)):
            value = state.pop(key)
            print("skip %-16s %s %s = %s (not a weight)" % (prefix + "." + key, str(value.dtype).replace("torch.", ""),
                                                          list(value.shape), value.tolist()))
        expected = module.state_dict()
        wrong_dtype = [k for k, v in state.items() if k in expected and v.dtype != expected[k].dtype]
        try:
            module.load_state_dict(state, strict=True)
        except RuntimeError as error:
            verdicts.report(False, prefix + ".", "load_state_dict(strict=True): " + str(error).replace("\n", " "))
            continue
        if wrong_dtype:
            verdicts.report(False, prefix + ".", "dtypes differ from PyTorch's: %s" % ", ".join(sorted(wrong_dtype)))
            continue
        count = sum(v.numel() for v in state.values())
        verdicts.report(True, prefix + ".", "%d tensors, %d values, strict load" % (len(state), count))


def compare(verdicts, name, swift, torch_out, atol, rtol):
    swift, torch_out = np.asarray(swift, dtype=np.float32), torch_out.detach().numpy().astype(np.float32)
    if swift.shape != torch_out.shape:
        verdicts.report(False, name, "shape %s from Swift, %s from PyTorch" % (swift.shape, torch_out.shape))
        return
    diff = np.abs(swift - torch_out)
    bound = atol + rtol * float(np.abs(torch_out).max())
    worst = np.unravel_index(int(diff.argmax()), diff.shape) if diff.size else ()
    verdicts.report(bool(diff.max() <= bound) and np.isfinite(swift).all(), name,
                    "max |swift - torch| %.3g (bound %.3g) at %s, shape %s, mean %.3g"
                    % (diff.max(), bound, tuple(int(i) for i in worst), list(swift.shape), diff.mean()))


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


def fashion_inputs(spec, count):
    """The first ``count`` images of ``fashion-mnist[:test|:train]@CLASS`` as GANData gives them."""
    base, _, wanted = spec.partition("@")
    name, _, split = base.partition(":")
    if name != "fashion-mnist" or split not in ("", "test", "train"):
        sys.exit("--inputs: expected a .npy or fashion-mnist[:test]@CLASS, got %r" % spec)
    prefix = "t10k" if split == "test" else "train"

    def idx(kind, rank):
        for suffix in ("", ".gz"):
            path = os.path.join(FASHION_MNIST, "%s-%s-idx%d-ubyte%s" % (prefix, kind, rank, suffix))
            if os.path.exists(path):
                return read_idx(path)
        sys.exit("no %s %s IDX file in %s" % (prefix, kind, FASHION_MNIST))

    images, labels = idx("images", 3), idx("labels", 1)
    if wanted:
        classes = set()
        for item in wanted.split(","):
            key = item.strip().lower().replace("-", " ")
            classes.add(int(key) if key.isdigit() else next(
                (i for i, n in enumerate(FASHION_CLASSES) if n == key or n.split("/")[0] == key), None))
        if None in classes:
            sys.exit("--inputs: unknown Fashion-MNIST class in %r" % wanted)
        images = images[np.isin(labels, sorted(classes))]
    chosen = images[:count].astype(np.float64) / 127.5 - 1
    return chosen.astype(np.float32)[:, None, :, :]


def check_samples(family, model_config, modules, parts, args, verdicts):
    z = torch.from_numpy(np.load(args.latents).astype(np.float32))
    swift = np.load(args.samples)
    name = "ema" if "ema" in modules else ("generators" if family == "cogan" else "generator")
    network = modules[name].eval()
    with torch.no_grad():
        if family == "progan":
            growth = parts["progan"]
            depth, alpha = int(growth["depth"]), float(growth["alpha"])
            print("growth %-14s depth %d, alpha %s after %d images" % ("progan.", depth, alpha, int(growth["images_shown"])))
            network.depth, network.alpha = depth, alpha
            scores = modules["discriminator"].eval()(network(z), depth, alpha)
            out = network.sample(z)
            verdicts.report(tuple(scores.shape) == (z.shape[0], 1) and bool(torch.isfinite(scores).all()),
                            "discriminator(x)", "scores %s on the samples at their side (forward only)" % list(scores.shape))
        elif family == "stylegan":
            # `gan sample` on a stylegan run: zero noise inputs, --truncation is psi in W.
            out = network(z, psi=args.truncation, cutoff=args.truncation_cutoff)
            scores = modules["discriminator"].eval()(out)
            verdicts.report(tuple(scores.shape) == (z.shape[0], 1) and bool(torch.isfinite(scores).all()),
                            "discriminator(x)", "scores %s on the samples (forward only)" % list(scores.shape))
        elif family == "cogan":
            a, b = network(z)
            out = torch.stack([a, b], dim=1).reshape(2 * z.shape[0], *a.shape[1:])
            # No Swift scores to compare with: the discriminators must at least take the samples.
            scores = torch.cat(modules["discriminators"].eval()(a, b), dim=1)
            verdicts.report(tuple(scores.shape) == (z.shape[0], 2) and bool(torch.isfinite(scores).all()),
                            "discriminators(x)", "scores %s on the A and B samples (forward only)" % list(scores.shape))
        else:
            labels = None
            k = model_config.get("classCount") or model_config.get("network", {}).get("classCount", 0)
            if family in ("cgan", "sagan", "biggan") and k > (1 if family == "biggan" else 0):
                labels = torch.full((z.shape[0],), args.class_index) if args.class_index is not None \
                    else torch.arange(z.shape[0]) % k
            out = network(z, labels)
            scores = modules["discriminator"].eval()(out, labels)
            # No Swift scores to compare with: the discriminator must at least take the samples.
            verdicts.report(tuple(scores.shape) == (z.shape[0], 1) and bool(torch.isfinite(scores).all()),
                            "discriminator(x)", "scores %s on the samples (forward only)" % list(scores.shape))
    compare(verdicts, name + "(z)", swift, out, args.atol, args.rtol)


def check_translations(modules, args, verdicts):
    swift = np.load(args.translations)
    if args.inputs.endswith(".npy"):
        x = np.load(args.inputs).astype(np.float32)[:len(swift)]
    else:
        x = fashion_inputs(args.inputs, len(swift))
    name = "generator_" + args.direction
    target = "discriminator_" + args.direction[-1]
    with torch.no_grad():
        out = modules[name].eval()(torch.from_numpy(x))
        scores = modules[target].eval()(out)
    compare(verdicts, name + "(x)", swift, out, args.atol, args.rtol)
    verdicts.report(bool(torch.isfinite(scores).all()), target + "(y)",
                    "patch scores %s on the translations (forward only)" % list(scores.shape))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="a run folder made by `gan train`")
    parser.add_argument("--checkpoint", help="a checkpoint file (default: the run's newest)")
    parser.add_argument("--latents", help="z [N, D] from `gan sample --save-latents`")
    parser.add_argument("--samples", help="samples from `gan sample --save-array`")
    parser.add_argument("--class", dest="class_index", type=int, help="cgan: the --class given to `gan sample`")
    parser.add_argument("--truncation", type=float, help="stylegan: the psi given to `gan sample --truncation`")
    parser.add_argument("--truncation-cutoff", type=int, help="stylegan: `gan sample --truncation-cutoff`")
    parser.add_argument("--inputs", help="cyclegan: a .npy of inputs or the --input spec of `gan translate`")
    parser.add_argument("--translations", help="cyclegan: `gan translate --save-array`")
    parser.add_argument("--direction", choices=["a2b", "b2a"], default="a2b")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=1e-4)
    args = parser.parse_args()

    with open(os.path.join(args.run, "config.json")) as f:
        config = json.load(f)
    family, model_config = config["run"]["family"], config["model"]
    if family not in REFERENCES:
        sys.exit("%s: no PyTorch reference for family %r (known: %s)" % (args.run, family, ", ".join(REFERENCES)))
    checkpoint = args.checkpoint or newest_checkpoint(args.run)
    print("%s (%s), %s" % (args.run, family, os.path.basename(checkpoint)))

    torch.manual_seed(0)
    modules = REFERENCES[family](model_config)
    verdicts = Verdicts()
    parts = split_prefixes(load_file(checkpoint))
    load_networks(modules, parts, verdicts)
    if verdicts.failures == 0:
        if args.latents or args.samples:
            if not (args.latents and args.samples) or family == "cyclegan":
                sys.exit("--latents and --samples go together, for a latent family")
            check_samples(family, model_config, modules, parts, args, verdicts)
        if args.inputs or args.translations:
            if not (args.inputs and args.translations) or family != "cyclegan":
                sys.exit("--inputs and --translations go together, for cyclegan")
            check_translations(modules, args, verdicts)
    print("%s: %s" % (args.run, "all match" if verdicts.failures == 0 else "%d failed" % verdicts.failures))
    sys.exit(1 if verdicts.failures else 0)


if __name__ == "__main__":
    main()
