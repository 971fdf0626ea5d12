#!/usr/bin/env bash
# Ours and PyTorch's figures in one sitting, interleaved (ours, theirs, ours, theirs), as the
# issues ask: GEMM and conv layers, the torch_bench.py training iteration, and DCGAN training
# throughput on Fashion-MNIST. Ratios measured together are what to compare.
#
#   swift build -c release --product gan
#   scripts/bench_sitting.sh [PYTHON] 2>&1 | tee sitting.txt
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-/tmp/torch-venv/bin/python}
GAN=${GAN:-.build/release/gan}
BENCH=${BENCH:-../shared/bench}
RUN=$(mktemp -d)
trap 'rm -rf "$RUN"' EXIT

load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u +%H:%M:%S)"; }

for round in 1 2; do
    echo "## round $round ($(load))"
    "$GAN" bench kernels --iterations 15
    "$PY" scripts/torch_layer_bench.py --iterations 15
    "$GAN" bench train --models mlp28,dcgan28,wgangp28
    "$PY" "$BENCH/torch_bench.py" --models mlp28,dcgan28,wgangp28 --iters 20
done
echo "## dcgan64 ($(load))"
"$GAN" bench train --models dcgan64 --iterations 10
"$PY" "$BENCH/torch_bench.py" --models dcgan64 --iters 10
echo "## gan train dcgan on Fashion-MNIST, 300 steps ($(load))"
"$GAN" train dcgan --data fashion-mnist --steps 300 --log-every 100 --sample-every 300 --out "$RUN/dcgan" | grep '^step'
echo "## done ($(load))"
