#!/usr/bin/env bash
# Learned baselines beside TIMI-Net's "Basic" on real data (docs/training.md, "Baselines on real
# data"): train gca, indexnet and timinet_basic with the same budget (samples, crop, batch, seed;
# each with its own released recipe unless RECIPE is set) on online composites of the
# alphamatting.com training images GT01-GT20, score them on GT21-GT27 with trimap1 and trimap2,
# and build one leaderboard.
#
# Usage:  bash docs/recipes/baselines_realrun.sh [WORK]     (WORK defaults to ./baselines_realrun)
#         with `mattebench` on PATH (e.g. `source .venv/bin/activate`); rerunning resumes.
# Environment (defaults = the CPU-sized run of the docs: 52.5 min on 2 loaded shared cores). The
# GPU-sized run is one command:
#   DEVICE=cuda AMP=--amp CROP=512 BATCH=16 EPOCHS=100 LIMIT= WORKERS=8 bash docs/recipes/baselines_realrun.sh
#   DATA      folder holding alphamatting/ and backgrounds/   (default ../shared/data)
#   MODELS    models to train and score             (default "gca indexnet timinet_basic")
#   RECIPE    one recipe for all (gca, paper, indexnet, dim, vitmatte); empty: each model's own
#   DEVICE    cpu | cuda                                       (default cpu)
#   CROP BATCH EPOCHS LIMIT WORKERS SEED   training size       (128 2 2 20 1 0; LIMIT= : #fg x 100)
#   AMP       empty, or --amp (bf16 autocast) on CUDA
#   POLICY    inference policy when scoring (default native: full resolution)
#   ENCODER_INIT  --encoder-init of every model (default scratch: no ImageNet weights here)
#   QUANTIZE  --quantize of scoring (default round, as the documented run; truncate = today's default)
#   BASELINES classical models scored too                      (default trimap_only)
set -euo pipefail

WORK=${1:-baselines_realrun}
DATA=${DATA:-../shared/data}
MODELS=${MODELS:-"gca indexnet timinet_basic"}
RECIPE=${RECIPE:-}
DEVICE=${DEVICE:-cpu}
CROP=${CROP:-128}; BATCH=${BATCH:-2}; EPOCHS=${EPOCHS:-2}; LIMIT=${LIMIT-20}; WORKERS=${WORKERS:-1}
SEED=${SEED:-0}; AMP=${AMP:-}; POLICY=${POLICY:-native}
ENCODER_INIT=${ENCODER_INIT:-scratch}; QUANTIZE=${QUANTIZE:-round}
BASELINES=${BASELINES:-trimap_only}
A=$(cd "$DATA/alphamatting" && pwd); BG=$(cd "$DATA/backgrounds" && pwd)
mkdir -p "$WORK" && cd "$WORK"

# 1. Inputs as symlinks (nothing copied): GT01-GT20 for training, GT21-GT27 for scoring.
TEST=score/gt21_27/alphamatting
mkdir -p src/images src/alphas $TEST/{image,alpha,trimap1,trimap2}
for i in $(seq -w 1 20); do
    ln -sfn "$A/image/GT$i.png" src/images/GT$i.png
    ln -sfn "$A/alpha/GT$i.png" src/alphas/GT$i.png
done
for i in $(seq 21 27); do
    for d in image alpha trimap1 trimap2; do ln -sfn "$A/$d/GT$i.png" $TEST/$d/GT$i.png; done
done

# 2. A Human-2K-style root with the 20 training images, then foreground colours estimated by
#    `composite --fg-extend` (comp/train/fg_extended/, which the trainer uses instead of fg/).
[ -d h2k ] || mattebench human2k build --images src/images --alphas src/alphas --out h2k --n-test 0
mattebench composite human2k --root h2k --coco-root "$BG" --split train --max-bg 1 --fg-extend \
    --workers 1 --out comp

# 3. Train every model with the same samples, crop, batch and seed; backgrounds from $BG.
for m in $MODELS; do
    [ -f runs/$m/model.pt ] && resume=--resume || resume=
    mattebench train $m --data comp --bg-dir "$BG" ${RECIPE:+--recipe "$RECIPE"} --seed "$SEED" \
        --crop "$CROP" --batch-size "$BATCH" --epochs "$EPOCHS" ${LIMIT:+--limit-samples "$LIMIT"} \
        --workers "$WORKERS" --device "$DEVICE" $AMP --encoder-init "$ENCODER_INIT" \
        --out runs/$m $resume
done

# 4. Score every checkpoint and the classical floor on GT21-GT27, both trimap sets.
for t in trimap1 trimap2; do
    for m in $MODELS; do
        mattebench score --model $m --checkpoint runs/$m/model.pt --dataset $TEST --trimap-set $t \
            --policy "$POLICY" --quantize "$QUANTIZE" --device "$DEVICE" --save-preds --out results
    done
    for m in $BASELINES; do
        mattebench score --model $m --dataset $TEST --trimap-set $t --save-preds --time-budget 120 \
            --quantize "$QUANTIZE" --out results
    done
done

# 5. One leaderboard (CSV, LaTeX, Markdown, alphamatting.com-style ranks).
mattebench leaderboard --results results --format csv,latex,md --out leaderboards
