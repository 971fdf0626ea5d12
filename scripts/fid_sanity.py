"""FID sanity on real data: Fashion-MNIST test images, disturbed by Gaussian noise or blur of
growing strength, against the first N training images. FID must be small for the clean test
set and grow with each level. Runs `gan eval` on .npy files this script writes.

Run:  /tmp/torch-venv/bin/python scripts/fid_sanity.py [--gan .build/release/gan] [--features classifier]
      [--count 10000]     (needs numpy and scipy; the Swift side needs neither)
"""
import argparse, gzip, json, os, subprocess, sys, tempfile, time

import numpy as np
from scipy.ndimage import gaussian_filter


def read_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n, h, w = np.frombuffer(data[:16], dtype=">u4")
    assert magic == 2051, f"{path}: not an IDX image file"
    return np.frombuffer(data[16:], dtype=np.uint8).reshape(n, 1, h, w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gan", default=".build/release/gan")
    ap.add_argument("--features", default="classifier")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    test = read_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))[: args.count]
    clean = test.astype(np.float64) / 127.5 - 1
    rng = np.random.default_rng(args.seed)
    levels = [("clean test set", clean)]
    for sigma in [0.05, 0.1, 0.2, 0.4]:
        levels.append((f"noise σ {sigma}", np.clip(clean + rng.normal(0, sigma, clean.shape), -1, 1)))
    for sigma in [0.5, 1.0, 1.5, 2.0]:
        levels.append((f"blur σ {sigma} px", gaussian_filter(clean, sigma=(0, 0, sigma, sigma), mode="nearest")))

    print(f"FID against the first {args.count} Fashion-MNIST training images, {args.features} features")
    print("| test images | FID | seconds |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, images in levels:
            path = os.path.join(tmp, "x.npy")
            np.save(path, images.astype(np.float32))
            out = os.path.join(tmp, "r.json")
            start = time.time()
            subprocess.run([args.gan, "eval", "--samples", path, "--reference", "fashion-mnist:train",
                            "--count", str(args.count), "--features", args.features, "--metrics", "fid",
                            "--out", out], check=True, stdout=subprocess.DEVNULL)
            with open(out) as f:
                fid = json.load(f)["metrics"]["fid"]
            print(f"| {name} | {fid:.3f} | {time.time() - start:.1f} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
