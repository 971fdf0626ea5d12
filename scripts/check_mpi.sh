#!/bin/sh
# Data-parallel training over MPI, checked end to end with two ranks (`.ci/run` runs it after
# installing openmpi-bin and libopenmpi-dev):
#
#   scripts/check_mpi.sh [.build/release/gan]
#
# 1. WGAN-GP on toy:ring8 (no BatchNorm): 2 ranks × 32 give the weights, optimiser moments,
#    RNG and batcher states of 1 process × 64 after 20 steps, element by element
#    (|a − b| ≤ 1e-4 + 1e-3·|b|; measured here: 2.4e-6 at most).
# 2. DCGAN on Fashion-MNIST with --sync-bn: 2 ranks × 16 against 1 process × 32, 20 steps,
#    the same RNG and batcher states, and each network's weights within 2× the spread that
#    rounding alone gives (the 1-process run again on another kernel instruction set, or
#    OpenBLAS); per-rank BatchNorm (no --sync-bn) must fail that comparison, so it can fail.
# 3. Resume: with another number of ranks refused with the reason; with 2 ranks continues.
# 4. A rank that hangs (SIGSTOP): the other stops the job within --mpi-timeout (5 s) + 10 s;
#    a rank killed (SIGKILL): the job ends within 15 s. Times are printed.
# 5. SIGTERM to one rank (a signal that reaches one process): every rank stops after the same
#    step, rank 0 writes the checkpoint, and the run resumes from it.
#
# Each rank runs one thread (GAN_NUM_THREADS=1): two ranks on two cores. In containers the
# shared-memory transport is named (`--mca btl self,vader`); GAN_MPIRUN overrides the launcher.
set -eu

GAN=$(realpath "${1:-.build/release/gan}")
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
command -v mpirun >/dev/null || { echo "check_mpi: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)"; exit 1; }
MPIRUN=${GAN_MPIRUN:-mpirun --allow-run-as-root -np 2 --mca btl self,vader -x GAN_NUM_THREADS=1}
export GAN_NUM_THREADS=1
WORK=$(mktemp -d)
trap '[ -n "${GAN_CHECK_KEEP:-}" ] || rm -rf "$WORK"' EXIT
cd "$WORK"
"$GAN" info | grep "^MPI"
"$GAN" info | grep -q "^MPI.*Open MPI" || { echo "check_mpi: gan info finds no Open MPI"; exit 1; }

compare() { python3 "$SCRIPTS/compare_checkpoints.py" "$@"; }
last() { echo "$1/checkpoints/$(cat "$1/checkpoints/latest")"; }
fail() { echo "check_mpi: FAILED: $*"; exit 1; }

echo "== 1. WGAN-GP (toy, no BatchNorm): 2 ranks × 32 against 1 process × 64, 20 steps"
common="--data toy:ring8 --steps 20 --batch-size 64 --no-tensorboard"
"$GAN" train wgan-gp $common --out gp1 > gp1.log 2>&1 || { cat gp1.log; fail "1-process WGAN-GP"; }
$MPIRUN "$GAN" train wgan-gp $common --out gp2 --distributed mpi > gp2.log 2>&1 || { cat gp2.log; fail "2-rank WGAN-GP"; }
compare "$(last gp2)" "$(last gp1)" --atol 1e-4 --rtol 1e-3 || fail "WGAN-GP: 2 ranks differ from 1 process"

echo "== 2. DCGAN --sync-bn (Fashion-MNIST): 2 ranks × 16 against 1 process × 32, 20 steps"
common="--data fashion-mnist --steps 20 --batch-size 32 --no-tensorboard"
"$GAN" train dcgan $common --out dc1 > dc1.log 2>&1 || { cat dc1.log; fail "1-process DCGAN"; }
# The same run rounding differently: another instruction set, or OpenBLAS where only generic runs.
isa=$("$GAN" info | sed -n 's/^kernel instruction set: //p')
if [ "$isa" = generic ]; then other="GAN_BLAS=openblas"; else other="GAN_KERNELS_ISA=generic"; fi
env $other "$GAN" train dcgan $common --out dc1r > dc1r.log 2>&1 || { cat dc1r.log; fail "DCGAN baseline ($other)"; }
echo "rounding baseline: $other"
$MPIRUN "$GAN" train dcgan $common --out dc2 --distributed mpi --sync-bn > dc2.log 2>&1 || { cat dc2.log; fail "2-rank DCGAN --sync-bn"; }
compare "$(last dc2)" "$(last dc1)" --baseline "$(last dc1r)" || fail "DCGAN --sync-bn: 2 ranks differ from 1 process"
$MPIRUN "$GAN" train dcgan $common --out dc2n --distributed mpi > dc2n.log 2>&1 || { cat dc2n.log; fail "2-rank DCGAN"; }
echo "(per-rank BatchNorm, which must not match:)"
if compare "$(last dc2n)" "$(last dc1)" --baseline "$(last dc1r)"; then
    fail "per-rank BatchNorm passed the comparison: it cannot tell the computations apart"
fi

echo "== 3. Resume"
if "$GAN" train dcgan --out dc2 --resume --steps 22 > resume1.log 2>&1; then fail "a 2-rank run resumed in 1 process"; fi
grep -q "trains with 2 ranks" resume1.log || { cat resume1.log; fail "the refusal does not say why"; }
$MPIRUN "$GAN" train dcgan --out dc2 --resume --steps 22 --distributed mpi > resume2.log 2>&1 || { cat resume2.log; fail "2-rank resume"; }
[ "$(cat dc2/checkpoints/latest)" = step-00000022.safetensors ] || fail "the 2-rank resume did not reach step 22"
grep -q '"ranks" : 2' dc2/config.json || fail "config.json does not record the ranks"

# The pid of rank RANK among the children of mpirun LAUNCHER (plain /proc: no pgrep needed).
rank_pid() {
    for dir in /proc/[0-9]*; do
        [ "$({ awk '{print $4}' "$dir/stat"; } 2>/dev/null)" = "$2" ] || continue
        { tr '\0' '\n' < "$dir/environ"; } 2>/dev/null | grep -q "^OMPI_COMM_WORLD_RANK=$1\$" && echo "${dir#/proc/}"
    done
}

# Starts a long 2-rank run NAME and waits for its fifth step; sets $launcher.
start_long_run() {
    $MPIRUN "$GAN" train dcgan --data fashion-mnist --steps 100000 --batch-size 32 --no-tensorboard \
        --out "$1" --distributed mpi --mpi-timeout 5 > "$1.log" 2>&1 &
    launcher=$!
    for _ in $(seq 120); do grep -aq "step 5/" "$1.log" && break; sleep 0.5; done
}

# Sends SIGNAL to rank 1 of a long run and prints how long the job took to end.
stop_rank() {
    signal=$1 name=$2
    start_long_run "$name"
    victim=$(rank_pid 1 $launcher)
    [ -n "$victim" ] || { kill $launcher; fail "rank 1 of $name not found"; }
    start=$(date +%s.%N)
    kill -$signal "$victim"
    status=0
    wait $launcher || status=$?
    seconds=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
    echo "$signal to rank 1: the job ended after $seconds s (exit $status)"
    [ $status -ne 0 ] || fail "$name: the job exited 0 after rank 1 was stopped"
    python3 -c "import sys; sys.exit(0 if $seconds < 15 else 1)" || fail "$name: the job took $seconds s to end (bound: 15 s)"
}

echo "== 4. A rank that hangs or dies"
stop_rank STOP hang
grep -ao "gan: rank [0-9] of 2: a sum .*waited 5 s[^;]*" hang.log || { tail -c 2000 hang.log; fail "no message naming the wait"; }
stop_rank KILL killed
grep -ao "mpirun noticed that process rank 1 .*exited on signal 9 (Killed)" killed.log || { tail -c 2000 killed.log; fail "no message naming the dead rank"; }

echo "== 5. SIGTERM to one rank: all ranks stop after the same step, rank 0 writes a checkpoint, the run resumes"
# (mpirun itself, sent SIGTERM, signals the ranks and kills them odls_base_sigkill_timeout
# seconds later, 1 by default: a checkpoint then needs a step shorter than that.)
start_long_run term
kill -TERM "$(rank_pid 1 $launcher)"
wait $launcher || true
grep -ao "interrupted at step [0-9]*: checkpoint written to [^ ]*" term.log || { tail -c 2000 term.log; fail "no checkpoint on SIGTERM"; }
stopped=$(sed -n 's/^step-0*\([0-9][0-9]*\)\.safetensors$/\1/p' term/checkpoints/latest)
[ -n "$stopped" ] && [ "$stopped" -ge 5 ] || fail "the SIGTERM checkpoint is not at step 5 or later: $(cat term/checkpoints/latest)"
$MPIRUN "$GAN" train dcgan --out term --resume --steps $((stopped + 2)) --distributed mpi > term-resume.log 2>&1 \
    || { tail -c 2000 term-resume.log; fail "resume after SIGTERM"; }

echo "check_mpi: all checks passed"
