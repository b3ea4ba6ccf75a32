"""A raw Human-2K folder for the builder: synthetic "human photos" with their alpha mattes.

``write_human2k_raw(root, n)`` — a folder of "human photos" for the Human-2K builder::

    root/images/human_0000.jpg …   (RGB JPEG: the foreground composited over a background)
    root/alphas/human_0000.png …   (L PNG matte, same size)
    root/provenance.csv            name,source,license,seed,human

Example:
    >>> import tempfile
    >>> r = write_human2k_raw(tempfile.mkdtemp(), 1, seed=0, size=(40, 30))
    >>> r.provenance.read_text().splitlines()[0]
    'name,source,license,seed,human'
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from human2k.images import atomic_write_bytes
from human2k.synthetic_files import check_counts, fg_size, save_image
from human2k.synthetic_sample import synth_background, synth_sample
from human2k.trimap import derive_seed

__all__ = ["Human2KRaw", "write_human2k_raw"]


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
    check_counts(n=n)
    root = Path(root)
    rows = []
    for i in range(int(n)):
        stem = f"human_{i:04d}"
        sample_seed = derive_seed(seed, stem)  # per image: n=10 is a superset of n=5
        rng = np.random.default_rng(sample_seed)
        wh = fg_size(rng, size, i)
        fg, alpha = synth_sample(rng, wh)
        bg = synth_background(rng, wh)
        a = alpha.astype(np.float64)[..., None] / 255.0
        photo = np.clip(np.rint(a * fg + (1 - a) * bg), 0, 255).astype(np.uint8)
        save_image(root / "images" / f"{stem}.jpg", Image.fromarray(photo), "JPEG")
        save_image(root / "alphas" / f"{stem}.png", Image.fromarray(alpha, "L"), "PNG")
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
