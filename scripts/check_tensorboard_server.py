#!/usr/bin/env python3
"""Start `tensorboard --logdir LOGDIR` on loopback and check, through its HTTP API, that it shows
every run folder under LOGDIR with the steps of its metrics.jsonl.

    python3 scripts/check_tensorboard_server.py LOGDIR

Each run folder LOGDIR/NAME (one with a tensorboard/ folder) must appear as the run
`NAME/tensorboard` in /data/runs, with `loss/D` among /data/plugin/scalars/tags, and
/data/plugin/scalars/scalars?run=NAME/tensorboard&tag=loss/D must give the steps and float32
values of metrics.jsonl's `loss_d`; the images and text plugins must list `samples` and `config`,
and the images plugin each named picture (samples/phase-7x7.png as `phase/7x7`). TensorBoard
uses its default loader (the Rust data server when installed), which does not purge on SessionLog.START: the files alone must hold each step
once. Prints what the API returned; exits 1 on a mismatch.
"""
import glob, json, os, socket, subprocess, sys, time, urllib.parse, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    logdir = os.path.abspath(sys.argv[1])
    runs = sorted(f"{name}/tensorboard" for name in os.listdir(logdir) if os.path.isdir(os.path.join(logdir, name, "tensorboard")))
    if len(runs) < 2:
        sys.exit(f"{logdir}: expected at least two run folders with tensorboard/, found {runs}")
    port = free_port()
    server = subprocess.Popen(["tensorboard", "--logdir", logdir, "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    problems = []
    try:
        deadline = time.time() + 90
        shown = []
        while time.time() < deadline:
            try:
                shown = get(port, "/data/runs")
                tags = get(port, "/data/plugin/scalars/tags")
                if set(runs) <= set(shown) and all("loss/D" in tags.get(r, {}) for r in runs):
                    break
            except OSError:
                pass
            if server.poll() is not None:
                sys.exit("tensorboard exited: " + server.stderr.read()[-2000:])
            time.sleep(1)
        print(f"GET /data/runs -> {json.dumps(shown)}")
        if not set(runs) <= set(shown):
            problems.append(f"/data/runs lists {shown}, expected {runs}")
        for run in runs:
            tags = get(port, "/data/plugin/scalars/tags").get(run, {})
            print(f"GET /data/plugin/scalars/tags [{run}] -> {sorted(tags)}")
            query = urllib.parse.urlencode({"run": run, "tag": "loss/D"})
            points = get(port, f"/data/plugin/scalars/scalars?{query}")
            print(f"GET /data/plugin/scalars/scalars?{query} -> {len(points)} points, first {points[:2]}, last {points[-1:]}")
            images = get(port, "/data/plugin/images/tags").get(run, {})
            texts = get(port, "/data/plugin/text/tags").get(run, [])
            print(f"GET /data/plugin/images/tags [{run}] -> {sorted(images)};  /data/plugin/text/tags [{run}] -> {sorted(texts)}")
            if "samples" not in images or "config" not in texts:
                problems.append(f"{run}: the samples images or the config text are not shown")
            pictures = sorted(os.path.basename(p)[:-4].replace("-", "/", 1)
                              for p in glob.glob(os.path.join(logdir, run.split("/")[0], "samples", "*.png"))
                              if not os.path.basename(p).startswith("step-"))
            if not set(pictures) <= set(images):
                problems.append(f"{run}: named pictures {pictures} are not all among the image tags")
            lines = [json.loads(l) for l in open(os.path.join(logdir, run.split("/")[0], "metrics.jsonl"))]
            expected = [(m["step"], m["loss_d"]) for m in lines if "loss_d" in m]
            got = [(p[1], p[2]) for p in points]
            if [s for s, _ in got] != [s for s, _ in expected]:
                problems.append(f"{run}: loss/D steps {[s for s, _ in got]} != metrics.jsonl's {[s for s, _ in expected]}")
            elif any(abs(a - b) > 1e-6 * max(1, abs(b)) for (_, a), (_, b) in zip(got, expected)):
                problems.append(f"{run}: loss/D values differ from metrics.jsonl's loss_d")
    finally:
        server.terminate()
        server.wait(timeout=20)
    for p in problems:
        print("FAILED:", p)
    print("tensorboard server check:", "FAILED" if problems else "ok")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
