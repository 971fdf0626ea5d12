#!/usr/bin/env python3
"""Write Tests/Fixtures/biggan.safetensors: PyTorch's BigGAN networks (scripts/reference/biggan.py)
against which Tests/GANModelsTests/BigGANNetworkTests.swift checks the Swift ones.

Cases (width 4 keeps the file small; the geometry is that of the presets grey28 and colour32):
    g28  1×28×28, ch 4, G 16→16→8 (7→14→28), attention at 14 in G and D, D 8,16,16,16 (28→14→7,7,7)
    c32  3×32×32, ch 4, G 16 everywhere (4→8→16→32), attention at 16, D 16 everywhere (32→16→8,8,8)
Both: dim_z = 4 per chunk, shared_dim 8, 3 classes, batch 4.

The networks are drawn with the orthogonal init, then every attention ``gamma`` and the output
batch norm's weight and bias are set away from 0 and 1 (else attention would add nothing), and two
training-mode forwards of G and D move every ``weight_u``/``weight_v`` and running statistic off
its first value. Then, in float64 from those float32 weights (the reference carries no float32
rounding of its own):

    <c>.g.<name>, <c>.d.<name>   the state dicts before the checked passes (float32; the
                                 ``num_batches_tracked`` counters as float)
    <c>.z [4, dim_z], <c>.labels [4] (float), <c>.x [4, C, S, S] uniform in [-1, 1)
  training mode (batch statistics, one power iteration per SN layer):
    <c>.g_train     G(z, labels)
    <c>.d_train     D(G(z, labels), labels)
    <c>.gy          a random [4, 1] weighting;  the checked scalar is sum(d_train · gy)
    <c>.g_grad.<p>  its gradient for every G parameter;  <c>.d_grad.<p> for every D parameter
    <c>.g_after.<b>, <c>.d_after.<b>  every buffer after that pass (u, v, running statistics)
  evaluation mode, after the pass above:
    <c>.g_eval      G(z, labels);  <c>.d_eval  D(x, labels);  <c>.attention  G's attention weights
                    [4, s², s²/4] for (z, labels)

Metadata (JSON strings): ``cases``, ``<c>`` (the case's settings), ``presets`` (biggan.PRESETS,
which the Swift presets must equal), ``shapes`` ({preset: {"generator": {name: shape},
"discriminator": {name: shape}}}).

Run: python3 scripts/make_biggan_fixtures.py   (deterministic: torch.manual_seed(0), one thread)
"""
import copy, json, os, sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import biggan  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", "biggan.safetensors")
BATCH = 4

CASES = {
    "g28": {"channels": 1, "imageSize": 28, "width": 4, "latentDimension": 12, "sharedDimension": 8,
            "classCount": 3, "generatorMultipliers": [4, 4, 2], "bottomWidth": 7, "generatorAttention": 14,
            "discriminatorMultipliers": [2, 4, 4, 4], "discriminatorDownsample": [True, True, False, False],
            "discriminatorAttention": 14},
    "c32": {"channels": 3, "imageSize": 32, "width": 4, "latentDimension": 16, "sharedDimension": 8,
            "classCount": 3, "generatorMultipliers": [4, 4, 4, 4], "bottomWidth": 4, "generatorAttention": 16,
            "discriminatorMultipliers": [4, 4, 4, 4], "discriminatorDownsample": [True, True, False, False],
            "discriminatorAttention": 16},
}


def perturb(net):
    """Attention gammas and BatchNorm affine parameters away from their initial 0 and 1."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("gamma"):
                p.copy_(0.5 + 0.5 * torch.rand(p.shape))
            elif name.startswith("output_bn."):
                p.add_(0.2 * torch.randn(p.shape))


def state(net):
    return {k: v.detach().float().clone() for k, v in net.state_dict().items()}


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    tensors, metadata = {}, {}
    for name, s in CASES.items():
        g, d = biggan.build_generator(s), biggan.build_discriminator(s)
        perturb(g)
        perturb(d)
        c, size, k = s["channels"], s["imageSize"], s["classCount"]
        with torch.no_grad():
            for _ in range(2):
                z, y = torch.randn(BATCH, s["latentDimension"]), torch.randint(0, k, (BATCH,))
                d(g(z, y), y)
                d(torch.rand(BATCH, c, size, size) * 2 - 1, y)
        for key, value in state(g).items():
            tensors[f"{name}.g.{key}"] = value
        for key, value in state(d).items():
            tensors[f"{name}.d.{key}"] = value

        z = torch.randn(BATCH, s["latentDimension"])
        labels = torch.tensor([0, 2, 1, 2])
        x = torch.rand(BATCH, c, size, size) * 2 - 1
        gy = torch.randn(BATCH, 1)
        tensors.update({f"{name}.z": z, f"{name}.labels": labels.float(), f"{name}.x": x, f"{name}.gy": gy})

        g64, d64 = copy.deepcopy(g).double().train(), copy.deepcopy(d).double().train()
        fake = g64(z.double(), labels)
        score = d64(fake, labels)
        g_params, d_params = list(g64.named_parameters()), list(d64.named_parameters())
        grads = torch.autograd.grad((score * gy.double()).sum(), [p for _, p in g_params + d_params])
        tensors[f"{name}.g_train"] = fake.detach().float()
        tensors[f"{name}.d_train"] = score.detach().float()
        for (key, _), grad in zip(g_params, grads[:len(g_params)]):
            tensors[f"{name}.g_grad.{key}"] = grad.float()
        for (key, _), grad in zip(d_params, grads[len(g_params):]):
            tensors[f"{name}.d_grad.{key}"] = grad.float()
        for key, value in g64.named_buffers():
            tensors[f"{name}.g_after.{key}"] = value.float().clone()
        for key, value in d64.named_buffers():
            tensors[f"{name}.d_after.{key}"] = value.float().clone()

        g64.eval()
        d64.eval()
        with torch.no_grad():
            tensors[f"{name}.g_eval"] = g64(z.double(), labels).float()
            tensors[f"{name}.d_eval"] = d64(x.double(), labels).float()
            tensors[f"{name}.attention"] = g64.attention_map(z.double(), labels).float()
        metadata[name] = json.dumps(s)

    shapes = {}
    for name, s in biggan.PRESETS.items():
        g, d = biggan.build_generator(s, init=False), biggan.build_discriminator(s, init=False)
        shapes[name] = {"generator": {k: list(v.shape) for k, v in g.state_dict().items()},
                        "discriminator": {k: list(v.shape) for k, v in d.state_dict().items()}}
        g_count = sum(p.numel() for p in g.parameters())
        d_count = sum(p.numel() for p in d.parameters())
        print(f"  {name}: G {g_count} parameters, D {d_count} parameters")
    metadata["cases"] = json.dumps(list(CASES))
    metadata["presets"] = json.dumps(biggan.PRESETS)
    metadata["shapes"] = json.dumps(shapes)
    tensors = {k: v.float().contiguous() for k, v in tensors.items()}
    save_file(tensors, OUT, metadata=metadata)
    os.chmod(OUT, 0o644)  # save_file creates the file private
    floats = sum(v.numel() for v in tensors.values())
    print(f"wrote {OUT}: {len(tensors)} tensors, {floats} floats, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
