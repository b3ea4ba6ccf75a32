"""The training recipes: optimiser, schedule shape, augmentation, batch, encoder start, and
what still differs from each recipe's source.

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
    >>> RECIPES["gca"].lr, RECIPES["paper"].batch_size, RECIPES["vitmatte"].optimizer
    (0.0004, 16, 'adamw')
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from benchmark.training.encoder_init import GCA_IMAGENET_FILE

__all__ = ["Recipe", "RECIPES"]


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
        "gca",
        lr=4e-4,
        betas=(0.5, 0.999),
        schedule="cosine",
        warmup_fraction=0.025,
        augment="gca",
        batch_size=10,
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
        "paper",
        lr=0.01,
        betas=(0.9, 0.999),
        schedule="step",
        milestones=None,
        clip_grad=False,
        augment="paper",
        batch_size=16,
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
        "indexnet",
        lr=0.01,
        betas=(0.9, 0.999),
        schedule="step",
        milestones="indexnet",
        clip_grad=False,
        augment="dim",
        encoder_init="scratch",
        batch_size=16,
        departures=(
            "the ImageNet MobileNetV2 backbone is not loaded: trains from scratch",
            "loss normalised over the global batch's unknown pixels (IndexNet: per image, averaged)",
            "trimaps by GCA's random erosion (IndexNet dilates its own)",
        ),
    ),
    "dim": Recipe(
        "dim",
        lr=1e-5,
        betas=(0.9, 0.999),
        schedule="step",
        milestones="constant",
        clip_grad=False,
        augment="dim",
        encoder_init="scratch",
        batch_size=1,
        departures=(
            "the VGG-16 ImageNet backbone is not loaded: trains from scratch (init_from= takes "
            "a released DIM file)",
            "trimaps by GCA's random erosion (DIM dilates its own)",
        ),
    ),
    "vitmatte": Recipe(
        "vitmatte",
        lr=5e-4,
        betas=(0.9, 0.999),
        schedule="step",
        milestones="vitmatte",
        clip_grad=False,
        augment="gca",
        optimizer="adamw",
        weight_decay=0.1,
        lr_values=(0.1, 0.05),
        warmup_fraction=250 / 134_687,
        encoder_init="scratch",
        batch_size=10,
        departures=(
            "the ViT backbone's self-supervised weights are not loaded: trains from scratch",
            "losses scaled by the crop's own pixel count (ViTMatte: a fixed 262,144; equal at 512)",
            "batch 10 per device (ViTMatte: 16 for S, 10 for B, on 2 GPUs)",
            "losses normalised over the global batch (ViTMatte: per image, averaged)",
        ),
    ),
}
