"""Dataset statistics as in the TIMI-Net paper's Table 1: V, H and R per split.

* **V** (volume): number of distinct foregrounds (alpha mattes) in the split;
* **H** (humans): how many of them show a human, from the ``human`` column of a
  ``provenance.csv`` (written by ``human2k build``); ``None`` when unknown;
* **R** (resolution): the mean width × mean height of the alphas, printed ``W*H`` like the paper.

Works on a ``composite`` output or a ``human2k build`` folder (``<split>/alpha``), on a raw
Composition-1K or D646 tree (the spec's alpha folders), or on any folder of alphas (``alpha/``
or the folder itself, reported as split ``all``). Only image headers are read.

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from human2k.images import write_png
    >>> d = Path(tempfile.mkdtemp())
    >>> write_png(d / "test/alpha/a.png", np.zeros((10, 20), np.uint8)); write_png(d / "test/alpha/b.png", np.zeros((30, 40), np.uint8))
    >>> [s.row() for s in dataset_stats(d)]
    [{'split': 'test', 'V': 2, 'H': 'n/a', 'R': '30*20'}]
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from human2k.errors import DatasetError, InputError
from human2k.specs import get_spec

__all__ = ["SplitStats", "dataset_stats", "read_provenance", "PAPER_TABLE1"]

_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")

# Table 1 of the TIMI-Net paper, for side-by-side printing ("reported").
PAPER_TABLE1 = {
    ("comp1k", "train"): (431, 216, "1256*1048"),
    ("comp1k", "test"): (50, 11, "1655*1380"),
    ("d646", "train"): (596, 333, "1758*1573"),
    ("d646", "test"): (50, 10, "1361*1477"),
    ("human2k", "train"): (2000, 2000, "2560*1440"),
    ("human2k", "test"): (100, 100, "2560*1440"),
}


@dataclass
class SplitStats:
    """V, H, R of one split (see the module docstring)."""

    split: str
    volume: int
    humans: int | None
    mean_width: float
    mean_height: float

    @property
    def resolution(self) -> str:
        return f"{round(self.mean_width)}*{round(self.mean_height)}"

    def row(self) -> dict[str, object]:
        return {
            "split": self.split,
            "V": self.volume,
            "H": "n/a" if self.humans is None else self.humans,
            "R": self.resolution,
        }


def read_provenance(path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """Read a provenance CSV (column ``name`` plus any of split, human, license, source...)."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "name" not in rows[0]:
        raise InputError(path, f"provenance CSV needs a 'name' column; has {', '.join(rows[0])}")
    return {r["name"]: r for r in rows}


def _alpha_dirs(root: Path, dataset: str | None) -> dict[str, list[Path]]:
    found = {s: [root / s / "alpha"] for s in ("train", "test") if (root / s / "alpha").is_dir()}
    if found:
        return found
    for name in [dataset] if dataset else ["comp1k", "d646"]:
        spec = get_spec(name)
        dirs = {
            s: [root / d for d in sp.alpha_dirs if (root / d).is_dir()]
            for s, sp in spec.splits.items()
        }
        dirs = {s: v for s, v in dirs.items() if v}
        if dirs:
            return dirs
    if (root / "alpha").is_dir():
        return {"all": [root / "alpha"]}
    return {"all": [root]}


def _is_human(value: str | None) -> bool | None:
    if value is None or value.strip().lower() in ("", "unknown", "n/a"):
        return None
    return value.strip().lower() in ("1", "true", "yes", "y", "human")


def dataset_stats(
    root: str | os.PathLike,
    *,
    dataset: str | None = None,
    provenance: str | os.PathLike | None = None,
) -> list[SplitStats]:
    """Table-1 statistics of the dataset at ROOT (see the module docstring).

    Args:
        root: a dataset folder.
        dataset: ``comp1k`` or ``d646`` to read a raw tree with that spec's layout.
        provenance: a provenance CSV (default ``ROOT/provenance.csv`` when present).
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder not found")
    prov_path = Path(provenance) if provenance else root / "provenance.csv"
    prov = read_provenance(prov_path) if prov_path.is_file() else None
    out = []
    for split, dirs in _alpha_dirs(root, dataset).items():
        files = sorted(
            {
                p
                for d in dirs
                for p in d.iterdir()
                if p.suffix.lower() in _EXTS and not p.name.startswith(".")
            }
        )
        if not files:
            continue
        ws, hs = [], []
        for p in files:
            try:
                with Image.open(p) as im:
                    ws.append(im.width)
                    hs.append(im.height)
            except OSError as exc:
                raise InputError(p, f"cannot read image header ({exc})") from None
        humans = None
        if prov is not None:
            flags = [_is_human(_lookup(prov, p).get("human")) for p in files]
            humans = None if any(f is None for f in flags) else sum(bool(f) for f in flags)
        out.append(SplitStats(split, len(files), humans, sum(ws) / len(ws), sum(hs) / len(hs)))
    if not out:
        raise DatasetError(
            f"{root}: no alpha mattes found (looked for <split>/alpha, the comp1k/d646 layouts, alpha/)"
        )
    return out


def _lookup(prov: dict[str, dict[str, str]], p: Path) -> dict[str, str]:
    if p.name in prov:
        return prov[p.name]
    for name, row in prov.items():
        if os.path.splitext(name)[0] == p.stem:
            return row
    return {}
