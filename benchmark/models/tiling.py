"""The tiled resolution policy: windows over the unknown band, run one by one, blended with
feathered weights (pixels outside the band are known and come from the trimap).

Example:
    >>> tile_windows((0, 100, 0, 40), (100, 40), 64, 16)
    [(0, 64, 0, 40), (36, 100, 0, 40)]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["unknown_bbox", "tile_windows", "feather", "run_tiled"]


def unknown_bbox(trimap: np.ndarray, margin: int = 0) -> tuple[int, int, int, int] | None:
    """``(y0, y1, x0, x1)`` (half-open) of the pixels that are not 0/255, grown by MARGIN.

    Example:
        >>> t = np.zeros((10, 10), np.uint8); t[4, 5] = 128
        >>> unknown_bbox(t), unknown_bbox(t, 2), unknown_bbox(np.zeros((3, 3), np.uint8))
        ((4, 5, 5, 6), (2, 7, 3, 8), None)
    """
    mask = (trimap != 0) & (trimap != 255)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return None
    h, w = trimap.shape
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return max(0, r0 - margin), min(h, r1 + margin), max(0, c0 - margin), min(w, c1 + margin)


def _starts(lo: int, hi: int, size: int, stride: int) -> list[int]:
    if hi - lo <= size:
        return [lo]
    starts = list(range(lo, hi - size, stride)) + [hi - size]
    return sorted(set(starts))


def tile_windows(box: tuple[int, int, int, int], shape: tuple[int, int], tile: int, overlap: int):
    """Windows ``(y0, y1, x0, x1)`` of at most TILE px covering BOX, overlapping by OVERLAP.

    Windows are grown to TILE px inside the image where the box is smaller, so the network
    always sees as much context as a tile allows.

    Example:
        >>> tile_windows((0, 100, 0, 40), (100, 40), 64, 16)
        [(0, 64, 0, 40), (36, 100, 0, 40)]
    """
    if overlap >= tile:
        raise ValueError(f"overlap ({overlap}) must be smaller than tile ({tile})")
    h, w = shape
    y0, y1, x0, x1 = box

    def grow(lo: int, hi: int, limit: int) -> tuple[int, int]:  # to ≥ one tile, centred, inside
        length = max(hi - lo, min(tile, limit))
        lo = max(0, min(lo - (length - (hi - lo)) // 2, limit - length))
        return lo, lo + length

    y0, y1 = grow(y0, y1, h)
    x0, x1 = grow(x0, x1, w)
    stride = tile - overlap
    ys = _starts(y0, y1, tile, stride)
    xs = _starts(x0, x1, tile, stride)
    return [(y, min(y + tile, y1), x, min(x + tile, x1)) for y in ys for x in xs]


def feather(h: int, w: int, overlap: int, edges: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """Blend weights of a tile: linear ramps over OVERLAP px on interior edges, 1 elsewhere."""

    def ramp(n, lo_inner, hi_inner):
        r = np.ones(n, np.float32)
        k = min(overlap, n // 2)
        if k > 0:
            up = (np.arange(k, dtype=np.float32) + 1) / (k + 1)
            if lo_inner:
                r[:k] = np.minimum(r[:k], up)
            if hi_inner:
                r[n - k :] = np.minimum(r[n - k :], up[::-1])
        return r

    top, bottom, left, right = edges
    return np.outer(ramp(h, top, bottom), ramp(w, left, right))


def run_tiled(
    forward: Callable, img, tri, trimap: np.ndarray, tile: int, overlap: int
) -> tuple[np.ndarray, int]:
    """Alpha from FORWARD(img_window, tri_window) -> float H×W over the tiles; and their count."""
    h, w = trimap.shape
    alpha = (trimap == 255).astype(np.float32)
    box = unknown_bbox(trimap, margin=overlap)
    if box is None:
        return alpha, 0
    windows = tile_windows(box, (h, w), tile, overlap)
    acc = np.zeros((h, w), np.float32)
    weight = np.zeros((h, w), np.float32)
    top, bottom = min(wd[0] for wd in windows), max(wd[1] for wd in windows)
    left, right = min(wd[2] for wd in windows), max(wd[3] for wd in windows)
    for y0, y1, x0, x1 in windows:
        out = forward(img[..., y0:y1, x0:x1], tri[..., y0:y1, x0:x1])
        edges = (y0 > top, y1 < bottom, x0 > left, x1 < right)
        wgt = feather(y1 - y0, x1 - x0, overlap, edges)
        acc[y0:y1, x0:x1] += out * wgt
        weight[y0:y1, x0:x1] += wgt
    covered = weight > 0
    alpha[covered] = acc[covered] / weight[covered]
    return alpha, len(windows)
