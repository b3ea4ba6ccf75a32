"""MSE: mean squared alpha error over the scored region, raw scale (no ×/÷1000).

DIM MATLAB ``compute_mse_loss.m``: ``sum(((p − g)/255)² over unknown) / count(unknown)``. With no
unknown pixel MATLAB returns 0/0 = NaN; so do we (ports that return 0 hide the problem).

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> mse(pred, gt, tri)
    1.0
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from benchmark.metrics._checks import MattingInputs, Region, check_matting_inputs

__all__ = ["mse"]


@njit("i8(u1[::1], u1[::1], i4[::1])", cache=True, nogil=True)
def _mse_kernel(pred, gt, scored):
    total = 0
    for k in range(scored.shape[0]):
        i = scored[k]
        d = np.int64(pred[i]) - np.int64(gt[i])
        total += d * d
    return total


def _mse_update(inputs: MattingInputs) -> tuple[int, int]:
    """Sufficient statistics: (Σ(p−g)² in 8-bit levels², number of scored pixels)."""
    return _mse_kernel(inputs.pred.ravel(), inputs.gt.ravel(), inputs.scored), inputs.scored.shape[
        0
    ]


def _mse_compute(sq_sum: int, count: int) -> float:
    if count == 0:
        return math.nan
    return sq_sum / (255.0 * 255.0) / count


def mse(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """MSE of a uint8 prediction against uint8 GT, raw (multiply by 1e3 for "MSE ×10³" tables).

    Returns:
        mean of ((p − g)/255)² over the region; NaN when the region is empty.
    """
    return _mse_compute(*_mse_update(check_matting_inputs(pred, gt, trimap, region=region)))
