"""Speed of the Numba metrics against the NumPy/SciPy reference, measured in the same run.

Each case is timed on one thread after a warm-up call (Numba compilation and caches excluded);
each timing is the best of ``repeats`` consecutive runs, the implementations of a metric one
after the other in the same process. Beside the
reference, SAD and MSE are timed against the obvious vectorised NumPy expression, and every
metric against a floor: the bytes it must read (pred, gt and trimap, once) over this machine's
memory bandwidth, measured in the same run by summing a 256 MB array.

Example:
    >>> report = bench_metrics(size=(64, 48), repeats=1)
    >>> sorted(report.rows[0])
    ['floor_s', 'max_rel_diff', 'metric', 'numpy_ratio', 'numpy_s', 'ours_s', 'ratio', 'reference_s']
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import ndimage

from benchmark.metrics import conn, grad, mse, sad
from benchmark.metrics.accumulator import compute_all
from benchmark.metrics.reference import ref_all, ref_conn, ref_grad, ref_mse, ref_sad

__all__ = [
    "synthetic_case",
    "cases_from_folder",
    "memory_bandwidth",
    "bench_metrics",
    "MetricsPerfReport",
]

TRIMAP_DIRS = ("trimaps", "trimap", "trimap1", "trimap2", "trimap3")


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


def _plausible_prediction(gt: np.ndarray, trimap: np.ndarray, seed: int) -> np.ndarray:
    """GT blurred (σ = 2 px) plus smooth noise (σ ≈ 8 levels), rounded, forced to 0/255 on the
    known regions: deterministic for a given SEED."""
    rng = np.random.default_rng(seed)
    noise = ndimage.gaussian_filter(rng.normal(0, 24, gt.shape), 2)
    pred = np.clip(np.round(ndimage.gaussian_filter(gt.astype(np.float64), 2) + noise), 0, 255)
    pred = pred.astype(np.uint8)
    pred[trimap == 0] = 0
    pred[trimap == 255] = 255
    return pred


def cases_from_folder(
    folder: str | Path, *, size: tuple[int, int] | None = None, limit: int = 5, seed: int = 0
):
    """Cases from a folder with ``alpha/`` and one or more trimap folders (``trimaps/``,
    ``trimap1/``, ``trimap2/`` …): the first LIMIT GT images, each with every trimap it has.

    With SIZE (W, H) the GT is resized bilinearly and the trimap with nearest neighbour (its
    values stay {0, 128, 255}); the prediction is ``_plausible_prediction`` of the GT, seeded
    from SEED and the case name. Returns ``[(name, (pred, gt, trimap)), ...]``.
    """
    from PIL import Image

    from human2k.images import read_alpha, read_trimap

    folder = Path(folder)
    trimap_dirs = [folder / d for d in TRIMAP_DIRS if (folder / d).is_dir()]
    if not trimap_dirs or not (folder / "alpha").is_dir():
        raise FileNotFoundError(
            f"{folder}: expected alpha/ and trimaps/ (or trimap1/, trimap2/) inside"
        )
    cases = []
    for alpha_path in sorted((folder / "alpha").glob("*.png"))[:limit]:
        gt_native = read_alpha(alpha_path)
        for trimap_dir in trimap_dirs:
            if not (trimap_dir / alpha_path.name).is_file():
                continue
            gt = gt_native
            trimap = read_trimap(trimap_dir / alpha_path.name)
            if size is not None:
                gt = np.array(Image.fromarray(gt).resize(size, Image.Resampling.BILINEAR))
                trimap = np.array(Image.fromarray(trimap).resize(size, Image.Resampling.NEAREST))
            name = f"{alpha_path.stem}/{trimap_dir.name}"
            pred = _plausible_prediction(gt, trimap, seed + zlib.crc32(name.encode()))
            cases.append((name, (pred, gt, trimap)))
    return cases


def memory_bandwidth(megabytes: int = 256, repeats: int = 3) -> float:
    """Bytes per second this machine reads from memory on one thread: best time to sum an array
    of MEGABYTES (too large for any cache), NumPy's vectorised float64 reduction."""
    data = np.ones(megabytes * 2**20 // 8)
    best = _best_times({"sum": data.sum}, repeats)["sum"]
    return data.nbytes / best


def numpy_sad(pred, gt, trimap) -> float:
    """SAD as the obvious vectorised NumPy expression (the "NumPy" column)."""
    return float(np.abs(pred.astype(np.float64) - gt)[trimap == 128].sum() / 255 / 1000)


def numpy_mse(pred, gt, trimap) -> float:
    """MSE as the obvious vectorised NumPy expression (the "NumPy" column)."""
    e = (pred.astype(np.float64) - gt)[trimap == 128] / 255
    return float(np.mean(e * e)) if e.size else math.nan


@dataclasses.dataclass
class MetricsPerfReport:
    """Per-metric rows (seconds summed over the cases) and a total row; per-case rows with each
    metric's speed-up over the reference; the measured bandwidth (bytes/s); the setup."""

    rows: list[dict]
    case_rows: list[dict]
    bandwidth: float
    n_cases: int
    n_pixels: int
    n_scored: int
    description: str


def _best_times(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Best wall time of each function over REPEATS consecutive runs of it (so each one is timed
    in its own steady state: the reference's large temporaries do not evict our inputs)."""
    best = {}
    for name, fn in fns.items():
        best[name] = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _rel(a: float, b: float) -> float:
    if math.isnan(a) and math.isnan(b):
        return 0.0
    return abs(a - b) / max(abs(b), 1e-12) if abs(a - b) > 1e-15 else 0.0


IMPLEMENTATIONS = {
    "sad": (sad, ref_sad, numpy_sad),
    "mse": (mse, ref_mse, numpy_mse),
    "grad": (grad, ref_grad, None),
    "conn": (conn, ref_conn, None),
    "all four": (compute_all, ref_all, None),
}


def _time_case(case, repeats: int) -> dict[str, dict]:
    """Per metric: best times of ours / reference / NumPy and the largest relative difference."""
    out = {}
    for metric, (ours, ref, numpy_fn) in IMPLEMENTATIONS.items():
        fns = {"ours": functools.partial(ours, *case), "reference": functools.partial(ref, *case)}
        if numpy_fn is not None:
            fns["numpy"] = functools.partial(numpy_fn, *case)
        # warm-up (Numba cache load, SciPy imports); its results are the ones compared
        results = {name: fn() for name, fn in fns.items()}
        times = _best_times(fns, repeats)
        mine, theirs = results["ours"], results["reference"]
        if metric == "all four":
            diff = max(_rel(mine[k], v) for k, v in theirs.items())
        else:
            diff = _rel(mine, theirs)
        out[metric] = {**times, "max_rel_diff": diff}
    return out


def bench_metrics(
    *,
    size: tuple[int, int] | None = (1920, 1080),
    images: str | Path | None = None,
    limit: int = 5,
    repeats: int = 5,
    seed: int = 0,
) -> MetricsPerfReport:
    """Time each metric (ours, reference, NumPy) and all four together, per case and summed;
    ratios are reference / ours and NumPy / ours. SIZE (W, H) is the synthetic case's size, or
    the size real IMAGES are resized to (None: their own size)."""
    if images is not None:
        cases = cases_from_folder(images, size=size, limit=limit, seed=seed)
        scaled = f" resized to {size[0]}x{size[1]}" if size else ""
        description = f"{len(cases)} case(s) from {images}{scaled}, prediction = blurred + noisy GT"
    else:
        size = size or (1920, 1080)
        cases = [(f"synthetic {size[0]}x{size[1]}", synthetic_case(size, seed))]
        description = f"synthetic {size[0]}x{size[1]} soft object, seed {seed}"
    bandwidth = memory_bandwidth()
    totals = {
        m: {"ours": 0.0, "reference": 0.0, "numpy": 0.0, "floor": 0.0, "diff": 0.0}
        for m in IMPLEMENTATIONS
    }
    case_rows = []
    for name, case in cases:
        timed = _time_case(case, repeats)
        floor = 3 * case[2].size / bandwidth  # pred, gt and trimap read once, uint8
        unknown = float(np.mean(case[2] == 128))
        case_rows.append(
            {
                "case": name,
                "size": f"{case[2].shape[1]}x{case[2].shape[0]}",
                "unknown": unknown,
                **{f"{m}_ratio": t["reference"] / t["ours"] for m, t in timed.items()},
                "all_ours_s": timed["all four"]["ours"],
            }
        )
        for metric, t in timed.items():
            acc = totals[metric]
            acc["ours"] += t["ours"]
            acc["reference"] += t["reference"]
            acc["numpy"] += t.get("numpy", math.nan)
            acc["floor"] += floor
            acc["diff"] = max(acc["diff"], t["max_rel_diff"])
    rows = [
        {
            "metric": metric,
            "ours_s": acc["ours"],
            "reference_s": acc["reference"],
            "numpy_s": acc["numpy"],
            "floor_s": acc["floor"],
            "ratio": acc["reference"] / acc["ours"],
            "numpy_ratio": acc["numpy"] / acc["ours"],
            "max_rel_diff": acc["diff"],
        }
        for metric, acc in totals.items()
    ]
    n_pixels = sum(c[2].size for _, c in cases)
    n_scored = sum(int(np.count_nonzero(c[2] == 128)) for _, c in cases)
    return MetricsPerfReport(
        rows, case_rows, bandwidth, len(cases), n_pixels, n_scored, description
    )
