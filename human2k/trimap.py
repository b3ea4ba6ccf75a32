"""Trimap presets: seeded, deterministic trimaps generated from a ground-truth alpha matte.

A trimap is uint8 H×W with 0 = known background, 255 = known foreground and 128 = unknown
(the DIM convention; the metrics score the 128 pixels). Every preset is a pure function of
``(alpha, preset, seed, params)``: the same inputs give the same bytes on every run, and the
parameters actually drawn (kernel sizes...) are returned so callers can record them.

Presets (kernel sizes are diameters of an elliptical structuring element, in pixels):

* ``dim``: the unknown band is every 0<α<255 pixel (plus, for hard mattes, the α==255 and
  α==0 pixels that touch each other), **dilated** by one random ellipse of size
  ``k ∈ [size_range[0], size_range[1]]`` (default 10–30). Outside the band, α == 255 is
  foreground and α == 0 background. This matches the practice behind the Composition-1K test
  trimaps (a random dilation of the GT unknown band, different per composite; the generator
  was never published, see composition_reference.md §3).
* ``gca``: GCA-Matting's ``GenTrimap``: the foreground mask (α == 255) and the background mask
  (α == 0) are **eroded** separately, each with its own random ellipse of size in
  ``kernel_range`` (default 1–29, GCA's ``randint(1, 30)``); everything else is unknown.
* ``erode``: both masks eroded with one fixed ellipse of size ``kernel`` (default 10).
* ``bbox-relative``: both masks eroded with ``k = round(fraction · d)`` where ``d`` is the
  diagonal of the bounding box of α > 0, so humans at very different scales get bands of the
  same relative width. ``fraction`` is a number, or a ``(lo, hi)`` range drawn uniformly.

Erosions use OpenCV's default border (the image border never erodes a mask); dilations likewise
never grow from outside the image. Writing the trimaps of a folder of alphas (and the
recorded parameters) is :mod:`human2k.trimap_sets`; ``d646_test_trimaps`` there writes the
documented, seeded Distinctions-646 test set (``gca`` preset with GCA's kernels 1–29 px, seeded per file name),
because D646 ships no test trimaps. :data:`TEST_TRIMAPS` holds the generated test-trimap recipe
of each dataset that ships none: every composite gets its own seeded draw
(``derive_seed(seed, "<fg stem>_<k>.png")``), as Composition-1K's shipped trimaps differ
between the composites of one foreground.

Example:
    >>> import numpy as np
    >>> a = np.zeros((40, 40), np.uint8); a[10:30, 10:30] = 255; a[10:30, 9] = 100
    >>> t, p = generate_trimap(a, "erode", seed=0, kernel=5, return_params=True)
    >>> sorted(np.unique(t).tolist()), p["kernel"]
    ([0, 128, 255], 5)
"""

from __future__ import annotations

import hashlib
from typing import Any

import cv2
import numpy as np

from human2k.errors import InputError

__all__ = [
    "PRESETS",
    "D646_TEST_PRESET",
    "D646_TEST_PARAMS",
    "HUMAN2K_TEST_PRESET",
    "HUMAN2K_TEST_PARAMS",
    "TEST_TRIMAPS",
    "derive_seed",
    "generate_trimap",
]

PRESETS = ("dim", "gca", "erode", "bbox-relative")
D646_TEST_PRESET = "gca"
#: GCA's ``GenTrimap`` range, ``randint(1, 30)`` = 1..29 px (ViTMatte's 1–30 was used before).
D646_TEST_PARAMS: dict[str, Any] = {"kernel_range": (1, 29)}
HUMAN2K_TEST_PRESET = "bbox-relative"
#: Band width drawn per composite in [1 %, 3 %] of the person's bounding-box diagonal (mean 2 %,
#: the fixed fraction used before, when all 20 composites of a person shared one trimap).
HUMAN2K_TEST_PARAMS: dict[str, Any] = {"fraction": (0.01, 0.03)}
#: dataset -> (preset, params) of its generated test trimaps, one seeded draw per composite.
TEST_TRIMAPS: dict[str, tuple[str, dict[str, Any]]] = {
    "d646": (D646_TEST_PRESET, D646_TEST_PARAMS),
    "human2k": (HUMAN2K_TEST_PRESET, HUMAN2K_TEST_PARAMS),
}

_DEFAULTS: dict[str, dict[str, Any]] = {
    "dim": {"size_range": (10, 30)},
    "gca": {"kernel_range": (1, 29)},
    "erode": {"kernel": 10},
    "bbox-relative": {"fraction": 0.02},
}


def derive_seed(seed: int, *keys: object) -> int:
    """A 63-bit seed derived from SEED and KEYS (file name, index...), stable across runs.

    Uses SHA-256 of the text ``"seed:key1:key2..."``, so it does not depend on Python's
    randomised ``hash()``.

    Example:
        >>> derive_seed(0, "a.png", 3) == derive_seed(0, "a.png", 3) != derive_seed(1, "a.png", 3)
        True
    """
    text = ":".join([str(int(seed))] + [str(k) for k in keys])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def _ellipse(k: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(k), int(k)))


def _erode(mask: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or not mask.any():
        return mask
    return cv2.erode(mask.astype(np.uint8), _ellipse(k)).astype(bool)


def _dilate(mask: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or not mask.any():
        return mask
    return cv2.dilate(mask.astype(np.uint8), _ellipse(k)).astype(bool)


def _int_range(value: Any, name: str) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(
            None, f"trimap parameter {name} must be a pair (lo, hi), got {value!r}"
        ) from None
    if not 1 <= lo <= hi:
        raise InputError(
            None, f"trimap parameter {name} must satisfy 1 <= lo <= hi, got ({lo}, {hi})"
        )
    return lo, hi


def _check_alpha(alpha: np.ndarray) -> np.ndarray:
    alpha = np.asarray(alpha)
    if alpha.ndim != 2 or alpha.dtype != np.uint8:
        raise InputError("alpha", f"expected uint8 H×W, got {alpha.dtype} with shape {alpha.shape}")
    return alpha


def _from_masks(fg: np.ndarray, bg: np.ndarray) -> np.ndarray:
    trimap = np.full(fg.shape, 128, np.uint8)
    trimap[bg] = 0
    trimap[fg] = 255
    return trimap


def generate_trimap(
    alpha: np.ndarray,
    preset: str = "dim",
    *,
    seed: int,
    return_params: bool = False,
    **params: Any,
) -> np.ndarray | tuple[np.ndarray, dict[str, Any]]:
    """Generate a trimap from a ground-truth alpha with a named, seeded preset.

    Args:
        alpha: uint8 H×W ground-truth matte.
        preset: one of ``PRESETS`` (see the module docstring).
        seed: seeds the random kernel sizes; same (alpha, preset, seed, params) → same trimap.
        return_params: also return the dict of parameters actually used and drawn.
        **params: preset parameters: ``size_range`` (dim), ``kernel_range`` (gca),
            ``kernel`` (erode), ``fraction`` (bbox-relative; number or (lo, hi)).

    Returns:
        uint8 H×W trimap with values in {0, 128, 255}; with ``return_params``, the tuple
        ``(trimap, params)`` where params holds ``preset``, ``seed`` and the drawn sizes.

    Raises:
        InputError: unknown preset or parameter, bad parameter value, or alpha not uint8 H×W.

    Example:
        >>> a = np.zeros((9, 9), np.uint8); a[2:7, 2:7] = 128; a[3:6, 3:6] = 255
        >>> generate_trimap(a, "dim", seed=1, size_range=(3, 3))[4].tolist()
        [0, 128, 128, 128, 255, 128, 128, 128, 0]
    """
    alpha = _check_alpha(alpha)
    if preset not in _DEFAULTS:
        raise InputError(
            None, f"unknown trimap preset {preset!r}; expected one of {', '.join(PRESETS)}"
        )
    unknown_keys = set(params) - set(_DEFAULTS[preset])
    if unknown_keys:
        raise InputError(
            None,
            f"trimap preset {preset!r} takes {', '.join(sorted(_DEFAULTS[preset]))}, "
            f"got unknown parameter(s) {', '.join(sorted(unknown_keys))}",
        )
    cfg = {**_DEFAULTS[preset], **params}
    rng = np.random.default_rng(int(seed))
    fg, bg = alpha == 255, alpha == 0
    drawn: dict[str, Any] = {"preset": preset, "seed": int(seed)}

    if preset == "dim":
        lo, hi = _int_range(cfg["size_range"], "size_range")
        k = int(rng.integers(lo, hi + 1))
        cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
        touching = (fg & cv2.dilate(bg.astype(np.uint8), cross).astype(bool)) | (
            bg & cv2.dilate(fg.astype(np.uint8), cross).astype(bool)
        )
        band = _dilate(~(fg | bg) | touching, k)
        trimap = _from_masks(fg & ~band, bg & ~band)
        drawn.update(size_range=[lo, hi], kernel=k)
    elif preset == "gca":
        lo, hi = _int_range(cfg["kernel_range"], "kernel_range")
        k_fg, k_bg = (int(v) for v in rng.integers(lo, hi + 1, size=2))
        trimap = _from_masks(_erode(fg, k_fg), _erode(bg, k_bg))
        drawn.update(kernel_range=[lo, hi], kernel_fg=k_fg, kernel_bg=k_bg)
    elif preset == "erode":
        k = int(cfg["kernel"])
        if k < 1:
            raise InputError(None, f"trimap parameter kernel must be >= 1, got {k}")
        trimap = _from_masks(_erode(fg, k), _erode(bg, k))
        drawn.update(kernel=k)
    else:  # bbox-relative
        frac = cfg["fraction"]
        if isinstance(frac, (int, float)):
            f = float(frac)
        else:
            lo_f, hi_f = (float(v) for v in frac)
            f = float(rng.uniform(lo_f, hi_f)) if hi_f > lo_f else lo_f
        if not 0 <= f <= 1:
            raise InputError(None, f"trimap parameter fraction must be in [0, 1], got {f}")
        ys, xs = np.nonzero(alpha)
        diag = float(np.hypot(np.ptp(ys) + 1, np.ptp(xs) + 1)) if ys.size else 0.0
        k = max(1, int(round(f * diag)))
        trimap = _from_masks(_erode(fg, k), _erode(bg, k))
        drawn.update(fraction=f, bbox_diagonal=round(diag, 3), kernel=k)

    return (trimap, drawn) if return_params else trimap
