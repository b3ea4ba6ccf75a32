"""Validation during training: score the epoch's weights with ``benchmark.scoring``.

Example:
    >>> VALIDATION_SCALES
    'SAD/1000, MSE raw, Grad/1000, Conn/1000 over trimap==128'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmark.scoring.score import score_model
from benchmark.training.config import TrainConfig

__all__ = ["validate", "VALIDATION_SCALES"]

VALIDATION_SCALES = "SAD/1000, MSE raw, Grad/1000, Conn/1000 over trimap==128"


def validate(
    cfg: TrainConfig,
    checkpoint: Path,
    val_data: str,
    out_dir: Path,
    device: str,
    trimap_set: str | None,
) -> dict[str, Any]:
    """Score CHECKPOINT on VAL_DATA into ``OUT_DIR/val``; the metric means and where they are."""
    record = score_model(
        cfg.model_name,
        val_data,
        out_dir / "val",
        checkpoint=checkpoint,
        device=device,
        model_kwargs=cfg.model_kwargs,
        trimap_set=trimap_set,
    )
    return {
        "means": dict(record.means),
        "n_images": record.n_images,
        "dataset": record.protocol.dataset,
        "scales": VALIDATION_SCALES,
        "run_dir": record.extra.get("run_dir"),
    }
