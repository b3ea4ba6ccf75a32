"""Learning-rate schedules measured in samples seen, never in iterations.

A schedule maps *samples seen so far* to a learning rate. Because the clock is samples (an
epoch is a fixed number of samples), changing the batch size or the GPU count changes how
many optimiser steps an epoch takes but never how far through the schedule each sample is, so
training is never silently shortened (user_needs.md §5: ViTMatte#34 trained 25 "epochs"
instead of 100 after cutting the batch).

The recipes (optimiser, schedule shape, milestones...) are :mod:`benchmark.training.recipes`.

Example:
    >>> s = LRSchedule("cosine", base_lr=4e-4, total_samples=1000, warmup_samples=100)
    >>> round(s(0), 8), round(s(99), 8), round(s(550), 8), s(1000)
    (4e-06, 0.0004, 0.0002, 0.0)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Literal

from benchmark.training.recipes import Recipe
from human2k.errors import InputError

__all__ = [
    "resolve_milestones",
    "PAPER_MILESTONES",
    "LRSchedule",
    "paper_milestones",
    "make_schedule",
]

#: The paper's lr-divide epochs and total epochs, per training set (TIMI-Net §4.1).
PAPER_MILESTONES: dict[str, tuple[int, tuple[int, ...]]] = {
    "comp1k": (50, (20, 30, 40)),
    "d646": (100, (60, 80)),
    "human2k": (150, (90, 100, 120)),
    # the baselines' own schedules (same mechanism: scaled to the run's epochs)
    "indexnet": (30, (19, 25)),
    "vitmatte": (100, (30, 90)),
    "constant": (1, ()),
}


def resolve_milestones(
    recipe: Recipe, milestones: str | Sequence[float] | None, dataset: str | None
) -> tuple[str | Sequence[float] | None, str]:
    """The milestones a ``step`` recipe uses, and where they came from.

    Example:
        >>> from benchmark.training.recipes import RECIPES
        >>> resolve_milestones(RECIPES["paper"], None, "d646")
        ('d646', 'dataset:d646')
        >>> resolve_milestones(RECIPES["paper"], None, "alphamatting")
        ('comp1k', 'default (training set alphamatting has no milestones in the paper)')
        >>> resolve_milestones(RECIPES["gca"], None, "d646")
        (None, 'n/a (cosine)')
    """
    if recipe.schedule != "step":
        return milestones, "n/a (cosine)" if milestones is None else "given (unused by cosine)"
    if milestones is not None:
        return milestones, "given"
    if recipe.milestones is not None:
        return recipe.milestones, "recipe"
    if dataset in PAPER_MILESTONES:
        return dataset, f"dataset:{dataset}"
    return "comp1k", f"default (training set {dataset or 'unknown'} has no milestones in the paper)"


def paper_milestones(
    epochs: float, milestones: str | Sequence[float] = "comp1k"
) -> tuple[float, ...]:
    """The paper's lr-divide epochs for a run of EPOCHS epochs.

    Args:
        epochs: length of this run, in epochs.
        milestones: a key of ``PAPER_MILESTONES`` (scaled by ``epochs / paper_epochs``), or
            explicit epochs (used as given).

    Example:
        >>> paper_milestones(50), paper_milestones(10), paper_milestones(150, "human2k")
        ((20.0, 30.0, 40.0), (4.0, 6.0, 8.0), (90.0, 100.0, 120.0))
    """
    if isinstance(milestones, str):
        if milestones not in PAPER_MILESTONES:
            raise InputError(
                None,
                f"unknown milestone set {milestones!r}; expected one of {', '.join(PAPER_MILESTONES)} or a list of epochs",
            )
        paper_epochs, marks = PAPER_MILESTONES[milestones]
        return tuple(float(m) * epochs / paper_epochs for m in marks)
    marks = tuple(float(m) for m in milestones)
    if any(m <= 0 for m in marks) or list(marks) != sorted(marks):
        raise InputError(None, f"milestones must be positive and increasing, got {list(marks)}")
    return marks


@dataclasses.dataclass(frozen=True)
class LRSchedule:
    """Learning rate as a pure function of samples seen (call it with the count *before* a step).

    Attributes:
        kind: ``cosine`` (linear warm-up, then cosine to 0) or ``step`` (÷``gamma`` at milestones).
        base_lr: the peak learning rate.
        total_samples: samples in the whole run (epochs × samples per epoch).
        warmup_samples: ``cosine``: lr = base·(s+1)/warmup for s < warmup (GCA's rule per sample).
        milestone_samples: ``step``: sample counts at which lr is divided by ``gamma``.
        gamma: divisor at each milestone (the paper's 10).
        values: ``step``: lr multipliers after each milestone instead of ``gamma`` powers.
        warmup_factor: ``step`` with ``warmup_samples``: linear warm-up from this fraction.

    Example:
        >>> s = LRSchedule("step", base_lr=0.01, total_samples=500, milestone_samples=(200, 300))
        >>> s(199), s(200), round(s(300), 6)
        (0.01, 0.001, 0.0001)
    """

    kind: Literal["cosine", "step"]
    base_lr: float
    total_samples: int
    warmup_samples: int = 0
    milestone_samples: tuple[int, ...] = ()
    gamma: float = 10.0
    values: tuple[float, ...] = ()
    warmup_factor: float = 0.001

    def __call__(self, samples_seen: int) -> float:
        s = int(samples_seen)
        if self.kind == "step":
            passed = sum(s >= m for m in self.milestone_samples)
            if self.values:
                lr = self.base_lr * (self.values[passed - 1] if passed else 1.0)
            else:
                lr = self.base_lr / self.gamma**passed
            if s < self.warmup_samples:  # detectron2's WarmupParamScheduler, linear
                a = s / self.warmup_samples
                lr *= self.warmup_factor * (1 - a) + a
            return lr
        if s < self.warmup_samples:
            return self.base_lr * (s + 1) / self.warmup_samples
        span = max(self.total_samples - self.warmup_samples, 1)
        t = min(max(s - self.warmup_samples, 0) / span, 1.0)
        return self.base_lr * 0.5 * (1.0 + math.cos(math.pi * t))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (saved in checkpoints and the log)."""
        d = dataclasses.asdict(self)
        d["milestone_samples"] = list(self.milestone_samples)
        d["values"] = list(self.values)
        return d


def make_schedule(
    recipe: Recipe,
    *,
    epochs: int,
    samples_per_epoch: int,
    lr: float | None = None,
    warmup_epochs: float | None = None,
    milestones: str | Sequence[float] | None = None,
) -> LRSchedule:
    """The schedule of RECIPE for a run of EPOCHS × SAMPLES_PER_EPOCH samples.

    Args:
        recipe: a ``Recipe`` (see ``RECIPES``).
        epochs: number of epochs.
        samples_per_epoch: samples in one epoch (independent of batch size and GPU count).
        lr: override the recipe's base learning rate.
        warmup_epochs: override the warm-up length (default: the recipe's fraction).
        milestones: ``step``: a ``PAPER_MILESTONES`` key or explicit epochs (default: the
            recipe's, else ``comp1k``; ``train`` passes the training set's own).

    Example:
        >>> from benchmark.training.recipes import RECIPES
        >>> make_schedule(RECIPES["paper"], epochs=5, samples_per_epoch=100).milestone_samples
        (200, 300, 400)
    """
    if epochs < 1 or samples_per_epoch < 1:
        raise InputError(
            None, f"epochs and samples per epoch must be >= 1, got {epochs} and {samples_per_epoch}"
        )
    total = int(epochs) * int(samples_per_epoch)
    base = recipe.lr if lr is None else float(lr)
    if not (math.isfinite(base) and base > 0):  # nan compares False with everything
        raise InputError(None, f"learning rate must be a finite number > 0, got {base}", param="lr")
    if recipe.schedule == "cosine":
        warm = recipe.warmup_fraction * epochs if warmup_epochs is None else float(warmup_epochs)
        if warm < 0 or warm >= epochs:
            raise InputError(None, f"warm-up must be in [0, epochs={epochs}) epochs, got {warm}")
        return LRSchedule(
            "cosine", base, total, warmup_samples=int(round(warm * samples_per_epoch))
        )
    chosen = milestones if milestones is not None else recipe.milestones
    marks = paper_milestones(epochs, "comp1k" if chosen is None else chosen)
    warm = recipe.warmup_fraction * epochs if warmup_epochs is None else float(warmup_epochs)
    if warm < 0 or warm >= epochs:
        raise InputError(None, f"warm-up must be in [0, epochs={epochs}) epochs, got {warm}")
    if recipe.lr_values and len(recipe.lr_values) != len(marks):
        raise InputError(
            None,
            f"recipe {recipe.name} has {len(recipe.lr_values)} lr values for {len(marks)} milestones",
        )
    return LRSchedule(
        "step",
        base,
        total,
        milestone_samples=tuple(int(round(m * samples_per_epoch)) for m in marks),
        warmup_samples=int(round(warm * samples_per_epoch)),
        values=tuple(recipe.lr_values),
        warmup_factor=recipe.warmup_factor,
    )
