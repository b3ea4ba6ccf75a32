"""Procedural matting images: one foreground with its alpha matte, and one background.

``synth_sample`` draws a "portrait" foreground (head + shoulders silhouette with wobbly, partly
soft edges, curved sub-pixel hair strands, a semi-transparent veil with α in 0.2–0.7, holes)
and ``synth_background`` a textured background. Both are pure NumPy, deterministic for a given
``np.random.Generator`` state. The tree writers (``human2k.synthetic_comp1k``,
``human2k.synthetic_d646``, ``human2k.synthetic_human2k``) lay them out like the real datasets;
``human2k.synthetic`` re-exports all of them.

Example:
    >>> rng = np.random.default_rng(0)
    >>> fg, alpha = synth_sample(rng, size=(64, 48))
    >>> fg.shape, alpha.shape, alpha.dtype.name, int(alpha.min()), int(alpha.max())
    ((48, 64, 3), (48, 64), 'uint8', 0, 255)
"""

from __future__ import annotations

import math

import numpy as np

from human2k.errors import InputError

__all__ = ["synth_sample", "synth_background"]


# ----------------------------------------------------------------------------------- noise
def _value_noise(rng: np.random.Generator, h: int, w: int, cells: float) -> np.ndarray:
    """Smooth value noise in [0, 1]: a random grid of about CELLS cells across, smoothstep-lerped."""
    gy = max(2, int(math.ceil(cells * h / max(h, w))) + 2)
    gx = max(2, int(math.ceil(cells * w / max(h, w))) + 2)
    grid = rng.random((gy, gx), dtype=np.float32)
    y = np.linspace(0, gy - 1.001, h, dtype=np.float32)
    x = np.linspace(0, gx - 1.001, w, dtype=np.float32)
    y0, x0 = y.astype(np.int64), x.astype(np.int64)
    ty, tx = y - y0, x - x0
    ty, tx = ty * ty * (3 - 2 * ty), tx * tx * (3 - 2 * tx)
    a = grid[y0][:, x0] * (1 - tx) + grid[y0][:, x0 + 1] * tx
    b = grid[y0 + 1][:, x0] * (1 - tx) + grid[y0 + 1][:, x0 + 1] * tx
    return a * (1 - ty)[:, None] + b * ty[:, None]


def _fractal(
    rng: np.random.Generator, h: int, w: int, cells: float, octaves: int = 4
) -> np.ndarray:
    """Sum of value-noise octaves (each doubling the frequency, halving the amplitude), in [0, 1]."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        out += amp * _value_noise(rng, h, w, min(cells * 2**o, max(h, w) / 1.5))
        total += amp
        amp *= 0.5
    return out / total


def _palette(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 3)).astype(np.float32)


def _colour_field(rng: np.random.Generator, h: int, w: int, cells: float) -> np.ndarray:
    """A textured colour image (float32 0..255): 3 colours mixed by noise plus fine grain."""
    cols = _palette(rng, 3)
    m1 = _fractal(rng, h, w, cells)[..., None]
    m2 = _fractal(rng, h, w, cells * 1.7)[..., None]
    img = cols[0] * (1 - m1) + cols[1] * m1
    img = img * (1 - 0.6 * m2) + cols[2] * 0.6 * m2
    grain = (_value_noise(rng, h, w, max(h, w) / 3.0) - 0.5)[..., None] * rng.uniform(10, 40)
    return img + grain


# ------------------------------------------------------------------------------ foreground
def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return yy + 0.5, xx + 0.5


def _soft_blob(xx, yy, cx, cy, rx, ry, angle, soft, wobble) -> np.ndarray:
    """Coverage of a rotated ellipse with a Fourier-wobbled radius and edge width SOFT (px)."""
    c, s = math.cos(angle), math.sin(angle)
    u = ((xx - cx) * c + (yy - cy) * s) / rx
    v = (-(xx - cx) * s + (yy - cy) * c) / ry
    r = np.sqrt(u * u + v * v)
    theta = np.arctan2(v, u)
    radius = np.ones_like(r)
    for k, amp, phase in wobble:
        radius += amp * np.cos(k * theta + phase)
    signed = (radius - r) * math.sqrt(rx * ry)  # ≈ signed distance to the boundary, px
    return np.clip(0.5 + signed / soft, 0.0, 1.0)


def _wobble(rng: np.random.Generator, strength: float) -> list[tuple[int, float, float]]:
    return [
        (k, float(rng.uniform(0, strength / k)), float(rng.uniform(0, 2 * math.pi)))
        for k in range(2, 7)
    ]


def _hair(rng, h, w, cx, cy, rx, ry, n, length) -> np.ndarray:
    """Coverage of N curved, tapering, sub-pixel strands rooted on the head's upper rim."""
    steps = max(8, int(length / 0.5))
    ang = rng.uniform(-math.pi * 0.95, -math.pi * 0.05, size=n)  # upper half (y grows downward)
    start_in = rng.uniform(0.75, 0.95, size=n)
    px = cx + rx * start_in * np.cos(ang)
    py = cy + ry * start_in * np.sin(ang)
    direction = ang + rng.normal(0, 0.35, size=n)
    curv = rng.normal(0, 0.03, size=n)
    lens = rng.uniform(0.4, 1.0, size=n) * length
    width = rng.uniform(0.25, 1.0, size=n)
    t = np.arange(steps, dtype=np.float64) * 0.5
    dtheta = curv[:, None] + rng.normal(0, 0.01, size=(n, steps))
    theta = direction[:, None] + np.cumsum(dtheta, axis=1)
    xs = px[:, None] + np.cumsum(0.5 * np.cos(theta), axis=1)
    ys = py[:, None] + np.cumsum(0.5 * np.sin(theta), axis=1)
    taper = np.clip(1.0 - t[None, :] / lens[:, None], 0.0, 1.0) ** 0.7
    weight = (width[:, None] * taper * 0.5).ravel()
    xs, ys = xs.ravel() - 0.5, ys.ravel() - 0.5
    x0, y0 = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    fx, fy = xs - x0, ys - y0
    acc = np.zeros(h * w, np.float64)
    for dx, dy, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        xi, yi = x0 + dx, y0 + dy
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h) & (weight > 0)
        acc += np.bincount(yi[ok] * w + xi[ok], weights=(weight * wgt)[ok], minlength=h * w)
    return np.clip(acc.reshape(h, w), 0.0, 1.0).astype(np.float32)


def synth_sample(
    rng: np.random.Generator, size: tuple[int, int] = (320, 240)
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one foreground and its alpha matte.

    The object is a head-and-shoulders silhouette at a random scale and position: wobbly edges
    whose softness varies along the contour (0.7–4 px), 60–400 curved anti-aliased hair strands
    0.25–1 px wide, a semi-transparent veil (α 0.2–0.7), and 1–3 holes. The foreground colours
    are textured and cover the whole image (like Adobe's fgs, colour exists where α = 0).

    Args:
        rng: the generator to draw from (its state advances).
        size: ``(W, H)`` in pixels (PIL order).

    Returns:
        ``(fg, alpha)``: uint8 H×W×3 and uint8 H×W.

    Example:
        >>> fg, a = synth_sample(np.random.default_rng(3), size=(80, 60))
        >>> bool(((a > 0) & (a < 255)).mean() > 0.02)
        True
    """
    w, h = int(size[0]), int(size[1])
    if w < 1 or h < 1:
        raise InputError(None, f"size must be positive (W, H), got {size!r}")
    yy, xx = _grid(h, w)
    m = float(min(w, h))
    scale = rng.uniform(0.75, 1.1)
    cx = w * rng.uniform(0.35, 0.65)
    head_ry = m * 0.2 * scale
    head_rx = head_ry * rng.uniform(0.7, 0.9)
    cy = h * rng.uniform(0.3, 0.45)
    softness = 0.7 + 3.3 * _fractal(rng, h, w, 3.0, octaves=2)
    head = _soft_blob(
        xx, yy, cx, cy, head_rx, head_ry, rng.uniform(-0.2, 0.2), softness, _wobble(rng, 0.06)
    )
    sh_cy = cy + head_ry + m * 0.35 * scale
    shoulders = _soft_blob(
        xx,
        yy,
        cx + rng.uniform(-0.05, 0.05) * w,
        sh_cy,
        head_rx * rng.uniform(2.2, 3.0),
        m * 0.4 * scale,
        rng.uniform(-0.15, 0.15),
        softness,
        _wobble(rng, 0.08),
    )
    neck = _soft_blob(
        xx, yy, cx, cy + head_ry * 0.9, head_rx * 0.45, head_ry * 0.6, 0.0, softness, []
    )
    body = np.maximum(np.maximum(head, shoulders), neck)
    for _ in range(int(rng.integers(1, 4))):  # holes (e.g. between an arm and the body)
        hx = cx + rng.choice([-1, 1]) * head_rx * rng.uniform(1.0, 2.0)
        hy = sh_cy + rng.uniform(-0.1, 0.2) * m
        hr = m * rng.uniform(0.025, 0.06)
        hole = _soft_blob(
            xx,
            yy,
            hx,
            hy,
            hr,
            hr * rng.uniform(0.6, 1.4),
            rng.uniform(0, math.pi),
            softness,
            _wobble(rng, 0.1),
        )
        body = body * (1.0 - hole)
    n_hair = int(rng.integers(60, 400) * max(m, 48) / 240)
    hair = _hair(rng, h, w, cx, cy, head_rx, head_ry, n_hair, head_ry * rng.uniform(0.6, 1.4))
    veil_level = rng.uniform(0.2, 0.7)
    vx = cx + rng.choice([-1, 1]) * head_rx * rng.uniform(1.2, 2.2)
    veil_shape = _soft_blob(
        xx,
        yy,
        vx,
        cy + rng.uniform(0.0, 0.5) * head_ry,
        head_rx * rng.uniform(0.6, 1.1),
        head_ry * rng.uniform(0.8, 1.6),
        rng.uniform(-0.5, 0.5),
        softness * 1.5,
        _wobble(rng, 0.05),
    )
    veil = veil_shape * veil_level * (0.85 + 0.3 * _value_noise(rng, h, w, 6.0))
    alpha = 1.0 - (1.0 - body) * (1.0 - hair) * (1.0 - np.clip(veil, 0.0, 1.0))

    skin = _colour_field(rng, h, w, rng.uniform(2.0, 6.0))
    hair_col = _palette(rng, 1)[0] * rng.uniform(0.2, 1.0)
    streaks = _value_noise(rng, h, w, max(h, w) / 4.0)[..., None]
    hair_rgb = hair_col * (0.7 + 0.6 * streaks)
    veil_rgb = _palette(rng, 1)[0] * 0.5 + 127.0
    hair_w = np.clip(hair / np.maximum(alpha, 1e-3), 0.0, 1.0)[..., None]
    veil_w = np.clip(veil / np.maximum(alpha, 1e-3), 0.0, 1.0)[..., None] * (1.0 - body[..., None])
    fg = skin * (1 - hair_w) + hair_rgb * hair_w
    fg = fg * (1 - veil_w) + veil_rgb * veil_w
    fg_u8 = np.clip(np.rint(fg), 0, 255).astype(np.uint8)
    alpha_u8 = np.clip(np.rint(alpha * 255.0), 0, 255).astype(np.uint8)
    return fg_u8, alpha_u8


def synth_background(rng: np.random.Generator, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """Draw one textured background: noise octaves, optional stripes and coloured blobs.

    Args:
        rng: the generator to draw from.
        size: ``(W, H)``.

    Returns:
        uint8 H×W×3.

    Example:
        >>> synth_background(np.random.default_rng(0), size=(32, 16)).shape
        (16, 32, 3)
    """
    w, h = int(size[0]), int(size[1])
    if w < 1 or h < 1:
        raise InputError(None, f"size must be positive (W, H), got {size!r}")
    img = _colour_field(rng, h, w, rng.uniform(1.5, 10.0))
    yy, xx = _grid(h, w)
    if rng.random() < 0.6:  # stripes, warped by noise
        ang = rng.uniform(0, math.pi)
        period = rng.uniform(6, 40)
        warp = _value_noise(rng, h, w, 3.0) * rng.uniform(0, 20)
        phase = (xx * math.cos(ang) + yy * math.sin(ang) + warp) * (2 * math.pi / period)
        img = (
            img * (1 - 0.35 * (0.5 + 0.5 * np.sin(phase))[..., None])
            + 0.35 * (0.5 + 0.5 * np.sin(phase))[..., None] * _palette(rng, 1)[0]
        )
    for _ in range(int(rng.integers(0, 6))):  # blobs
        r = rng.uniform(0.05, 0.3) * min(w, h)
        blob = _soft_blob(
            xx,
            yy,
            rng.uniform(0, w),
            rng.uniform(0, h),
            r,
            r * rng.uniform(0.5, 1.5),
            rng.uniform(0, math.pi),
            rng.uniform(1, 12),
            _wobble(rng, 0.1),
        )[..., None] * rng.uniform(0.4, 1.0)
        img = img * (1 - blob) + _palette(rng, 1)[0] * blob
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)
