#!/usr/bin/env python3
"""Write Tests/Fixtures/cyclegan.safetensors: PyTorch's CycleGAN networks (scripts/reference/cyclegan.py)
against which Tests/GANModelsTests/CycleGANNetworkTests.swift checks the Swift ones.

Cases (small widths keep the file under 1 MB; the geometry is that of the presets):
    g28  1×28×28, ngf 8, 2 residual blocks, ndf 8, 3 discriminator layers (28→14→7→3→2→1)
    c32  3×32×32, ngf 8, 1 residual block,  ndf 8, 2 discriminator layers (32→16→8→7→6)

Tensors of a case ``<c>``:
    <c>.g.<name>  the generator's state_dict (PyTorch's default initialisation, so biases are not
                  zero and the last convolution's bias shows)
    <c>.d.<name>  the discriminator's state_dict
    <c>.x         input images [2, C, S, S], uniform in [-1, 1)
    <c>.g_out     G(x);  <c>.g_gy a random upstream gradient;  <c>.g_dx  d(sum(G(x)·g_gy))/dx
    <c>.d_out     D(x);  <c>.d_gy, <c>.d_dx likewise for D
Outputs and gradients are computed in float64 from the float32 weights and inputs, so the
reference carries no float32 rounding of its own.

Metadata (JSON strings): ``cases`` (the case names), ``<c>`` (the case's settings), ``presets``
(reference.cyclegan.PRESETS, which the Swift presets must equal), ``shapes`` ({preset or extra
case: {"generator": {name: shape}, "discriminator": {name: shape}, "g_out": shape, "d_out":
shape}} for every preset and a 4-layer discriminator whose width multiplier is capped at 8).

Run: python3 scripts/make_cyclegan_fixtures.py   (deterministic: torch.manual_seed(0), one thread)
"""
import copy, json, os, sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import cyclegan  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", "cyclegan.safetensors")

CASES = {
    "g28": {"channels": 1, "imageSize": 28, "generatorWidth": 8, "residualBlocks": 2,
            "discriminatorWidth": 8, "discriminatorLayers": 3},
    "c32": {"channels": 3, "imageSize": 32, "generatorWidth": 8, "residualBlocks": 1,
            "discriminatorWidth": 8, "discriminatorLayers": 2},
}
# Shape-only settings: every preset, and a discriminator deep enough for min(2^n, 8) to cap.
SHAPE_ONLY = dict(cyclegan.PRESETS, d4_64={"channels": 3, "imageSize": 64, "generatorWidth": 4, "residualBlocks": 1,
                                           "discriminatorWidth": 4, "discriminatorLayers": 4})


def forward_and_input_gradient(net, x, tensors, prefix):
    """Output and d(sum(out·gy))/dx of ``net`` in float64."""
    net64 = copy.deepcopy(net).double()
    x64 = x.double().requires_grad_(True)
    out = net64(x64)
    gy = torch.randn(out.shape)
    (dx,) = torch.autograd.grad((out * gy.double()).sum(), x64)
    tensors[prefix + "_out"] = out.detach().float()
    tensors[prefix + "_gy"] = gy
    tensors[prefix + "_dx"] = dx.float()


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    tensors, metadata = {}, {}
    for name, settings in CASES.items():
        g, d = cyclegan.ResnetGenerator(settings), cyclegan.NLayerDiscriminator(settings)
        for key, value in g.state_dict().items():
            tensors[f"{name}.g.{key}"] = value.clone()
        for key, value in d.state_dict().items():
            tensors[f"{name}.d.{key}"] = value.clone()
        c, s = settings["channels"], settings["imageSize"]
        x = torch.rand(2, c, s, s) * 2 - 1
        tensors[f"{name}.x"] = x
        forward_and_input_gradient(g, x, tensors, f"{name}.g")
        forward_and_input_gradient(d, x, tensors, f"{name}.d")
        metadata[name] = json.dumps(settings)
    shapes = {}
    for name, settings in SHAPE_ONLY.items():
        g, d = cyclegan.ResnetGenerator(settings), cyclegan.NLayerDiscriminator(settings)
        x = torch.zeros(1, settings["channels"], settings["imageSize"], settings["imageSize"])
        with torch.no_grad():
            g_out, d_out = list(g(x).shape), list(d(x).shape)
        shapes[name] = {"settings": settings,
                        "generator": {k: list(v.shape) for k, v in g.state_dict().items()},
                        "discriminator": {k: list(v.shape) for k, v in d.state_dict().items()},
                        "g_out": g_out, "d_out": d_out}
    metadata["cases"] = json.dumps(list(CASES))
    metadata["presets"] = json.dumps(cyclegan.PRESETS)
    metadata["shapes"] = json.dumps(shapes)
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    save_file(tensors, OUT, metadata=metadata)
    os.chmod(OUT, 0o644)  # save_file creates the file private
    floats = sum(v.numel() for v in tensors.values())
    print(f"wrote {OUT}: {len(tensors)} tensors, {floats} floats, {os.path.getsize(OUT)} bytes")
    for name, entry in shapes.items():
        g_params = sum(torch.Size(s).numel() for s in entry["generator"].values())
        d_params = sum(torch.Size(s).numel() for s in entry["discriminator"].values())
        print(f"  {name}: G {g_params} parameters -> {entry['g_out']}, D {d_params} parameters -> {entry['d_out']}")


if __name__ == "__main__":
    main()
