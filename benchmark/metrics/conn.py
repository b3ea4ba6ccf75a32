"""Conn: connectivity error, DIM MATLAB ``compute_connectivity_error.m`` (step 0.1, θ = 0.15), /1000.

Semantics (metrics_reference §2.4): α in single precision; for t_i = 0.1 … 1.0 the overlap
I_i = (P ≥ t_i) & (G ≥ t_i) over the whole image; Ω_i = its largest 4-connected component, ties
going to the first component in column-major order (MATLAB ``bwconncomp`` numbering); every
still-unassigned pixel outside Ω_i gets l = t_{i−1}; the rest l = 1. An empty overlap gives
Ω_i = ∅ (the GCA copy's rule, also mmagic's). d = α − l, φ = 1 − d·[d ≥ 0.15],
Conn = Σ_region |φ(P) − φ(G)| / 1000.

The overlaps are nested (I_10 ⊆ … ⊆ I_1), so one union-find pass adding pixels from the highest
level down yields the components of every level: after adding the pixels of level i, the sets
are exactly the components of I_i. The largest one (with the column-major tie rule) is tracked
incrementally while merging, and the scored pixels record, level by level, whether they belong
to it; the l-map then follows from those bits.

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

__all__ = ["conn", "threshold_levels", "N_LEVELS", "THETA"]

N_LEVELS = 10  # thresholds 0.1, 0.2, ..., 1.0 (0 is the starting value of l)
THETA = 0.15


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


_LEVELS = threshold_levels()
_L_VALUES = (np.arange(N_LEVELS + 1) / 10.0).astype(np.float32)  # l = t_{i-1} as single


@njit("i4(i4[::1], i8)", cache=True, nogil=True)
def _find(parent, node):
    """Root of NODE with path halving."""
    node = np.int32(node)
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


@njit("i4(i4[::1], i4[::1], i4[::1], i4, i8)", cache=True, nogil=True)
def _union(parent, size, first_cm, root, q):
    """Merge the component of Q into ROOT's (union by size); return the merged root."""
    rq = _find(parent, q)
    if rq == root:
        return root
    if size[rq] > size[root]:
        big, small = rq, root
    else:
        big, small = root, rq
    parent[small] = big
    size[big] += size[small]
    if first_cm[small] < first_cm[big]:
        first_cm[big] = first_cm[small]
    return big


@njit(
    "f8(u1[:, ::1], u1[:, ::1], i4[::1], i1[::1], f4[::1], f8)",
    cache=True,
    nogil=True,
)
def _conn_kernel(pred, gt, scored, levels, l_values, theta):
    h, w = pred.shape
    n = h * w
    nlev = l_values.shape[0] - 1
    # m = min(level(p), level(g)); bucket pixels by m (counting sort, descending levels)
    m = np.empty(n, np.int8)
    counts = np.zeros(nlev + 2, np.int64)
    inside = np.empty(n, np.int32)  # pixels with m >= 1 (level 0 never joins a component)
    n_inside = 0
    for y in range(h):
        for x in range(w):
            lv = min(levels[pred[y, x]], levels[gt[y, x]])
            m[y * w + x] = lv
            counts[lv] += 1
            if lv > 0:
                inside[n_inside] = y * w + x
                n_inside += 1
    starts = np.zeros(nlev + 2, np.int64)
    for lv in range(1, nlev + 2):
        starts[lv] = starts[lv - 1] + counts[lv - 1]
    order = np.empty(n_inside, np.int32)
    fill = starts - counts[0]
    for k in range(n_inside):
        p = inside[k]
        lv = m[p]
        order[fill[lv]] = p
        fill[lv] += 1

    # scored pixels sorted by m, highest first: at level lv only the prefix with m >= lv can
    # lie in Omega_lv; for each, a bit set of the levels at which it does
    n_scored = scored.shape[0]
    scored_counts = np.zeros(nlev + 1, np.int64)
    for k in range(n_scored):
        scored_counts[m[scored[k]]] += 1
    scored_from = np.zeros(nlev + 2, np.int64)  # scored_by_m[scored_from[lv]:] have m < lv
    for lv in range(nlev, -1, -1):
        scored_from[lv] = scored_from[lv + 1] + scored_counts[lv]
    scored_by_m = np.empty(n_scored, np.int32)  # pixel indices
    slot = scored_from[1:].copy()
    for k in range(n_scored):
        lv = m[scored[k]]
        scored_by_m[slot[lv]] = scored[k]
        slot[lv] += 1
    in_omega = np.zeros(n_scored, np.int32)

    # Pixels are added level by level, each level's pixels in row-major order, as horizontal
    # runs: a run's pixels point at its first pixel, then the run is merged with the present
    # neighbours around it. A pixel q is present at level lv when m[q] > lv, or m[q] == lv and
    # it comes before the run in row-major order (the row above, or the left neighbour).
    parent = np.empty(n, np.int32)
    size = np.empty(n, np.int32)
    first_cm = np.empty(n, np.int32)  # smallest column-major index in the component
    best = -1
    best_size = 0
    best_cm = 0

    for lv in range(nlev, 0, -1):
        k = starts[lv] - counts[0]
        k_end = k + counts[lv]
        while k < k_end:
            head = order[k]
            y = head // w
            xa = head - y * w
            run = 1
            while k + run < k_end and order[k + run] == head + run and xa + run < w:
                run += 1
            xb = xa + run - 1
            for q in range(head, head + run):
                parent[q] = head
            size[head] = run
            first_cm[head] = xa * h + y
            root = head
            if xa > 0 and m[head - 1] > lv:
                root = _union(parent, size, first_cm, root, head - 1)
            if xb < w - 1 and m[head + run] > lv:
                root = _union(parent, size, first_cm, root, head + run)
            if y > 0:  # row above: present when m >= lv; one union per present segment
                q0 = head - w
                for x in range(run):
                    q = q0 + x
                    if m[q] >= lv and (x == 0 or m[q - 1] < lv):
                        root = _union(parent, size, first_cm, root, q)
            if y < h - 1:  # row below: present when m > lv
                q0 = head + w
                for x in range(run):
                    q = q0 + x
                    if m[q] > lv and (x == 0 or m[q - 1] <= lv):
                        root = _union(parent, size, first_cm, root, q)
            # the largest component so far (ties: first in column-major order); a component
            # only grows, and a merge makes a strictly larger one, so this stays exact
            if size[root] > best_size or (size[root] == best_size and first_cm[root] < best_cm):
                best = root
                best_size = size[root]
                best_cm = first_cm[root]
            k += run
        if best_size == 0:
            continue  # empty overlap: Omega_lv is empty (GCA copy)
        best = _find(parent, best)
        for j in range(scored_from[lv]):
            if _find(parent, scored_by_m[j]) == best:
                in_omega[j] |= 1 << lv

    total = 0.0
    for j in range(n_scored):
        p = scored_by_m[j]
        bits = in_omega[j]
        assigned = nlev  # l = 1 unless the pixel leaves the main region earlier
        for lv in range(1, nlev + 1):
            if not (bits >> lv) & 1:
                assigned = lv - 1
                break
        l_val = l_values[assigned]
        y = p // w
        x = p - y * w
        a_p = np.float32(pred[y, x]) / np.float32(255.0)
        a_g = np.float32(gt[y, x]) / np.float32(255.0)
        d_p = a_p - l_val
        d_g = a_g - l_val
        phi_p = np.float32(1.0) - (d_p if d_p >= theta else np.float32(0.0))
        phi_g = np.float32(1.0) - (d_g if d_g >= theta else np.float32(0.0))
        total += abs(float(phi_p - phi_g))
    return total


def _conn_update(inputs: MattingInputs) -> float:
    """Sufficient statistic: Σ|φ(P) − φ(G)| over the region (before /1000)."""
    return _conn_kernel(inputs.pred, inputs.gt, inputs.scored, _LEVELS, _L_VALUES, THETA)


def _conn_compute(total: float) -> float:
    return total / 1000.0


def conn(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """Connectivity error (DIM MATLAB semantics, GCA empty-overlap rule), /1000."""
    return _conn_compute(_conn_update(check_matting_inputs(pred, gt, trimap, region=region)))
