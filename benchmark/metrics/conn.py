"""Conn: connectivity error, DIM MATLAB ``compute_connectivity_error.m`` (step 0.1, θ = 0.15), /1000.

Semantics (metrics_reference §2.4): α in single precision; for t_i = 0.1 … 1.0 the overlap
I_i = (P ≥ t_i) & (G ≥ t_i) over the whole image; Ω_i = its largest 4-connected component, ties
going to the first component in column-major order (MATLAB ``bwconncomp`` numbering); every
still-unassigned pixel outside Ω_i gets l = t_{i−1}; the rest l = 1. An empty overlap gives
Ω_i = ∅ (the GCA copy's rule, also mmagic's). d = α − l, φ = 1 − d·[d ≥ 0.15],
Conn = Σ_region |φ(P) − φ(G)| / 1000.

The components of all ten overlaps come from one union-find pass over runs of pixels bucketed
by level (``_components.main_region_depth``, O(N α(N)), no labelling per threshold); it returns,
per run, the last threshold at which the run is still in the main region, which is the l-map.
φ is tabulated for the 11 values of l × 256 values of α (single precision, as MATLAB), so the
last pass over the scored pixels is two table reads per pixel.

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> conn(pred, gt, tri)
    0.256
"""

from __future__ import annotations

import numpy as np
from numba import njit

from benchmark.metrics._checks import MattingInputs, Region, check_matting_inputs
from benchmark.metrics._components import main_region_depth
from benchmark.metrics._runs import N_LEVELS, level_bounds, level_runs, threshold_levels

__all__ = [
    "conn",
    "conn_update",
    "conn_compute",
    "threshold_levels",
    "phi_table",
    "N_LEVELS",
    "THETA",
]

THETA = 0.15


def phi_table(theta: float = THETA) -> np.ndarray:
    """φ(k, l) = 1 − d·[d ≥ θ] with d = single(k)/255 − l, for l = t_j (j = 0..10) and k = 0..255:
    float32 (N_LEVELS + 1)×256, computed in single precision as MATLAB does.

    Example:
        >>> phi = phi_table()
        >>> float(phi[0, 0]), round(float(phi[0, 255]), 6), float(phi[10, 255])
        (1.0, 0.0, 1.0)
    """
    alpha = np.arange(256, dtype=np.float32) / np.float32(255)
    l_values = (np.arange(N_LEVELS + 1) / 10.0).astype(np.float32)  # l = t_j as single
    d = alpha[None, :] - l_values[:, None]
    return np.where(d >= theta, np.float32(1) - d, np.float32(1)).astype(np.float32)


@njit("f8(f4[:, ::1], i1, u1, u1, u1)", cache=True, nogil=True)
def _phi_diff(phi, j, p, g, scored):
    """|φ(p, t_j) − φ(g, t_j)| in single precision, 0 when not SCORED (branch-free)."""
    e = abs(phi[j, p] - phi[j, g])
    return float(e) if scored else 0.0


_BOUNDS = level_bounds()
_PHI = phi_table()


@njit(
    "f8(u1[:, ::1], u1[:, ::1], u1[:, ::1], b1, i4[::1], i4[::1], i4[::1], i1[::1], f4[:, ::1])",
    cache=True,
    nogil=True,
)
def _conn_kernel(pred, gt, trimap, whole, row_start, x0, x1, depth, phi):
    """Σ_region |φ(P) − φ(G)| with l = t_depth on the runs and 0 elsewhere."""
    h, w = pred.shape
    nwords = (w + 7) // 8
    l_row = np.zeros(nwords * 8, np.int8)  # depth j of each pixel of the row: l = t_j
    scored = np.zeros(nwords * 8, np.uint8)
    words = scored.view(np.uint64)
    total = 0.0
    for y in range(h):
        prow = pred[y]
        grow = gt[y]
        trow = trimap[y]
        for x in range(w):
            scored[x] = whole or trow[x] == 128
        l_row[:w] = 0
        for r in range(row_start[y], row_start[y + 1]):
            l_row[x0[r] : x1[r] + 1] = depth[r]
        # 8 pixels at a time, skipping those with no scored pixel; |φ(P) − φ(G)| in single
        # precision (as MATLAB), summed in double, in four sums so the adds overlap
        s0 = s1 = s2 = s3 = 0.0
        for k in range(w // 8):
            if words[k] != 0:
                for x in range(8 * k, 8 * k + 8, 4):
                    s0 += _phi_diff(phi, l_row[x], prow[x], grow[x], scored[x])
                    s1 += _phi_diff(phi, l_row[x + 1], prow[x + 1], grow[x + 1], scored[x + 1])
                    s2 += _phi_diff(phi, l_row[x + 2], prow[x + 2], grow[x + 2], scored[x + 2])
                    s3 += _phi_diff(phi, l_row[x + 3], prow[x + 3], grow[x + 3], scored[x + 3])
        for x in range(w // 8 * 8, w):
            s0 += _phi_diff(phi, l_row[x], prow[x], grow[x], scored[x])
        total += (s0 + s1) + (s2 + s3)
    return total


def conn_update(inputs: MattingInputs) -> float:
    """Sufficient statistic: Σ|φ(P) − φ(G)| over the region (before /1000)."""
    if inputs.n_scored == 0:
        return 0.0  # nothing to sum: skip the filtering / the components
    # three kernels called from Python, so that each one's Numba cache follows its own file
    # (a cached kernel does not notice when a kernel it calls in another file changes)
    row_start, x0, x1, lev = level_runs(inputs.pred, inputs.gt, _BOUNDS)
    depth = main_region_depth(row_start, x0, x1, lev, N_LEVELS)
    whole = inputs.region == "whole"
    return _conn_kernel(
        inputs.pred, inputs.gt, inputs.trimap, whole, row_start, x0, x1, depth, _PHI
    )


def conn_compute(total: float) -> float:
    return total / 1000.0


def conn(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """Connectivity error (DIM MATLAB semantics, GCA empty-overlap rule), /1000."""
    return conn_compute(conn_update(check_matting_inputs(pred, gt, trimap, region=region)))
