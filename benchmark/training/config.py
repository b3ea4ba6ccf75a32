"""What defines a training run (:class:`TrainConfig`), what it returns (:class:`TrainResult`),
and the names of the files it writes.

Example:
    >>> "recipe" in RESUME_FIXED and "device" not in RESUME_FIXED
    True
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

__all__ = ["TrainConfig", "TrainResult", "RESUME_FIXED", "LOG_NAME", "STATE_NAME", "MODEL_NAME"]

LOG_NAME, STATE_NAME, MODEL_NAME = "train.jsonl", "last.pt", "model.pt"

#: Fields that must not change across ``resume`` (anything else may: device, workers, amp...).
RESUME_FIXED = (
    "model_name",
    "model_kwargs",
    "recipe",
    "epochs",
    "seed",
    "crop",
    "lr",
    "warmup_epochs",
    "milestones",
    "comp_loss",
    "samples_per_epoch",
    "n_fg",
)


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a training run (saved in checkpoints and the log)."""

    model_name: str
    data_dir: str
    recipe: str
    epochs: int
    batch_size: int
    world_size: int
    global_batch: int
    crop: int
    seed: int
    lr: float
    betas: tuple[float, float]
    warmup_epochs: float | None
    milestones: Any
    comp_loss: float
    clip_grad: bool
    samples_per_epoch: int
    n_fg: int
    bg_source: str
    device: str
    amp: str | None
    workers: int
    model_kwargs: dict[str, Any]
    deterministic: bool
    sync_bn: bool
    loss_weights: dict[str, float] = dataclasses.field(default_factory=dict)
    accumulate: int = 1  # micro-batches per step; global_batch = batch_size × world_size × this
    checkpoint_every: int | None = None  # steps between mid-epoch checkpoints (None: epochs only)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        if isinstance(self.milestones, tuple):
            d["milestones"] = list(self.milestones)
        return d


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """What ``train`` returns.

    Attributes:
        checkpoint: ``model.pt`` (weights only; for ``create_model`` and ``score``).
        state: ``last.pt`` (full training state; for ``resume``).
        log: ``train.jsonl``.
        losses: the loss of every step of the run so far (resumed runs included, from the log).
        epochs, steps, samples_seen: where the run ended.
        images_per_s: training throughput of this session (global images per second of step time).
        val: validation records (metric means per validated epoch).
    """

    checkpoint: Path
    state: Path
    log: Path
    losses: list[float]
    epochs: int
    steps: int
    samples_seen: int
    images_per_s: float
    val: list[dict[str, Any]]
