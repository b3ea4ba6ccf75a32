"""Foreground colour estimation (pymatting's multilevel estimator), cached on disk.

Given an image I and its alpha α, ``estimate_foreground`` solves ``I ≈ α·F + (1−α)·B`` for a
smooth foreground F with pymatting's ``estimate_foreground_ml`` (Germer et al., "Fast
multi-level foreground estimation", ICPR 2020) — the same call mmagic's ``extend_fg.py`` uses
for FBA's extended training foregrounds. It is used for ``--fg-extend`` in composition (give
every pixel a plausible foreground colour, including where α = 0) and for training on
alphamatting.com-style images that come without a foreground.

Post-processing (documented, deterministic): F is rounded to uint8 and, where α = 255, set to
the image exactly (there I = F by definition).

Caching: with ``cache_dir``, the result is stored as ``cache_dir/<key>.png`` where ``key`` is
the SHA-256 of the image and alpha bytes and shapes, the solver parameters and the pymatting
version. Writes are atomic; a cache file that cannot be decoded or has the wrong shape is
recomputed and overwritten, never trusted.

Example:
    >>> import numpy as np
    >>> img = np.full((4, 4, 3), 200, np.uint8); a = np.full((4, 4), 255, np.uint8); a[0] = 0
    >>> fg = estimate_foreground(img, a)
    >>> fg.dtype.name, fg.shape, bool((fg[1:] == 200).all())
    ('uint8', (4, 4, 3), True)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
from PIL import Image

from human2k.errors import InputError
from human2k.images import atomic_write_bytes

__all__ = ["estimate_foreground", "foreground_cache_key", "ML_PARAMS"]

#: pymatting's defaults for ``estimate_foreground_ml``, fixed here so they enter the cache key.
ML_PARAMS: dict[str, float | int] = {
    "regularization": 1e-5,
    "n_small_iterations": 10,
    "n_big_iterations": 2,
    "small_size": 32,
    "gradient_weight": 1.0,
}


def _check(image: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    image, alpha = np.asarray(image), np.asarray(alpha)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise InputError(
            "image", f"expected uint8 H×W×3, got {image.dtype} with shape {image.shape}"
        )
    if alpha.dtype != np.uint8 or alpha.ndim != 2:
        raise InputError("alpha", f"expected uint8 H×W, got {alpha.dtype} with shape {alpha.shape}")
    if alpha.shape != image.shape[:2]:
        raise InputError("alpha", f"shape {alpha.shape} does not match image {image.shape[:2]}")
    return np.ascontiguousarray(image), np.ascontiguousarray(alpha)


def foreground_cache_key(image: np.ndarray, alpha: np.ndarray, params: dict | None = None) -> str:
    """SHA-256 hex key of (image bytes+shape, alpha bytes+shape, solver params, pymatting version).

    Example:
        >>> a = np.zeros((2, 2), np.uint8); i = np.zeros((2, 2, 3), np.uint8)
        >>> len(foreground_cache_key(i, a)), foreground_cache_key(i, a) == foreground_cache_key(i, a + 1)
        (64, False)
    """
    import pymatting

    image, alpha = _check(image, alpha)
    h = hashlib.sha256()
    meta = {
        "shape": list(image.shape),
        "params": params or ML_PARAMS,
        "pymatting": pymatting.__version__,
        "post": "alpha255=image",
    }
    h.update(json.dumps(meta, sort_keys=True).encode("utf-8"))
    h.update(image.tobytes())
    h.update(alpha.tobytes())
    return h.hexdigest()


def _read_cached(path: Path, shape: tuple[int, ...]) -> np.ndarray | None:
    try:
        with Image.open(path) as im:
            im.load()
            arr = np.asarray(im)
    except (OSError, SyntaxError, ValueError):
        return None
    if arr.dtype != np.uint8 or arr.shape != shape:
        return None
    return arr


def estimate_foreground(
    image: np.ndarray,
    alpha: np.ndarray,
    *,
    cache_dir: str | os.PathLike | None = None,
) -> np.ndarray:
    """Estimate the foreground colours F of IMAGE given ALPHA (pymatting multilevel, cached).

    Args:
        image: uint8 H×W×3 RGB image.
        alpha: uint8 H×W matte.
        cache_dir: folder for cached results (created); ``None`` disables caching.

    Returns:
        uint8 H×W×3 foreground, equal to IMAGE wherever alpha is 255.

    Raises:
        InputError: wrong dtype or shapes.
    """
    image, alpha = _check(image, alpha)
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{foreground_cache_key(image, alpha)}.png"
        if path.is_file():
            cached = _read_cached(path, image.shape)
            if cached is not None:
                return cached
    from pymatting import estimate_foreground_ml

    fg = estimate_foreground_ml(
        image.astype(np.float64) / 255.0, alpha.astype(np.float64) / 255.0, **ML_PARAMS
    )
    out = np.clip(np.rint(np.asarray(fg, np.float64) * 255.0), 0, 255).astype(np.uint8)
    opaque = alpha == 255
    out[opaque] = image[opaque]
    if path is not None:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, format="PNG", compress_level=3)
        atomic_write_bytes(path, buf.getvalue())
    return out
