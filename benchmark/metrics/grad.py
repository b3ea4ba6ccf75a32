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

__all__ = ["grad", "grad_update", "grad_compute", "gauss_gradient_kernels", "SIGMA"]

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


HALF = 4  # the kernel of SIGMA = 1.4 has 9 taps; the kernels below are written for it


def _folded_taps(sigma: float = SIGMA) -> np.ndarray:
    """(g0, g1, g2, g3, g4, d1, d2, d3, d4): the Gaussian factor at offsets 0..4 and the
    derivative at 1..4; the other taps follow by symmetry (g(-u) = g(u), d(-u) = -d(u))."""
    gauss, dgauss = gauss_gradient_kernels(sigma)
    if gauss.shape[0] != 2 * HALF + 1:
        raise ValueError(
            f"the Grad kernels are written for 9 taps, sigma {sigma} gives {gauss.shape[0]}"
        )
    return np.concatenate([gauss[HALF:], dgauss[HALF + 1 :]]).astype(np.float64)


_TAPS = _folded_taps()


@njit("UniTuple(f8, 2)(u1[:, ::1])", cache=True, nogil=True)
def _min_max(image):
    lo = np.uint8(255)
    hi = np.uint8(0)
    for v in image.ravel():
        lo = min(lo, v)
        hi = max(hi, v)
    return float(lo), float(hi)


@njit("void(u1[::1], u1[::1], f8, f8, f8[::1], f8[::1])", cache=True, nogil=True)
def _add_tap_pair(above, below, g, d, vg, vd):
    """vg += g·(above + below), vd += d·(above − below), element by element."""
    for i in range(above.shape[0]):  # indices from 0 up: no negative-index test, so it vectorises
        up = np.int32(above[i])
        down = np.int32(below[i])
        vg[i] += g * np.float64(up + down)
        vd[i] += d * np.float64(up - down)


@njit("void(u1[:, ::1], i8, i8, i8, f8[::1], f8[::1], f8[::1])", cache=True, nogil=True)
def _vertical(image, y, a, b, k, vg, vd):
    """Columns A..B of row Y filtered along y, written at offset HALF: VG with the Gaussian
    (for gx), VD with its derivative (for gy). K = (g0..g4, d1..d4): the 9 taps folded by
    symmetry (g even, d odd); rows beyond the image repeat the edge ('replicate'). True
    convolution: out(y) = Σ_u k(u)·I(y − u), so the pair u adds d(u)·(I(y − u) − I(y + u)).
    One loop per pair of taps, so that each loop vectorises."""
    h = image.shape[0]
    row = image[y, a : b + 1]
    out_g = vg[a + HALF : b + HALF + 1]
    out_d = vd[a + HALF : b + HALF + 1]
    g0 = k[0]
    for i in range(row.shape[0]):
        out_g[i] = g0 * np.float64(row[i])
        out_d[i] = 0.0
    for u in range(1, HALF + 1):
        above = image[max(y - u, 0), a : b + 1]
        below = image[min(y + u, h - 1), a : b + 1]
        _add_tap_pair(above, below, k[u], k[HALF + u], out_g, out_d)


@njit("void(f8[::1], i8, i8, i8)", cache=True, nogil=True)
def _replicate_edges(v, a, b, w):
    """Columns beyond the image repeat the edge column ('replicate'), when A..B reaches it."""
    if a == 0:
        for x in range(HALF):
            v[x] = v[HALF]
    if b == w - 1:
        for x in range(w + HALF, w + 2 * HALF):
            v[x] = v[w - 1 + HALF]


@njit(
    "void(f8[::1], f8[::1], f8[::1], f8[::1], f8[::1], f8, f8, i8, i8, u1[::1], f8[::1])",
    cache=True,
    nogil=True,
)
def _horizontal(vg_p, vd_p, vg_g, vd_g, k, scale_p, scale_g, a, b, scored, err):
    """err[x] = (|∇p̃| − |∇g̃|)² at columns A..B where SCORED (0 elsewhere): gx = the derivative
    along x of VG, gy = the Gaussian along x of VD, rescaled as mat2gray; magnitudes in double,
    cast to single, the error in single (as MATLAB)."""
    g0, g1, g2, g3, g4, d1, d2, d3, d4 = k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]
    # views whose index i is column a + i - HALF, so every index below is i + a constant ≥ 0
    gp, dp, gg, dg = vg_p[a:], vd_p[a:], vg_g[a:], vd_g[a:]
    out = err[a : b + 1]
    keep = scored[a : b + 1]
    for i in range(out.shape[0]):
        c = i + HALF
        gxp = (
            d1 * (gp[c - 1] - gp[c + 1])
            + d2 * (gp[c - 2] - gp[c + 2])
            + d3 * (gp[c - 3] - gp[c + 3])
            + d4 * (gp[i] - gp[c + 4])
        ) * scale_p
        gyp = (
            g0 * dp[c]
            + g1 * (dp[c - 1] + dp[c + 1])
            + g2 * (dp[c - 2] + dp[c + 2])
            + g3 * (dp[c - 3] + dp[c + 3])
            + g4 * (dp[i] + dp[c + 4])
        ) * scale_p
        gxg = (
            d1 * (gg[c - 1] - gg[c + 1])
            + d2 * (gg[c - 2] - gg[c + 2])
            + d3 * (gg[c - 3] - gg[c + 3])
            + d4 * (gg[i] - gg[c + 4])
        ) * scale_g
        gyg = (
            g0 * dg[c]
            + g1 * (dg[c - 1] + dg[c + 1])
            + g2 * (dg[c - 2] + dg[c + 2])
            + g3 * (dg[c - 3] + dg[c + 3])
            + g4 * (dg[i] + dg[c + 4])
        ) * scale_g
        mp = np.float32(math.sqrt(gxp * gxp + gyp * gyp))
        mg = np.float32(math.sqrt(gxg * gxg + gyg * gyg))
        e = mp - mg
        out[i] = np.float64(e * e) if keep[i] else 0.0


@njit("f8(u1[:, ::1], u1[:, ::1], u1[:, ::1], b1, f8[::1])", cache=True, nogil=True)
def _grad_kernel(pred, gt, trimap, whole, k):
    h, w = pred.shape
    # mat2gray is affine, I~ = (I - lo) / (hi - lo), and the kernel's taps sum to zero (exactly,
    # folded as here), so filter the raw levels and scale: conv(h, I~) = conv(h, I) / (hi - lo)
    lo_p, hi_p = _min_max(pred)
    lo_g, hi_g = _min_max(gt)
    scale_p = 1.0 / (hi_p - lo_p) if hi_p > lo_p else 0.0  # a flat image has no gradient
    scale_g = 1.0 / (hi_g - lo_g) if hi_g > lo_g else 0.0
    vg_p = np.zeros(w + 2 * HALF)
    vd_p = np.zeros(w + 2 * HALF)
    vg_g = np.zeros(w + 2 * HALF)
    vd_g = np.zeros(w + 2 * HALF)
    err = np.zeros(w)
    scored = np.zeros(w, np.uint8)
    total = 0.0
    for y in range(h):
        trow = trimap[y]
        n = 0
        for x in range(w):
            scored[x] = whole or trow[x] == 128
            n += scored[x]
        if n == 0:
            continue
        # blocks of scored pixels less than 2·HALF apart: filter along y at the columns within
        # HALF of the block, then along x at the block's columns
        x = 0
        while x < w:
            if not scored[x]:
                x += 1
                continue
            first = x
            last = x
            x += 1
            while x < w and x <= last + 2 * HALF:
                if scored[x]:
                    last = x
                x += 1
            a = max(first - HALF, 0)
            b = min(last + HALF, w - 1)
            _vertical(pred, y, a, b, k, vg_p, vd_p)
            _vertical(gt, y, a, b, k, vg_g, vd_g)
            for v in (vg_p, vd_p, vg_g, vd_g):
                _replicate_edges(v, a, b, w)
            _horizontal(vg_p, vd_p, vg_g, vd_g, k, scale_p, scale_g, first, last, scored, err)
            s0 = s1 = s2 = s3 = 0.0
            j = first
            while j + 4 <= last + 1:
                s0 += err[j]
                s1 += err[j + 1]
                s2 += err[j + 2]
                s3 += err[j + 3]
                j += 4
            while j <= last:
                s0 += err[j]
                j += 1
            total += (s0 + s1) + (s2 + s3)
    return total


def grad_update(inputs: MattingInputs) -> float:
    """Sufficient statistic: Σ(|∇p̃| − |∇g̃|)² over the region (before /1000)."""
    if inputs.n_scored == 0:
        return 0.0  # nothing to sum: skip the filtering / the components
    return _grad_kernel(inputs.pred, inputs.gt, inputs.trimap, inputs.region == "whole", _TAPS)


def grad_compute(total: float) -> float:
    return total / 1000.0


def grad(pred, gt, trimap, *, region: Region = "unknown") -> float:
    """Gradient error (DIM MATLAB semantics), /1000.

    The filter sees the whole image (known regions included); only the sum is restricted to
    REGION. Force predictions to 0/255 on the known regions first, as DIM does.
    """
    return grad_compute(grad_update(check_matting_inputs(pred, gt, trimap, region=region)))
