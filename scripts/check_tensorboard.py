#!/usr/bin/env python3
"""Check a run's TensorBoard event files with TensorBoard's own readers (pip's `tensorboard`).

    python3 scripts/check_tensorboard.py RUN [RUN ...]

For each run folder, against what the run wrote itself:
  * EventAccumulator (what TensorBoard's Python loader shows) holds every number of
    metrics.jsonl as a scalar under its tag, at the same steps and with the same value in
    float32, and no other scalar;
  * the `samples` images are the run's samples/step-NNNNNN.png bytes, at the same steps, and
    decode (pillow) to the size the summary states;
  * every other image tag is a named picture, once: samples/phase-7x7.png's bytes as `phase/7x7`
    (TensorBoardWriter.tag(forPicture:)), and every named picture has its tag;
  * the `config` text is config.json (as an indented Markdown code block);
  * the raw event stream (EventFileLoader: every record of every file, in the order TensorBoard
    reads them, no purging applied) holds each (tag, step) once: a resumed run logged no step
    twice, whatever a reader does with SessionLog.START;
  * every file's records are whole (no torn tail).
Exits 1 naming the first failures.
"""
import glob, io, json, os, struct, sys

import numpy as np
from PIL import Image
from tensorboard.backend.event_processing import event_accumulator, event_file_loader


def tag(key):
    """The tag the trainer gives a metrics.jsonl key (TensorBoardWriter.tag(forMetric:))."""
    def network(name):
        return name[0].upper() + name[1:] if name[:1] in ("d", "g") and (len(name) == 1 or name[1] == "_") else name
    fixed = {"images_per_second": "images/s", "elapsed_s": "time/elapsed_s", "eta_s": "time/eta_s",
             "eval_seconds": "time/eval_s", "d_real": "D(x)", "d_fake": "D(G(z))"}
    if key in fixed:
        return fixed[key]
    for prefix, to in (("d_real_", "D(x)_"), ("d_fake_", "D(G(z))_")):
        if key.startswith(prefix):
            return to + key[len(prefix):]
    for prefix, to in (("loss_", "loss/"), ("grad_norm_", "gradnorm/"), ("lr_", "lr/")):
        if key.startswith(prefix):
            return to + network(key[len(prefix):])
    if key.startswith("time_"):
        return "time/" + key[5:]
    return key


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def check(run):
    problems = []
    logdir = os.path.join(run, "tensorboard")
    files = sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))
    if not files:
        return [f"{logdir}: no event files"]

    # Expected scalars from metrics.jsonl.
    expected = {}
    for line in open(os.path.join(run, "metrics.jsonl")):
        m = json.loads(line)
        for key, value in m.items():
            if key == "step":
                continue
            if key == "eval" and isinstance(value, dict):
                for name, v in value.items():
                    if is_number(v):
                        expected.setdefault("eval/" + name, []).append((m["step"], v))
            elif is_number(value):
                expected.setdefault(tag(key), []).append((m["step"], value))

    acc = event_accumulator.EventAccumulator(logdir, size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0, event_accumulator.TENSORS: 0})
    acc.Reload()
    tags = acc.Tags()
    if set(tags["scalars"]) != set(expected):
        problems.append(f"scalar tags {sorted(tags['scalars'])} != metrics.jsonl's {sorted(expected)}")
    worst = 0.0
    for name, points in expected.items():
        if name not in tags["scalars"]:
            continue
        got = [(e.step, e.value) for e in acc.Scalars(name)]
        if [s for s, _ in got] != [s for s, _ in points]:
            problems.append(f"{name}: steps {[s for s, _ in got]} != metrics.jsonl's {[s for s, _ in points]}")
            continue
        for (step, a), (_, b) in zip(got, points):
            if np.float32(a) != np.float32(b):
                problems.append(f"{name} at step {step}: {a!r} != float32 of metrics.jsonl's {b!r}")
            worst = max(worst, abs(a - b) / max(1.0, abs(b)))

    grids = {int(os.path.basename(p)[5:-4]): p for p in glob.glob(os.path.join(run, "samples", "step-*.png"))}
    images = acc.Images("samples") if "samples" in tags["images"] else []
    if [e.step for e in images] != sorted(grids):
        problems.append(f"image steps {[e.step for e in images]} != sample grids {sorted(grids)}")
    for e in images:
        if e.step in grids and e.encoded_image_string != open(grids[e.step], "rb").read():
            problems.append(f"image at step {e.step} is not samples/step-{e.step:06d}.png")
        picture = Image.open(io.BytesIO(e.encoded_image_string))
        picture.load()
        if picture.size != (e.width, e.height):
            problems.append(f"image at step {e.step}: decodes to {picture.size}, summary says {(e.width, e.height)}")

    # Named pictures (ProGAN's samples/phase-7x7.png): one image under `phase/7x7`, the file's bytes.
    pictures = {os.path.basename(p)[:-4].replace("-", "/", 1): p
                for p in glob.glob(os.path.join(run, "samples", "*.png")) if not os.path.basename(p).startswith("step-")}
    others = sorted(t for t in tags["images"] if t != "samples")
    if others != sorted(pictures):
        problems.append(f"image tags {others} besides samples != named pictures {sorted(pictures)}")
    for name in sorted(set(others) & set(pictures)):
        shown = acc.Images(name)
        if [e.encoded_image_string for e in shown] != [open(pictures[name], "rb").read()]:
            problems.append(f"{name}: {len(shown)} image(s), expected one holding {os.path.basename(pictures[name])}'s bytes")

    texts = acc.Tensors("config") if "config" in tags["tensors"] else []
    config = open(os.path.join(run, "config.json")).read()
    if not texts:
        problems.append("no config text")
    else:
        text = texts[-1].tensor_proto.string_val[0].decode()
        if "\n".join(line[4:] for line in text.split("\n")) != config:
            problems.append("the last config text is not config.json")
        if acc.summary_metadata.get("config") and acc.SummaryMetadata("config").plugin_data.plugin_name != "text":
            problems.append("config is not a text-plugin summary")

    # The raw stream: every record in reading order, no purge.
    seen = {}
    for path in files:
        data = open(path, "rb").read()
        offset = 0
        while offset < len(data):
            if len(data) - offset < 16:
                break
            (length,) = struct.unpack("<Q", data[offset:offset + 8])
            offset += 16 + length
        if offset != len(data):
            problems.append(f"{os.path.basename(path)}: torn records at the end")
        for event in event_file_loader.EventFileLoader(path).Load():
            for value in event.summary.value:
                key = (value.tag, event.step)
                if key in seen and value.tag != "config":
                    problems.append(f"{value.tag} at step {event.step} is logged twice ({seen[key]} and {os.path.basename(path)})")
                seen[key] = os.path.basename(path)
    steps = sorted({s for _, points in expected.items() for s, _ in points})
    print(f"{run}: {len(files)} event file(s), {len(expected)} scalar tags, {sum(len(p) for p in expected.values())} points "
          f"(steps {steps[0] if steps else '-'}…{steps[-1] if steps else '-'}), max relative difference {worst:.2e}, "
          f"{len(images)} images, named pictures {sorted(pictures) or '-'}, {len(texts)} config text(s): {'ok' if not problems else 'FAILED'}")
    return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    failed = False
    for run in sys.argv[1:]:
        problems = check(run)
        for p in problems[:20]:
            print(f"  {run}: {p}")
        failed |= bool(problems)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
