"""The learned baselines' published Composition-1K numbers as ``reported`` leaderboard rows.

``benchmark/tables/reported/baselines_comp1k.csv`` holds one row per published result, taken from
the original source (the model's README or paper, not TIMI-Net's quotation of it): ``model`` (the
registered name), ``variant``, SAD / MSE / Grad / Conn exactly as printed (SAD, Grad, Conn in the
DIM scale ÷1000; ``mse × mse_scale`` is the raw MSE, ViTMatte prints MSE ×10⁻³), ``protocol``
(how the authors computed it), ``source``, ``where`` it was read and how it was ``verified``.

:func:`add_baseline_reported` appends them, as a ``reported`` block, to every measured
Composition-1K test table (unknown region), or to a table of their own when there is none; they
never mix with measured rows (bold is per block).

Example:
    >>> entries = load_baseline_reported()
    >>> [(e.model, e.printed["sad"]) for e in entries if e.model in ("gca", "vitmatte_b")]
    [('gca', '35.28'), ('vitmatte_b', '20.33')]
    >>> baseline_rows()[0].model
    'gca: gca-dist.pth (released Composition-1K model) [GCA-Matting README]'
"""

from __future__ import annotations

import csv
import dataclasses
import functools
from importlib import resources

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.tables.reported_rows import accepts_reported_rows, rescale_printed
from benchmark.tables.table import Row, Table
from human2k.errors import InputError

__all__ = ["BaselineEntry", "load_baseline_reported", "baseline_rows", "add_baseline_reported"]

CSV_NAME = "baselines_comp1k.csv"
_SHORT_SOURCE = {
    "gca": "GCA-Matting README",
    "indexnet": "IndexNet README",
    "vitmatte_s": "ViTMatte README",
    "vitmatte_b": "ViTMatte README",
}


@dataclasses.dataclass(frozen=True)
class BaselineEntry:
    """One published result: the printed strings and their raw (stored-scale) values."""

    model: str
    variant: str
    printed: dict[str, str]
    value: dict[str, float]
    protocol: str
    source: str
    where: str
    verified: str

    def short_source(self) -> str:
        if self.model in _SHORT_SOURCE:
            return _SHORT_SOURCE[self.model]
        return "DIM paper, quoted" if self.variant.startswith("paper") else "mmagic README"


@functools.cache
def load_baseline_reported() -> tuple[BaselineEntry, ...]:
    """The rows of ``baselines_comp1k.csv`` (values in mattebench's stored scale: MSE raw)."""
    text = resources.files("benchmark.tables.reported").joinpath(CSV_NAME).read_text("utf-8")
    out = []
    for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            value = {m: float(row[m]) for m in METRIC_NAMES}
            value["mse"] *= float(row["mse_scale"])
        except (KeyError, ValueError) as exc:
            raise InputError(f"{CSV_NAME}:{i}", f"bad number ({exc})") from None
        printed = {m: row[m] for m in METRIC_NAMES}
        if row["mse_scale"] != "1":  # keep the printed digits, in the raw scale
            printed["mse"] = f"{value['mse']:.{len(row['mse'].split('.')[-1]) + 3}f}"
        out.append(
            BaselineEntry(
                row["model"],
                row["variant"],
                printed,
                value,
                row["protocol"],
                row["source"],
                row["where"],
                row["verified"],
            )
        )
    return tuple(out)


def baseline_rows() -> list[Row]:
    """The entries as ``reported`` rows in the leaderboards' display scales."""
    rows = []
    for e in load_baseline_reported():
        f = {m: METRICS[m].display_factor for m in METRIC_NAMES}
        rows.append(
            Row(
                model=f"{e.model}: {e.variant} [{e.short_source()}]",
                source="reported",
                training_data="train:comp1k",
                mean={m: e.value[m] * f[m] for m in METRIC_NAMES},
                std={m: float("nan") for m in METRIC_NAMES},
                n_runs=0,
                printed={m: rescale_printed(e.printed[m], f[m]) for m in METRIC_NAMES},
            )
        )
    return rows


def _notes() -> list[str]:
    notes = [
        "Baselines' published Composition-1K numbers (benchmark/tables/reported/baselines_comp1k.csv):"
    ]
    for e in load_baseline_reported():
        notes.append(
            f"{e.model} {e.variant}: {e.source} (where: {e.where}); protocol: {e.protocol}."
        )
    return notes


def add_baseline_reported(tables: list[Table]) -> list[Table]:
    """Append the baseline rows to each measured Composition-1K test table (unknown region)."""
    targets = [t for t in tables if accepts_reported_rows(t, "comp1k")]
    for t in targets:
        t.rows.extend(baseline_rows())
        t.notes.extend(_notes())
    if targets:
        return tables
    own = Table(
        "reported-baselines-comp1k",
        "Learned baselines on Composition-1K (reported by their authors)",
        None,
        "unknown",
        baseline_rows(),
        _notes(),
    )
    return tables + [own]
