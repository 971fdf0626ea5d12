"""PyTorch timings of the layers `gan bench kernels` times, for a side-by-side comparison.

Same layers (the conv / transposed-conv layers of dcgan28 and dcgan64 in ../shared/bench),
same batch, same thread count, same measurement: median over timed iterations after two
warm-ups; "backward" = (forward + gradients w.r.t. input, weight, bias) - forward.
Also times square fp32 GEMMs like `gan bench kernels`.

Setup:  python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install "torch==2.13.0+cpu" numpy
Run:    /tmp/torch-venv/bin/python scripts/torch_layer_bench.py [--threads 2] [--batch-size 64] [--iterations 10]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

# (model, name, transposed, in, out, kernel, stride, padding, input size, bias) — as Sources/gan/BenchLayers.swift
LAYERS = [
    ("dcgan28", "D conv1 1→64 28→14", False, 1, 64, 4, 2, 1, 28, True),
    ("dcgan28", "D conv2 64→128 14→7", False, 64, 128, 4, 2, 1, 14, True),
    ("dcgan28", "G convT1 128→64 7→14", True, 128, 64, 4, 2, 1, 7, True),
    ("dcgan28", "G convT2 64→1 14→28", True, 64, 1, 4, 2, 1, 14, True),
    ("dcgan64", "G convT1 100→512 1→4", True, 100, 512, 4, 1, 0, 1, False),
    ("dcgan64", "G convT2 512→256 4→8", True, 512, 256, 4, 2, 1, 4, False),
    ("dcgan64", "G convT3 256→128 8→16", True, 256, 128, 4, 2, 1, 8, False),
    ("dcgan64", "G convT4 128→64 16→32", True, 128, 64, 4, 2, 1, 16, False),
    ("dcgan64", "G convT5 64→3 32→64", True, 64, 3, 4, 2, 1, 32, False),
    ("dcgan64", "D conv1 3→64 64→32", False, 3, 64, 4, 2, 1, 64, False),
    ("dcgan64", "D conv2 64→128 32→16", False, 64, 128, 4, 2, 1, 32, False),
    ("dcgan64", "D conv3 128→256 16→8", False, 128, 256, 4, 2, 1, 16, False),
    ("dcgan64", "D conv4 256→512 8→4", False, 256, 512, 4, 2, 1, 8, False),
    ("dcgan64", "D conv5 512→1 4→1", False, 512, 1, 4, 1, 0, 4, False),
]


def median_ms(fn, iterations, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--sizes", default="256,512,1024,2048")
    ap.add_argument("--layers", default="", help="only layers whose model or name contains this text")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch_size}")

    print("\nGEMM, C = A·B, n×n fp32")
    print("| n | torch GFLOP/s |\n|---|---|")
    for n in [int(s) for s in args.sizes.split(",")]:
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)
        reps = 20 if n <= 512 else (8 if n <= 1024 else 3)
        ms = median_ms(lambda: torch.mm(a, b, out=c), max(args.iterations, reps))
        print(f"| {n} | {2 * n ** 3 / (ms * 1e6):.1f} |")

    print(f"\nConvolution layers, batch {args.batch_size}: forward and backward (input and weight gradients), ms")
    print("| model | layer | forward | backward | total |\n|---|---|---|---|---|")
    for model, name, transposed, cin, cout, k, s, p, size, bias in LAYERS:
        if args.layers and args.layers not in model and args.layers not in name:
            continue
        x = torch.randn(args.batch_size, cin, size, size, requires_grad=True)
        wshape = (cin, cout, k, k) if transposed else (cout, cin, k, k)
        w = (torch.randn(*wshape) * 0.02).requires_grad_(True)
        b = torch.zeros(cout, requires_grad=True) if bias else None
        inputs = [x, w] + ([b] if bias else [])

        def apply():
            if transposed:
                return F.conv_transpose2d(x, w, b, stride=s, padding=p)
            return F.conv2d(x, w, b, stride=s, padding=p)

        gy = torch.randn_like(apply())

        def forward():
            with torch.no_grad():
                apply()

        def both():
            torch.autograd.grad(apply(), inputs, gy)

        f = median_ms(forward, args.iterations)
        t = median_ms(both, args.iterations)
        print(f"| {model} | {name} | {f:.2f} | {max(0.0, t - f):.2f} | {max(t, f):.2f} |")


if __name__ == "__main__":
    main()
