#!/usr/bin/env bash
# SIGKILL a training run at random moments, many times, while it writes a checkpoint every step,
# and check after each kill that every checkpoint file left is complete and that the run resumes
# from the newest one.
#
#   scripts/kill_test.sh [GAN_BINARY] [KILLS]
#
# Default binary: .build/release/gan. Exit status 0 when no kill ever left an unreadable
# checkpoint, the run resumed after kills, and the final resume continued from the newest one.
set -u
GAN=${1:-.build/release/gan}
KILLS=${2:-20}
DIR=$(mktemp -d /tmp/gan-kill-test.XXXXXX)/run
LOG=$(dirname "$DIR")/log.txt
# The mnist MLP on 2-D points: ~0.8 M parameters, so each checkpoint (with Adam state) is ~10 MB
# and a good share of the wall time is spent writing it.
ARGS=(train gan --data toy:ring8 --preset mnist --batch-size 64 --steps 1000000
      --checkpoint-every 1 --sample-every 1000000 --log-every 1000000 --keep-checkpoints 2 --out "$DIR")

check_files() {
    python3 - "$DIR/checkpoints" <<'PY'
import json, os, struct, sys
folder = sys.argv[1]
bad = []
names = sorted(n for n in os.listdir(folder) if n.startswith("step-") and n.endswith(".safetensors"))
for n in names:
    p = os.path.join(folder, n)
    with open(p, "rb") as f:
        data = f.read()
    try:
        (hl,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + hl])
        end = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
        assert 8 + hl + end == len(data), "size"
        assert "swift_gan" in header["__metadata__"], "metadata"
    except Exception as e:
        bad.append(f"{n}: {e!r}")
latest = open(os.path.join(folder, "latest")).read().strip() if os.path.exists(os.path.join(folder, "latest")) else None
temps = [n for n in os.listdir(folder) if ".tmp-" in n]
print(f"files {names} latest {latest} temporaries {len(temps)} bad {bad}")
sys.exit(1 if bad or (latest is not None and latest not in names) else 0)
PY
}

failures=0
resumes=0
for i in $(seq 1 "$KILLS"); do
    if [ -f "$DIR/config.json" ]; then
        "$GAN" "${ARGS[@]}" --resume > "$LOG" 2>&1 &
    else
        "$GAN" "${ARGS[@]}" > "$LOG" 2>&1 &
    fi
    pid=$!
    # Wait until training runs (data + model set up), then a random 0.2–1.5 s more.
    sleep "$(python3 -c 'import random; print(round(random.uniform(1.2, 2.5), 3))')"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    resumed=$(grep -o 'resumed from .* at step [0-9]*' "$LOG" | sed 's/.*step-//')
    printf 'kill %2d: %s | ' "$i" "${resumed:-fresh start}"
    if [ -n "$resumed" ]; then resumes=$((resumes + 1)); fi
    if grep -q '^Error' "$LOG"; then echo; cat "$LOG"; failures=$((failures + 1)); fi
    if ! check_files; then failures=$((failures + 1)); fi
done
# Finally the run must resume from the newest checkpoint and continue.
"$GAN" "${ARGS[@]}" --resume > "$LOG" 2>&1 &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"
status=$?
echo "final resume: $(grep -o 'resumed from .*' "$LOG") ; $(grep -o 'interrupted at step.*' "$LOG") (exit $status after Ctrl-C)"
[ "$status" -eq 130 ] || failures=$((failures + 1))
grep -q 'resumed from' "$LOG" || failures=$((failures + 1))
# A start that finds a checkpoint resumes from it (a second of training writes dozens); allow
# for a kill during a slow start, but most restarts must have resumed.
[ "$resumes" -ge $((KILLS / 2)) ] || { echo "only $resumes of $((KILLS - 1)) restarts resumed"; failures=$((failures + 1)); }
"$GAN" sample --run "$DIR" --count 16 --out "$(dirname "$DIR")/sample.png" || failures=$((failures + 1))
echo "kills: $KILLS, resumes: $resumes, failures: $failures, run folder: $DIR"
exit $((failures > 0))
