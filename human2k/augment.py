"""The building blocks of the training augmentations (NumPy + OpenCV): the two-foreground
composite, GCA's affine transform, erosion trimaps, crops on the unknown band, HSV jitter and
the composite itself; each a pure function of its inputs and a Generator. The recipes that
chain them are :mod:`human2k.augment_recipes`.

Example:
    >>> import numpy as np
    >>> a = np.zeros((8, 8), np.float32); a[2:6, 2:6] = 1
    >>> sorted(np.unique(erosion_trimap(a, np.random.default_rng(0), kernel_range=(1, 3))).tolist())
    [0, 128, 255]
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from human2k.trimap import generate_trimap

__all__ = [
    "two_fg_composite",
    "gca_affine_matrix",
    "apply_affine",
    "affine_params",
    "random_affine",
    "erosion_trimap",
    "crop_on_unknown",
    "hsv_jitter",
    "composite",
    "Sample",
]

Sample = dict[str, Any]


def two_fg_composite(
    fg: np.ndarray, alpha: np.ndarray, fg2: np.ndarray, alpha2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """GCA's two-foreground composition: a second fg/alpha (resized, nearest) behind the first.

    The new alpha is 1−(1−α1)(1−α2) and the new fg is fg1·α1 + fg2·(1−α1); the first pair is
    returned unchanged when the union would be fully opaque.

    Example:
        >>> f, a = two_fg_composite(np.full((2, 2, 3), 10.0, np.float32), np.full((2, 2), 0.5, np.float32),
        ...                         np.full((4, 4, 3), 30.0, np.float32), np.full((4, 4), 0.5, np.float32))
        >>> float(a[0, 0]), float(f[0, 0, 0])
        (0.75, 20.0)
    """
    h, w = alpha.shape
    fg2 = cv2.resize(fg2, (w, h), interpolation=cv2.INTER_NEAREST)
    alpha2 = cv2.resize(alpha2, (w, h), interpolation=cv2.INTER_NEAREST)
    union = 1.0 - (1.0 - alpha) * (1.0 - alpha2)
    if not np.any(union < 1):
        return fg, alpha
    a = alpha[:, :, None]
    return (fg * a + fg2 * (1.0 - a)).astype(np.float32), union.astype(np.float32)


def gca_affine_matrix(params: dict[str, float], shape: tuple[int, int]) -> np.ndarray:
    """GCA-Matting's ``RandomAffine`` matrix for PARAMS on an H×W image (``WARP_INVERSE_MAP``).

    The forward map is ``F = [[cos(a+s), −sin(a+s)], [sin(a), cos(a)]] · diag(sx·fx, sy·fy)``
    (flip, then scale, then rotation with shear) about GCA's centre ``(0.5·W + 0.5, 0.5·H + 0.5)``
    — not the pixel-grid centre, so a flip also shifts by 2 px and leaves two zero rows or
    columns, as in GCA. Returned is the 2×3 *inverse* (output → input coordinates), written out
    as ``data_generator.py`` computes it.

    Example:
        >>> gca_affine_matrix(dict(angle=0, scale_x=1, scale_y=1, shear=0, flip_x=-1, flip_y=1), (4, 6))
        array([[-1.,  0.,  7.],
               [ 0.,  1.,  0.]])
    """
    h, w = shape
    a, s = math.radians(params["angle"]), math.radians(params["shear"])
    kx = params["flip_x"] / params["scale_x"]
    ky = params["flip_y"] / params["scale_y"]
    d = math.cos(a + s) * math.cos(a) + math.sin(a + s) * math.sin(a)
    m = (
        np.array(
            [[math.cos(a) * kx, math.sin(a + s) * kx], [-math.sin(a) * ky, math.cos(a + s) * ky]]
        )
        / d
    )
    centre = np.array([w * 0.5 + 0.5, h * 0.5 + 0.5])
    return np.hstack([m, (centre - m @ centre)[:, None]]) + 0.0  # + 0.0: no negative zeros


def apply_affine(array: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """Warp ARRAY (H×W or H×W×C) by :func:`gca_affine_matrix`: nearest, zero fill, same size."""
    h, w = array.shape[:2]
    m = gca_affine_matrix(params, (h, w))
    if np.array_equal(m, np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])):
        return array
    return cv2.warpAffine(
        array,
        m,
        (w, h),
        flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )


def affine_params(
    rng: np.random.Generator,
    shape: tuple[int, int],
    *,
    degrees: float,
    scale: tuple[float, float],
    shear: float,
    flip: tuple[float, float],
    anisotropic: bool,
    rotate_min_side: int = 0,
) -> dict[str, float]:
    """Draw GCA's ``RandomAffine`` parameters: angle, scale (x, y), shear, flips.

    Args:
        degrees: rotation drawn in ±degrees, applied only when max(H, W) >= ``rotate_min_side``.
        scale: range of the scale factor; ``anisotropic`` draws x and y separately (GCA).
        shear: shear angle drawn in ±shear degrees.
        flip: probability of flipping (x, y), each independently.
    """
    h, w = shape
    angle = float(rng.uniform(-degrees, degrees))
    if max(h, w) < rotate_min_side:
        angle = 0.0
    sx = float(rng.uniform(*scale))
    sy = float(rng.uniform(*scale)) if anisotropic else sx
    sh = float(rng.uniform(-shear, shear))
    fx = -1 if rng.random() < flip[0] else 1
    fy = -1 if rng.random() < flip[1] else 1
    return {"angle": angle, "scale_x": sx, "scale_y": sy, "shear": sh, "flip_x": fx, "flip_y": fy}


def random_affine(
    fg: np.ndarray,
    alpha: np.ndarray,
    rng: np.random.Generator,
    **kwargs: Any,
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Warp fg and alpha by GCA's random affine (:func:`affine_params`, :func:`apply_affine`).

    Returns:
        The warped fg, alpha and the drawn parameters.

    Example:
        >>> a = np.arange(12, dtype=np.float32).reshape(3, 4)
        >>> _, b, p = random_affine(a[..., None].repeat(3, 2), a, np.random.default_rng(0), degrees=0,
        ...                         scale=(1, 1), shear=0, flip=(1, 0), anisotropic=False)
        >>> b[0].tolist(), p["flip_x"]  # GCA's centre: x -> W + 1 - x
        ([0.0, 0.0, 3.0, 2.0], -1)
    """
    params = affine_params(rng, alpha.shape, **kwargs)
    return apply_affine(fg, params), apply_affine(alpha, params), params


def erosion_trimap(
    alpha: np.ndarray, rng: np.random.Generator, *, kernel_range: tuple[int, int] = (1, 29)
) -> np.ndarray:
    """GCA's ``GenTrimap``: erode fg (α ≥ 1−1e-5) and bg (α ≤ 1e-5) masks with random ellipses.

    Uses ``human2k.trimap.generate_trimap(preset="gca")`` on an 8-bit alpha in which exactly
    GCA's fg and bg masks map to 255 and 0; the kernel sizes are drawn from ``rng``.

    Example:
        >>> a = np.zeros((20, 20), np.float32); a[5:15, 5:15] = 1; a[5:15, 4] = 0.4
        >>> t = erosion_trimap(a, np.random.default_rng(0), kernel_range=(3, 3))
        >>> t[10, :8].tolist()
        [0, 0, 0, 128, 128, 128, 255, 255]
    """
    a8 = np.clip(np.rint(alpha * 255.0), 1, 254).astype(np.uint8)
    a8[alpha >= 1 - 1e-5] = 255
    a8[alpha <= 1e-5] = 0
    seed = int(rng.integers(2**63))
    return generate_trimap(a8, "gca", seed=seed, kernel_range=kernel_range)


def _resize_all(arrays: dict[str, np.ndarray], w: int, h: int) -> dict[str, np.ndarray]:
    return {
        k: cv2.resize(v, (w, h), interpolation=cv2.INTER_CUBIC if k == "bg" else cv2.INTER_NEAREST)
        for k, v in arrays.items()
    }


def crop_on_unknown(
    arrays: dict[str, np.ndarray], rng: np.random.Generator, size: int
) -> dict[str, np.ndarray]:
    """GCA's ``RandomCrop``: a SIZE×SIZE window centred on a random unknown pixel.

    ``arrays`` holds ``fg``, ``alpha``, ``trimap`` and ``bg`` of one size (bg is resized to it
    first, bicubic, as GCA does). Smaller samples are upscaled by 1.1·size/short side until
    both sides exceed SIZE. The unknown pixels of the ×4-downsampled trimap that are at least
    SIZE/2 from the border are the candidates; with fewer than 10 the window is placed
    uniformly at random. A window without any unknown pixel falls back to resizing the whole
    sample to SIZE×SIZE.

    Example:
        >>> t = np.zeros((100, 100), np.uint8); t[40:60, 40:60] = 128
        >>> arr = {"trimap": t, "alpha": t / 255.0, "fg": np.zeros((100, 100, 3), np.float32),
        ...        "bg": np.zeros((10, 10, 3), np.uint8)}
        >>> out = crop_on_unknown(arr, np.random.default_rng(0), 32)
        >>> out["trimap"].shape, out["bg"].shape, bool((out["trimap"] == 128).any())
        ((32, 32), (32, 32, 3), True)
    """
    trimap = arrays["trimap"]
    h, w = trimap.shape
    arrays = dict(arrays, bg=cv2.resize(arrays["bg"], (w, h), interpolation=cv2.INTER_CUBIC))
    if h < size + 1 or w < size + 1:
        ratio = 1.1 * size / min(h, w)
        while h < size + 1 or w < size + 1:
            h, w = max(int(h * ratio), h + 1), max(int(w * ratio), w + 1)
            arrays = _resize_all(arrays, w, h)
        trimap = arrays["trimap"]
    margin = size // 2
    small = cv2.resize(trimap, (w // 4, h // 4), interpolation=cv2.INTER_NEAREST)
    cand = np.argwhere(
        small[margin // 4 : (h - margin) // 4, margin // 4 : (w - margin) // 4] == 128
    )
    if len(cand) < 10:
        top, left = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    else:
        y, x = cand[int(rng.integers(len(cand)))]
        top, left = min(int(y) * 4, h - size), min(int(x) * 4, w - size)
    out = {k: v[top : top + size, left : left + size] for k, v in arrays.items()}
    if not (trimap == 128).any():
        out = _resize_all(arrays, size, size)
    return out


def hsv_jitter(fg: np.ndarray, alpha: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """GCA's ``RandomJitter`` on the foreground: hue shift in [−40, 39]°, S/V offsets.

    Saturation and value each get an offset uniform in ±(1.1 − m)/10, m being the channel mean
    over α > 0; values above 1 are reflected (2 − x) and negatives made positive. Returns fg
    unchanged when α is all 0.

    Example:
        >>> fg = np.full((4, 4, 3), 128.0, np.float32); a = np.ones((4, 4), np.float32)
        >>> out = hsv_jitter(fg, a, np.random.default_rng(0))
        >>> out.shape, bool(np.all((out >= 0) & (out <= 255)))
        ((4, 4, 3), True)
    """
    if not np.any(alpha > 0):
        return fg
    hsv = cv2.cvtColor(np.clip(fg, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)
    hue = int(rng.integers(-40, 40))
    hsv[:, :, 0] = np.remainder(hsv[:, :, 0] + hue, 360)
    for ch in (1, 2):
        bar = float(hsv[:, :, ch][alpha > 0].mean())
        jitter = float(rng.random()) * (1.1 - bar) / 5 - (1.1 - bar) / 10
        v = np.abs(hsv[:, :, ch] + jitter)
        v[v > 1] = 2 - v[v > 1]
        hsv[:, :, ch] = v
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255.0


def composite(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> Sample:
    """Clip and blend: image = fg·α + bg·(1−α), rounded to uint8; fg and bg rounded too.

    Example:
        >>> s = composite(np.full((1, 1, 3), 200.0), np.full((1, 1), 0.5), np.zeros((1, 1, 3), np.uint8))
        >>> s["image"].tolist(), float(s["alpha"][0, 0])
        ([[[100, 100, 100]]], 0.5)
    """
    fg = np.clip(fg, 0, 255).astype(np.float32)
    alpha = np.clip(alpha, 0, 1).astype(np.float32)
    bg = bg.astype(np.float32)
    image = fg * alpha[:, :, None] + bg * (1 - alpha[:, :, None])
    return {
        "image": np.rint(image).astype(np.uint8),
        "alpha": alpha,
        "fg": np.rint(fg).astype(np.uint8),
        "bg": np.rint(np.clip(bg, 0, 255)).astype(np.uint8),
    }
