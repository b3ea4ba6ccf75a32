#!/usr/bin/env bash
# A real-data run with mattebench's own commands (docs/training.md, "A real-data run"):
# train timinet_basic and timinet on online composites of the alphamatting.com training
# images GT01-GT20 (foreground colours estimated by human2k.foreground.estimate_foreground,
# through `composite --fg-extend`) over the shared background photos, then score them and the
# classical baselines on GT21-GT27 with trimap1 and trimap2, and build the leaderboards.
#
# Usage:  bash docs/recipes/alphamatting_realrun.sh [WORK]     (WORK defaults to ./realrun)
#         with `mattebench` on PATH (e.g. `source .venv/bin/activate`); rerunning resumes.
# Environment (defaults = the CPU-sized run of the docs; a GPU run, for example:
#   DEVICE=cuda AMP=--amp CROP=512 BATCH=16 EPOCHS=100 LIMIT= WORKERS=8):
#   DATA      folder holding alphamatting/ and backgrounds/   (default ../shared/data)
#   DEVICE    cpu | cuda                                       (default cpu)
#   CROP BATCH EPOCHS LIMIT WORKERS SEED   training size       (256 2 4 40 1 0; LIMIT= : #fg x 100)
#   AMP       empty, or --amp on CUDA
#   ENCODER_INIT  GCA's model_best_resnet34_En_nomixup.pth (the published recipe), or scratch
#                 (default here: no ImageNet file is shipped; a from-scratch run)
#   BASELINES classical models to score  (default "trimap_only closed_form knn lkm random_walk")
set -euo pipefail

WORK=${1:-realrun}
DATA=${DATA:-../shared/data}
DEVICE=${DEVICE:-cpu}
CROP=${CROP:-256}; BATCH=${BATCH:-2}; EPOCHS=${EPOCHS:-4}; LIMIT=${LIMIT-40}; WORKERS=${WORKERS:-1}
SEED=${SEED:-0}; AMP=${AMP:-}; ENCODER_INIT=${ENCODER_INIT:-scratch}
BASELINES=${BASELINES:-"trimap_only closed_form knn lkm random_walk"}
A=$(cd "$DATA/alphamatting" && pwd); BG=$(cd "$DATA/backgrounds" && pwd)
mkdir -p "$WORK" && cd "$WORK"

# 1. Inputs as symlinks (nothing copied): GT01-GT20 for training, GT21-GT27 for scoring.
# (Any folder name works: the alphamatting.com-style rank table follows the image/ + trimap1/
# layout; "alphamatting" keeps the results folder name recognisable.)
TEST=score/gt21_27/alphamatting
mkdir -p src/images src/alphas $TEST/{image,alpha,trimap1,trimap2}
for i in $(seq -w 1 20); do
    ln -sfn "$A/image/GT$i.png" src/images/GT$i.png
    ln -sfn "$A/alpha/GT$i.png" src/alphas/GT$i.png
done
for i in $(seq 21 27); do
    for d in image alpha trimap1 trimap2; do ln -sfn "$A/$d/GT$i.png" $TEST/$d/GT$i.png; done
done

# 2. A Human-2K-style root with all 20 images in the training split, then one composite per
#    foreground over the shared backgrounds; --fg-extend writes the estimated foreground
#    colours to comp/train/fg_extended/, which the trainer then uses instead of fg/.
[ -d h2k ] || mattebench human2k build --images src/images --alphas src/alphas --out h2k --n-test 0
mattebench composite human2k --root h2k --coco-root "$BG" --split train --max-bg 1 --fg-extend \
    --workers 1 --out comp

# 3. Train (GCA recipe, seed 0). GCA's pairing: an epoch is the background list of $BG (10
#    photos in ../shared/data, so 10 samples per epoch; LIMIT only caps it), sample i over bg i.
for m in timinet_basic timinet; do
    [ -f runs/$m/model.pt ] && resume=--resume || resume=
    mattebench train $m --data comp --bg-dir "$BG" --recipe gca --seed "$SEED" --crop "$CROP" \
        --batch-size "$BATCH" --epochs "$EPOCHS" ${LIMIT:+--limit-samples "$LIMIT"} --workers "$WORKERS" \
        --device "$DEVICE" $AMP --encoder-init "$ENCODER_INIT" --out runs/$m $resume
done

# 4. Score both checkpoints and the classical baselines on GT21-GT27, both trimap sets.
for t in trimap1 trimap2; do
    for m in timinet_basic timinet; do
        mattebench score --model $m --checkpoint runs/$m/model.pt --dataset $TEST --trimap-set $t \
            --device "$DEVICE" --save-preds --out results
    done
    for m in $BASELINES; do
        mattebench score --model $m --dataset $TEST --trimap-set $t --save-preds --time-budget 120 \
            --out results
    done
done

# 5. Leaderboards (CSV, LaTeX, Markdown, alphamatting.com-style ranks) and the HTML report.
mattebench leaderboard --results results --format csv,latex,md --out leaderboards
mattebench report --results results --out report.html
