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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchcommon as bc


def main():
    args, tb, top = bc.torch_model_bench(__doc__, "torch_train_bench.py", "train")
    torch = tb.torch
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
    bc.write_json(top, rows, args.json)

if __name__ == "__main__":
    main()
