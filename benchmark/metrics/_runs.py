"""Conn's threshold levels and the horizontal runs of equal level, in one pass over the image.

A pixel's level is m = min(level(p), level(g)), the number of thresholds t_i = 0.1·i both its
prediction and its GT reach (single-precision α, as MATLAB). Runs are maximal horizontal
segments of equal m ≥ 1; pixels of level 0 are in no overlap and get no run.

Example:
    >>> import numpy as np
    >>> p = np.array([[0, 128, 128, 255, 255]], np.uint8)
    >>> row_start, x0, x1, lev = level_runs(p, p, level_bounds())
    >>> row_start.tolist(), x0.tolist(), x1.tolist(), lev.tolist()
    ([0, 2], [1, 3], [2, 4], [5, 10])
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["N_LEVELS", "threshold_levels", "level_bounds", "level_runs"]

N_LEVELS = 10  # thresholds 0.1, 0.2, ..., 1.0 (0 is the starting value of l)


def threshold_levels() -> np.ndarray:
    """For each 8-bit value k, how many thresholds t_i = 0.1·i (i = 1..10) single(k)/255 reaches.

    Computed exactly as MATLAB does: single-precision α compared with the thresholds, so k = 153
    (0.6 in single precision rounds up) passes 0.6.

    Example:
        >>> int(threshold_levels()[153]), int(threshold_levels()[152]), int(threshold_levels()[255])
        (6, 5, 10)
    """
    alpha = np.arange(256, dtype=np.float32) / np.float32(255)
    thresholds = np.arange(1, N_LEVELS + 1) / 10.0
    return (alpha.astype(np.float64)[:, None] >= thresholds[None, :]).sum(axis=1).astype(np.int8)


def level_bounds() -> np.ndarray:
    """The smallest 8-bit value of each level 1..10 (levels are monotone in the value), uint8.

    Example:
        >>> level_bounds().tolist()
        [26, 51, 77, 102, 128, 153, 179, 204, 230, 255]
    """
    levels = threshold_levels()
    return np.array([np.argmax(levels >= i) for i in range(1, N_LEVELS + 1)], np.uint8)


@njit("i4[::1](i4[::1], i8)", cache=True, nogil=True)
def _grown_i4(a, cap):
    out = np.empty(cap, np.int32)
    out[: a.shape[0]] = a
    return out


@njit("i1[::1](i1[::1], i8)", cache=True, nogil=True)
def _grown_i1(a, cap):
    out = np.empty(cap, np.int8)
    out[: a.shape[0]] = a
    return out


@njit(
    "Tuple((i4[::1], i4[::1], i4[::1], i1[::1]))(u1[:, ::1], u1[:, ::1], u1[::1])",
    cache=True,
    nogil=True,
)
def level_runs(pred, gt, bounds):
    """Runs of equal level ≥ 1, row-major: (row_start (H+1), first column, last column, level).
    The runs of row y are row_start[y]:row_start[y + 1].

    Per row, branch-free loops that vectorise: the levels (m = Σ_i [min(p, g) ≥ bounds[i]]),
    the change flags, and their positions (8 flags at a time, skipping words with none set).
    """
    h, w = pred.shape
    nwords = (w + 7) // 8
    level = np.zeros(w, np.int8)
    change = np.zeros(nwords * 8, np.uint8)
    words = change.view(np.uint64)
    cut = np.empty(w + 1, np.int32)
    cap = max(64, (h * w) // 8)
    x0 = np.empty(cap, np.int32)
    x1 = np.empty(cap, np.int32)
    lev = np.empty(cap, np.int8)
    row_start = np.empty(h + 1, np.int32)
    nr = 0
    for y in range(h):
        row_start[y] = nr
        if nr + w > cap:
            cap = max(2 * cap, nr + w)
            x0, x1, lev = _grown_i4(x0, cap), _grown_i4(x1, cap), _grown_i1(lev, cap)
        prow = pred[y]
        grow = gt[y]
        for x in range(w):
            level[x] = 0
        for i in range(bounds.shape[0]):
            b = bounds[i]
            for x in range(w):
                level[x] += min(prow[x], grow[x]) >= b
        change[0] = 1
        for x in range(1, w):
            change[x] = level[x] != level[x - 1]
        n = 0
        for k in range(nwords):
            if words[k] != 0:
                for x in range(8 * k, 8 * k + 8):  # write every position, keep the changes
                    cut[n] = x
                    n += change[x]
        cut[n] = w
        for i in range(n):
            start = cut[i]
            x0[nr] = start
            x1[nr] = cut[i + 1] - 1
            lev[nr] = level[start]
            nr += level[start] > 0
    row_start[h] = nr
    return row_start, x0[:nr], x1[:nr], lev[:nr]
