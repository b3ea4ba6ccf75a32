"""Speed of the Numba metrics against the NumPy/SciPy reference, measured in the same run.

Both run on one thread after a warm-up call (so Numba compilation and caches are excluded); each
timing is the best of ``repeats`` runs, because these machines are shared and noisy.

Example:
    >>> report = bench_metrics(size=(64, 48), repeats=1)
    >>> sorted(report.rows[0])
    ['max_rel_diff', 'metric', 'ours_s', 'ratio', 'reference_s']
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import ndimage

from benchmark.metrics import conn, grad, mse, sad
from benchmark.metrics._checks import check_matting_inputs
from benchmark.metrics.accumulator import compute_all
from benchmark.metrics.reference import ref_all, ref_conn, ref_grad, ref_mse, ref_sad

__all__ = ["synthetic_case", "cases_from_folder", "bench_metrics", "MetricsPerfReport"]


def synthetic_case(size: tuple[int, int] = (1920, 1080), seed: int = 0):
    """A Comp-1K-like test case at SIZE (W, H): a soft object with strands and a semi-transparent
    patch, a DIM-style trimap (band dilated by 10 px), and a prediction = GT + smooth noise + a
    spurious blob, forced to 0/255 on the known regions."""
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    radius = np.hypot((yy - h / 2) / h, (xx - w / 2) / w) * min(h, w)
    alpha = np.clip((min(h, w) / 3 - radius) / max(2.0, min(h, w) / 100) + 0.5, 0, 1)
    for _ in range(12):
        x0 = int(rng.integers(0, w))
        width = max(1, w // 400)
        strand = np.clip(1 - np.abs(xx[:, :1] - x0 - 3 * np.sin(yy[:, :1] / 17.0)) / width, 0, 1)
        alpha[:, max(0, x0 - 8) : x0 + 8] = np.maximum(
            alpha[:, max(0, x0 - 8) : x0 + 8], 0.7 * strand[:, :1] * (yy[:, :1] < h * 0.8)
        )
    alpha[h // 3 : h // 2, w // 4 : w // 3] = 0.45
    gt = np.round(alpha * 255).astype(np.uint8)
    band = ndimage.binary_dilation((gt > 0) & (gt < 255), iterations=10)
    trimap = np.where(gt == 255, 255, 0).astype(np.uint8)
    trimap[band] = 128
    noise = ndimage.gaussian_filter(rng.normal(0, 40, (h, w)), 2)
    pred = np.clip(gt + noise, 0, 255)
    pred[h // 10 : h // 10 + h // 20, w // 10 : w // 10 + w // 20] = 200
    pred = np.round(pred).astype(np.uint8)
    pred[trimap == 0] = 0
    pred[trimap == 255] = 255
    return pred, gt, trimap


def cases_from_folder(folder: str | Path, limit: int = 5):
    """Cases from a folder with ``alpha/`` and ``trimaps/`` (or ``trimap1/``): the prediction is
    the GT blurred (σ = 3 px) and rounded, forced to 0/255 on the known regions."""
    from human2k.images import read_alpha, read_trimap

    folder = Path(folder)
    trimap_dir = next(
        (folder / d for d in ("trimaps", "trimap1", "trimap") if (folder / d).is_dir()), None
    )
    if trimap_dir is None or not (folder / "alpha").is_dir():
        raise FileNotFoundError(f"{folder}: expected alpha/ and trimaps/ (or trimap1/) inside")
    cases = []
    for path in sorted(trimap_dir.glob("*.png"))[:limit]:
        gt = read_alpha(folder / "alpha" / path.name)
        trimap = read_trimap(path)
        pred = np.round(ndimage.gaussian_filter(gt.astype(np.float64), 3)).astype(np.uint8)
        pred[trimap == 0] = 0
        pred[trimap == 255] = 255
        cases.append((path.name, (pred, gt, trimap)))
    return cases


@dataclasses.dataclass
class MetricsPerfReport:
    """Per-metric rows (seconds summed over the cases) and a total row, plus the setup."""

    rows: list[dict]
    n_cases: int
    n_pixels: int
    n_scored: int
    description: str


def _best_time(fn: Callable[[], object], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _rel(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b) / max(abs(b), 1e-12) if abs(a - b) > 1e-15 else 0.0


def bench_metrics(
    *,
    size: tuple[int, int] = (1920, 1080),
    images: str | Path | None = None,
    repeats: int = 5,
    seed: int = 0,
) -> MetricsPerfReport:
    """Time each metric (ours vs reference) and all four together; ratios = reference / ours."""
    if images is not None:
        cases = cases_from_folder(images)
        description = f"{len(cases)} image(s) from {images}, prediction = blurred GT"
    else:
        cases = [(f"synthetic {size[0]}x{size[1]}", synthetic_case(size, seed))]
        description = f"synthetic {size[0]}x{size[1]} soft object, seed {seed}"
    pairs = {
        "sad": (sad, ref_sad),
        "mse": (mse, ref_mse),
        "grad": (grad, ref_grad),
        "conn": (conn, ref_conn),
    }
    rows = []
    for _, case in cases:  # warm-up: Numba compilation / cache load, scipy imports
        compute_all(*case)
        ref_all(*case)
    for name, (ours, ref) in pairs.items():
        t_ours = sum(_best_time(lambda c=c, f=ours: f(*c), repeats) for _, c in cases)
        t_ref = sum(_best_time(lambda c=c, f=ref: f(*c), repeats) for _, c in cases)
        diff = max(_rel(ours(*c), ref(*c)) for _, c in cases)
        rows.append(
            {
                "metric": name,
                "ours_s": t_ours,
                "reference_s": t_ref,
                "ratio": t_ref / t_ours,
                "max_rel_diff": diff,
            }
        )
    t_ours = sum(_best_time(lambda c=c: compute_all(*c), repeats) for _, c in cases)
    t_ref = sum(_best_time(lambda c=c: ref_all(*c), repeats) for _, c in cases)
    diff = max(max(_rel(compute_all(*c)[k], v) for k, v in ref_all(*c).items()) for _, c in cases)
    rows.append(
        {
            "metric": "all four",
            "ours_s": t_ours,
            "reference_s": t_ref,
            "ratio": t_ref / t_ours,
            "max_rel_diff": diff,
        }
    )
    n_pixels = sum(c[2].size for _, c in cases)
    n_scored = sum(int(check_matting_inputs(*c).scored.shape[0]) for _, c in cases)
    return MetricsPerfReport(rows, len(cases), n_pixels, n_scored, description)
