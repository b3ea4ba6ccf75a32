"""Where a split's backgrounds are: :func:`bg_folder` finds the COCO or VOC image folder in the
layouts users have, and :func:`draw_bg_names` draws a seeded background list for a dataset
that ships none (Human-2K).

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp()); (root / "VOC2012/JPEGImages").mkdir(parents=True)
    >>> folder, name = bg_folder("voc", root); folder.relative_to(root).as_posix(), name
    ('VOC2012/JPEGImages', 'JPEGImages')
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from human2k.errors import DatasetError
from human2k.paths import is_image_file

__all__ = ["bg_folder", "draw_bg_names"]


def bg_folder(source: str, root: str | os.PathLike | None) -> tuple[Path, str]:
    """The folder holding the background images of SOURCE (``coco``/``voc``) under ROOT.

    Returns ``(folder, coco_folder_name)``; COCO prefers ``train2014`` (the listed names) and
    falls back to ``train2017`` (names without the ``COCO_train2014_`` prefix). VOC accepts the
    folder holding ``JPEGImages``, ``VOC2012/JPEGImages``, ``VOCdevkit/VOC2012/JPEGImages``, or
    the image folder itself.
    """
    param = f"{source}_root"
    if root is None:
        raise DatasetError(
            f"a {source.upper()} folder is required: the listed backgrounds are {source.upper()} images",
            param=param,
        )
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: {source.upper()} folder not found", param=param)
    if source == "coco":
        for name in ("train2014", "train2017"):
            if (root / name).is_dir():
                return root / name, name
        return root, root.name
    for rel in ("JPEGImages", "VOC2012/JPEGImages", "VOCdevkit/VOC2012/JPEGImages"):
        if (root / rel).is_dir():
            return root / rel, "JPEGImages"
    return root, root.name


def draw_bg_names(bg_dir: Path, n: int, seed: int) -> list[str]:
    """Seeded background list for datasets without one: concatenated permutations of the pool."""
    pool = sorted(p.name for p in bg_dir.iterdir() if is_image_file(p))  # plain order, as recorded
    if not pool:
        raise DatasetError(f"{bg_dir}: no background images to draw from")
    rng = np.random.default_rng(seed)
    out: list[str] = []
    while len(out) < n:
        out.extend(pool[j] for j in rng.permutation(len(pool)))
    return out[:n]
