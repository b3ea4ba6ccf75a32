"""The paper's numbers as table rows: a ``reported`` block joined to the table of the same
dataset (test split, unknown region), or a table of its own.

Example:
    >>> rows, notes = reported_rows(3)
    >>> rows[0].source, rows[0].paper_table
    ('reported', 3)
"""

from __future__ import annotations

import dataclasses
import math

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.tables.reported import load_reported
from benchmark.tables.table import Row, Table

__all__ = [
    "reported_rows",
    "add_reported",
    "accepts_reported_rows",
    "rescale_printed",
    "CONFLICT_MARK",
]


#: Marks rows whose printed label the paper's text contradicts (footnote in the table notes).
CONFLICT_MARK = "†"


def reported_rows(number: int) -> tuple[list[Row], list[str]]:
    """Rows and notes of paper Table NUMBER (3–6); conflicting labels are marked ``†``."""
    rt = load_reported()[number]
    rows = []
    for method, setting in rt.methods():
        entries = {e.metric: e for e in rt.entries if e.method == method and e.setting == setting}
        ref = next(iter(entries.values())).ref
        label = f"{method} [{ref}]" if ref else method
        if setting:
            label += f" ({setting})"
        if rt.label_conflict(method):
            label += f" {CONFLICT_MARK}"
        mean, printed = {}, {}
        for m in METRIC_NAMES:
            e = entries[m]
            mean[m] = e.value * METRICS[m].display_factor
            printed[m] = (
                "" if e.printed == "*" else rescale_printed(e.printed, METRICS[m].display_factor)
            )
        rows.append(
            Row(
                label,
                "reported",
                rt.training_data(setting, method),
                mean,
                {m: math.nan for m in METRIC_NAMES},
                n_runs=0,
                printed=printed,
                paper_table=number,
            )
        )
    notes = [
        f"Paper Table {number} ({rt.dataset} {rt.split}): {rt.protocol_notes} Trimaps: "
        f"{'; '.join(rt.trimaps.values())}. Printed MSE is raw; shown x1e3 with the printed precision."
    ]
    if any(e.printed == "*" for e in rt.entries):
        notes.append(f"Paper Table {number}: * = not shown in the cited paper.")
    conflicts = rt.label_conflicts.get("rows", {})
    if conflicts:
        readings = "; ".join(f"'{m}' reads as {c['text_reading']}" for m, c in conflicts.items())
        notes.append(
            f"{CONFLICT_MARK} Paper Table {number}: the text contradicts the printed "
            f"labels ({readings}). {rt.label_conflicts.get('note', '')}"
        )
    if rt.training_by_row:
        tags = "; ".join(f"{m}: {t}" for m, t in rt.training_by_row.items())
        notes.append(f"Paper Table {number}: training data per row where it differs ({tags}).")
    return rows, notes


def rescale_printed(printed: str, factor: float) -> str:
    """Rescale a printed number by a power of ten keeping its significant digits."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    shift = round(math.log10(factor))
    return f"{float(printed) * factor:.{max(0, decimals - shift)}f}"


def accepts_reported_rows(table: Table, dataset: str) -> bool:
    """Whether published rows of DATASET may join TABLE: its test split, unknown region, clean."""
    p = table.protocol
    return (
        p is not None
        and not table.contaminated
        and p.dataset == dataset
        and p.split == "test"
        and p.region == "unknown"
    )


def add_reported(tables: list[Table]) -> list[Table]:
    extra = []
    for number, rt in sorted(load_reported().items()):
        if number == 2:  # alphamatting.com ranks: see benchmark.tables.alphamatting_rank
            continue
        rows, notes = reported_rows(number)
        targets = [t for t in tables if accepts_reported_rows(t, rt.dataset)]
        for t in targets:
            t.rows.extend(dataclasses.replace(r) for r in rows)
            t.notes.extend(notes)
        if not targets:
            extra.append(
                Table(
                    f"paper-table{number}-{rt.dataset}",
                    f"Paper Table {number} (reported): {rt.title}",
                    None,
                    "unknown",
                    rows,
                    notes,
                )
            )
    return tables + extra
