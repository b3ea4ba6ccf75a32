"""Measure what `--quantize truncate` vs `--quantize round` does to the four metrics.

Each model predicts every alphamatting.com training image once (float alpha, known regions
forced as `mattebench score` does); the same float alpha is then quantised both ways and scored
with benchmark.metrics. Prints one Markdown row per (trimap set, model) with both means and the
relative change, and writes per-image rows to OUT.csv.

Usage:  python docs/recipes/quantization_effect.py [DATA] [OUT] [MODEL ...]
        DATA defaults to ../shared/data/alphamatting, OUT to quantization_effect.csv,
        models to closed_form knn.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from benchmark.metrics import compute_all
from benchmark.models.alpha import force_known, quantize_alpha
from benchmark.models.registry import create_model
from benchmark.scoring.datasets import discover_dataset
from benchmark.scoring.outcomes import load_sample

METRICS = ("sad", "mse", "grad", "conn")


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/alphamatting")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "quantization_effect.csv")
    models = sys.argv[3:] or ["closed_form", "knn"]
    rows = []
    print("| trimaps | model | metric | round | truncate | truncate vs round |")
    print("|---|---|---|---:|---:|---:|")
    for trimap_set in ("trimap1", "trimap2"):
        ds = discover_dataset(data, trimap_set=trimap_set)
        for name in models:
            model = create_model(name)
            per = {"round": [], "truncate": []}
            for s in ds.samples:
                image, trimap, gt = load_sample(s)
                alpha = force_known(model.predict(image, trimap), trimap)
                for mode in per:
                    m = compute_all(quantize_alpha(alpha, mode), gt, trimap)
                    per[mode].append(m)
                    rows.append([trimap_set, name, s.name, mode, *(m[k] for k in METRICS)])
            for k in METRICS:
                r = float(np.mean([m[k] for m in per["round"]]))
                t = float(np.mean([m[k] for m in per["truncate"]]))
                print(
                    f"| {trimap_set} | {name} | {k} | {r:.6g} | {t:.6g} | {100 * (t - r) / r:+.2f} % |"
                )
            sys.stdout.flush()
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["trimap_set", "model", "image", "quantization", *METRICS])
        w.writerows(rows)


if __name__ == "__main__":
    main()
