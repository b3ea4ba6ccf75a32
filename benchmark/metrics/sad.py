"""SAD: sum of absolute differences of alpha over the scored region, /1000.

DIM MATLAB ``compute_sad_loss.m``: ``sum(|single(p) - single(g)| / 255 over trimap==128) / 1000``.
We sum |p − g| as exact integers, so the only difference from MATLAB is its single-precision sum.
The sum is taken by the validator's one pass over the images (``_checks._scan_kernel``), which
reads each input once as uint8: SAD costs what reading the three images costs.

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> sad(pred, gt, tri)
    0.256
"""

from __future__ import annotations

from benchmark.metrics._checks import MattingInputs, Region, check_matting_inputs

__all__ = ["sad", "sad_update", "sad_compute"]


def sad_update(inputs: MattingInputs) -> tuple[int, int]:
    """Sufficient statistics: (Σ|p−g| in 8-bit levels, number of scored pixels)."""
    return inputs.abs_sum, inputs.n_scored


def sad_compute(abs_sum: int, count: int) -> float:
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
    return sad_compute(*sad_update(check_matting_inputs(pred, gt, trimap, region=region)))
