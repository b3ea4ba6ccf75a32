"""Byte-stable files for the synthetic tree writers: encoders, name lists, background pools.

Shared by ``human2k.synthetic_comp1k``, ``human2k.synthetic_d646`` and
``human2k.synthetic_human2k``. JPEGs are written at the fixed ``JPEG_QUALITY`` (no optimise, no
progressive) and PNGs at compression level 6 with no timestamp, so a tree is byte-identical for
a given seed and library versions. The COCO/VOC background pools (``write_backgrounds``) cycle their
sizes through smaller-than-fg, larger, one-axis-smaller and same-size relative to the fg they
are composited with.

Example:
    >>> JPEG_QUALITY
    95
    >>> _encode(Image.new("L", (4, 4)), "PNG") == _encode(Image.new("L", (4, 4)), "PNG")
    True
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from human2k.errors import InputError
from human2k.images import atomic_write_bytes
from human2k.synthetic_sample import synth_background

__all__ = [
    "JPEG_QUALITY",
    "save_image",
    "write_name_list",
    "draw_names",
    "fg_size",
    "write_backgrounds",
    "coco_names",
    "voc_names",
    "check_counts",
    "jsonable",
]

JPEG_QUALITY = 95


def _encode(im: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        im.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False)
    else:
        im.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def save_image(path: Path, im: Image.Image, fmt: str) -> None:
    atomic_write_bytes(path, _encode(im, fmt))


def write_name_list(path: Path, names: list[str], *, crlf: bool = False) -> None:
    data = ("\r\n".join(names) + "\r\n") if crlf else "\n".join(names)
    atomic_write_bytes(path, data.encode("utf-8"))


def draw_names(pool: list[str], n: int, pattern: str) -> list[str]:
    out = list(pool[:n])
    i = 0
    while len(out) < n:
        name = pattern.format(i)
        if name not in out:
            out.append(name)
        i += 1
    return out


def fg_size(rng: np.random.Generator, size: tuple[int, int], index: int) -> tuple[int, int]:
    if index == 0:
        return int(size[0]), int(size[1])
    f = rng.uniform(0.85, 1.15, size=2)
    return max(8, int(round(size[0] * f[0]))), max(8, int(round(size[1] * f[1])))


# bg size relative to the fg it is composited with: upscale both ways, larger, one axis, same.
_BG_FACTORS = [(0.6, 0.7), (1.5, 1.3), (1.2, 0.8), (1.0, 1.0), (0.5, 0.55), (2.0, 1.8), (0.9, 1.6)]


def write_backgrounds(
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
        save_image(folder / name, im, "JPEG")
        info.append({"name": name, "size": [bw, bh], "mode": mode})
    return info


def _sorted_distinct(rng, n: int, lo: int, hi: int) -> list[int]:
    return sorted(int(v) for v in rng.choice(np.arange(lo, hi), size=n, replace=False))


def coco_names(rng, n: int) -> list[str]:
    return [f"COCO_train2014_{v:012d}.jpg" for v in _sorted_distinct(rng, n, 9, 581930)]


def voc_names(rng, n: int) -> list[str]:
    vals = _sorted_distinct(rng, n, 27, 2 * 10000)
    return [f"{2007 + v // 10000}_{v % 10000:06d}.jpg" for v in vals]


def check_counts(**counts: int) -> None:
    for name, v in counts.items():
        if int(v) < 1:
            raise InputError(None, f"{name} must be >= 1, got {v}")


def jsonable(obj: Any, root: Path | None = None) -> Any:
    """JSON-ready copy; paths become relative to ROOT so the record is byte-identical anywhere."""
    if isinstance(obj, Path):
        return "." if obj == root else str(obj.relative_to(root)) if root is not None else str(obj)
    if isinstance(obj, dict):
        return {k: jsonable(v, root) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v, root) for v in obj]
    return obj
