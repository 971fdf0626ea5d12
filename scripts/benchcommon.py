"""What the PyTorch bench scripts (torch_train_bench.py, torch_generate_bench.py,
torch_inception_bench.py) share with `gan bench`: the same timing loop, the same peak-memory
measurement and the same JSON fields, so scripts/bench_sitting.sh can put the two side by side.

Timing: `warmup` untimed calls, then `iterations` timed ones (time.perf_counter); median (the upper
middle value for an even count, as `gan bench` takes it), min, max, mean in ms.
Peak memory: VmHWM of /proc/self/status, reset before each model (glibc malloc_trim, then `5` into
/proc/self/clear_refs, Linux >= 4.0), so it is the process's resident peak while the model is built
and timed, its baseline (the interpreter and libraries) included; `baseline_rss_mib` is VmRSS just
after the reset.
"""
import argparse
import ctypes
import datetime
import json
import importlib.util
import os
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TORCH_BENCH = REPO.parent / "shared" / "bench" / "torch_bench.py"


def load_module(path, name):
    """Imports the Python file at `path` as module `name` (the yardstick is not a package)."""
    path = Path(path)
    if not path.exists():
        raise SystemExit(f"{path} not found: pass --torch-bench PATH (the yardstick's torch_bench.py)")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def status_mib(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak():
    """Hands freed heap back to the system and resets VmHWM; False where the kernel refuses."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


PEAK_METHOD_RESET = ("VmHWM of /proc/self/status, reset per model (malloc_trim, then 5 > /proc/self/clear_refs); "
                     "includes the process's own baseline")
PEAK_METHOD_TOTAL = "VmHWM of /proc/self/status since the process started (the kernel refused the reset)"


class PeakMemory:
    """with PeakMemory() as m: ...  ->  m.baseline_mib, m.peak_mib, m.method"""
    def __enter__(self):
        self.method = PEAK_METHOD_RESET if reset_peak() else PEAK_METHOD_TOTAL
        self.baseline_mib = status_mib("VmRSS")
        return self

    def __exit__(self, *exc):
        self.peak_mib = status_mib("VmHWM")
        return False


def time_calls(fn, warmup, iterations):
    """Wall and process CPU times (ms) of `iterations` calls of fn after `warmup` calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(iterations):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(1e3 * (time.process_time() - c0))
        wall.append(1e3 * (time.perf_counter() - t0))
    return timing_row(wall, cpu)


def upper_median(values):
    return sorted(values)[len(values) // 2]


def timing_row(wall, cpu):
    return dict(n=len(wall), median_ms=upper_median(wall), min_ms=min(wall), max_ms=max(wall),
                mean_ms=sum(wall) / len(wall), cpu_median_ms=upper_median(cpu), wall_ms=wall)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine(torch, threads, command, kind):
    """The fields `gan bench … --json` writes at the top level, for PyTorch."""
    try:
        load = [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        load = []
    return dict(command=command, kind=kind, cpu=cpu_model(), logical_cpus=os.cpu_count(), threads=threads,
                torch=torch.__version__, kernels=torch.backends.cpu.get_cpu_capability(),
                mkldnn=torch.backends.mkldnn.is_available(), load_average=load,
                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def describe(row, decimals=1):
    f = f"%.{decimals}f"
    return (f + " (" + f + "–" + f + ")") % (row["median_ms"], row["min_ms"], row["max_ms"])


def torch_model_bench(doc, script, kind):
    """The shared start of torch_train_bench.py and torch_generate_bench.py: their options
    (--models, --threads, --iterations, --warmup, --torch-bench, --json), torch_bench.py loaded,
    threads and seed set. Returns (args, torch_bench module, the JSON's top-level dict)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--models", default="mlp28,dcgan28,dcgan64,wgangp28")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--torch-bench", default=str(DEFAULT_TORCH_BENCH))
    ap.add_argument("--json", default="", help="write the results here as JSON ('-': standard output only)")
    args = ap.parse_args()
    tb = load_module(args.torch_bench, "torch_bench")
    tb.torch.set_num_threads(args.threads)
    tb.torch.manual_seed(0)
    top = machine(tb.torch, tb.torch.get_num_threads(), script, kind)
    top.update(batch=tb.BATCH, warmup=args.warmup, iterations=args.iterations)
    return args, tb, top


def write_json(top, rows, destination):
    """`top` with its `models` rows to `destination` ('-': standard output; '': nowhere)."""
    top["models"] = rows
    if destination == "-":
        print(json.dumps(top, indent=1, sort_keys=True))
    elif destination:
        Path(destination).write_text(json.dumps(top, indent=1, sort_keys=True) + "\n")
