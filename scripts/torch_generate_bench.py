#!/usr/bin/env python3
"""PyTorch's side of `gan bench generate`: G's forward pass for inference, batch 64, on the
yardstick's generators (torch_bench.py's `build`, imported from that file): `G.eval()`, one batch
of latents drawn once outside the timing, `torch.no_grad()`. Timed with `gan bench`'s loop, peak
resident memory per model (see benchcommon.py); one model per process compares memory with ours.

Usage: python3 scripts/torch_generate_bench.py [--models mlp28,dcgan28,dcgan64,wgangp28] [--threads 2]
           [--iterations 20] [--warmup 3] [--torch-bench ../shared/bench/torch_bench.py] [--json OUT]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchcommon as bc


def main():
    args, tb, top = bc.torch_model_bench(__doc__, "torch_generate_bench.py", "generate")
    torch = tb.torch
    rows = []
    for name in args.models.split(","):
        with bc.PeakMemory() as memory:
            G, _, _, _ = tb.build(name)
            G.eval()
            z = torch.randn(tb.BATCH, tb.NZ)

            def forward():
                with torch.no_grad():
                    return G(z)

            row = bc.time_calls(forward, args.warmup, args.iterations)
        row.update(model=name, reference=True, generator_parameters=tb.nparams(G),
                   images_per_s=tb.BATCH * 1000 / row["median_ms"], peak_rss_mib=memory.peak_mib,
                   baseline_rss_mib=memory.baseline_mib)
        top["peak_memory_method"] = memory.method
        rows.append(row)
        if args.json != "-":
            print(f"{name}: G forward {bc.describe(row, 2)} ms per batch, {row['images_per_s']:.0f} images/s, "
                  f"peak {memory.peak_mib:.0f} MiB (baseline {memory.baseline_mib:.0f})", flush=True)
    bc.write_json(top, rows, args.json)

if __name__ == "__main__":
    main()
