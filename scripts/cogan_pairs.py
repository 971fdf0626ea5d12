#!/usr/bin/env python3
"""How well a CoGAN run's two generators correspond, from `gan sample --save-array`.

    gan sample --run RUN --count 1000 --seed 1 --save-array pairs.npy --out pairs.png
    python3 scripts/cogan_pairs.py pairs.npy --pair negative     # or --pair edges

The array holds each latent's A image followed by its B image ([2N, 1, 28, 28], values in
[-1, 1]). For the negative pair it reports the mean Pearson correlation between A and 1 - B
(in [0, 1] pixel values) for the same latent, against A and 1 - B of another latent (a random
permutation) as the baseline. For the edge pair it computes the edge map of A (Sobel magnitude
divided by its maximum, replicated borders: the data layer's `|edges`) and reports the mean L1
distance to B of the same latent and of another latent, and how often the own B is nearer.
"""
import argparse
import numpy as np


def correlation(x, y):
    x = x.reshape(len(x), -1) - x.reshape(len(x), -1).mean(1, keepdims=True)
    y = y.reshape(len(y), -1) - y.reshape(len(y), -1).mean(1, keepdims=True)
    den = np.sqrt((x * x).sum(1) * (y * y).sum(1)) + 1e-12
    return (x * y).sum(1) / den


def edges(images):
    """Sobel magnitude per image, replicated borders, divided by each image's maximum ([0, 1])."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = (p[:, :-2, 2:] + 2 * p[:, 1:-1, 2:] + p[:, 2:, 2:]) - (p[:, :-2, :-2] + 2 * p[:, 1:-1, :-2] + p[:, 2:, :-2])
    gy = (p[:, 2:, :-2] + 2 * p[:, 2:, 1:-1] + p[:, 2:, 2:]) - (p[:, :-2, :-2] + 2 * p[:, :-2, 1:-1] + p[:, :-2, 2:])
    m = np.sqrt(gx * gx + gy * gy)
    return m / np.maximum(m.reshape(len(m), -1).max(1), 1e-12)[:, None, None]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("array")
    parser.add_argument("--pair", choices=["negative", "edges"], required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    x = np.load(args.array).astype(np.float64)
    if x.ndim != 4 or x.shape[0] % 2 or x.shape[1] != 1:
        raise SystemExit(f"{args.array}: expected [2N, 1, H, W] (A and B of each latent), got {x.shape}")
    a, b = (x[0::2, 0] + 1) / 2, (x[1::2, 0] + 1) / 2   # pixel values in [0, 1]
    n = len(a)
    perm = np.random.default_rng(args.seed).permutation(n)
    perm = np.where(perm == np.arange(n), (perm + 1) % n, perm)   # never the same latent
    if args.pair == "negative":
        own, other = correlation(a, 1 - b), correlation(a, 1 - b[perm])
        print(f"{n} latents: corr(A, 1 - B) same latent {own.mean():.3f} (sd {own.std():.3f}); "
              f"other latent {other.mean():.3f} (sd {other.std():.3f})")
    else:
        e = edges(a)
        own = np.abs(e - b).reshape(n, -1).mean(1)
        other = np.abs(e - b[perm]).reshape(n, -1).mean(1)
        print(f"{n} latents: mean L1 |edges(A) - B| same latent {own.mean():.4f}, other latent {other.mean():.4f}; "
              f"own B nearer for {100 * (own < other).mean():.1f}% of latents")


if __name__ == "__main__":
    main()
