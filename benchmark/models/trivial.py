"""Trivial reference predictors: the floor every real model must beat.

Example:
    >>> import numpy as np
    >>> trimap_only().predict(np.zeros((1, 3, 3), np.uint8), np.array([[0, 128, 255]], np.uint8)).tolist()
    [[0.0, 0.5, 1.0]]
"""

from __future__ import annotations

import numpy as np

from benchmark.models.interface import MattingModel
from benchmark.models.registry import register_model

__all__ = ["TrimapOnly", "trimap_only"]


class TrimapOnly(MattingModel):
    """Predict alpha from the trimap alone: 0 / ``unknown_value`` / 1."""

    #: nothing to time out: ``benchmark.scoring.score`` runs it in-process, without a child process.
    isolate = False

    def __init__(self, unknown_value: float = 0.5):
        if not 0.0 <= unknown_value <= 1.0:
            raise ValueError(f"unknown_value must be in [0, 1], got {unknown_value}")
        self.unknown_value = float(unknown_value)
        self.config = {"unknown_value": self.unknown_value}

    def predict(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        alpha = np.full(trimap.shape, self.unknown_value, np.float32)
        alpha[trimap == 0] = 0.0
        alpha[trimap == 255] = 1.0
        return alpha


@register_model(provenance="reference", kind="classical", paper="-", license="Apache-2.0")
def trimap_only(unknown_value: float = 0.5, **kwargs) -> TrimapOnly:
    """Trimap only: known regions from the trimap, unknown = 0.5 (a floor, not a method)."""
    return TrimapOnly(unknown_value=unknown_value)
