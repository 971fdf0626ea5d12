#!/usr/bin/env python3
"""The largest singular value of every spectrally normalised weight of a run's checkpoint.

For each ``weight_orig`` with its ``weight_u`` / ``weight_v`` the weight a layer runs with in
evaluation is ``W / σ̂``, ``σ̂ = uᵀ W v`` (PyTorch's spectral_norm in eval mode; W viewed as
``[outputs, rest]``, outputs on axis 1 for transposed convolutions, i.e. when u has that axis's
length). This prints ``σ_max(W / σ̂)`` from a full SVD: 1 when the power iteration has tracked σ.

    python3 scripts/spectral_norms.py RUN [--checkpoint FILE] [--tolerance 0.05]

Exits 1 when any value is further than --tolerance from 1.
"""
import argparse
import glob
import os
import sys

import torch
from safetensors.torch import load_file


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run")
    parser.add_argument("--checkpoint")
    parser.add_argument("--tolerance", type=float, default=0.05)
    args = parser.parse_args()
    path = args.checkpoint or sorted(glob.glob(os.path.join(args.run, "checkpoints", "step-*.safetensors")))[-1]
    state = load_file(path)
    worst, count = 0.0, 0
    for name in sorted(k for k in state if k.endswith("weight_orig")):
        base = name[: -len("weight_orig")]
        w, u, v = state[name].double(), state[base + "weight_u"].double(), state[base + "weight_v"].double()
        # Outputs on axis 0 (Linear, Conv2d, Embedding) unless only axis 1 fits u and v (ConvTranspose2d).
        axis = 0 if w.shape[0] == u.numel() and w[0].numel() == v.numel() else 1
        m = w.movedim(axis, 0).reshape(w.shape[axis], -1)
        sigma_hat = u @ m @ v
        top = torch.linalg.svdvals(m / sigma_hat)[0].item()
        worst = max(worst, abs(top - 1))
        count += 1
        print(f"{top:8.4f}  {base[:-1]}  {list(w.shape)}")
    print(f"{path}: {count} spectrally normalised weights, largest |σ_max − 1| = {worst:.4f}")
    sys.exit(0 if count > 0 and worst <= args.tolerance else 1)


if __name__ == "__main__":
    main()
