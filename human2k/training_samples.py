"""Training samples: online composition of fg/alpha over a background pool, with augmentation.

:class:`OnlineSamples` composes every sample on the fly from a foreground, its alpha and a
background (``human2k.augment``: recipe ``gca`` or ``paper``). A sample is a **pure function
of (seed, epoch, index)**: its generator is ``numpy.random.default_rng([seed, 1, epoch,
index])``, whatever the worker, the number of workers or the process that loads it — the
property exact resume and GPU-count-independent training rest on (user_needs.md §5).

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
    >>> sample_rng(0, 1, 5).random() == sample_rng(0, 1, 5).random()
    True
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np

from human2k.augment import augment_gca, augment_paper
from human2k.errors import DatasetError, InputError
from human2k.images import read_alpha, read_rgb
from human2k.paths import IMAGE_SUFFIXES, image_files

__all__ = [
    "AUGMENTATIONS",
    "IMAGE_SUFFIXES",
    "SAMPLE_STREAM",
    "TrainingSources",
    "find_training_data",
    "sample_rng",
    "OnlineSamples",
]

AUGMENTATIONS = ("gca", "paper")

#: Second word of a sample's SeedSequence entropy; other streams of a training run use 2
#: (epoch order), 3 (workers) and 4 (per-epoch torch seed), so they never overlap.
SAMPLE_STREAM = 1


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
    """

    root: Path
    fg: tuple[str, ...]
    alpha: tuple[str, ...]
    bg: tuple[str, ...]
    bg_source: str
    fg_source: str = "fg"
    pack: Path | None = None

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary for logs and checkpoints."""
        return {
            "root": str(self.root),
            "n_fg": len(self.fg),
            "n_bg": len(self.bg),
            "bg_source": self.bg_source,
            "fg_source": self.fg_source,
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
    return TrainingSources(pack, tuple(fg), tuple(fg), bgs, source, "pack", pack)


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
        root, fgs, tuple(str(alphas[Path(p).stem]) for p in fgs), pool[0], pool[1], fg_source
    )


def sample_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator of sample INDEX in EPOCH: ``default_rng([seed, 1, epoch, index])``.

    Example:
        >>> sample_rng(0, 1, 5).random() == sample_rng(0, 1, 5).random() != sample_rng(0, 2, 5).random()
        True
    """
    return np.random.default_rng([int(seed), SAMPLE_STREAM, int(epoch), int(index)])


class OnlineSamples:
    """Online-composited training samples as NumPy arrays: ``sample(epoch, index)``.

    Args:
        sources: from ``find_training_data``.
        recipe: augmentation pipeline, ``gca`` or ``paper``.
        crop: output size in pixels (a multiple of 32 for TIMI-Net; tests use 64).
        seed: run seed.
        samples_per_epoch: epoch length; default ``len(fg) × bg_per_fg``.
        bg_per_fg: composites per foreground in one epoch (Comp-1K/Human-2K train: 100).

    Foreground ``i mod len(fg)`` is used (GCA's rule), the background is drawn from the pool
    by the sample's generator. ``benchmark.training.data.MattingTrainSet`` serves the same
    samples as torch tensors.
    """

    def __init__(
        self,
        sources: TrainingSources,
        *,
        recipe: str = "gca",
        crop: int = 512,
        seed: int = 0,
        samples_per_epoch: int | None = None,
        bg_per_fg: int = 100,
    ):
        if recipe not in AUGMENTATIONS:
            raise InputError(
                None,
                f"unknown augmentation recipe {recipe!r}; expected one of {', '.join(AUGMENTATIONS)}",
            )
        if crop < 32 or crop % 32:
            raise InputError(None, f"crop must be a positive multiple of 32, got {crop}")
        if seed < 0:
            raise InputError(None, f"seed must be >= 0, got {seed}")
        self.sources = sources
        self._pack = None  # (pid, PackReader), opened lazily in each process
        self.recipe = recipe
        self.crop = int(crop)
        self.seed = int(seed)
        nominal = len(sources.fg) * int(bg_per_fg)
        self.samples_per_epoch = int(
            nominal if samples_per_epoch is None else min(samples_per_epoch, nominal)
        )
        if self.samples_per_epoch < 1:
            raise InputError(None, f"samples per epoch must be >= 1, got {self.samples_per_epoch}")

    def __len__(self) -> int:
        return self.samples_per_epoch

    def __getstate__(self) -> dict[str, Any]:  # never pickle an open HDF5 handle
        return {**self.__dict__, "_pack": None}

    def _reader(self):
        """This process's handle on the HDF5 pack (h5py handles must not cross a fork)."""
        if self._pack is None or self._pack[0] != os.getpid():
            from human2k.pack import PackReader

            self._pack = (os.getpid(), PackReader(self.sources.pack))
        return self._pack[1]

    def _read(self, group: str, key: str) -> np.ndarray:
        if self.sources.pack is not None:
            return np.asarray(self._reader().read(group, key))
        return read_alpha(key) if group == "alpha" else read_rgb(key)

    def _load_fg(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        fg = self._read("fg", self.sources.fg[i]).astype(np.float32)
        alpha = self._read("alpha", self.sources.alpha[i]).astype(np.float32) / 255.0
        if fg.ndim != 3 or fg.shape[:2] != alpha.shape:
            raise InputError(
                self.sources.alpha[i],
                f"alpha is {alpha.shape[1]}x{alpha.shape[0]} but its fg has shape {fg.shape}",
            )
        return fg, alpha

    def _background(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        if self.sources.bg:
            return self._read("bg", self.sources.bg[int(rng.integers(len(self.sources.bg)))])
        try:
            from human2k.synthetic import synth_background
        except ImportError:  # pragma: no cover - synthetic.py ships with the package
            raise DatasetError(
                f"{self.sources.root}: no background pool; give a background folder", param="bg_dir"
            ) from None
        h, w = shape  # generated at most 1024 px a side: it is resized to the fg's size anyway
        return np.asarray(synth_background(rng, (min(w, 1024), min(h, 1024))), dtype=np.uint8)

    def sample(self, epoch: int, index: int) -> dict[str, Any]:
        """Sample INDEX of EPOCH as NumPy arrays (H×W×C), plus the affine ``params`` drawn."""
        if not 0 <= index < self.samples_per_epoch:
            raise IndexError(f"sample index {index} out of range [0, {self.samples_per_epoch})")
        rng = sample_rng(self.seed, epoch, index)
        n = len(self.sources.fg)
        fg, alpha = self._load_fg(index % n)
        bg = self._background(rng, alpha.shape)
        if self.recipe == "gca":
            second = self._load_fg(int(rng.integers(n))) if rng.random() < 0.5 else None
            out = augment_gca(fg, alpha, bg, rng, crop=self.crop, second=second)
        else:
            out = augment_paper(fg, alpha, bg, rng, crop=self.crop)
        return out
