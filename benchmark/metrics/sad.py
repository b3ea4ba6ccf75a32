"""SAD: sum of absolute differences of alpha over the scored region, /1000.

DIM MATLAB ``compute_sad_loss.m``: ``sum(|single(p) - single(g)| / 255 over trimap==128) / 1000``.
We sum |p − g| as exact integers, so the only difference from MATLAB is its single-precision sum.

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> sad(pred, gt, tri)
    0.256
"""

from __future__ import annotations

import numpy as np
from numba import njit

from benchmark.metrics._checks import MattingInputs, Region, check_matting_inputs

__all__ = ["sad"]


@njit("i8(u1[::1], u1[::1], i4[::1])", cache=True, nogil=True)
def _sad_kernel(pred, gt, scored):
    total = 0
    for k in range(scored.shape[0]):
        i = scored[k]
        d = np.int64(pred[i]) - np.int64(gt[i])
        total += d if d >= 0 else -d
    return total


def _sad_update(inputs: MattingInputs) -> tuple[int, int]:
    """Sufficient statistics: (Σ|p−g| in 8-bit levels, number of scored pixels)."""
    return _sad_kernel(inputs.pred.ravel(), inputs.gt.ravel(), inputs.scored), inputs.scored.shape[
        0
    ]


def _sad_compute(abs_sum: int, count: int) -> float:
    return abs_sum / 255.0 / 1000.0


def sad(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """SAD of a uint8 prediction against uint8 GT, in the DIM scale (/1000).

    Args:
        pred, gt: uint8 H×W alpha mattes (0..255).
        trimap: uint8 H×W, values {0, 128, 255}.
        region: ``"unknown"`` (trimap == 128, DIM) or ``"whole"``.

    Returns:
        Σ|p − g|/255 over the region, divided by 1000.
    """
    return _sad_compute(*_sad_update(check_matting_inputs(pred, gt, trimap, region=region)))
