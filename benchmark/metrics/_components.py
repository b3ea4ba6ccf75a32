"""Conn's connected components of every threshold in one union-find pass.

For thresholds t_i = 0.1·i (i = 1..10) the overlaps I_i = (P ≥ t_i) & (G ≥ t_i) are nested
(I_10 ⊆ … ⊆ I_1): a pixel is in I_i exactly when its level m = min(level(p), level(g)) ≥ i.
So one union-find that adds pixels from the highest level down holds the 4-connected components
of I_i right after level i was added: O(N α(N)) for all ten thresholds, instead of one labelling
of the image per threshold.

The nodes are horizontal runs of equal level (``_runs.level_runs``): every pixel of a run lies in
the same component at every level, and a set's size and first pixel in column-major order
(MATLAB's tie rule) follow from its runs. The edges join runs that touch (side by side in a row,
or overlapping columns in adjacent rows); an edge is present from level min(m_a, m_b) down. Edges
are bucketed by that level with a counting sort (ten levels, no comparison sort) and merged
level by level, highest first.

MATLAB gives a pixel l = t_{i−1} at the first i where it is outside Ω_i, the largest component
of I_i: l = t_j for the longest run of levels 1..j at which the pixel is in Ω. That needs no
further pass over the image: every union-find link (a root hung under another root at level a)
is also kept, with a, in a second parent array that path halving does not change. A run v hung
under u at level a is in Ω_j for j ≤ a exactly when u is (they are one set there); for
a < j ≤ m_v it is its set's root, so it is in Ω_j exactly when it is Ω_j's root. Replaying the
links newest first (parents before children) gives every run's j in O(R).

Example:
    >>> import numpy as np
    >>> from benchmark.metrics._runs import level_bounds, level_runs
    >>> a = np.array([[255, 255, 0, 255]], np.uint8)
    >>> row_start, x0, x1, lev = level_runs(a, a, level_bounds())
    >>> x0.tolist(), x1.tolist(), main_region_depth(row_start, x0, x1, lev, 10).tolist()
    ([0, 3], [1, 3], [10, 0])
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["main_region_depth"]


@njit("i4(i4[::1], i4)", cache=True, nogil=True)
def _find(parent, node):
    """Root of NODE, halving the path."""
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


@njit(
    "Tuple((i4[::1], i4[::1], i1[::1]))(i4[::1], i4[::1], i4[::1], i1[::1], b1[::1])",
    cache=True,
    nogil=True,
)
def _edges(row_start, x0, x1, lev, joined):
    """Pairs of touching runs and the level from which both are present (min of theirs), in
    row-major order: side by side in a row, and overlapping columns in adjacent rows. JOINED[r]
    is set when run r has an edge at its own level (it joins a set as soon as it appears)."""
    nr = x0.shape[0]
    ea = np.empty(3 * nr + 1, np.int32)
    eb = np.empty(3 * nr + 1, np.int32)
    el = np.empty(3 * nr + 1, np.int8)
    ne = 0
    h = row_start.shape[0] - 1
    for y in range(h):
        a, b = row_start[y], row_start[y + 1]
        for r in range(a, b - 1):  # branch-free: write, then keep it when the runs touch
            m = min(lev[r], lev[r + 1])
            keep = x1[r] + 1 == x0[r + 1]
            ea[ne], eb[ne], el[ne] = r, r + 1, m
            joined[r] |= keep & (lev[r] == m)
            joined[r + 1] |= keep & (lev[r + 1] == m)
            ne += keep
        if y > 0:  # merge the runs of the row above with this row's, by last column
            i, j = row_start[y - 1], a
            while i < a and j < b:
                m = min(lev[i], lev[j])
                keep = (x0[i] <= x1[j]) & (x0[j] <= x1[i])
                ea[ne], eb[ne], el[ne] = i, j, m
                joined[i] |= keep & (lev[i] == m)
                joined[j] |= keep & (lev[j] == m)
                ne += keep
                step_i = x1[i] <= x1[j]
                j += x1[j] <= x1[i]
                i += step_i
    return ea[:ne], eb[:ne], el[:ne]


@njit("i8[::1](i1[::1], i8)", cache=True, nogil=True)
def _bucket_starts(keys, nlev):
    """Buckets of KEYS (levels 1..NLEV) sorted highest level first: level lv's bucket is
    starts[lv + 1]:starts[lv]."""
    counts = np.zeros(nlev + 2, np.int64)
    for k in range(keys.shape[0]):
        counts[keys[k]] += 1
    starts = np.zeros(nlev + 2, np.int64)
    for lv in range(nlev, 0, -1):
        starts[lv] = starts[lv + 1] + counts[lv]
    return starts


@njit("Tuple((i4[::1], i4[::1]))(i4[::1], i4[::1], i1[::1], i8[::1])", cache=True, nogil=True)
def _sorted_by_level(ea, eb, el, starts):
    """The pairs (EA, EB) grouped by level EL, highest first, in their order inside a level."""
    fill = starts.copy()
    sa = np.empty(ea.shape[0], np.int32)
    sb = np.empty(ea.shape[0], np.int32)
    for k in range(ea.shape[0]):
        slot = fill[el[k] + 1]
        sa[slot] = ea[k]
        sb[slot] = eb[k]
        fill[el[k] + 1] = slot + 1
    return sa, sb


@njit("i1(i4[::1], i4, i8, i8)", cache=True, nogil=True)
def _own_depth(omega_root, node, start, stop):
    """START plus the number of consecutive levels START+1, START+2, … ≤ STOP at which NODE is
    Omega's root."""
    j = start
    while j < stop and omega_root[j + 1] == node:
        j += 1
    return np.int8(j)


@njit("i1[::1](i4[::1], i4[::1], i4[::1], i1[::1], i8)", cache=True, nogil=True)
def main_region_depth(row_start, x0, x1, lev, nlev):
    """Per run (``_runs.level_runs``), its depth j: the run is in Ω_1 … Ω_j (the largest
    4-connected component of each overlap, column-major ties; Ω = ∅ for an empty overlap) and not
    in Ω_{j+1}, so MATLAB's l-map is t_j there (l = 1 for j = 10; pixels in no run get l = 0).

    Args:
        row_start, x0, x1, lev: the runs, row-major (the image has row_start.size - 1 rows).
        nlev: the number of thresholds (10).
    """
    h = row_start.shape[0] - 1
    nr = x0.shape[0]
    joined = np.zeros(nr, np.bool_)
    ea, eb, el = _edges(row_start, x0, x1, lev, joined)
    edge_starts = _bucket_starts(el, nlev)
    ea, eb = _sorted_by_level(ea, eb, el, edge_starts)

    parent = np.empty(nr, np.int32)
    size = np.empty(nr, np.int32)
    first_cm = np.empty(nr, np.int32)  # smallest column-major index of the set's pixels
    for y in range(h):
        for r in range(row_start[y], row_start[y + 1]):
            parent[r] = r
            size[r] = x1[r] - x0[r] + 1
            first_cm[r] = x0[r] * h + y
    # the largest run of each level with no edge at its level: a set of its own at that level
    alone = np.full(nlev + 1, -1, np.int32)
    for r in range(nr):
        a = alone[lev[r]]
        if not joined[r] and (
            a < 0 or size[r] > size[a] or (size[r] == size[a] and first_cm[r] < first_cm[a])
        ):
            alone[lev[r]] = r
    tree_parent = parent.copy()  # the links as made, never shortened
    link_level = np.zeros(nr, np.int8)
    linked = np.empty(nr, np.int32)  # hung roots, oldest first
    n_linked = 0
    omega_root = np.full(nlev + 2, -1, np.int32)  # root of Omega_i at the end of level i
    best = np.int32(-1)
    best_size = 0
    best_cm = 0
    for lv in range(nlev, 0, -1):
        for k in range(edge_starts[lv + 1], edge_starts[lv]):
            a, b = ea[k], eb[k]
            if parent[a] == parent[b]:  # already one set, seen without a find (the usual case)
                continue
            ra = _find(parent, a)
            rb = _find(parent, b)
            if ra == rb:
                continue
            big, small = (rb, ra) if size[rb] > size[ra] else (ra, rb)
            parent[small] = big
            size[big] += size[small]
            first_cm[big] = min(first_cm[big], first_cm[small])
            tree_parent[small] = big
            link_level[small] = lv
            linked[n_linked] = small
            n_linked += 1
            # sets only grow and a merge makes a strictly larger one, so the running best is
            # the largest set, ties to the smallest first column-major index
            if size[big] > best_size or (size[big] == best_size and first_cm[big] < best_cm):
                best, best_size, best_cm = big, size[big], first_cm[big]
        r = alone[lv]
        if r >= 0 and (size[r] > best_size or (size[r] == best_size and first_cm[r] < best_cm)):
            best, best_size, best_cm = r, size[r], first_cm[r]
        if best >= 0:  # else the overlap is empty: Omega_lv = {} (GCA copy)
            best = _find(parent, best)
            omega_root[lv] = best
    # depth of every run, parents before children: roots first, then links newest first
    depth = np.zeros(nr, np.int8)
    for r in range(nr):
        if tree_parent[r] == r:
            depth[r] = _own_depth(omega_root, r, 0, lev[r])
    for k in range(n_linked - 1, -1, -1):
        v = linked[k]
        a = link_level[v]
        d = depth[tree_parent[v]]
        depth[v] = d if d < a else _own_depth(omega_root, v, a, lev[v])
    return depth
