#!/usr/bin/env python3
"""PyTorch's side of `gan bench train`: the yardstick's training iteration (torch_bench.py's
`build` and `make_step`, imported from that file, so the models and the step are exactly its own),
timed with `gan bench`'s loop and with the peak resident memory per model (see benchcommon.py).

torch_bench.py itself times with a wait for a quiet machine and up to three attempts; this script
times as `gan bench train` does (warm-up, then every iteration kept), so the two sides are treated
alike. Run one model per process for peak memory that compares with ours (bench_sitting.sh does).

Usage: python3 scripts/torch_train_bench.py [--models mlp28,dcgan28,dcgan64,wgangp28] [--threads 2]
           [--iterations 20] [--warmup 3] [--torch-bench ../shared/bench/torch_bench.py] [--json OUT]
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchcommon as bc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="mlp28,dcgan28,dcgan64,wgangp28")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--torch-bench", default=str(bc.DEFAULT_TORCH_BENCH))
    ap.add_argument("--json", default="", help="write the results here as JSON ('-': standard output only)")
    args = ap.parse_args()

    tb = bc.load_module(args.torch_bench, "torch_bench")
    torch = tb.torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    top = bc.machine(torch, torch.get_num_threads(), "torch_train_bench.py", "train")
    top.update(batch=tb.BATCH, warmup=args.warmup, iterations=args.iterations)
    rows = []
    for name in args.models.split(","):
        with bc.PeakMemory() as memory:
            G, D, shape, kind = tb.build(name)
            G.train(); D.train()
            step, _ = tb.make_step(G, D, shape, kind)
            row = bc.time_calls(step, args.warmup, args.iterations)
        row.update(model=name, reference=True, parameters=dict(generator=tb.nparams(G), discriminator=tb.nparams(D)),
                   images_per_s=tb.BATCH * 1000 / row["median_ms"], peak_rss_mib=memory.peak_mib,
                   baseline_rss_mib=memory.baseline_mib)
        top["peak_memory_method"] = memory.method
        rows.append(row)
        if args.json != "-":
            print(f"{name}: train {bc.describe(row)} ms, mean {row['mean_ms']:.1f}, {row['images_per_s']:.0f} images/s, "
                  f"peak {memory.peak_mib:.0f} MiB (baseline {memory.baseline_mib:.0f})", flush=True)
    top["models"] = rows
    if args.json == "-":
        print(json.dumps(top, indent=1, sort_keys=True))
    elif args.json:
        Path(args.json).write_text(json.dumps(top, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
