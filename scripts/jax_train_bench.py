#!/usr/bin/env python3
"""JAX's side of `gan bench train` for the sitting: the yardstick's jax_bench.py (its models, its
jitted iteration, its JSON), imported from that file by path and run with `gan bench`'s timing loop
in place of its own `time_fn` (which waits up to two minutes for a quiet machine and retries up to
three times), so all three sides are timed alike; the JSON's rows get the peak resident memory of
the process (see benchcommon.py; it covers jax_bench.py's G-inference timing too, which runs after
the training in the same call). XLA's CPU client uses every core; it takes no thread count.

Usage: python3 scripts/jax_train_bench.py [--models mlp28] [--iterations 20] [--warmup 3]
           [--jax-bench ../shared/bench/jax_bench.py] --json OUT
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchcommon as bc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="mlp28")
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--jax-bench", default=str(bc.DEFAULT_TORCH_BENCH.parent / "jax_bench.py"))
    ap.add_argument("--json", required=True)
    args = ap.parse_args()

    jb = bc.load_module(args.jax_bench, "jax_bench")

    def time_fn(fn, warmup, iters, **_):
        with jb.Window() as window:   # jax_bench.py prints the other processes' load
            row = bc.time_calls(fn, warmup, iters)
        return dict(row, other_load_pct=round(window.other_pct, 1))

    jb.time_fn = time_fn
    sys.argv = [args.jax_bench, "--models", args.models, "--warmup", str(args.warmup), "--iters", str(args.iterations),
                "--json", args.json]
    with bc.PeakMemory() as memory:
        jb.main()
    data = json.loads(Path(args.json).read_text())
    for row in data["rows"]:
        row["train"].update(peak_rss_mib=memory.peak_mib, baseline_rss_mib=memory.baseline_mib)
    data.update(peak_memory_method=memory.method, cpu=bc.cpu_model())
    Path(args.json).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
