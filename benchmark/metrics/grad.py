"""Grad: gradient error, DIM MATLAB ``compute_gradient_loss.m`` + ``gaussgradient.m``, /1000.

1. each image is stretched on its own to [0, 1] (``mat2gray``: own min..max, double);
2. ``gaussgradient(I, 1.4)``: 9×9 kernel hx(i, j) = G(u_i)·G'(u_j), L2-normalised, hy = hxᵀ,
   ``imfilter(..., 'replicate', 'conv')`` (true convolution, edge replication);
3. magnitudes sqrt(gx² + gy²) in double, cast to single; e = (|∇p̃| − |∇g̃|)² in single;
4. Σ e over the region, /1000 (as ``evaluate.m`` does).

The 9×9 kernel is the outer product of a Gaussian and its derivative, so it is applied as two
1-D passes, and only where a scored pixel needs it (the vertical pass at columns within 4 pixels
of a scored pixel of the row, the horizontal pass at the scored pixels).

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> round(grad(pred, gt, tri), 7)
    0.0028887
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from benchmark.metrics._checks import MattingInputs, Region, check_matting_inputs

__all__ = ["grad", "gauss_gradient_kernels", "SIGMA"]

SIGMA = 1.4


def gauss_gradient_kernels(sigma: float = SIGMA) -> tuple[np.ndarray, np.ndarray]:
    """The 1-D factors (Gaussian, derivative) of ``gaussgradient.m``'s kernel, each L2-normalised.

    hx = outer(gauss, dgauss) / ||outer|| = outer(gauss/||gauss||, dgauss/||dgauss||).

    Example:
        >>> g, d = gauss_gradient_kernels()
        >>> g.shape, round(float(np.linalg.norm(np.outer(g, d))), 12)
        ((9,), 1.0)
    """
    epsilon = 1e-2
    half = math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2.0 * math.pi) * sigma * epsilon)))
    u = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-(u**2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))
    dgauss = -u * gauss / sigma**2
    return gauss / np.linalg.norm(gauss), dgauss / np.linalg.norm(dgauss)


_GAUSS, _DGAUSS = gauss_gradient_kernels()


@njit("UniTuple(f8, 2)(u1[:, ::1])", cache=True, nogil=True)
def _min_max(image):
    lo = 255
    hi = 0
    h, w = image.shape
    for y in range(h):
        for x in range(w):
            v = image[y, x]
            lo = min(lo, v)
            hi = max(hi, v)
    return float(lo), float(hi)


@njit("f8(u1[:, ::1], u1[:, ::1], i4[::1], f8[::1], f8[::1])", cache=True, nogil=True)
def _grad_kernel(pred, gt, scored, gauss, dgauss):
    h, w = pred.shape
    half = gauss.shape[0] // 2
    taps = 2 * half + 1
    n = scored.shape[0]
    if n == 0:
        return 0.0
    # mat2gray is affine, I~ = (I - lo) / delta, so filter the raw levels and rescale:
    # conv(h, I~) = (conv(h, I) - lo * sum(h)) / delta, with sum(hx) = sum(gauss) * sum(dgauss)
    lo_p, hi_p = _min_max(pred)
    lo_g, hi_g = _min_max(gt)
    kernel_sum = gauss.sum() * dgauss.sum()
    scale_p = 1.0 / (hi_p - lo_p) if hi_p > lo_p else 0.0  # a flat image has no gradient
    scale_g = 1.0 / (hi_g - lo_g) if hi_g > lo_g else 0.0
    offset_p = lo_p * kernel_sum
    offset_g = lo_g * kernel_sum
    # vertical passes of one row (Gaussian for gx, derivative for gy), over the runs of
    # columns within `half` of a scored pixel of that row; contiguous loops that vectorise
    vg_p = np.empty(w)
    vd_p = np.empty(w)
    vg_g = np.empty(w)
    vd_g = np.empty(w)
    total = 0.0
    k = 0
    while k < n:
        y = scored[k] // w
        row_end = k
        while row_end < n and scored[row_end] // w == y:
            row_end += 1
        kk = k
        while kk < row_end:
            xa = max(scored[kk] - y * w - half, 0)
            xb = min(scored[kk] - y * w + half, w - 1)
            kk += 1
            while kk < row_end and scored[kk] - y * w - half <= xb + 1:
                xb = min(scored[kk] - y * w + half, w - 1)
                kk += 1
            for x in range(xa, xb + 1):
                vg_p[x] = 0.0
                vd_p[x] = 0.0
                vg_g[x] = 0.0
                vd_g[x] = 0.0
            for i in range(taps):
                # true convolution: out(y) = sum_i k[i] * I(y - u_i), u_i = i - half
                yy = min(max(y - (i - half), 0), h - 1)
                gi = gauss[i]
                di = dgauss[i]
                for x in range(xa, xb + 1):
                    a = float(pred[yy, x])
                    b = float(gt[yy, x])
                    vg_p[x] += gi * a
                    vd_p[x] += di * a
                    vg_g[x] += gi * b
                    vd_g[x] += di * b
        for kk in range(k, row_end):
            x = scored[kk] - y * w
            gxp = 0.0
            gyp = 0.0
            gxg = 0.0
            gyg = 0.0
            for j in range(taps):
                xx = min(max(x - (j - half), 0), w - 1)
                gxp += dgauss[j] * vg_p[xx]
                gyp += gauss[j] * vd_p[xx]
                gxg += dgauss[j] * vg_g[xx]
                gyg += gauss[j] * vd_g[xx]
            gxp = (gxp - offset_p) * scale_p
            gyp = (gyp - offset_p) * scale_p
            gxg = (gxg - offset_g) * scale_g
            gyg = (gyg - offset_g) * scale_g
            mp = np.float32(math.sqrt(gxp * gxp + gyp * gyp))
            mg = np.float32(math.sqrt(gxg * gxg + gyg * gyg))
            e = mp - mg
            total += float(e * e)
        k = row_end
    return total


def _grad_update(inputs: MattingInputs) -> float:
    """Sufficient statistic: Σ(|∇p̃| − |∇g̃|)² over the region (before /1000)."""
    return _grad_kernel(inputs.pred, inputs.gt, inputs.scored, _GAUSS, _DGAUSS)


def _grad_compute(total: float) -> float:
    return total / 1000.0


def grad(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """Gradient error (DIM MATLAB semantics), /1000.

    The filter sees the whole image (known regions included); only the sum is restricted to
    REGION. Force predictions to 0/255 on the known regions first, as DIM does.
    """
    return _grad_compute(_grad_update(check_matting_inputs(pred, gt, trimap, region=region)))
