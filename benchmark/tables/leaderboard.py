"""Leaderboards from score runs: one table per protocol, written as CSV, LaTeX and Markdown.

This module collects runs, builds the tables and writes the files; the CSV/Markdown/LaTeX
rendering lives in :mod:`benchmark.tables.table_format` (its writers are re-exported here).

Input is the results layout of ``mattebench score`` (``RESULTS/<dataset>/<model>/<run-id>/``
with ``per_image.csv`` and ``run.json``, see :mod:`benchmark.scoring.protocol`). Rules:

* Two runs share a table only when their :meth:`Protocol.key` is equal; a checkpoint whose
  training-data tag names the test set (``train:+comp1k-test``) gets a table of its own.
* Runs of the same model, config, training data and provenance that differ only in seed are one
  row: mean ± sample std (ddof=1) over the runs' means. A repeated run (same seed and same
  checkpoint) counts once: the newest ``run.json`` wins.
* A run's mean is over the images it scored; images that failed (NaN) are counted in the
  ``Images`` column and named in the notes, never silently dropped.
* A partial run (killed before its last image, or scored with ``--limit``) is left out of every
  table: its mean over a subset is not comparable. The table of its protocol says so in a note.
* Columns are SAD, MSE, Grad, Conn in the display scales of
  :data:`benchmark.metrics.scales.METRICS` (MSE ×10³); headers and captions state scale, region
  and protocol.
* With ``include_reported=True`` the paper's numbers (:mod:`benchmark.tables.reported`) join the table
  of the same dataset (test split, unknown region) as a separate ``reported`` block; paper tables
  without such a measured table are printed on their own. The learned baselines' own published
  Composition-1K numbers (:mod:`benchmark.tables.baseline_rows`) join the same way. Bold marks the best value per column
  *within each block* (measured and reported are never ranked against each other).

Example:
    >>> rt = build_tables([], include_reported=True)
    >>> [t.slug for t in rt]  # doctest: +NORMALIZE_WHITESPACE
    ['paper-table3-comp1k', 'paper-table4-d646', 'paper-table5-human2k', 'paper-table6-comp1k-human',
     'reported-baselines-comp1k']
    >>> print(to_markdown(rt[0]).splitlines()[4])
    | KNN \\[7\\] | reported (paper T3) | training-free | - | - | 175.4 | 103 | 124.1 | 176.4 |
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.scoring.external import EXTERNAL_PROVENANCE
from benchmark.scoring.protocol import Protocol
from benchmark.tables.alphamatting_rank import build_rank_tables
from benchmark.tables.baseline_rows import add_baseline_reported
from benchmark.tables.reported_rows import add_reported
from benchmark.tables.runs import Run, collect_runs, dedupe_repeats, row_labels
from benchmark.tables.table import Row, Table
from benchmark.tables.table_format import (
    Cell,
    Display,
    column_parts,
    latex_document,
    to_csv,
    to_latex,
    to_markdown,
)
from human2k.errors import InputError, MattebenchError
from human2k.images import atomic_write_bytes
from human2k.outputs import prepare_output_dir
from human2k.paths import check_not_overlapping

__all__ = [
    "Run",
    "Row",
    "Table",
    "Cell",
    "Display",
    "collect_runs",
    "build_tables",
    "build_leaderboards",
    "to_csv",
    "to_latex",
    "to_markdown",
    "latex_document",
    "column_parts",
    "write_leaderboards",
    "FORMATS",
]

#: Output formats and their file suffixes.
FORMATS = {"csv": ".csv", "latex": ".tex", "md": ".md"}


def _measured_row(runs: list[Run], label: str) -> Row:
    per_run = [r.means() for r in runs]
    mean, std = {}, {}
    for m in METRIC_NAMES:
        f = METRICS[m].display_factor
        vals = np.array([p[m] for p in per_run], float) * f
        ok = vals[~np.isnan(vals)]
        mean[m] = float(ok.mean()) if ok.size else math.nan
        std[m] = float(ok.std(ddof=1)) if ok.size > 1 else math.nan
    return Row(
        model=label,
        source="measured",
        training_data=runs[0].record.training_data,
        mean=mean,
        std=std,
        n_runs=len(runs),
        seeds=tuple(r.seed_label() for r in runs),
        n_images=max(r.n_images for r in runs),
        n_failed=sum(r.n_failed for r in runs),
        run_dirs=tuple(str(r.path) for r in runs),
        config=runs[0].model_key()[1],
        external=_is_external(runs[0]),
    )


def _is_contaminated(run: Run) -> bool:
    return f"{run.record.protocol.dataset}-test" in run.record.training_data


def _slug(protocol: Protocol, contaminated: bool) -> str:
    digest = hashlib.sha256("\x1f".join(protocol.key()).encode()).hexdigest()[:6]
    parts = [
        protocol.dataset,
        protocol.split,
        protocol.region,
        protocol.resolution,
        protocol.quantization,
    ]
    stem = "-".join(re.sub(r"[^A-Za-z0-9.]+", "-", p).strip("-") for p in parts if p)
    return f"{stem}{'-contaminated' if contaminated else ''}-{digest}"


def _is_external(run: Run) -> bool:
    return run.record.provenance == EXTERNAL_PROVENANCE


def _shared_key(protocol: Protocol) -> tuple[str, ...]:
    """The protocol without how predictions were made (quantisation, resolution): what an
    external run must share with a table to sit in it."""
    p = protocol
    return (p.dataset, p.split, p.manifest_sha256, p.trimap_source, p.region, p.metric_version)


def _groups(runs: Sequence[Run]) -> dict[tuple, list[Run]]:
    """Runs per (protocol, contaminated); external runs join every table of their shared key,
    or form their own when there is none."""
    groups: dict[tuple, list[Run]] = {}
    external = []
    for run in dedupe_repeats(runs):
        if _is_external(run):
            external.append(run)
            continue
        groups.setdefault((run.record.protocol.key(), _is_contaminated(run)), []).append(run)
    for run in external:
        shared = _shared_key(run.record.protocol)
        hosts = [
            k
            for k, members in groups.items()
            if not k[1] and _shared_key(members[0].record.protocol) == shared
        ]
        for k in hosts or [(run.record.protocol.key(), _is_contaminated(run))]:
            groups.setdefault(k, []).append(run)
    return groups


def _measured_tables(runs: Sequence[Run]) -> list[Table]:
    groups = _groups(runs)
    tables = []
    for (_, contaminated), members in sorted(groups.items(), key=lambda kv: kv[0]):
        own = [m for m in members if not _is_external(m)]
        protocol = (own or members)[0].record.protocol
        by_model: dict[tuple, list[Run]] = {}
        for run in members:
            by_model.setdefault(run.model_key(), []).append(run)
        labels = row_labels([g[0] for g in by_model.values()])
        rows = sorted(
            (_measured_row(g, lab) for g, lab in zip(by_model.values(), labels, strict=True)),
            key=lambda r: (math.isnan(r.mean["sad"]), r.mean["sad"], r.model),
        )
        notes = _measured_notes(rows)
        if any(r.external for r in rows):
            notes.append(
                "external = predictions made outside mattebench and scored as stored (their "
                "quantisation and resolution are the submitter's; `mattebench eval --name`)."
            )
        title = f"{protocol.dataset} {protocol.split}" + (
            " (test-set-contaminated checkpoints)" if contaminated else ""
        )
        tables.append(
            Table(
                _slug(protocol, contaminated),
                title,
                protocol,
                protocol.region,
                rows,
                notes,
                contaminated,
            )
        )
    return tables


def _measured_notes(rows: list[Row]) -> list[str]:
    notes = []
    for r in rows:
        if r.n_runs > 1:
            notes.append(
                f"{r.model}: mean +- sample std over {r.n_runs} runs, seeds {', '.join(r.seeds)}."
            )
        if r.n_failed:
            notes.append(
                f"{r.model}: {r.n_failed} image(s) failed or timed out; its means are over the remaining images and not eligible for bold."
            )
    most = max((r.n_images for r in rows), default=0)
    for r in rows:
        if r.n_images < most:
            notes.append(
                f"{r.model}: scored {r.n_images} images, others {most}; not eligible for bold."
            )
    return notes


def build_tables(runs: Sequence[Run], *, include_reported: bool = False) -> list[Table]:
    """Group runs into one table per protocol.

    Args:
        runs: from :func:`collect_runs`.
        include_reported: add the paper's Tables 3-6 (a ``reported`` block in the matching
            dataset's table, or a table of their own).

    Returns:
        Tables in protocol order, paper-only tables last.
    """
    tables = _measured_tables(runs)
    return add_baseline_reported(add_reported(tables)) if include_reported else tables


def build_leaderboards(
    results_dir: str | os.PathLike, *, include_reported: bool = False, runs: list | None = None
) -> list:
    """All tables for a results folder: per-protocol tables, then alphamatting.com-style ranks.

    Partial runs are left out (a note in the table of their protocol names each one). RUNS:
    the folder's runs when the caller has already collected them (:func:`collect_runs`).

    Raises:
        MattebenchError: no complete run found and nothing reported requested.
    """
    runs = collect_runs(results_dir) if runs is None else runs
    complete = [r for r in runs if not r.partial]
    partial = [r for r in runs if r.partial]
    if not complete and not include_reported:
        detail = f"; partial: {partial[0].partial_note()}" if partial else ""
        raise MattebenchError(
            f"{results_dir}: no complete run folders (run.json + per_image.csv) found{detail}"
        )
    tables = build_tables(complete, include_reported=include_reported) + build_rank_tables(
        complete, include_reported=include_reported
    )
    for run in partial:
        for table in tables:
            protocol = getattr(table, "protocol", None)
            if protocol is not None and protocol.key() == run.record.protocol.key():
                table.notes.append(run.partial_note())
    return tables


# --------------------------------------------------------------------------- files


INDEX_NAME = "leaderboards.json"


def _previous_files(out: Path) -> list[str]:
    """The files the last :func:`write_leaderboards` into OUT listed in its index."""
    try:
        return [*json.loads((out / INDEX_NAME).read_text("utf-8"))["files"], INDEX_NAME]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write_leaderboards(
    tables: Sequence,
    out_dir: str | os.PathLike,
    *,
    formats: Iterable[str] = ("csv", "latex", "md"),
    overwrite: bool = False,
    inputs: dict[str, str | os.PathLike | None] | None = None,
) -> list[Path]:
    """Write each table as ``<slug>.csv/.tex/.md`` plus ``leaderboards.md`` and ``leaderboards.tex``,
    and the index ``leaderboards.json`` (the files written).

    Files are written atomically. OUT_DIR must be new or empty unless ``overwrite``; with it, the
    files a previous call listed in its index are removed first, so no stale table stays.
    Returns the paths written, in order (the index last).

    Raises:
        InputError: an unknown format name. OverlapError: OUT_DIR overlaps one of INPUTS
        (``{description: path}``). OutputExistsError: OUT_DIR holds files, no ``overwrite``.
    """
    formats = list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(
            None,
            f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}",
            param="formats",
        )
    out = Path(out_dir)
    check_not_overlapping(out, inputs or {})
    prepare_output_dir(out, overwrite=overwrite, previous=_previous_files)
    writers = {"csv": to_csv, "latex": to_latex, "md": to_markdown}
    written = []
    for t in tables:
        for f in formats:
            path = out / f"{t.slug}{FORMATS[f]}"
            atomic_write_bytes(path, writers[f](t).encode("utf-8"))
            written.append(path)
    if "md" in formats:
        path = out / "leaderboards.md"
        atomic_write_bytes(path, "\n".join(to_markdown(t) for t in tables).encode("utf-8"))
        written.append(path)
    if "latex" in formats:
        path = out / "leaderboards.tex"
        atomic_write_bytes(path, latex_document(tables).encode("utf-8"))
        written.append(path)
    index = {"files": [p.name for p in written], "formats": formats}
    atomic_write_bytes(out / INDEX_NAME, json.dumps(index, indent=1).encode("utf-8"))
    return [*written, out / INDEX_NAME]
