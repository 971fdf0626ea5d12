#!/usr/bin/env bash
# Every family's checkpoint against the PyTorch references (scripts/check_checkpoint.py): trains
# each case for a few steps with a small batch into a temporary folder, samples (or translates)
# with the arrays saved, then checks that the checkpoint loads strictly into the reference
# modules and that they reproduce the Swift outputs.
#
#   swift build -c release --product gan
#   scripts/check_checkpoints.sh [GAN_BINARY]        # default .build/release/gan
#
# Prints a line per case and `N passed, M failed`; exits 1 when a case fails. Set KEEP=1 to keep
# the run folders (their path is printed).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GAN=${1:-$ROOT/.build/release/gan}
CHECK="python3 $ROOT/scripts/check_checkpoint.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-checkpoints.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then echo "run folders in $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
[ -x "$GAN" ] || { echo "no gan binary at $GAN (swift build -c release --product gan)" >&2; exit 2; }

passed=0
failed=0
failures=()

# verdict NAME LOG STATUS: counts the case and shows the checker's lines.
verdict() {
    sed 's/^/    /' "$2"
    if [ "$3" -eq 0 ]; then
        passed=$((passed + 1)); echo "PASS $1"
    else
        failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1 (log: $2)"
    fi
}

# train NAME FAMILY ARGS...: a few steps into $WORK/NAME; returns non-zero (and counts a
# failure) when training does not finish.
train() {
    local name=$1 family=$2; shift 2
    if ! "$GAN" train "$family" --out "$WORK/$name" --seed 7 --log-every 1 "$@" >"$WORK/$name.train.log" 2>&1; then
        failed=$((failed + 1)); failures+=("$name")
        echo "FAIL $name: gan train $family $* failed:"; tail -5 "$WORK/$name.train.log" | sed 's/^/    /'
        return 1
    fi
}

# latent NAME FAMILY "SAMPLE ARGS" TRAIN ARGS...: train, `gan sample` 16 latents, compare.
latent() {
    local name=$1 family=$2 sample_args=$3; shift 3
    echo "== $name: gan train $family $*"
    train "$name" "$family" "$@" || return 0
    local run=$WORK/$name log=$WORK/$name.check.log
    # shellcheck disable=SC2086
    if ! "$GAN" sample --run "$run" --count 16 --seed 3 $sample_args --save-latents "$run/z.npy" \
        --save-array "$run/x.npy" --out "$run/x.png" >"$WORK/$name.sample.log" 2>&1; then
        cat "$WORK/$name.sample.log" >"$log"; verdict "$name" "$log" 1; return 0
    fi
    # shellcheck disable=SC2086
    $CHECK "$run" --latents "$run/z.npy" --samples "$run/x.npy" $sample_args >"$log" 2>&1
    verdict "$name" "$log" $?
}

# translated NAME TRAIN ARGS...: train cyclegan, translate both ways, compare.
translated() {
    local name=$1; shift
    echo "== $name: gan train cyclegan $*"
    train "$name" cyclegan "$@" || return 0
    local run=$WORK/$name log=$WORK/$name.check.log status=0 direction input
    : >"$log"
    for direction in a2b b2a; do
        input=fashion-mnist:test@sneaker
        [ $direction = b2a ] && input=fashion-mnist:test@ankle-boot
        if ! "$GAN" translate --run "$run" --direction $direction --input $input --count 6 \
            --save-array "$run/$direction.npy" --out "$run/$direction.png" >>"$log" 2>&1; then
            status=1; continue
        fi
        $CHECK "$run" --direction $direction --inputs $input --translations "$run/$direction.npy" >>"$log" 2>&1 || status=1
    done
    verdict "$name" "$log" $status
}

small="--steps 2 --batch-size 8"
latent gan-toy gan "" --data toy:ring8 $small
latent gan-mnist-ema gan "" --data fashion-mnist --preset mnist $small --ema 0.99
latent dcgan28 dcgan "" --data fashion-mnist $small
latent dcgan32 dcgan "" --data fashion-mnist --preset dcgan32 --convert-channels --steps 2 --batch-size 4
latent cgan-dcgan28 cgan "" --data fashion-mnist $small --ema 0.99
latent cgan-mlp-class cgan "--class 3" --data fashion-mnist --preset mlp $small
latent wgan wgan "" --data fashion-mnist $small
latent wgan-gp wgan-gp "" --data fashion-mnist $small
latent wgan-gp-toy wgan-gp "" --data toy:ring8 $small
translated cyclegan --data fashion-mnist@sneaker --data-b fashion-mnist@ankle-boot --steps 2 --batch-size 2
latent cogan cogan "" --data fashion-mnist --data-b 'fashion-mnist|edges' $small
latent cogan-ema cogan "" --data fashion-mnist --data-b 'fashion-mnist|negative' $small --ema 0.99
latent sagan sagan "" --data fashion-mnist $small --ema 0.99
latent sagan-class sagan "--class 4" --data fashion-mnist $small
latent sagan-unconditional sagan "" --data fashion-mnist --unconditional $small
latent biggan biggan "" --data fashion-mnist $small --ema-start 1
latent biggan-class biggan "--class 6" --data fashion-mnist --steps 2 --batch-size 4
latent biggan-unlabelled biggan "" --data fashion-mnist@sandal --steps 2 --batch-size 4
# Mid-fade: 5 steps of 8 = 40 images at 32 per phase, a quarter into the fade of 14x14; colour32
# (grey data as three channels): 16 images at 5 per phase, a fifth into the fade of 16x16.
latent progan progan "" --data fashion-mnist --steps 5 --batch-size 8 --phase-images 32
latent progan-colour32 progan "" --data fashion-mnist --preset colour32 --convert-channels --steps 2 --batch-size 8 --phase-images 5
# 17 steps: R1 at steps 0 and 16, w_avg tracked; samples truncated in W below layer 4.
latent stylegan stylegan "--truncation 0.7 --truncation-cutoff 4" --data fashion-mnist --steps 17 --batch-size 4
latent stylegan-colour32 stylegan "" --data fashion-mnist --preset colour32 --convert-channels $small
# StyleGAN2: 5 steps, path length at steps 0 and 4 (pl_mean saved, skipped by the checker), R1 at 0;
# samples truncated in W below style 4.
latent stylegan2 stylegan "--truncation 0.7 --truncation-cutoff 4" --data fashion-mnist --variant 2 --steps 5 --batch-size 4
latent stylegan2-colour32 stylegan "" --data fashion-mnist --preset colour32 --convert-channels --variant 2 $small

echo "$passed passed, $failed failed${failures:+: ${failures[*]}}"
[ "$failed" -eq 0 ]
