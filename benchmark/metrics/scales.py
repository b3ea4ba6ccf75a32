"""Display scales and metadata of the four DIM metrics, read by tables and leaderboards.

The functions in this package return values in the scale the DIM MATLAB ``evaluate.m`` reports:
SAD/1000, MSE raw, Grad/1000, Conn/1000. Nothing else rescales silently: tables that print
MSE ×10³ say so in the header, from this metadata.

Example:
    >>> METRICS["sad"].header()
    'SAD (/1e3, unknown)'
    >>> METRICS["mse"].header(display=True)
    'MSE (x1e3, unknown)'
    >>> csv_float(0.1), csv_float(float("nan")), csv_float(None)
    ('0.1', 'nan', 'nan')
"""

from __future__ import annotations

import dataclasses
import math

__all__ = ["METRIC_VERSION", "MetricSpec", "METRICS", "METRIC_NAMES", "csv_float"]

#: Bumped whenever any metric's value could change; recorded in every CSV and run.json.
METRIC_VERSION = "dim-matlab-1"


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    """How a metric is stored and shown.

    Attributes:
        name: column name in CSVs (``sad``...).
        label: printed name.
        stored_scale: words for the scale of stored values (CSV, run.json).
        display_factor: multiply stored values by this for leaderboards.
        display_scale: words for the scale of displayed values.
        higher_is_better: always False for these four.
    """

    name: str
    label: str
    stored_scale: str
    display_factor: float
    display_scale: str
    higher_is_better: bool = False

    def header(self, region: str = "unknown", *, display: bool = False) -> str:
        scale = self.display_scale if display else self.stored_scale
        return f"{self.label} ({scale}, {region})"


METRICS: dict[str, MetricSpec] = {
    "sad": MetricSpec("sad", "SAD", "/1e3", 1.0, "/1e3"),
    "mse": MetricSpec("mse", "MSE", "raw", 1e3, "x1e3"),
    "grad": MetricSpec("grad", "Grad", "/1e3", 1.0, "/1e3"),
    "conn": MetricSpec("conn", "Conn", "/1e3", 1.0, "/1e3"),
}
METRIC_NAMES = tuple(METRICS)


def csv_float(value: float | None) -> str:
    """How every CSV mattebench writes shows a number: shortest round-trip repr, ``nan`` for
    a missing or undefined value (one convention for per-image, eval and leaderboard CSVs)."""
    if value is None or math.isnan(value):
        return "nan"
    return repr(float(value))
