#!/usr/bin/env python3
"""Compares every tensor of two swift-gan checkpoints (safetensors), name by name.

    compare_checkpoints.py A.safetensors B.safetensors [--atol 1e-4] [--rtol 1e-3]
    compare_checkpoints.py A.safetensors B.safetensors --baseline C.safetensors [--factor 2]

Both files must hold the same names, shapes and dtypes and the same training state (step,
RNG, batcher positions: metadata `swift_gan`); each element must satisfy
|a - b| <= atol + rtol * |b| (integer tensors must be equal). Prints the largest difference
per group of tensors and exits 1 on any mismatch. Plain Python (struct, json): no numpy or
safetensors package needed, so CI runs it anywhere.

With --baseline, C is B's run again with other rounding (another kernel instruction set or
GEMM): a network's weights (the tensors under `generator.`, `discriminator.`, …; running
statistics and optimiser moments left out) must then satisfy ‖A − B‖ ≤ factor · ‖C − B‖. Adam's
first steps move every weight by about ±lr whatever the gradient's size, so a weight whose
gradient is rounding noise (a convolution bias before BatchNorm) takes a random-signed step and
20 steps of DCGAN spread rounding differences to ~0.4% of the weights' norm; the baseline
measures that spread on the same machine.
"""
import argparse
import json
import struct
import sys

FORMATS = {"F32": "f", "F64": "d", "I64": "q", "I32": "i", "F16": "e", "U8": "B", "I8": "b"}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        code = FORMATS[entry["dtype"]]
        count = (end - start) // struct.calcsize(code)
        tensors[name] = (entry["dtype"], entry["shape"], struct.unpack("<%d%s" % (count, code), body[start:end]))
    return tensors, header.get("__metadata__", {})


def network_differences(a, b):
    """Per network (name prefix), ‖a − b‖ / ‖b‖ over its weights."""
    sums = {}
    for name, (dtype, _, vb) in b.items():
        group = name.split(".")[0]
        if group.startswith("optimizer") or dtype != "F32" or "running_" in name or name not in a:
            continue
        va = a[name][2]
        diff, norm = sums.get(group, (0.0, 0.0))
        sums[group] = (diff + sum((x - y) ** 2 for x, y in zip(va, vb)), norm + sum(y * y for y in vb))
    return {group: (diff / norm) ** 0.5 if norm > 0 else diff ** 0.5 for group, (diff, norm) in sums.items()}


def compare_with_baseline(args):
    a, meta_a = read(args.a)
    b, meta_b = read(args.b)
    c, _ = read(args.baseline)
    failures = state_failures(meta_a, meta_b)
    measured, rounding = network_differences(a, b), network_differences(c, b)
    for group in sorted(rounding):
        ok = measured.get(group, float("inf")) <= args.factor * rounding[group]
        print("%-14s ‖A − B‖/‖B‖ %.3g, rounding baseline %.3g (%.2f×)%s"
              % (group, measured.get(group, float("nan")), rounding[group],
                 measured.get(group, float("nan")) / max(rounding[group], 1e-30), "" if ok else "  beyond %g×" % args.factor))
        if rounding[group] == 0:
            failures.append("%s: the baseline run gave the same bits; it must round differently" % group)
        elif not ok:
            failures.append("%s differs %.3g, more than %g× the rounding baseline %.3g" % (group, measured[group], args.factor, rounding[group]))
    for failure in failures:
        print("MISMATCH " + failure)
    print("%s" % ("FAILED" if failures else "equal within %g× the rounding baseline" % args.factor))
    return 1 if failures else 0


def state_failures(meta_a, meta_b):
    """The training state (step, trainer RNG, batcher positions) must be the same exactly: the
    ranks draw what one process would."""
    state_a, state_b = (json.loads(m.get("swift_gan", "{}")) for m in (meta_a, meta_b))
    return ["training state '%s' differs: %s against %s" % (key, state_a.get(key), state_b.get(key))
            for key in ("step", "rng", "batchers") if state_a.get(key) != state_b.get(key)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--baseline", help="B's run with other rounding: compare norms of differences instead")
    parser.add_argument("--factor", type=float, default=2.0)
    args = parser.parse_args()
    if args.baseline:
        return compare_with_baseline(args)
    a, meta_a = read(args.a)
    b, meta_b = read(args.b)
    failures = state_failures(meta_a, meta_b)
    if set(a) != set(b):
        failures.append("names differ: only in A %s, only in B %s" % (sorted(set(a) - set(b))[:5], sorted(set(b) - set(a))[:5]))
    worst = {}
    compared = 0
    for name in sorted(set(a) & set(b)):
        (ta, sa, va), (tb, sb, vb) = a[name], b[name]
        if ta != tb or sa != sb:
            failures.append("%s: %s %s against %s %s" % (name, ta, sa, tb, sb))
            continue
        group = name.split(".")[0]
        largest = max((abs(x - y) for x, y in zip(va, vb)), default=0.0)
        if ta.startswith("I") or ta == "U8":
            if va != vb:
                failures.append("%s: integer values differ" % name)
        else:
            bad = [(x, y) for x, y in zip(va, vb) if not abs(x - y) <= args.atol + args.rtol * abs(y)]
            if bad:
                failures.append("%s: %d of %d values beyond the tolerance (largest difference %.3g, e.g. %r against %r)"
                                % (name, len(bad), len(va), largest, bad[0][0], bad[0][1]))
        compared += 1
        if largest >= worst.get(group, (-1.0, ""))[0]:
            worst[group] = (largest, name)
    for group, (largest, name) in sorted(worst.items()):
        print("%-14s largest |a - b| %.3g (%s)" % (group, largest, name))
    for failure in failures:
        print("MISMATCH " + failure)
    print("%d tensors compared, atol %g, rtol %g: %s" % (compared, args.atol, args.rtol, "FAILED" if failures else "equal within tolerance"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
