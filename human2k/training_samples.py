"""Training samples: online composition of fg/alpha over a background pool, with augmentation.

:class:`OnlineSamples` composes every sample on the fly from a foreground, its alpha and a
background (``human2k.augment``: recipe ``gca``, ``paper`` or ``dim``). A sample is a **pure function
of (seed, epoch, index)**: its generator is ``numpy.random.default_rng([seed, 1, epoch,
index])``, whatever the worker, the number of workers or the process that loads it — the
property exact resume and GPU-count-independent training rest on (user_needs.md §5).

Where the fg/alpha pairs and backgrounds are found (composite roots, fg/alpha folders, HDF5
packs) is :mod:`human2k.training_sources`.

How samples pair foregrounds and backgrounds, and how long an epoch is (``pairing``):

* ``gca`` (recipe ``gca`` with a background pool): GCA-Matting's ``DataGenerator`` — an epoch
  is the background list, sample *i* is foreground ``i mod #fg`` over background *i*, so every
  background is used once per epoch;
* ``random`` (recipe ``paper``, or no pool): ``#fg × bg_per_fg`` samples, foreground
  ``i mod #fg``, the background drawn from the pool by the sample's generator.
  ``bg_per_fg`` defaults to the training set's released ratio (:func:`default_bg_per_fg`:
  Composition-1K and Human-2K 100, Distinctions-646 80), read from the composite's manifest.

Example:
    >>> sample_rng(0, 1, 5).random() == sample_rng(0, 1, 5).random()
    True
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from human2k.augment_recipes import augment_dim, augment_gca, augment_paper
from human2k.errors import DatasetError, InputError
from human2k.images import read_alpha, read_rgb
from human2k.paths import IMAGE_SUFFIXES
from human2k.training_sources import TrainingSources, default_bg_per_fg

__all__ = [
    "AUGMENTATIONS",
    "IMAGE_SUFFIXES",
    "SAMPLE_STREAM",
    "sample_rng",
    "OnlineSamples",
]

AUGMENTATIONS = ("gca", "paper", "dim")

#: Second word of a sample's SeedSequence entropy; other streams of a training run use 2
#: (epoch order), 3 (workers) and 4 (per-epoch torch seed), so they never overlap.
SAMPLE_STREAM = 1


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
        recipe: augmentation pipeline, ``gca``, ``paper`` or ``dim``.
        crop: output size in pixels (a multiple of 32 for TIMI-Net; tests use 64).
        seed: run seed.
        samples_per_epoch: cap on the epoch length (quick runs); default: the whole epoch.
        bg_per_fg: composites per foreground in one epoch of the ``random`` pairing; default
            :func:`default_bg_per_fg` of the training set (Comp-1K/Human-2K 100, D646 80).

    Pairing (module docstring): recipe ``gca`` with a background pool pairs sample *i* with
    background *i* and foreground ``i mod #fg`` (an epoch = the background list, GCA's
    ``DataGenerator``); otherwise the background is drawn from the pool by the sample's
    generator (procedural when there is no pool). ``benchmark.training.data.MattingTrainSet``
    serves the same samples as torch tensors.
    """

    def __init__(
        self,
        sources: TrainingSources,
        *,
        recipe: str = "gca",
        crop: int = 512,
        seed: int = 0,
        samples_per_epoch: int | None = None,
        bg_per_fg: int | None = None,
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
        if bg_per_fg is not None and bg_per_fg < 1:
            raise InputError(None, f"bg_per_fg must be >= 1, got {bg_per_fg}", param="bg_per_fg")
        self.sources = sources
        self._pack = None  # (pid, PackReader), opened lazily in each process
        self.recipe = recipe
        self.crop = int(crop)
        self.seed = int(seed)
        self.pairing = "gca" if recipe == "gca" and sources.bg else "random"
        self.bg_per_fg = int(bg_per_fg or default_bg_per_fg(sources.dataset))
        self.bg_per_fg_source = "given" if bg_per_fg else f"dataset:{sources.dataset or 'unknown'}"
        if self.pairing == "gca":
            nominal = len(sources.bg)
        else:
            nominal = len(sources.fg) * self.bg_per_fg
        self.samples_per_epoch = int(
            nominal if samples_per_epoch is None else min(samples_per_epoch, nominal)
        )
        if self.samples_per_epoch < 1:
            raise InputError(None, f"samples per epoch must be >= 1, got {self.samples_per_epoch}")

    def describe(self) -> dict[str, Any]:
        """How samples are made (for logs): pairing, epoch length, ratio and its source."""
        rule = (
            "gca: sample i = fg[i mod #fg] over bg[i]; epoch = the background list"
            if self.pairing == "gca"
            else "random: sample i = fg[i mod #fg] over a background drawn by the sample's generator"
        )
        return {
            "recipe": self.recipe,
            "pairing": self.pairing,
            "rule": rule,
            "samples_per_epoch": self.samples_per_epoch,
            "bg_per_fg": self.bg_per_fg if self.pairing == "random" else None,
            "bg_per_fg_source": self.bg_per_fg_source if self.pairing == "random" else None,
        }

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
        if self.pairing == "gca":  # GCA's DataGenerator: background i, once per epoch
            bg = self._read("bg", self.sources.bg[index])
        else:
            bg = self._background(rng, alpha.shape)
        if self.recipe == "gca":
            second = self._load_fg(int(rng.integers(n))) if rng.random() < 0.5 else None
            out = augment_gca(fg, alpha, bg, rng, crop=self.crop, second=second)
        elif self.recipe == "dim":
            out = augment_dim(fg, alpha, bg, rng, crop=self.crop)
        else:
            out = augment_paper(fg, alpha, bg, rng, crop=self.crop)
        return out
