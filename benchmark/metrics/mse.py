"""MSE: mean squared alpha error over the scored region, raw scale (no ×/÷1000).

DIM MATLAB ``compute_mse_loss.m``: ``sum(((p − g)/255)² over unknown) / count(unknown)``. With no
unknown pixel MATLAB returns 0/0 = NaN; so do we (ports that return 0 hide the problem).
Σ(p − g)² is summed as exact integers by the validator's one pass (``_checks._scan_kernel``).

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

from benchmark.metrics._checks import MattingInputs, Region, check_matting_inputs

__all__ = ["mse", "mse_update", "mse_compute"]


def mse_update(inputs: MattingInputs) -> tuple[int, int]:
    """Sufficient statistics: (Σ(p−g)² in 8-bit levels², number of scored pixels)."""
    return inputs.sq_sum, inputs.n_scored


def mse_compute(sq_sum: int, count: int) -> float:
    if count == 0:
        return math.nan
    return sq_sum / (255.0 * 255.0) / count


def mse(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """MSE of a uint8 prediction against uint8 GT, raw (multiply by 1e3 for "MSE ×10³" tables).

    Returns:
        mean of ((p − g)/255)² over the region; NaN when the region is empty.
    """
    return mse_compute(*mse_update(check_matting_inputs(pred, gt, trimap, region=region)))
