"""Plain NumPy/SciPy reference of the DIM MATLAB metrics: the oracle of the tests and the
baseline of ``mattebench perf metrics``.

Written to read like the MATLAB files (full-image 9×9 convolution, one ``label`` call per
threshold), not to be fast. Values are in the DIM scales (SAD/1000, MSE raw, Grad/1000, Conn/1000).

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> [round(f(pred, gt, tri), 7) for f in (ref_sad, ref_mse, ref_grad, ref_conn)]
    [0.256, 1.0, 0.0028887, 0.256]
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

__all__ = ["ref_sad", "ref_mse", "ref_grad", "ref_conn", "ref_all"]


def _region(trimap: np.ndarray, region: str) -> np.ndarray:
    return np.ones(trimap.shape, bool) if region == "whole" else trimap == 128


def ref_sad(pred, gt, trimap, region="unknown") -> float:
    e = np.abs(pred.astype(np.float64) - gt.astype(np.float64)) / 255.0
    return float(e[_region(trimap, region)].sum() / 1000.0)


def ref_mse(pred, gt, trimap, region="unknown") -> float:
    mask = _region(trimap, region)
    if not mask.any():
        return math.nan
    e = (pred.astype(np.float64) - gt.astype(np.float64)) / 255.0
    return float((e[mask] ** 2).sum() / mask.sum())


def _mat2gray(image: np.ndarray) -> np.ndarray:
    image = image.astype(np.float64)
    lo, hi = image.min(), image.max()
    return np.zeros_like(image) if hi == lo else (image - lo) / (hi - lo)


def _gaussgradient_kernel(sigma: float = 1.4) -> np.ndarray:
    epsilon = 1e-2
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * epsilon)))
    size = 2 * half + 1
    hx = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            u0, u1 = i - half, j - half
            g = math.exp(-(u0**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
            gj = math.exp(-(u1**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
            hx[i, j] = g * (-u1 * gj / sigma**2)
    return hx / math.sqrt((np.abs(hx) * np.abs(hx)).sum())


_HX = _gaussgradient_kernel()


def _gradient_magnitude(image: np.ndarray) -> np.ndarray:
    # imfilter(..., 'replicate', 'conv') == scipy's convolve with mode 'nearest'
    gx = ndimage.convolve(image, _HX, mode="nearest")
    gy = ndimage.convolve(image, _HX.T, mode="nearest")
    return np.sqrt(gx**2 + gy**2).astype(np.float32)


def ref_grad(pred, gt, trimap, region="unknown") -> float:
    mp = _gradient_magnitude(_mat2gray(pred))
    mg = _gradient_magnitude(_mat2gray(gt))
    e = (mp - mg) ** 2  # single precision, as MATLAB
    return float(e[_region(trimap, region)].astype(np.float64).sum() / 1000.0)


_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], bool)


def _largest_component_colmajor(binary: np.ndarray) -> np.ndarray:
    """Largest 4-connected component; ties to the first component in column-major order."""
    labels, n = ndimage.label(binary, structure=_FOUR)
    if n == 0:
        return np.zeros(binary.shape, bool)  # empty overlap: Omega = {} (GCA copy)
    sizes = np.bincount(labels.ravel())[1:]
    candidates = np.flatnonzero(sizes == sizes.max()) + 1
    flat_cm = labels.T.ravel()  # column-major scan
    first = {c: np.argmax(flat_cm == c) for c in candidates}
    winner = min(candidates, key=lambda c: first[c])
    return labels == winner


def ref_conn(pred, gt, trimap, region="unknown", step=0.1, theta=0.15) -> float:
    p = pred.astype(np.float32) / np.float32(255)
    g = gt.astype(np.float32) / np.float32(255)
    thresholds = [i / 10.0 for i in range(11)]
    l_map = np.full(p.shape, -1.0)
    for i in range(1, len(thresholds)):
        overlap = (p.astype(np.float64) >= thresholds[i]) & (g.astype(np.float64) >= thresholds[i])
        omega = _largest_component_colmajor(overlap)
        flag = (l_map == -1) & ~omega
        l_map[flag] = thresholds[i - 1]
    l_map[l_map == -1] = 1.0
    l32 = l_map.astype(np.float32)
    d_p = p - l32
    d_g = g - l32
    phi_p = np.float32(1) - d_p * (d_p >= theta)
    phi_g = np.float32(1) - d_g * (d_g >= theta)
    e = np.abs(phi_p - phi_g)
    return float(e[_region(trimap, region)].astype(np.float64).sum() / 1000.0)


def ref_all(pred, gt, trimap, region="unknown") -> dict[str, float]:
    """All four reference metrics of one image."""
    return {
        "sad": ref_sad(pred, gt, trimap, region),
        "mse": ref_mse(pred, gt, trimap, region),
        "grad": ref_grad(pred, gt, trimap, region),
        "conn": ref_conn(pred, gt, trimap, region),
    }
