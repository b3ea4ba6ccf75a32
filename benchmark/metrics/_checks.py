"""The one validator every metric calls: shapes, dtypes, trimap values, region mask.

Example:
    >>> import numpy as np
    >>> a = np.zeros((2, 2), np.uint8); t = np.full((2, 2), 128, np.uint8)
    >>> int(check_matting_inputs(a, a, t).mask.sum())
    4
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from numba import njit

from human2k.errors import InputError

__all__ = ["MattingInputs", "check_matting_inputs", "Region", "REGIONS"]

Region = Literal["unknown", "whole"]
REGIONS = ("unknown", "whole")


@dataclasses.dataclass(frozen=True)
class MattingInputs:
    """Validated metric inputs: C-contiguous uint8 H×W arrays, the boolean region mask and the
    row-major flat indices of the scored pixels (``scored``, int32, ascending)."""

    pred: np.ndarray
    gt: np.ndarray
    trimap: np.ndarray
    mask: np.ndarray
    scored: np.ndarray
    region: str


@njit("i8(u1[:, ::1], b1[:, ::1], i4[::1], b1)", cache=True, nogil=True)
def _trimap_mask_kernel(trimap, mask, scored, whole):
    """Fill MASK and SCORED (unknown pixels, or all when WHOLE); return the number of scored
    pixels, or -1 - value for the first value outside {0, 128, 255}."""
    h, w = trimap.shape
    count = 0
    for y in range(h):
        for x in range(w):
            v = trimap[y, x]
            if v != 0 and v != 128 and v != 255:
                return -1 - np.int64(v)
            inside = whole or v == 128
            mask[y, x] = inside
            if inside:
                scored[count] = y * w + x
                count += 1
    return count


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
    """Validate a (pred, gt, trimap) triple and build the scored-region mask.

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
    mask = np.empty(t.shape, np.bool_)
    scored = np.empty(t.size, np.int32)
    count = _trimap_mask_kernel(t, mask, scored, region == "whole")
    if count < 0:
        values = np.setdiff1d(np.unique(t), (0, 128, 255))
        shown = ", ".join(str(int(v)) for v in values[:8]) + (" ..." if values.size > 8 else "")
        raise InputError(
            labels[2],
            f"trimap has values outside {{0, 128, 255}}: {shown} "
            f"(trimap quantisation maps <85→0, ≥170→255, else 128)",
            param="trimap_quantize",
        )
    return MattingInputs(p, g, t, mask, scored[:count], region)
