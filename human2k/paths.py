"""Names and paths: which files of a folder are images, how names match across folders, and
in which order they sort.

One matcher for every command that pairs files by name (score, eval, report, training data,
trimaps, the Human-2K builder): image files are those with an :data:`IMAGE_SUFFIXES` suffix
(case-insensitive, hidden files skipped), keyed by stem; a stem ``{fg}_{k}`` falls back to
``{fg}`` (the Composition-1K convention: one GT alpha per foreground).

Example:
    >>> sorted(["GT10.png", "gt2.png", "GT01.png"], key=natural_key)
    ['GT01.png', 'gt2.png', 'GT10.png']
    >>> comp1k_foreground("cat_12"), comp1k_foreground("cat")
    ('cat', None)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from human2k.errors import InputError

__all__ = [
    "IMAGE_SUFFIXES",
    "natural_key",
    "is_image_file",
    "image_files",
    "comp1k_foreground",
    "lookup_stem",
]

#: Suffixes of the image files every command reads (PNG first: preferred on equal stems).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[int | str]:
    """Sort key that orders digit runs by value and letters case-insensitively.

    Example:
        >>> natural_key("Cat_12.png")
        ['cat_', 12, '.png']
    """
    return [int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(name)]


def is_image_file(path: Path) -> bool:
    """A visible regular file with an image suffix."""
    return (
        path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def image_files(folder: str | os.PathLike, *, unique_stems: bool = False) -> dict[str, Path]:
    """``stem -> path`` for the images of FOLDER, natural-sorted by stem.

    Two files with one stem (``a.png`` and ``a.jpg``): the earlier suffix of
    :data:`IMAGE_SUFFIXES` wins, or, with ``unique_stems``, an InputError names both.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> for n in ("b10.png", "b2.jpg", "b2.png", ".hidden.png", "notes.txt"):
        ...     _ = (d / n).write_bytes(b"")
        >>> {k: v.name for k, v in image_files(d).items()}
        {'b2': 'b2.png', 'b10': 'b10.png'}
    """
    folder = Path(folder)
    out: dict[str, Path] = {}
    rank = {s: i for i, s in enumerate(IMAGE_SUFFIXES)}
    for p in sorted(folder.iterdir(), key=lambda p: (p.stem, rank.get(p.suffix.lower(), 99))):
        if not is_image_file(p):
            continue
        if p.stem in out and unique_stems:
            raise InputError(p, f"two files with stem {p.stem!r} ({out[p.stem].name} and {p.name})")
        out.setdefault(p.stem, p)
    return {k: out[k] for k in sorted(out, key=natural_key)}


def comp1k_foreground(stem: str) -> str | None:
    """``cat_12`` -> ``cat`` (the Comp-1K ``{fg}_{k}`` convention), else None."""
    head, sep, tail = stem.rpartition("_")
    return head if sep and tail.isdigit() and head else None


def lookup_stem(files: dict[str, Path], stem: str) -> Path | None:
    """The file of STEM, else of its Comp-1K foreground (``cat_3`` -> ``cat``), else None."""
    if stem in files:
        return files[stem]
    fg = comp1k_foreground(stem)
    return files.get(fg) if fg is not None else None
