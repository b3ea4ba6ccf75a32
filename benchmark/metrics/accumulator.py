"""MattingMetrics: accumulate SAD, MSE, Grad and Conn over a dataset, keeping per-image records.

It validates each triple once and calls the per-metric ``_update``/``_compute`` functions; it does
no arithmetic of its own beyond the mean over images (``evaluate.m`` takes a plain mean of the
per-image values).

Example:
    >>> import numpy as np
    >>> gt = np.full((32, 32), 255, np.uint8); tri = np.zeros((32, 32), np.uint8)
    >>> tri[:16, :16] = 128; tri[16:, 16:] = 255
    >>> pred = np.where(tri == 255, 255, 0).astype(np.uint8)
    >>> m = MattingMetrics(); _ = m.update(pred, gt, tri, name="vec")
    >>> {k: round(v, 7) for k, v in m.compute().items()}
    {'sad': 0.256, 'mse': 1.0, 'grad': 0.0028887, 'conn': 0.256}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from benchmark.metrics._checks import REGIONS, Region, check_matting_inputs
from benchmark.metrics.conn import conn_compute, conn_update
from benchmark.metrics.grad import grad_compute, grad_update
from benchmark.metrics.mse import mse_compute, mse_update
from benchmark.metrics.sad import sad_compute, sad_update
from benchmark.metrics.scales import METRIC_NAMES, METRIC_VERSION

__all__ = ["MattingMetrics", "compute_all"]


def compute_all(
    pred, gt, trimap, *, region: Region = "unknown", labels=("pred", "gt", "trimap")
) -> dict[str, Any]:
    """All four metrics of one image (validated once), plus the scored-pixel count.

    Returns:
        dict with ``sad``, ``mse``, ``grad``, ``conn`` (DIM scales) and ``n_pixels``.
    """
    inputs = check_matting_inputs(pred, gt, trimap, region=region, labels=labels)
    abs_sum, count = sad_update(inputs)
    sq_sum, _ = mse_update(inputs)
    return {
        "sad": sad_compute(abs_sum, count),
        "mse": mse_compute(sq_sum, count),
        "grad": grad_compute(grad_update(inputs)),
        "conn": conn_compute(conn_update(inputs)),
        "n_pixels": int(count),
    }


class MattingMetrics:
    """Accumulator of per-image DIM metrics.

    Args:
        region: ``"unknown"`` (DIM protocol) or ``"whole"``.

    Attributes:
        records: one dict per image: ``image``, ``sad``, ``mse``, ``grad``, ``conn``, ``n_pixels``.
        higher_is_better: False for all four metrics.
    """

    higher_is_better = False
    metric_version = METRIC_VERSION

    def __init__(self, region: Region = "unknown"):
        if region not in REGIONS:
            raise ValueError(f"region must be one of {REGIONS}, got {region!r}")
        self.region = region
        self.records: list[dict[str, Any]] = []

    def update(self, pred, gt, trimap, *, name: str | None = None, labels=None) -> dict[str, Any]:
        """Score one image and keep its record; returns the record."""
        labels = labels or (
            (f"{name} (pred)", f"{name} (gt)", f"{name} (trimap)")
            if name
            else ("pred", "gt", "trimap")
        )
        record = {"image": name if name is not None else str(len(self.records))}
        record.update(compute_all(pred, gt, trimap, region=self.region, labels=labels))
        self.records.append(record)
        return record

    def add_record(self, record: dict[str, Any]) -> None:
        """Add a record computed elsewhere (another process, a resumed run)."""
        self.records.append(dict(record))

    @property
    def n_undefined_mse(self) -> int:
        """Images whose region was empty (MSE = NaN, MATLAB's 0/0)."""
        return sum(1 for r in self.records if r["n_pixels"] == 0)

    def compute(self) -> dict[str, float]:
        """Mean of each metric over the images. Images with NaN (empty region for MSE, or a
        failed prediction) are left out of that metric's mean and counted in ``counts()``."""
        out = {}
        for key in METRIC_NAMES:
            values = np.array([r[key] for r in self.records], dtype=np.float64)
            finite = values[~np.isnan(values)]
            out[key] = float(finite.mean()) if finite.size else math.nan
        return out

    def counts(self) -> dict[str, int]:
        """How many images each mean is over (NaN values excluded)."""
        return {
            key: int(sum(1 for r in self.records if not math.isnan(r[key]))) for key in METRIC_NAMES
        }

    def reset(self) -> None:
        self.records = []
