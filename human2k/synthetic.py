"""Procedural matting data: the embedded default dataset (no image is bundled with mattebench).

``synth_sample`` draws a "portrait" foreground (head + shoulders silhouette with wobbly, partly
soft edges, curved sub-pixel hair strands, a semi-transparent veil with α in 0.2–0.7, holes)
and ``synth_background`` a textured background. Both are pure NumPy, deterministic for a given
``np.random.Generator`` state. The tree writers lay these out **exactly like the real
datasets**, so the composer, the checker and the builder are exercised on the same quirks users
meet (composition_reference.md §2–§5):

``write_comp1k_tree(root)`` — Adobe Deep Image Matting + COCO + VOC::

    root/Combined_Dataset/Training_set/training_fg_names.txt   fg names, case-insensitive order
    root/Combined_Dataset/Training_set/training_bg_names.txt   COCO names, ascending, n_fg·bg_train
    root/Combined_Dataset/Training_set/Adobe-licensed images/{fg,alpha}/NAME.jpg
    root/Combined_Dataset/Training_set/Other/{fg,alpha}/NAME.jpg     (the CC-licensed ones)
    root/Combined_Dataset/Test_set/test_fg_names.txt           .png names, sorted
    root/Combined_Dataset/Test_set/test_bg_names.txt           VOC names, ascending, n_fg·bg_test
    root/Combined_Dataset/Test_set/Adobe-licensed images/{fg,alpha}/NAME.png
    root/Combined_Dataset/Test_set/Adobe-licensed images/trimaps/STEM_k.png   k = 0..bg_test-1
    root/coco/train2014/COCO_train2014_000000xxxxxx.jpg
    root/VOC2012/JPEGImages/200x_xxxxxx.jpg
    root/synth_record.json          parameters, seeds and per-test-trimap parameters

* Name lists: LF line endings, no trailing newline (as Adobe's). The training fg list is in
  Adobe's case-insensitive order, which differs from Python's ``sorted()`` (``a-single-…``
  before ``Aaron_…``), and includes a name with a space and parentheses
  (``woman-952506_1920 (1).jpg``).
* Training fg **and alpha** files are real JPEGs named ``.jpg`` (quality 95; alphas are
  grayscale JPEGs, so they carry small JPEG ringing like the real ones). The first training
  fg (list order) and, when there are ≥ 3, the third are in ``Other/``; the rest in
  ``Adobe-licensed images/``.
* Test fg and alpha files are PNG. The **first test fg is RGBA** (its own alpha channel is a
  binarised matte that composition must ignore). Every alpha is mode ``L`` except the **last
  test alpha, which is RGB with three equal channels** (when ``n_test_fg ≥ 2``; turn off with
  ``rgb_alpha=False``) — ``human2k.images.read_alpha`` accepts it, Adobe's literal loop would not.
* Test trimaps: preset ``dim`` (random dilation 10–30 px, scaled to the image size) of the
  GT, seed ``derive_seed(seed, "comp1k-test-trimap", name)``, different per k as Adobe's are;
  recorded in ``synth_record.json``.
* Backgrounds: background line ``i·N + k`` goes with foreground ``i``; their sizes cycle
  through smaller-than-fg (composition must upscale), larger, one-axis-smaller and same-size.
  The first training bg is a **grayscale** JPEG and the second a **CMYK** JPEG; the first
  test bg is grayscale too.

``write_d646_tree(root)`` — Distinctions-646 as released + HAttMatting's lists::

    root/Distinctions-646/Train/{FG,GT}/NAME.png        Test/{FG,GT}/test_0.png …
    root/Distinctions-646/lists/train/{fg_train,bg_train}.txt
    root/Distinctions-646/lists/test/{fg_test,bg_test}.txt   (CRLF line endings, trailing CRLF)
    root/coco/train2014/…, root/VOC2012/JPEGImages/…     (no test trimaps: D646 ships none)

  The train bg list is ascending for its first ``n_train·bg_train − tail`` lines and unsorted
  in the last ``tail`` lines (as HAttMatting's ``bg_train.txt``).

``write_human2k_raw(root, n)`` — a folder of "human photos" for the Human-2K builder::

    root/images/human_0000.jpg …   (RGB JPEG: the foreground composited over a background)
    root/alphas/human_0000.png …   (L PNG matte, same size)
    root/provenance.csv            name,source,license,seed,human

Everything is byte-identical for a given seed and library versions (fixed JPEG quality,
no timestamps in PNG), and the default Composition-1K tree takes well under a second.

Example:
    >>> rng = np.random.default_rng(0)
    >>> fg, alpha = synth_sample(rng, size=(64, 48))
    >>> fg.shape, alpha.shape, alpha.dtype.name, int(alpha.min()), int(alpha.max())
    ((48, 64, 3), (48, 64), 'uint8', 0, 255)
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from human2k.errors import InputError
from human2k.images import atomic_write_bytes
from human2k.trimap import derive_seed, generate_trimap

__all__ = [
    "SynthTree",
    "D646Tree",
    "Human2KRaw",
    "synth_sample",
    "synth_background",
    "write_comp1k_tree",
    "write_d646_tree",
    "write_human2k_raw",
    "JPEG_QUALITY",
]

JPEG_QUALITY = 95

# Realistic names, chosen to exercise the name-list quirks; more are generated when needed.
_TRAIN_FG_NAMES = [
    "9434599749_e7ccfc7812_b.jpg",
    "a-single-person-1.jpg",
    "Aaron_Friedman_Headshot.jpg",
    "woman-952506_1920 (1).jpg",
    "boy-1518482_1920.jpg",
    "Girl_in_the_garden.jpg",
    "long-hair-3524329_1920.jpg",
    "woman-952506_1920.jpg",
]
_TEST_FG_NAMES = [
    "beach-747750_1280.png",
    "boy-1518482_1920.png",
    "light-bulb-376930_1920.png",
    "spring-289527_1920.png",
    "woman-952506_1920.png",
]
_D646_TRAIN_NAMES = [
    "13(2).png",
    "a_0.png",
    "a_1.png",
    "a_10.png",
    "GT01.png",
    "h_0.png",
    "male(124).png",
    "t_9.png",
]


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
    hair = _hair(
        rng, h, w, cx, cy, head_rx, head_ry, n_hair, head_ry * rng.uniform(0.6, 1.4)
    )
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


# --------------------------------------------------------------------------------- writers
def _encode(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        im.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    else:
        im.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _save(path: Path, im: Image.Image, fmt: str) -> None:
    atomic_write_bytes(path, _encode(im, fmt))


def _write_list(path: Path, names: list[str], *, crlf: bool = False) -> None:
    data = ("\r\n".join(names) + "\r\n") if crlf else "\n".join(names)
    atomic_write_bytes(path, data.encode("utf-8"))


def _names(pool: list[str], n: int, pattern: str) -> list[str]:
    out = list(pool[:n])
    i = 0
    while len(out) < n:
        name = pattern.format(i)
        if name not in out:
            out.append(name)
        i += 1
    return out


def _adobe_sort(names: list[str]) -> list[str]:
    """Adobe's list order: case-insensitive (ties broken by the exact name)."""
    return sorted(names, key=lambda s: (s.lower(), s))


def _fg_size(rng: np.random.Generator, size: tuple[int, int], index: int) -> tuple[int, int]:
    if index == 0:
        return int(size[0]), int(size[1])
    f = rng.uniform(0.85, 1.15, size=2)
    return max(8, int(round(size[0] * f[0]))), max(8, int(round(size[1] * f[1])))


# bg size relative to the fg it is composited with: upscale both ways, larger, one axis, same.
_BG_FACTORS = [(0.6, 0.7), (1.5, 1.3), (1.2, 0.8), (1.0, 1.0), (0.5, 0.55), (2.0, 1.8), (0.9, 1.6)]


def _write_bgs(
    rng, folder: Path, names: list[str], fg_sizes: list[tuple[int, int]], per_fg: int, modes: dict
) -> list[dict]:
    info = []
    for j, name in enumerate(names):
        fw, fh = fg_sizes[j // per_fg]
        fx, fy = _BG_FACTORS[j % len(_BG_FACTORS)]
        bw, bh = max(4, int(round(fw * fx))), max(4, int(round(fh * fy)))
        arr = synth_background(rng, (bw, bh))
        mode = modes.get(j, "RGB")
        im = Image.fromarray(arr)
        if mode != "RGB":
            im = im.convert(mode)
        _save(folder / name, im, "JPEG")
        info.append({"name": name, "size": [bw, bh], "mode": mode})
    return info


def _sorted_distinct(rng, n: int, lo: int, hi: int) -> list[int]:
    return sorted(int(v) for v in rng.choice(np.arange(lo, hi), size=n, replace=False))


def _coco_names(rng, n: int) -> list[str]:
    return [f"COCO_train2014_{v:012d}.jpg" for v in _sorted_distinct(rng, n, 9, 581930)]


def _voc_names(rng, n: int) -> list[str]:
    vals = _sorted_distinct(rng, n, 27, 2 * 10000)
    return [f"{2007 + v // 10000}_{v % 10000:06d}.jpg" for v in vals]


@dataclass(frozen=True)
class SynthTree:
    """Where ``write_comp1k_tree`` put things, and the parameters it used."""

    root: Path
    adobe_root: Path  # .../Combined_Dataset
    coco_root: Path  # .../coco (images in train2014/)
    voc_root: Path  # .../VOC2012 (images in JPEGImages/)
    n_train_fg: int
    n_test_fg: int
    bg_train: int
    bg_test: int
    seed: int
    size: tuple[int, int]
    train_fg_names: list[str] = field(default_factory=list)
    test_fg_names: list[str] = field(default_factory=list)
    other_fg_names: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class D646Tree:
    """Where ``write_d646_tree`` put things, and the parameters it used."""

    root: Path
    d646_root: Path  # .../Distinctions-646 (Train/, Test/, lists/)
    coco_root: Path
    voc_root: Path
    fg_train_list: Path
    bg_train_list: Path
    fg_test_list: Path
    bg_test_list: Path
    n_train_fg: int
    n_test_fg: int
    bg_train: int
    bg_test: int
    seed: int
    size: tuple[int, int]


@dataclass(frozen=True)
class Human2KRaw:
    """Where ``write_human2k_raw`` put things."""

    root: Path
    images: Path
    alphas: Path
    provenance: Path
    n: int
    seed: int
    size: tuple[int, int]


def _check_counts(**counts: int) -> None:
    for name, v in counts.items():
        if int(v) < 1:
            raise InputError(None, f"{name} must be >= 1, got {v}")


def _jsonable(obj: Any, root: Path | None = None) -> Any:
    """JSON-ready copy; paths become relative to ROOT so the record is byte-identical anywhere."""
    if isinstance(obj, Path):
        return "." if obj == root else str(obj.relative_to(root)) if root is not None else str(obj)
    if isinstance(obj, dict):
        return {k: _jsonable(v, root) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, root) for v in obj]
    return obj


def write_comp1k_tree(
    root: str | os.PathLike,
    *,
    n_train_fg: int = 4,
    n_test_fg: int = 2,
    bg_train: int = 2,
    bg_test: int = 2,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
    rgb_alpha: bool = True,
) -> SynthTree:
    """Write a synthetic Adobe Composition-1K tree with COCO/VOC backgrounds (layout above).

    Args:
        root: output folder (created; existing files with the same names are replaced).
        n_train_fg, n_test_fg: number of foregrounds per split.
        bg_train, bg_test: backgrounds per foreground (Adobe: 100 and 20).
        seed: everything is drawn from ``np.random.default_rng(seed)``.
        size: ``(W, H)`` of the first fg; the others vary by ±15 %.
        rgb_alpha: write the last test alpha as RGB with equal channels.

    Returns:
        A ``SynthTree`` with the roots and parameters.

    Example:
        >>> import tempfile
        >>> t = write_comp1k_tree(tempfile.mkdtemp(), size=(40, 30))
        >>> (t.adobe_root / "Training_set" / "training_fg_names.txt").read_text().splitlines()[:3]
        ['9434599749_e7ccfc7812_b.jpg', 'a-single-person-1.jpg', 'Aaron_Friedman_Headshot.jpg']
    """
    _check_counts(n_train_fg=n_train_fg, n_test_fg=n_test_fg, bg_train=bg_train, bg_test=bg_test)
    root = Path(root)
    rng = np.random.default_rng(int(seed))
    adobe = root / "Combined_Dataset"
    train, test = adobe / "Training_set", adobe / "Test_set"
    coco, voc = root / "coco", root / "VOC2012"

    train_names = _adobe_sort(_names(_TRAIN_FG_NAMES, n_train_fg, "person_{:04d}.jpg"))
    test_names = sorted(_names(_TEST_FG_NAMES, n_test_fg, "test-object-{:04d}.png"))
    other = {train_names[i] for i in (0, 2) if i < len(train_names) and len(train_names) > 1}
    record: dict[str, Any] = {
        "generator": "human2k.synthetic.write_comp1k_tree",
        "seed": int(seed),
        "size": list(size),
        "jpeg_quality": JPEG_QUALITY,
        "train": {},
        "test": {},
    }

    train_sizes = []
    for i, name in enumerate(train_names):
        wh = _fg_size(rng, size, i)
        train_sizes.append(wh)
        fg, alpha = synth_sample(rng, wh)
        folder = train / ("Other" if name in other else "Adobe-licensed images")
        _save(folder / "fg" / name, Image.fromarray(fg), "JPEG")
        _save(folder / "alpha" / name, Image.fromarray(alpha, "L"), "JPEG")
        record["train"][name] = {"size": list(wh), "folder": folder.name}

    test_sizes = []
    trimap_records = {}
    test_dir = test / "Adobe-licensed images"
    for i, name in enumerate(test_names):
        wh = _fg_size(rng, size, i)
        test_sizes.append(wh)
        fg, alpha = synth_sample(rng, wh)
        fg_im = Image.fromarray(fg)
        if i == 0:  # RGBA fg whose own alpha channel (binarised) must be ignored
            fg_im = Image.fromarray(
                np.dstack([fg, np.where(alpha > 0, 255, 0).astype(np.uint8)]), "RGBA"
            )
        alpha_im = Image.fromarray(alpha, "L")
        if rgb_alpha and n_test_fg >= 2 and i == n_test_fg - 1:
            alpha_im = alpha_im.convert("RGB")
        _save(test_dir / "fg" / name, fg_im, "PNG")
        _save(test_dir / "alpha" / name, alpha_im, "PNG")
        record["test"][name] = {
            "size": list(wh),
            "fg_mode": fg_im.mode,
            "alpha_mode": alpha_im.mode,
        }
        k_max = max(4, int(round(30 * max(wh) / 320)))  # 10–30 px at the default 320×240
        size_range = (max(3, k_max // 3), k_max)
        for k in range(bg_test):
            tname = f"{name[:-4]}_{k}.png"
            tseed = derive_seed(seed, "comp1k-test-trimap", tname)
            tri, params = generate_trimap(
                alpha, "dim", seed=tseed, size_range=size_range, return_params=True
            )
            _save(test_dir / "trimaps" / tname, Image.fromarray(tri, "L"), "PNG")
            trimap_records[tname] = params

    coco_list = _coco_names(rng, n_train_fg * bg_train)
    voc_list = _voc_names(rng, n_test_fg * bg_test)
    record["train_bgs"] = _write_bgs(
        rng, coco / "train2014", coco_list, train_sizes, bg_train, {0: "L", 1: "CMYK"}
    )
    record["test_bgs"] = _write_bgs(
        rng, voc / "JPEGImages", voc_list, test_sizes, bg_test, {0: "L"}
    )
    record["test_trimaps"] = trimap_records

    _write_list(train / "training_fg_names.txt", train_names)
    _write_list(train / "training_bg_names.txt", coco_list)
    _write_list(test / "test_fg_names.txt", test_names)
    _write_list(test / "test_bg_names.txt", voc_list)
    tree = SynthTree(
        root,
        adobe,
        coco,
        voc,
        n_train_fg,
        n_test_fg,
        bg_train,
        bg_test,
        int(seed),
        (int(size[0]), int(size[1])),
        train_names,
        test_names,
        sorted(other, key=train_names.index),
    )
    record["tree"] = asdict(tree)
    atomic_write_bytes(
        root / "synth_record.json", json.dumps(_jsonable(record, root), indent=1).encode("utf-8")
    )
    return tree


def write_d646_tree(
    root: str | os.PathLike,
    *,
    n_train_fg: int = 4,
    n_test_fg: int = 2,
    bg_train: int = 2,
    bg_test: int = 2,
    seed: int = 0,
    size: tuple[int, int] = (320, 240),
) -> D646Tree:
    """Write a synthetic Distinctions-646 tree with HAttMatting-style CRLF lists (layout above).

    Args:
        root: output folder.
        n_train_fg, n_test_fg: foregrounds per split (D646: 596 and 50).
        bg_train, bg_test: backgrounds per foreground (D646 as released: 80 and 20).
        seed, size: as in ``write_comp1k_tree``.

    Example:
        >>> import tempfile
        >>> t = write_d646_tree(tempfile.mkdtemp(), size=(40, 30))
        >>> t.fg_test_list.read_bytes()
        b'test_0.png\\r\\ntest_1.png\\r\\n'
    """
    _check_counts(n_train_fg=n_train_fg, n_test_fg=n_test_fg, bg_train=bg_train, bg_test=bg_test)
    root = Path(root)
    rng = np.random.default_rng(int(seed))
    d646 = root / "Distinctions-646"
    coco, voc = root / "coco", root / "VOC2012"
    train_names = _adobe_sort(_names(_D646_TRAIN_NAMES, n_train_fg, "train_{}.png"))
    test_names = [f"test_{i}.png" for i in range(n_test_fg)]
    sizes: dict[str, list[tuple[int, int]]] = {"Train": [], "Test": []}
    for split, names in (("Train", train_names), ("Test", test_names)):
        for i, name in enumerate(names):
            wh = _fg_size(rng, size, i)
            sizes[split].append(wh)
            fg, alpha = synth_sample(rng, wh)
            _save(d646 / split / "FG" / name, Image.fromarray(fg), "PNG")
            _save(d646 / split / "GT" / name, Image.fromarray(alpha, "L"), "PNG")
    n_bg_train = n_train_fg * bg_train
    coco_list = _coco_names(rng, n_bg_train)
    tail = n_bg_train // 10  # HAttMatting's extra names, appended unsorted
    if tail > 1:
        coco_list[-tail:] = [coco_list[-tail:][j] for j in rng.permutation(tail)]
    voc_list = _voc_names(rng, n_test_fg * bg_test)
    _write_bgs(rng, coco / "train2014", coco_list, sizes["Train"], bg_train, {0: "L", 1: "CMYK"})
    _write_bgs(rng, voc / "JPEGImages", voc_list, sizes["Test"], bg_test, {0: "L"})
    lists = d646 / "lists"
    paths = (
        lists / "train" / "fg_train.txt",
        lists / "train" / "bg_train.txt",
        lists / "test" / "fg_test.txt",
        lists / "test" / "bg_test.txt",
    )
    for path, names in zip(paths, (train_names, coco_list, test_names, voc_list), strict=True):
        _write_list(path, names, crlf=True)
    tree = D646Tree(
        root,
        d646,
        coco,
        voc,
        *paths,
        n_train_fg,
        n_test_fg,
        bg_train,
        bg_test,
        int(seed),
        (int(size[0]), int(size[1])),
    )
    record = {"generator": "human2k.synthetic.write_d646_tree", "tree": asdict(tree)}
    atomic_write_bytes(
        root / "synth_record.json", json.dumps(_jsonable(record, root), indent=1).encode("utf-8")
    )
    return tree


def write_human2k_raw(
    root: str | os.PathLike,
    n: int = 8,
    seed: int = 0,
    *,
    size: tuple[int, int] = (320, 240),
) -> Human2KRaw:
    """Write N synthetic "human photos" (JPEG) with their alpha mattes (PNG) for the builder.

    Each photo is the drawn foreground composited over a drawn background with float64
    ``α·F + (1−α)·B`` and rounding; sizes vary by ±15 % around SIZE. ``provenance.csv`` lists
    ``name,source,license,seed,human`` per image, where ``seed`` is the image's own generator seed
    ``derive_seed(seed, name)`` (so the first 5 images of n=10 equal those of n=5).

    Example:
        >>> import tempfile
        >>> r = write_human2k_raw(tempfile.mkdtemp(), 2, seed=1, size=(40, 30))
        >>> sorted(p.name for p in r.images.iterdir()), sorted(p.name for p in r.alphas.iterdir())
        (['human_0000.jpg', 'human_0001.jpg'], ['human_0000.png', 'human_0001.png'])
    """
    _check_counts(n=n)
    root = Path(root)
    rows = []
    for i in range(int(n)):
        stem = f"human_{i:04d}"
        sample_seed = derive_seed(seed, stem)  # per image: n=10 is a superset of n=5
        rng = np.random.default_rng(sample_seed)
        wh = _fg_size(rng, size, i)
        fg, alpha = synth_sample(rng, wh)
        bg = synth_background(rng, wh)
        a = alpha.astype(np.float64)[..., None] / 255.0
        photo = np.clip(np.rint(a * fg + (1 - a) * bg), 0, 255).astype(np.uint8)
        _save(root / "images" / f"{stem}.jpg", Image.fromarray(photo), "JPEG")
        _save(root / "alphas" / f"{stem}.png", Image.fromarray(alpha, "L"), "PNG")
        # human=true: the silhouettes stand in for people (Table 1's H counts them)
        rows.append([stem, "mattebench-synthetic", "CC0-1.0", str(sample_seed), "true"])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "source", "license", "seed", "human"])
    writer.writerows(rows)
    atomic_write_bytes(root / "provenance.csv", buf.getvalue().encode("utf-8"))
    return Human2KRaw(
        root,
        root / "images",
        root / "alphas",
        root / "provenance.csv",
        int(n),
        int(seed),
        (int(size[0]), int(size[1])),
    )
