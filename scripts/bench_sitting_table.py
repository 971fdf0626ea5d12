#!/usr/bin/env python3
"""The tables of one sitting (scripts/bench_sitting.sh) from its folder of JSON files.

Files: KIND-SIDE-MODEL-ROUND.json (KIND train, generate or eval; SIDE ours, torch or jax), as
`gan bench KIND --json`, scripts/torch_*_bench.py --json and the yardstick's jax_bench.py --json
write them; KIND-SIDE-MODEL-ROUND.error holds the message of a measurement that failed.
Per model and round: ours, theirs (median (min–max) ms), the ratio of the medians ours/theirs
(below 1: ours is faster, for Inception too, where the ms are per batch; its images/s follow the
table), and both peak resident sizes in MiB.

Usage: python3 scripts/bench_sitting_table.py FOLDER [--json OUT]
"""
import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchcommon import cpu_model

NAME = re.compile(r"^(train|generate|eval)-(ours|torch|jax)-(.+)-(\d+)\.(json|error)$")
TITLES = {"train": "Training step, batch 64 (ms per iteration)",
          "generate": "G inference, batch 64 (ms per batch; eval mode, no graph)",
          "eval": "Inception-v3 features of 28×28 grey images at gan eval's batch (ms per batch)"}
THEIRS = {"torch": "PyTorch", "jax": "JAX"}


def row_of(side, data):
    """The timing row of one file: ours and torch_*_bench.py write models[0], jax_bench.py rows[0].train."""
    if side == "jax":
        r = data["rows"][0]
        return dict(r["train"], model=r["model"])
    return data["models"][0]


def load(folder):
    results, errors = {}, {}
    for path in sorted(folder.iterdir()):
        m = NAME.match(path.name)
        if not m:
            continue
        kind, side, model, rnd, ext = m.groups()
        key = (kind, side, model, int(rnd))
        if ext == "error":
            lines = [l for l in path.read_text().splitlines() if l.strip()]
            errors[key] = lines[-1] if lines else "failed without a message"
        else:
            data = json.loads(path.read_text())
            results[key] = dict(top=data, row=row_of(side, data))
    return results, errors


def cell(entry, decimals):
    if entry is None:
        return "—"
    r = entry["row"]
    f = f"%.{decimals}f"
    return (f + " (" + f + "–" + f + ")") % (r["median_ms"], r["min_ms"], r["max_ms"])


def mib(entry):
    if entry is None or entry["row"].get("peak_rss_mib") is None:
        return "—"
    r = entry["row"]
    return "%.0f (%.0f)" % (r["peak_rss_mib"], r.get("baseline_rss_mib") or 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    results, errors = load(args.folder)
    started = (args.folder / "started").read_text().strip() if (args.folder / "started").exists() else "?"
    finished = (args.folder / "finished").read_text().strip() if (args.folder / "finished").exists() else "?"
    have_jax = (args.folder / "have_jax").read_text().strip() == "1" if (args.folder / "have_jax").exists() else False

    ours_any = next((v["top"] for k, v in results.items() if k[1] == "ours"), {})
    torch_any = next((v["top"] for k, v in results.items() if k[1] == "torch"), {})
    print()
    print(f"# Sitting: {cpu_model()}, {ours_any.get('logical_cpus', '?')} logical CPUs, {ours_any.get('threads', '?')} threads")
    print(f"started {started}; finished {finished} (date, load average 1/5/15 min)")
    print(f"ours: kernels {ours_any.get('kernels', '?')}, matrix products {ours_any.get('matrix_products', '?')}, "
          f"version {ours_any.get('version', '?')}")
    print(f"PyTorch {torch_any.get('torch', '?')} (cpu capability {torch_any.get('kernels', '?')})"
          + ("" if have_jax else "; JAX not installed"))
    try:
        start_load = float(started.split("load ")[1].split()[0])
    except (IndexError, ValueError):
        start_load = 0.0
    cpus = ours_any.get("logical_cpus") or 1
    if start_load > 0.5 * cpus:
        print(f"WARNING: load average {start_load:.2f} on {cpus} CPUs before the sitting started: other processes compete. "
              "PyTorch's OpenMP threads wait for each other at every op when a core is taken away (seen on a busy "
              "2-CPU machine: mlp28 at 2 threads 1176 ms, at 1 thread 37 ms), so its figures, and the ratios, mean little.")
    print("ms: median (min–max) of the timed iterations; ratio = ours/theirs of the medians (< 1: ours faster);")
    print("MiB: peak resident (baseline before the model: runtime and libraries), one model per process")

    rows = []
    for kind in ("train", "generate", "eval"):
        keys = sorted({(k[2], k[3]) for k in list(results) + list(errors) if k[0] == kind},
                      key=lambda mr: (mr[1], mr[0]))
        if not keys:
            continue
        decimals = 2 if kind == "generate" else 1
        print()
        print(f"## {TITLES[kind]}")
        print("| model | round | ours ms | PyTorch ms | ours/PyTorch | ours MiB | PyTorch MiB |"
              + (" JAX ms | ours/JAX |" if kind == "train" and have_jax else ""))
        print("|---|---|---|---|---|---|---|" + ("---|---|" if kind == "train" and have_jax else ""))
        models = []
        for model, _ in keys:
            if model not in models:
                models.append(model)
        for model in models:
            for rnd in sorted({r for m, r in keys if m == model}):
                ours = results.get((kind, "ours", model, rnd))
                theirs = results.get((kind, "torch", model, rnd))
                jax = results.get((kind, "jax", model, rnd))
                ratio = ours["row"]["median_ms"] / theirs["row"]["median_ms"] if ours and theirs else None
                jax_ratio = ours["row"]["median_ms"] / jax["row"]["median_ms"] if ours and jax else None
                line = (f"| {model} | {rnd} | {cell(ours, decimals)} | {cell(theirs, decimals)} | "
                        f"{'%.2f' % ratio if ratio else '—'} | {mib(ours)} | {mib(theirs)} |")
                if kind == "train" and have_jax:
                    line += f" {cell(jax, decimals)} | {'%.2f' % jax_ratio if jax_ratio else '—'} |"
                print(line)
                entry = dict(kind=kind, model=model, round=rnd, ratio=ratio,
                             ours=ours["row"] if ours else None, torch=theirs["row"] if theirs else None)
                if kind == "eval":
                    entry["images_per_s"] = dict(ours=ours["row"]["images_per_s"] if ours else None,
                                                 torch=theirs["row"]["images_per_s"] if theirs else None)
                if jax:
                    entry.update(jax=jax["row"], jax_ratio=jax_ratio)
                rows.append(entry)
        if kind == "eval":
            for e in (e for e in rows if e["kind"] == "eval" and e["ours"] and e["torch"]):
                o, t = e["ours"], e["torch"]
                print(f"round {e['round']}: {o['images_per_s']:.2f} against {t['images_per_s']:.2f} images/s "
                      f"({o['images_per_s'] / t['images_per_s']:.2f}× PyTorch); 10,000 images in "
                      f"{10000 / o['images_per_s'] / 60:.1f} min against {10000 / t['images_per_s'] / 60:.1f}; "
                      f"feature means {o['feature_mean']:.6f} and {t['feature_mean']:.6f}")
    for (kind, side, model, rnd), message in sorted(errors.items()):
        print(f"{kind} {model} round {rnd}: {THEIRS.get(side, 'ours')} failed: {message}")

    if args.json:
        out = dict(started=started, finished=finished, cpu=cpu_model(), have_jax=have_jax,
                   ours=ours_any and {k: v for k, v in ours_any.items() if k != "models"},
                   torch=torch_any and {k: v for k, v in torch_any.items() if k != "models"},
                   rows=rows, errors=[dict(kind=k[0], side=k[1], model=k[2], round=k[3], message=m) for k, m in errors.items()])
        Path(args.json).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
