"""Where the training data is: fg/alpha pairs and a background pool, found in the layouts
users have.

Data layouts accepted by :func:`find_training_data` (``DIR`` is the training data folder):

* the composite output root: ``DIR/train/fg/*.png`` + ``DIR/train/alpha/<same stem>.png``
  (backgrounds from ``DIR/train/bg`` when the composite was run with ``--save-bg``);
* a split folder or any folder with ``fg/`` and ``alpha/`` (and optionally ``bg/``);
* an HDF5 pack (``human2k.pack``): ``DIR/train.h5`` or the ``.h5`` file itself (its ``fg``,
  ``alpha`` and, when packed, ``bg`` groups; each process opens its own handle).

When the composite has ``fg_extended/`` (estimated foreground colours, ``--fg-extend``) those
colours are used instead of ``fg/``: they stay valid where alpha is small, which is what a
composite over a *new* background needs.

Backgrounds come from ``bg_dir`` (e.g. COCO train2014) when given, else from the ``bg/``
folder found beside fg/alpha, else procedural backgrounds from ``human2k.synthetic`` (seeded
per sample; the run's log says which source was used).

Example:
    >>> default_bg_per_fg("d646"), default_bg_per_fg(None)
    (80, 100)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from human2k.errors import DatasetError
from human2k.paths import image_files

__all__ = [
    "TrainingSources",
    "find_training_data",
    "default_bg_per_fg",
    "DEFAULT_BG_PER_FG",
]

#: Composites per foreground when the training set's own ratio is unknown (Comp-1K's 1:100).
DEFAULT_BG_PER_FG = 100


@dataclasses.dataclass(frozen=True)
class TrainingSources:
    """Where the training fg/alpha pairs and backgrounds are.

    Attributes:
        root: the folder holding ``fg/`` and ``alpha/``, or the HDF5 pack.
        fg: foreground files (or pack keys), sorted by name.
        alpha: alpha files (or pack keys), same stems and order as ``fg``.
        bg: background files (or pack keys), or an empty tuple for procedural backgrounds.
        bg_source: ``"bg-dir"``, ``"composite"`` (the composite's saved bgs) or ``"synthetic"``.
        fg_source: ``"fg"``, ``"fg_extended"`` or ``"pack"``.
        pack: the HDF5 pack, when reading from one.
        dataset: the dataset named by the composite's ``manifest.json`` (``comp1k``, ``d646``,
            ``human2k``...), None without one.
    """

    root: Path
    fg: tuple[str, ...]
    alpha: tuple[str, ...]
    bg: tuple[str, ...]
    bg_source: str
    fg_source: str = "fg"
    pack: Path | None = None
    dataset: str | None = None

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary for logs and checkpoints."""
        return {
            "root": str(self.root),
            "n_fg": len(self.fg),
            "n_bg": len(self.bg),
            "bg_source": self.bg_source,
            "fg_source": self.fg_source,
            "dataset": self.dataset,
        }


def _images(folder: Path) -> list[Path]:
    return sorted(image_files(folder).values())


def _bg_pool(bg_dir: Path | None) -> tuple[tuple[str, ...], str] | None:
    if bg_dir is None:
        return None
    if not bg_dir.is_dir():
        raise DatasetError(f"{bg_dir}: background folder not found")
    bgs = _images(bg_dir)
    if not bgs:
        raise DatasetError(f"{bg_dir}: no background images")
    return tuple(map(str, bgs)), "bg-dir"


def _manifest_dataset(*folders: Path) -> str | None:
    """The ``dataset`` of the first ``manifest.json`` found in FOLDERS (a composite's root)."""
    import json

    for folder in folders:
        path = folder / "manifest.json"
        if path.is_file():
            try:
                name = json.loads(path.read_text(encoding="utf-8")).get("dataset")
            except (OSError, ValueError, AttributeError):
                return None
            return name if isinstance(name, str) and name else None
    return None


def default_bg_per_fg(dataset: str | None) -> int:
    """Released composites per training foreground of DATASET (``human2k.specs``), else 100.

    Example:
        >>> default_bg_per_fg("comp1k"), default_bg_per_fg("d646"), default_bg_per_fg(None)
        (100, 80, 100)
    """
    from human2k.specs import SPECS

    spec = SPECS.get(dataset or "")
    train = spec.splits.get("train") if spec is not None else None
    return train.bg_per_fg if train is not None else DEFAULT_BG_PER_FG


def _from_pack(pack: Path, bg_dir: Path | None) -> TrainingSources:
    import h5py

    try:
        with h5py.File(pack, "r") as h5:
            if "fg" not in h5 or "alpha" not in h5:
                raise DatasetError(f"{pack}: HDF5 pack has no fg/alpha groups")
            fg = sorted(h5["fg"].keys())
            missing = [k for k in fg if k not in h5["alpha"]]
            packed_bg = sorted(h5["bg"].keys()) if "bg" in h5 else []
    except OSError as exc:
        raise DatasetError(f"{pack}: not a readable HDF5 pack ({exc})") from None
    if not fg:
        raise DatasetError(f"{pack}: HDF5 pack holds no foregrounds")
    if missing:
        raise DatasetError(f"{pack}: no alpha for {len(missing)} foreground(s), e.g. {missing[0]}")
    bgs, source = _bg_pool(bg_dir) or (
        (tuple(packed_bg), "composite") if packed_bg else ((), "synthetic")
    )
    dataset = _manifest_dataset(pack.parent, pack.parent.parent)
    return TrainingSources(pack, tuple(fg), tuple(fg), bgs, source, "pack", pack, dataset)


def find_training_data(
    data_dir: str | os.PathLike, *, bg_dir: str | os.PathLike | None = None, split: str = "train"
) -> TrainingSources:
    """Locate fg/alpha pairs and a background pool (see the module docstring for layouts).

    Raises:
        DatasetError: no fg/alpha folder or pack, an fg without its alpha, or an empty folder.

    Example:
        >>> import tempfile
        >>> find_training_data(tempfile.mkdtemp())  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        human2k.errors.DatasetError: ...: no fg/ and alpha/ folders
    """
    data_dir = Path(data_dir)
    bg_dir = None if bg_dir is None else Path(bg_dir)
    if data_dir.is_file() and data_dir.suffix == ".h5":
        return _from_pack(data_dir, bg_dir)
    if not data_dir.is_dir():
        raise DatasetError(f"{data_dir}: training data folder not found")
    root = next(
        (d for d in (data_dir / split, data_dir) if (d / "fg").is_dir() and (d / "alpha").is_dir()),
        None,
    )
    if root is None:
        if (data_dir / f"{split}.h5").is_file():
            return _from_pack(data_dir / f"{split}.h5", bg_dir)
        raise DatasetError(
            f"{data_dir}: no fg/ and alpha/ folders (looked in {data_dir / split} and {data_dir}) "
            f"and no {split}.h5 pack"
        )
    fg_source = (
        "fg_extended" if (root / "fg_extended").is_dir() and _images(root / "fg_extended") else "fg"
    )
    fg = _images(root / fg_source)
    if not fg:
        raise DatasetError(f"{root / 'fg'}: no images")
    alphas = {p.stem: p for p in _images(root / "alpha")}
    missing = [p.name for p in fg if p.stem not in alphas]
    if missing:
        raise DatasetError(
            f"{root / 'alpha'}: no alpha for {len(missing)} foreground(s), e.g. {missing[0]}"
        )
    pool = _bg_pool(bg_dir)
    if pool is None:
        composite_bgs = _images(root / "bg") if (root / "bg").is_dir() else []
        pool = (tuple(map(str, composite_bgs)), "composite") if composite_bgs else ((), "synthetic")
    fgs = tuple(map(str, fg))
    return TrainingSources(
        root,
        fgs,
        tuple(str(alphas[Path(p).stem]) for p in fgs),
        pool[0],
        pool[1],
        fg_source,
        dataset=_manifest_dataset(root, root.parent),
    )
