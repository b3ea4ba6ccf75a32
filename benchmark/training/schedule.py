"""Training recipes and learning-rate schedules measured in samples seen, never in iterations.

A schedule maps *samples seen so far* to a learning rate. Because the clock is samples (an
epoch is a fixed number of samples), changing the batch size or the GPU count changes how
many optimiser steps an epoch takes but never how far through the schedule each sample is, so
training is never silently shortened (user_needs.md §5: ViTMatte#34 trained 25 "epochs"
instead of 100 after cutting the batch).

Recipes (timinet_arch.md §12, timinet_paper.md §4.1, and the baselines' released trainers);
each lists the departures from its source that remain (``Recipe.departures``, printed in ``docs/protocols.md`` and logged):

* ``gca``: GCA-Matting's ``gca-dist.toml`` — Adam β=(0.5, 0.999), lr 4e-4, no weight decay,
  linear warm-up over the first 2.5 % of training (GCA: 5,000 of 200,000 iterations), then
  cosine annealing to 0 over the rest; batch 10 per device (GCA: 10 × 4 GPUs); gradient
  clipping; GCA's background pairing; the ImageNet-pretrained encoder.
* ``paper``: TIMI-Net §4.1 — Adam (default β=(0.9, 0.999)), lr 0.01, batch 16, divided by 10
  at the epochs of the training set: {20, 30, 40} of 50 (Composition-1K), {60, 80} of 100
  (Distinctions-646) or {90, 100, 120} of 150 (Human-2K) — chosen from the composite's
  manifest unless given. With another epoch count the milestones are scaled proportionally
  (``paper_milestones``). No clipping (the paper states none; ``clip_grad`` switches it on).
* ``indexnet``: IndexNet Matting's ``train.sh`` — Adam (default β), lr 0.01 (the model scales its
  encoder's group by 1/100), ÷10 after 19 and 25 of 30 epochs (``MultiStepLR([20, 26])`` stepped
  at the start of each epoch), no clipping, the ``dim`` augmentation.
* ``dim``: mmagic's DIM configs — Adam (default β), lr 1e-5, constant, no clipping, the ``dim``
  augmentation (crops of 1, 1.5, 2 × crop around an unknown pixel, resized, flipped).
* ``vitmatte``: hustvl/ViTMatte — AdamW β=(0.9, 0.999), weight decay 0.1 (the model exempts norms
  and position embeddings), lr 5e-4 (the model scales its groups by layer-wise decay 0.65), linear
  warm-up from 0.001× over 250 of 134,687 iterations, ×0.1 after 30 and ×0.05 after 90 of 100
  epochs, no clipping, the ``gca`` augmentation.

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

from benchmark.training.encoder_init import GCA_IMAGENET_FILE
from human2k.errors import InputError

__all__ = [
    "Recipe",
    "resolve_milestones",
    "RECIPES",
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


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Optimiser and schedule of one training recipe.

    Attributes:
        name: a key of ``RECIPES``.
        lr: base learning rate.
        betas: Adam(W) betas.
        schedule: ``cosine`` (linear warm-up then cosine to 0) or ``step`` (÷10 at milestones,
            or × ``lr_values`` after each).
        warmup_fraction: share of all training samples spent warming up (``cosine`` only).
        milestones: ``step`` only: a key of ``PAPER_MILESTONES``, or None: the training set's
            own (``comp1k`` when the set is unknown; the log says which was used).
        clip_grad: GCA's clipping: norm clipped to 2× a running mean (momentum 0.999).
        augment: which ``benchmark.training.data`` pipeline the recipe uses.
        encoder_init: the ImageNet-pretrained encoder file the recipe starts from when
            ``train`` is given none (GCA's ``imagenet_pretrain_path``, relative to the working
            folder), or ``scratch``.
        batch_size: per-device batch when ``train`` is given none.
        departures: what still differs from the recipe's source, one line each.
        optimizer: ``adam`` or ``adamw``.
        weight_decay: the optimiser's weight decay (a model's parameter groups may override it).
        lr_values: ``step`` only: the lr multiplier after each milestone (empty: ÷10 each).
        warmup_factor: ``step`` only: the warm-up starts at this fraction of the lr (detectron2).
    """

    name: str
    lr: float
    betas: tuple[float, float]
    schedule: Literal["cosine", "step"]
    warmup_fraction: float = 0.0
    milestones: str | None = None
    clip_grad: bool = True
    augment: str = "gca"
    encoder_init: str = GCA_IMAGENET_FILE
    batch_size: int = 10
    departures: tuple[str, ...] = ()
    optimizer: Literal["adam", "adamw"] = "adam"
    weight_decay: float = 0.0
    lr_values: tuple[float, ...] = ()
    warmup_factor: float = 0.001


RECIPES: dict[str, Recipe] = {
    "gca": Recipe(
        "gca", lr=4e-4, betas=(0.5, 0.999), schedule="cosine", warmup_fraction=0.025,
        augment="gca", batch_size=10,
        departures=(
            "length in samples: GCA's 200,000 iterations x 40 = 8 M samples; give --epochs "
            "(186 epochs of 43,100 Comp-1K composites)",
            "warm-up as a fraction of training (2.5 %, GCA's 5,000 of 200,000 iterations)",
            "composite rounded to uint8 (GCA feeds the float composite)",
            "rotation threshold, 640 resize and crop margins scale with --crop (equal at 512)",
            "foreground list in name order (GCA shuffles it with RandomState(0))",
            "no validation-based model selection on the test set (GCA keeps best_model by "
            "Comp-1K test MSE)",
        ),
    ),
    "paper": Recipe(
        "paper", lr=0.01, betas=(0.9, 0.999), schedule="step", milestones=None,
        clip_grad=False, augment="paper", batch_size=16,
        departures=(
            "Adam betas: torch defaults (the paper gives none)",
            "trimaps by GCA's random erosion (the paper names no generator)",
            "scaling range 0.8-1.25 and GCA's affine matrix (the paper gives neither)",
            "crops resized to --crop (the paper gives no output size; DIM's practice)",
            "loss: GCA's L1 over the unknown band (the paper says L1 alpha loss)",
            "encoder: GCA's ImageNet ResNet-34-D (the paper says ResNet-34, pretraining not stated)",
            "Distinctions-646 at its released 80 backgrounds per foreground: the paper's 1:100 "
            "cannot be built from bg_train.txt (47,680 lines = 596 x 80)",
        ),
    ),
    "indexnet": Recipe(
        "indexnet", lr=0.01, betas=(0.9, 0.999), schedule="step", milestones="indexnet",
        clip_grad=False, augment="dim", encoder_init="scratch", batch_size=16,
        departures=(
            "the ImageNet MobileNetV2 backbone is not loaded: trains from scratch",
            "loss normalised over the global batch's unknown pixels (IndexNet: per image, averaged)",
            "trimaps by GCA's random erosion (IndexNet dilates its own)",
        ),
    ),
    "dim": Recipe(
        "dim", lr=1e-5, betas=(0.9, 0.999), schedule="step", milestones="constant",
        clip_grad=False, augment="dim", encoder_init="scratch", batch_size=1,
        departures=(
            "the VGG-16 ImageNet backbone is not loaded: trains from scratch (init_from= takes "
            "a released DIM file)",
            "trimaps by GCA's random erosion (DIM dilates its own)",
        ),
    ),
    "vitmatte": Recipe(
        "vitmatte", lr=5e-4, betas=(0.9, 0.999), schedule="step", milestones="vitmatte",
        clip_grad=False, augment="gca", optimizer="adamw", weight_decay=0.1,
        lr_values=(0.1, 0.05), warmup_fraction=250 / 134_687, encoder_init="scratch",
        batch_size=10,
        departures=(
            "the ViT backbone's self-supervised weights are not loaded: trains from scratch",
            "losses scaled by the crop's own pixel count (ViTMatte: a fixed 262,144; equal at 512)",
            "batch 10 per device (ViTMatte: 16 for S, 10 for B, on 2 GPUs)",
            "losses normalised over the global batch (ViTMatte: per image, averaged)",
        ),
    ),
}  # fmt: skip


def resolve_milestones(
    recipe: Recipe, milestones: str | Sequence[float] | None, dataset: str | None
) -> tuple[str | Sequence[float] | None, str]:
    """The milestones a ``step`` recipe uses, and where they came from.

    Example:
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
