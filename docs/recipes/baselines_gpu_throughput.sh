#!/usr/bin/env bash
# Training throughput and peak memory of the learned baselines side by side (docs/models.md,
# "Training cost"): every model trains on the same number of samples at the same crop and batch,
# bf16 autocast on one GPU, from self-contained synthetic data (no dataset needed), and the table
# prints images/s (whole run, and compute-only: step time minus data wait, median over the steps
# after the first WARMUP) and peak allocated CUDA memory.
#
# Usage:  bash docs/recipes/baselines_gpu_throughput.sh [WORK]   (WORK defaults to ./gpu_throughput)
#         with `mattebench` on PATH; needs a CUDA GPU (DEVICE=cpu runs it on the CPU, tiny).
# Environment:
#   MODELS   (default "gca indexnet dim timinet_basic timinet vitmatte_s vitmatte_b")
#   SAMPLES  samples per model (default 640)        CROP  (512)    BATCH  per device (16)
#   WORKERS  DataLoader workers (default 12)        AMP   (--amp = bf16; empty for fp32)
#   DEVICE   (cuda)                                  WARMUP steps left out of the median (5)
set -euo pipefail

WORK=${1:-gpu_throughput}
MODELS=${MODELS:-"gca indexnet dim timinet_basic timinet vitmatte_s vitmatte_b"}
SAMPLES=${SAMPLES:-640}; CROP=${CROP:-512}; BATCH=${BATCH:-16}; WORKERS=${WORKERS:-12}
AMP=${AMP---amp}; DEVICE=${DEVICE:-cuda}; WARMUP=${WARMUP:-5}
mkdir -p "$WORK" && cd "$WORK"

# 1. 32 synthetic foregrounds (800x640) with alphas; backgrounds are generated per sample.
python - <<'EOF'
from pathlib import Path
import numpy as np
from human2k.images import write_png
from human2k.synthetic import synth_sample
root = Path("data/train")
if not (root / "alpha").is_dir():
    rng = np.random.default_rng(0)
    for i in range(32):
        fg, alpha = synth_sample(rng, size=(800, 640))
        write_png(root / "fg" / f"s{i:02d}.png", fg)
        write_png(root / "alpha" / f"s{i:02d}.png", alpha)
EOF

# 2. The same samples for every model (one epoch of SAMPLES), each with its own recipe.
for m in $MODELS; do
    rm -rf "runs/$m"
    mattebench train "$m" --data data --epochs 1 --limit-samples "$SAMPLES" \
        --crop "$CROP" --batch-size "$BATCH" --workers "$WORKERS" --device "$DEVICE" $AMP \
        --seed 0 --out "runs/$m" || echo "$m: training failed (see above)"
done

# 3. Side by side.
WARMUP=$WARMUP python - $MODELS <<'EOF'
import json, os, statistics, sys
from pathlib import Path
warm = int(os.environ["WARMUP"])
print(f"| model | steps | images/s (run) | images/s (compute, median) | data wait / step (s) | peak CUDA memory (GiB) | peak RSS (GiB) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for m in sys.argv[1:]:
    log = Path("runs") / m / "train.jsonl"
    if not log.exists():
        print(f"| {m} | failed | | | | | |"); continue
    recs = [json.loads(l) for l in log.read_text().splitlines()]
    steps = [r for r in recs if r["event"] == "step"]
    end = next((r for r in recs if r["event"] == "end"), {})
    later = steps[warm:] or steps
    compute = [r["global_batch"] / max(r["global_batch"] / r["images_per_s"] - r["data_s"], 1e-9) for r in later]
    wait = statistics.median(r["data_s"] for r in later)
    cuda = end.get("peak_cuda_bytes"); rss = end.get("peak_rss_bytes", 0)
    print(f"| {m} | {len(steps)} | {end.get('images_per_s', 0):.1f} | {statistics.median(compute):.1f} | "
          f"{wait:.3f} | {cuda / 2**30:.2f} | {rss / 2**30:.2f} |" if cuda else
          f"| {m} | {len(steps)} | {end.get('images_per_s', 0):.2f} | {statistics.median(compute):.2f} | "
          f"{wait:.3f} | - | {rss / 2**30:.2f} |")
EOF
