"""What ``run.json`` says about a run's rows: means, counts, failures to retry, resolution.

One function fills a :class:`~benchmark.scoring.protocol.RunRecord` from the rows of
``per_image.csv`` (:func:`summarize`), so a run scored in one piece and a run merged from N
shards (:mod:`benchmark.scoring.score_shards`) are summarised by the same code.

``EXECUTION_FIELDS`` are the fields of ``run.json`` that say how and when a run was executed,
not what it measured; they are the only ones in which a sharded or Dask run may differ from a
local one (with the ``seconds`` column of ``per_image.csv``, the model's measured time).

Example:
    >>> means, counts, mean_s = means_of({"a": {"sad": 1.0, "mse": 0.5, "grad": 2.0, "conn": 1.0,
    ...                                         "seconds": 0.25}})
    >>> means["sad"], counts["sad"], mean_s
    (1.0, 1, 0.25)
    >>> resolution_of({"tiled": 2, "native": 5})
    'tiled'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmark.metrics.scales import METRIC_NAMES
from benchmark.scoring.protocol import RunRecord

__all__ = ["means_of", "resolution_of", "retry_failure", "summarize", "EXECUTION_FIELDS"]

#: ``run.json`` fields about the execution (top level, and under ``extra``).
EXECUTION_FIELDS = {
    "top": ("wall_time_s",),
    "extra": (
        "command",
        "sessions",
        "warmup_s",
        "mean_seconds",
        "workers",
        "start_method",
        "execution",
    ),
}


def means_of(rows: Mapping[str, Mapping[str, float]]):
    """``(means, counts, mean seconds)`` over ROWS; NaN metrics (failed images) left out."""
    means, counts = {}, {}
    for key in METRIC_NAMES:
        vals = np.array([r[key] for r in rows.values()], np.float64)
        finite = vals[~np.isnan(vals)]
        means[key] = float(finite.mean()) if finite.size else math.nan
        counts[key] = int(finite.size)
    secs = np.array([r["seconds"] for r in rows.values() if not math.isnan(r["sad"])], np.float64)
    return means, counts, float(secs.mean()) if secs.size else math.nan


def resolution_of(policies: Mapping[str, int]) -> str:
    """The worst inference policy any image ran under (the run's ``resolution``)."""
    for worst in ("downscaled", "tiled", "official"):
        if policies.get(worst):
            return worst
    return "native"


def retry_failure(failure: Mapping[str, Any], budget_s: float | None) -> bool:
    """Retry an error always; a timeout only when the budget grew (or was lifted)."""
    if failure.get("status") != "timeout":
        return True
    old = failure.get("budget_s")
    return not budget_s or (old is not None and budget_s > old)


def summarize(
    record: RunRecord,
    rows: Mapping[str, Mapping[str, float]],
    extra: dict[str, Any],
    policies: Mapping[str, int],
    *,
    deep: bool,
    n_expected: int,
    complete: bool,
    wall_time_s: float,
) -> None:
    """Fill RECORD (means, counts, resolution, extra) from ROWS, in place."""
    means, counts, mean_s = means_of(rows)
    resolution = resolution_of(policies) if deep else "native"
    record.protocol = dataclasses.replace(record.protocol, resolution=resolution)
    record.wall_time_s = wall_time_s
    record.n_images = len(rows)
    record.n_failed = sum(1 for r in rows.values() if math.isnan(r["sad"]))
    record.means = means
    record.extra = {
        **extra,
        "policies": dict(sorted(policies.items())),
        "n_per_mean": counts,
        "mean_seconds": mean_s,
        "complete": complete and len(rows) >= n_expected,
    }
