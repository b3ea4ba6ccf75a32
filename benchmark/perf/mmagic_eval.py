"""The speed baseline of ``mattebench perf eval``: a folder scored the way mmagic's evaluation tool
scores it, rebuilt here from its documented behaviour (reference/metrics_reference.md §3.1).

mmagic's stand-alone evaluator (``tools/dataset_converters/comp1k/evaluate_comp1k.py``, the same
code as mmediting 0.x ``mmedit/core/evaluation/metrics.py``) reads every file with OpenCV as
grey (``mmcv.imread(path, flag="grayscale")`` = ``cv2.imread(path, cv2.IMREAD_GRAYSCALE)``) and
computes the four metrics with NumPy and OpenCV, one image after the other:

* it refuses a prediction that is not 0 where trimap == 0 and 255 where trimap == 255;
* SAD = Σ|p − g| / 255 / 1000 and MSE = Σ(p − g)² / 255² / count(trimap == 128) over the
  **whole image** in float64 (MSE = 0 when no pixel is unknown);
* Grad: each image min-max stretched (``cv2.normalize(..., NORM_MINMAX)``) in float64, the 9×9
  L2-normalised Gaussian-derivative kernel σ = 1.4 applied by ``cv2.filter2D`` (correlation)
  with replicate borders, magnitudes cast to float32, Σ over trimap == 128 of the squared
  difference / 1000;
* Conn: float32 α, thresholds ``np.arange(0, 1.1, 0.1)``, the largest 4-connected component of
  the overlap from ``cv2.connectedComponentsWithStats`` (ties to the first label in row-major
  order), φ = 1 − d·[d ≥ 0.15], Σ over trimap == 128 of |φp − φg| / 1000.

This is a measured reference, not a metric of this package: its Grad/Conn differ from the DIM
MATLAB code (and so from ``benchmark.metrics``) by float precision and component-tie order, and
SAD/MSE equal ours only when the GT is exactly 0/255 on the known regions.

Example:
    >>> import numpy as np
    >>> g = np.zeros((8, 8), np.uint8); g[2:6, 2:6] = 255; g[2:6, 1] = 100
    >>> t = np.where(g == 255, 255, 0).astype(np.uint8); t[1:7, 0:3] = 128
    >>> p = g.copy(); p[3, 1] = 140
    >>> r = mmagic_metrics(p, g, t)
    >>> round(r["sad"] * 1000 * 255), round(r["mse"] * 255**2 * 18)
    (40, 1600)
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from human2k.progress import ProgressFn

__all__ = ["mmagic_kernel", "mmagic_metrics", "mmagic_read", "mmagic_eval"]

_SIGMA = 1.4


def mmagic_kernel(sigma: float = _SIGMA, epsilon: float = 1e-2) -> np.ndarray:
    """The x-derivative kernel: Gaussian(row) × Gaussian'(column), L2-normalised (9×9 at 1.4)."""
    half = np.ceil(sigma * np.sqrt(-2 * np.log(np.sqrt(2 * np.pi) * sigma * epsilon)))
    x = np.arange(-half, half + 1)
    g = np.exp(-(x**2) / (2 * sigma**2)) / (sigma * np.sqrt(2 * np.pi))
    dg = -x * g / sigma**2
    k = np.outer(g, dg)
    return k / np.sqrt((k**2).sum())


_KX = mmagic_kernel()
_KY = np.ascontiguousarray(_KX.T)


def _gradient_magnitude(img: np.ndarray) -> np.ndarray:
    gx = cv2.filter2D(img, -1, _KX, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.filter2D(img, -1, _KY, borderType=cv2.BORDER_REPLICATE)
    return np.sqrt(gx**2 + gy**2)


def _minmax(img: np.ndarray) -> np.ndarray:
    out = np.zeros_like(img)
    cv2.normalize(img, out, 1.0, 0.0, cv2.NORM_MINMAX)
    return out


def _grad(pred: np.ndarray, gt: np.ndarray, unknown: np.ndarray) -> float:
    g = _gradient_magnitude(_minmax(gt.astype(np.float64))).astype(np.float32)
    p = _gradient_magnitude(_minmax(pred.astype(np.float64))).astype(np.float32)
    return float(((g - p) ** 2 * unknown).sum()) / 1000


def _conn(pred: np.ndarray, gt: np.ndarray, unknown: np.ndarray, step: float = 0.1) -> float:
    a = gt.astype(np.float32) / 255
    p = pred.astype(np.float32) / 255
    thresholds = np.arange(0, 1 + step, step)
    level = -np.ones_like(a)
    for i in range(1, len(thresholds)):
        overlap = ((a >= thresholds[i]) & (p >= thresholds[i])).astype(np.uint8)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(overlap, connectivity=4)
        sizes = stats[1:, -1]
        omega = np.zeros_like(a)
        if len(sizes):
            omega[labels == np.argmax(sizes) + 1] = 1
        level[(level == -1) & (omega == 0)] = thresholds[i - 1]
    level[level == -1] = 1
    da, dp = a - level, p - level
    phi_a = 1 - da * (da >= 0.15)
    phi_p = 1 - dp * (dp >= 0.15)
    return float(np.sum(np.abs(phi_a - phi_p) * unknown)) / 1000


def mmagic_metrics(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray) -> dict[str, float]:
    """SAD, MSE, Grad, Conn of one image as mmagic's evaluation tool computes them.

    Raises:
        ValueError: the arrays are not 2-D, or the prediction is not forced to 0/255 on the
            known regions (mmagic refuses such predictions).
    """
    if pred.ndim != 2 or gt.ndim != 2 or trimap.ndim != 2:
        raise ValueError(f"expected H×W arrays, got {pred.shape}, {gt.shape}, {trimap.shape}")
    if (pred[trimap == 0] != 0).any() or (pred[trimap == 255] != 255).any():
        raise ValueError("pred_alpha should be masked by trimap before evaluation")
    g, p = gt.astype(np.float64) / 255, pred.astype(np.float64) / 255
    n_unknown = int((trimap == 128).sum())
    unknown = trimap == 128
    return {
        "sad": float(np.abs(p - g).sum()) / 1000,
        "mse": float(((p - g) ** 2).sum()) / n_unknown if n_unknown else 0.0,
        "grad": _grad(pred, gt, unknown),
        "conn": _conn(pred, gt, unknown),
    }


def mmagic_read(path: str | os.PathLike) -> np.ndarray:
    """``mmcv.imread(path, flag="grayscale")``: OpenCV's grey decode (RGB files are mixed to grey)."""
    img = cv2.imread(os.fspath(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError(f"{path}: OpenCV cannot read this image")
    return img


def mmagic_eval(
    triplets: Sequence[tuple[str, Path, Path, Path]],
    csv_path: str | os.PathLike,
    progress: ProgressFn | None = None,
) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Score (name, pred, gt, trimap) files one after the other in this process; write a CSV.

    Returns the per-image records and the time spent in each phase (``decode_s``,
    ``metrics_s``, ``write_s``; seconds of this process).
    """
    records: list[dict[str, float]] = []
    decode_s = metrics_s = 0.0
    for name, pred_path, gt_path, trimap_path in triplets:
        t0 = time.perf_counter()
        pred, gt, trimap = (mmagic_read(p) for p in (pred_path, gt_path, trimap_path))
        t1 = time.perf_counter()
        records.append({"image": name, **mmagic_metrics(pred, gt, trimap)})
        t2 = time.perf_counter()
        decode_s += t1 - t0
        metrics_s += t2 - t1
        if progress:
            progress("mmagic-style eval", len(records), len(triplets), name)
    t3 = time.perf_counter()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("image", "sad", "mse", "grad", "conn"))
    for r in records:
        writer.writerow([r["image"], *(f"{r[k]:.6g}" for k in ("sad", "mse", "grad", "conn"))])
    Path(csv_path).write_text(buf.getvalue(), encoding="utf-8")
    return records, {
        "decode_s": decode_s,
        "metrics_s": metrics_s,
        "write_s": time.perf_counter() - t3,
    }
