"""The one validator every metric calls: shapes, dtypes, trimap values; the same pass sums
SAD's and MSE's statistics over the region.

Example:
    >>> import numpy as np
    >>> a = np.zeros((2, 2), np.uint8); t = np.full((2, 2), 128, np.uint8)
    >>> inputs = check_matting_inputs(a, np.full((2, 2), 3, np.uint8), t)
    >>> inputs.n_scored, inputs.abs_sum, inputs.sq_sum, int(inputs.mask.sum())
    (4, 12, 36, 4)
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Literal

import numpy as np
from numba import njit

from human2k.errors import InputError

__all__ = ["MattingInputs", "check_matting_inputs", "Region", "REGIONS"]

Region = Literal["unknown", "whole"]
REGIONS = ("unknown", "whole")


@dataclasses.dataclass(frozen=True)
class MattingInputs:
    """Validated metric inputs: C-contiguous uint8 H×W arrays, the region, and what the one pass
    over them that checked the trimap also summed: the number of scored pixels, Σ|p − g| and
    Σ(p − g)² over them (exact integers, in 8-bit levels; SAD's and MSE's sufficient statistics).
    ``mask`` and ``scored`` (boolean region, row-major flat indices of its pixels) are built on
    first use; no kernel needs them."""

    pred: np.ndarray
    gt: np.ndarray
    trimap: np.ndarray
    region: str
    n_scored: int
    abs_sum: int
    sq_sum: int

    @functools.cached_property
    def mask(self) -> np.ndarray:
        return np.ones(self.trimap.shape, bool) if self.region == "whole" else self.trimap == 128

    @functools.cached_property
    def scored(self) -> np.ndarray:
        return np.flatnonzero(self.mask).astype(np.int32)


@njit("i4(u1)", cache=True, nogil=True)
def _known(t):
    """1 when T is 0 or 255, else 0: (t + 1) mod 256 is then 1 or 0, so bits 1..7 are clear
    (one compare instead of two in the vectorised loop)."""
    return np.int32((np.uint8(t + np.uint8(1)) & np.uint8(254)) == 0)


# int32 partial sums are exact over a block: 32768 · 255² = 2 130 739 200 < 2³¹
_BLOCK = 32768


@njit("UniTuple(i8, 4)(u1[::1], u1[::1], u1[::1], b1)", cache=True, nogil=True)
def _scan_kernel(pred, gt, trimap, whole):
    """One pass over the three images: (scored pixels, Σ|p − g|, Σ(p − g)² over them, 1 if the
    trimap has a value outside {0, 128, 255} else 0).

    Written so that LLVM vectorises it in narrow lanes: no index array, uint8 reads, |p − g|
    as max − min in uint8 masked to the region, int32 partial sums per block of _BLOCK pixels
    (each block a view indexed from 0), and the trimap check as a count of valid values.
    """
    count = 0
    abs_sum = 0
    sq_sum = 0
    bad = 0
    for start in range(0, trimap.shape[0], _BLOCK):
        pv = pred[start : start + _BLOCK]
        gv = gt[start : start + _BLOCK]
        tv = trimap[start : start + _BLOCK]
        c32 = np.int32(0)
        a32 = np.int32(0)
        s32 = np.int32(0)
        v32 = np.int32(0)  # values in {0, 128, 255}
        if whole:
            for i in range(tv.shape[0]):
                t = tv[i]
                e = np.uint8(max(pv[i], gv[i]) - min(pv[i], gv[i]))
                a32 = np.int32(a32 + np.int32(e))
                s32 = np.int32(s32 + np.int32(np.uint16(e) * np.uint16(e)))
                v32 = np.int32(v32 + _known(t) + np.int32(t == 128))
            c32 = np.int32(tv.shape[0])
        else:
            for i in range(tv.shape[0]):
                t = tv[i]
                c32 = np.int32(c32 + np.int32(t == 128))
                mask = np.uint8(np.uint8(0) - np.uint8(t == 128))  # 255 on the region, else 0
                e = np.uint8(np.uint8(max(pv[i], gv[i]) - min(pv[i], gv[i])) & mask)
                a32 = np.int32(a32 + np.int32(e))
                s32 = np.int32(s32 + np.int32(np.uint16(e) * np.uint16(e)))
                v32 = np.int32(v32 + _known(t))
            v32 = np.int32(v32 + c32)
        bad |= v32 != tv.shape[0]
        count += c32
        abs_sum += a32
        sq_sum += s32
    return count, abs_sum, sq_sum, bad


def _as_single_band(array, label: str) -> np.ndarray:
    """uint8 H×W from H×W, H×W×1 or H×W×C with identical channels; clear errors otherwise."""
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise InputError(
            label,
            f"expected uint8 values 0..255 but got dtype {array.dtype}; "
            f"quantise first (DIM practice: round(alpha*255))",
        )
    if array.ndim == 3:
        if array.shape[2] == 1 or all(
            np.array_equal(array[..., 0], array[..., c]) for c in range(1, array.shape[2])
        ):
            array = array[..., 0]
        else:
            raise InputError(
                label,
                f"has {array.shape[2]} channels that differ; expected a single-band matte "
                f"(H×W, or R=G=B)",
            )
    if array.ndim != 2:
        raise InputError(label, f"expected a 2-D H×W array but got shape {array.shape}")
    # the kernels' explicit signatures take writable C-contiguous arrays
    return np.require(array, requirements=["C", "W"])


def check_matting_inputs(
    pred,
    gt,
    trimap,
    *,
    region: Region = "unknown",
    labels: tuple[str, str, str] = ("pred", "gt", "trimap"),
) -> MattingInputs:
    """Validate a (pred, gt, trimap) triple; the same pass sums SAD's and MSE's statistics.

    Args:
        pred: predicted alpha, uint8 H×W (or H×W×C with equal channels).
        gt: ground-truth alpha, same shape and dtype.
        trimap: uint8 H×W with values in {0, 128, 255}; unknown = exactly 128.
        region: ``"unknown"`` (DIM protocol) or ``"whole"`` (every pixel).
        labels: names used in error messages (file paths when the caller has them).

    Raises:
        InputError: wrong dtype, differing channels, shape mismatch, or trimap values outside
            {0, 128, 255}; the message names the input.
    """
    if region not in REGIONS:
        raise ValueError(f"region must be one of {REGIONS}, got {region!r}")
    p = _as_single_band(pred, labels[0])
    g = _as_single_band(gt, labels[1])
    t = _as_single_band(trimap, labels[2])
    if p.shape != g.shape or p.shape != t.shape:
        raise InputError(
            labels[0],
            f"shapes differ: {labels[0]} {p.shape[1]}x{p.shape[0]}, {labels[1]} "
            f"{g.shape[1]}x{g.shape[0]}, {labels[2]} {t.shape[1]}x{t.shape[0]} (W×H)",
        )
    if t.size >= 2**31:
        raise InputError(labels[2], f"image of {t.size} pixels is too large (limit 2^31)")
    count, abs_sum, sq_sum, bad = _scan_kernel(p.ravel(), g.ravel(), t.ravel(), region == "whole")
    if bad:  # the error path only: keeps Pillow out of `import benchmark.metrics`
        from human2k.images import check_trimap_values

        check_trimap_values(t, labels[2])  # raises, naming the values outside {0, 128, 255}
    return MattingInputs(p, g, t, region, count, abs_sum, sq_sum)
