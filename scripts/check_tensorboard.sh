#!/usr/bin/env bash
# TensorBoard's own readers on the event files `gan train` writes (pip's tensorboard):
#   toy   gan on toy:ring8, 30 steps checkpointed at 10/20/30; the step-30 checkpoint removed,
#         as a run killed after logging steps 21-30 without checkpointing them leaves it;
#         --resume to 40 logs 21-30 again, and TensorBoard must see each step once.
#   image dcgan on Fashion-MNIST, 40 steps, Ctrl-C (SIGINT) after the 8th log line, --resume.
#   phases progan on Fashion-MNIST through two growth phases: the phase pictures as images.
# Each run is checked by check_tensorboard.py (EventAccumulator against metrics.jsonl, the
# sample PNGs and config.json; the raw records for repeated steps), then `tensorboard --logdir`
# on all three by check_tensorboard_server.py (its HTTP API on loopback).
# Usage: scripts/check_tensorboard.sh [GAN] [WORK]   (default .build/release/gan, a temporary folder)
set -euo pipefail
gan=$(realpath "${1:-.build/release/gan}")
scripts=$(cd "$(dirname "$0")" && pwd)
if [ -n "${2:-}" ]; then
    work=$2
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/runs"
cd "$work/runs"

"$gan" train gan --data toy:ring8 --steps 30 --log-every 1 --checkpoint-every 10 --sample-every 10 \
    --keep-checkpoints 0 --out toy >../toy.log
rm toy/checkpoints/step-00000030.safetensors
printf step-00000020.safetensors >toy/checkpoints/latest
"$gan" train gan --out toy --resume --steps 40 >>../toy.log
grep -q "resumed from .*step-00000020.safetensors at step 20" ../toy.log

"$gan" train dcgan --data fashion-mnist --steps 40 --sample-every 3 --log-every 1 --out image >../image.log &
pid=$!
for _ in $(seq 600); do
    [ "$(cat image/metrics.jsonl 2>/dev/null | wc -l)" -ge 8 ] && break
    sleep 0.1
done
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 130 ] || { echo "check_tensorboard.sh: the interrupted run exited $status, not 130"; cat ../image.log; exit 1; }
"$gan" train dcgan --out image --resume >>../image.log
grep -q "interrupted at step" ../image.log

# ProGAN grown 7 → 14 → 28 in 16-image phases at batch 8: each phase's end picture
# (samples/phase-7x7.png, …) is also an image summary under its own tag (phase/7x7, …).
"$gan" train progan --data fashion-mnist --steps 10 --batch-size 8 --phase-images 16 --log-every 1 --out phases >../phases.log
ls phases/samples/phase-7x7.png phases/samples/phase-14x14.png >/dev/null

python3 "$scripts/check_tensorboard.py" toy image phases
python3 "$scripts/check_tensorboard_server.py" .
