"""What the Human-2K builder reads besides the images: pairs by stem, provenance files, split
lists, and the perceptual hash used to find near-duplicates.

Example:
    >>> from PIL import Image
    >>> dhash(Image.new("L", (16, 16), 0)) == dhash(Image.new("L", (16, 16), 255))
    True
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from PIL import Image

from human2k.errors import DatasetError, InputError
from human2k.paths import image_files

__all__ = ["dhash", "pair_by_stem", "load_provenance", "read_split_list", "PROVENANCE_FIELDS"]

PROVENANCE_FIELDS = ("source", "license", "author", "url", "human")


def dhash(image: Image.Image) -> int:
    """64-bit difference hash: grey 9×8 thumbnail, bit = left pixel brighter than right.

    Example:
        >>> im = Image.linear_gradient("L").rotate(90)  # brightness grows left to right
        >>> hex(dhash(im)), bin(dhash(im) ^ dhash(im.transpose(Image.FLIP_LEFT_RIGHT))).count("1")
        ('0x0', 64)
    """
    g = np.asarray(image.convert("L").resize((9, 8), Image.BILINEAR), dtype=np.int16)
    bits = (g[:, :-1] > g[:, 1:]).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def pair_by_stem(images: Path, alphas: Path) -> list[tuple[str, Path, Path]]:
    for d, what in ((images, "images"), (alphas, "alphas")):
        if not d.is_dir():
            raise DatasetError(f"{d}: {what} folder not found", param=what)

    imgs, alps = image_files(images, unique_stems=True), image_files(alphas, unique_stems=True)
    if not imgs:
        raise DatasetError(f"{images}: no images (.jpg/.png/...)")
    for a, b, what in ((imgs, alps, "alpha matte"), (alps, imgs, "image")):
        lonely = sorted(set(a) - set(b))
        if lonely:
            more = f" (and {len(lonely) - 1} more)" if len(lonely) > 1 else ""
            raise InputError(a[lonely[0]], f"has no {what} with the same stem{more}")
    return [(stem, imgs[stem], alps[stem]) for stem in sorted(imgs)]


def load_provenance(path: Path | None) -> dict[str, dict[str, str]]:
    if path is None or not path.is_file():
        return {}
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text("utf-8"))
        rows = data if isinstance(data, list) else [{"name": k, **v} for k, v in data.items()]
    else:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    out = {}
    for r in rows:
        if "name" not in r:
            raise InputError(path, "provenance entries need a 'name'")
        out[str(r["name"])] = {k: str(v) for k, v in r.items()}
        out.setdefault(os.path.splitext(str(r["name"]))[0], out[str(r["name"])])
    return out


def read_split_list(path: str | os.PathLike, names: list[str]) -> tuple[list[str], list[str]]:
    """Read a split: JSON ``{"train": [...], "test": [...]}``, lines ``train NAME``/``test NAME``,
    or plain lines naming the test images (the rest is train). Names may be stems or file names.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "split list not found")
    stems = {os.path.splitext(n)[0] for n in names}
    text = path.read_text("utf-8")
    test: list[str] = []
    train: list[str] | None = None
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        train, test = list(data.get("train", [])), list(data.get("test", []))
    else:
        rows = [
            line.strip().split(None, 1)
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")
        ]
        if rows and all(len(r) == 2 and r[0] in ("train", "test") for r in rows):
            train = [r[1] for r in rows if r[0] == "train"]
            test = [r[1] for r in rows if r[0] == "test"]
        else:
            test = [" ".join(r) for r in rows]
    norm = lambda xs: [os.path.splitext(x)[0] if x not in stems else x for x in xs]  # noqa: E731
    test = norm(test)
    train = sorted(stems - set(test)) if train is None else norm(train)
    for n in train + test:
        if n not in stems:
            raise InputError(path, f"names {n!r}, which is not among the input images")
    if set(train) & set(test):
        raise InputError(path, f"{sorted(set(train) & set(test))[0]!r} is in both train and test")
    missing = stems - set(train) - set(test)
    if missing:
        raise InputError(
            path, f"does not place {len(missing)} image(s), e.g. {sorted(missing)[0]!r}"
        )
    return sorted(train), sorted(test)
