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
* Columns are SAD, MSE, Grad, Conn in the display scales of
  :data:`benchmark.metrics.scales.METRICS` (MSE ×10³); headers and captions state scale, region
  and protocol.
* With ``include_reported=True`` the paper's numbers (:mod:`benchmark.tables.reported`) join the table
  of the same dataset (test split, unknown region) as a separate ``reported`` block; paper tables
  without such a measured table are printed on their own. Bold marks the best value per column
  *within each block* (measured and reported are never ranked against each other).

Example:
    >>> rt = build_tables([], include_reported=True)
    >>> [t.slug for t in rt]
    ['paper-table3-comp1k', 'paper-table4-d646', 'paper-table5-human2k', 'paper-table6-comp1k-human']
    >>> print(to_markdown(rt[0]).splitlines()[4])
    | KNN [7] | reported (paper T3) | train:comp1k | - | - | 175.4 | 103 | 124.1 | 176.4 |
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.scoring.protocol import PER_IMAGE_CSV, RUN_JSON, Protocol, RunRecord
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

#: Config keys that only choose a seed: runs differing in these alone are averaged.
SEED_KEYS = frozenset({"seed", "train_seed", "training_seed", "data_seed"})
#: Output formats and their file suffixes.
FORMATS = {"csv": ".csv", "latex": ".tex", "md": ".md"}


# --------------------------------------------------------------------------- runs


@dataclasses.dataclass(eq=False)
class Run:
    """One score run folder, loaded.

    Attributes:
        path: the run folder.
        record: its ``run.json``.
        per_image: ``per_image.csv`` indexed by image (stored scales, NaN = failed image).
    """

    path: Path
    record: RunRecord
    per_image: pd.DataFrame

    def means(self) -> dict[str, float]:
        """Per-metric mean over the images that were scored (stored scale)."""
        return {m: _nanmean(self.per_image[m].to_numpy(float)) for m in METRIC_NAMES}

    @property
    def n_images(self) -> int:
        return int(len(self.per_image))

    @property
    def n_failed(self) -> int:
        return int(self.per_image[list(METRIC_NAMES)].isna().any(axis=1).sum())

    def model_key(self) -> tuple[str, str, str, str]:
        """(model, config without seed keys, training data, provenance): what makes a row."""
        cfg = {k: v for k, v in self.record.model_config.items() if k not in SEED_KEYS}
        return (
            self.record.model,
            json.dumps(cfg, sort_keys=True, default=str),
            self.record.training_data,
            self.record.provenance,
        )

    def seed_label(self) -> str:
        rec = self.record
        for key in ("seed", "train_seed", "training_seed"):
            if key in rec.model_config:
                return f"{rec.model_config[key]}"
        return "-" if rec.seed is None else str(rec.seed)


def _nanmean(values: np.ndarray) -> float:
    ok = values[~np.isnan(values)]
    return float(ok.mean()) if ok.size else math.nan


def _read_per_image(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(path, "missing; every run folder needs per_image.csv next to run.json")
    try:
        df = pd.read_csv(path, dtype={"image": str}, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a readable CSV ({exc})") from None
    missing = [c for c in ("image", *METRIC_NAMES) if c not in df.columns]
    if missing:
        raise InputError(
            path,
            f"missing column(s) {', '.join(missing)}; expected image,sad,mse,grad,conn,seconds",
        )
    for col in METRIC_NAMES:
        try:
            df[col] = pd.to_numeric(df[col], errors="raise").astype(float)
        except (ValueError, TypeError):
            raise InputError(path, f"column {col!r} holds non-numeric values") from None
    dupes = df["image"][df["image"].duplicated()].unique()
    if len(dupes):
        raise InputError(path, f"image(s) listed twice: {', '.join(map(str, dupes[:5]))}")
    return df.set_index("image")


def _read_record(path: Path) -> RunRecord:
    try:
        return RunRecord.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    except (KeyError, TypeError) as exc:
        raise InputError(path, f"not a mattebench run record ({exc!r})") from None


def collect_runs(results_dir: str | os.PathLike) -> list[Run]:
    """Load every run folder (one holding ``run.json``) under RESULTS_DIR.

    Args:
        results_dir: the ``--out`` folder of ``mattebench score``.

    Returns:
        Runs sorted by folder path.

    Raises:
        InputError: the folder does not exist, or a run.json / per_image.csv is unreadable.
    """
    root = Path(results_dir)
    if not root.is_dir():
        raise InputError(root, "results folder not found")
    runs = []
    for run_json in sorted(root.rglob(RUN_JSON)):
        record = _read_record(run_json)
        runs.append(Run(run_json.parent, record, _read_per_image(run_json.parent / PER_IMAGE_CSV)))
    return runs


def dedupe_repeats(runs: Iterable[Run]) -> list[Run]:
    """Keep one run per (model key, seed, checkpoint): the one whose run.json is newest."""
    best: dict[tuple, Run] = {}
    for run in runs:
        key = (
            run.record.protocol.key(),
            run.model_key(),
            run.seed_label(),
            run.record.checkpoint_sha256,
        )
        old = best.get(key)
        if old is None or _mtime(run) >= _mtime(old):
            best[key] = run
    return sorted(best.values(), key=lambda r: str(r.path))


def _mtime(run: Run) -> tuple[float, str]:
    return ((run.path / RUN_JSON).stat().st_mtime, str(run.path))


# --------------------------------------------------------------------------- tables


@dataclasses.dataclass
class Row:
    """One leaderboard row (display scales).

    Attributes:
        model: row label (model name, plus the config keys that tell apart rows of one model).
        config: the model config without seed keys, as JSON (CSV only).
        source: ``measured`` or ``reported``.
        training_data: training-data tag.
        mean, std: per metric, in display scale (std is NaN for a single run).
        n_runs: runs averaged; seeds: their seeds.
        n_images, n_failed: images per run (max over runs) and failed images (sum over runs).
        printed: reported rows only: the value strings to show, per metric.
        paper_table: reported rows only: the paper's table number.
        run_dirs: measured rows: the run folders behind the row.
    """

    model: str
    source: str
    training_data: str
    mean: dict[str, float]
    std: dict[str, float]
    n_runs: int = 1
    seeds: tuple[str, ...] = ()
    n_images: int = 0
    n_failed: int = 0
    config: str = ""
    printed: dict[str, str] | None = None
    paper_table: int | None = None
    run_dirs: tuple[str, ...] = ()


@dataclasses.dataclass
class Table:
    """One leaderboard table: rows that share a protocol (plus, optionally, a reported block).

    Attributes:
        slug: file-name stem, unique per table.
        title: one line naming the table.
        protocol: the shared protocol (None for a paper-only table).
        region: the scored region (printed in every metric header).
        rows: measured rows (sorted by SAD) then reported rows (paper order).
        notes: footnotes (seeds, failures, reported-number caveats).
        contaminated: True when the checkpoints were trained on the test set.
    """

    slug: str
    title: str
    protocol: Protocol | None
    region: str
    rows: list[Row]
    notes: list[str] = dataclasses.field(default_factory=list)
    contaminated: bool = False

    def best(self) -> dict[str, set[int]]:
        """Indices of the rows holding the best value per metric, within each source block."""
        out: dict[str, set[int]] = {m: set() for m in METRIC_NAMES}
        for source in ("measured", "reported"):
            idx = [i for i, r in enumerate(self.rows) if r.source == source]
            if source == "measured":
                # a mean over fewer images (a --limit run, failures) is not comparable: it may
                # not be bold against complete runs
                most = max((self.rows[i].n_images for i in idx), default=0)
                complete = [
                    i for i in idx if self.rows[i].n_images == most and not self.rows[i].n_failed
                ]
                idx = complete or idx
            for m in METRIC_NAMES:
                shown = {i: _shown_value(self, i, m) for i in idx}
                shown = {i: v for i, v in shown.items() if not math.isnan(v)}
                if shown:
                    low = min(shown.values())
                    out[m] |= {i for i, v in shown.items() if v == low}
        return out

    def csv_rows(self) -> tuple[list[str], list[list[object]]]:
        """Machine-readable header and rows (full precision, display scales)."""
        pfields = [f.name for f in dataclasses.fields(Protocol)]
        header = [
            *pfields,
            "source",
            "paper_table",
            "model",
            "config",
            "training_data",
            "n_runs",
            "seeds",
            "n_images",
            "n_failed",
        ]
        for m in METRIC_NAMES:
            h = METRICS[m].header(self.region, display=True)
            header += [f"{h} mean", f"{h} std"]
        out = []
        for r in self.rows:
            pvals = [getattr(self.protocol, f) if self.protocol else "" for f in pfields]
            line = [
                *pvals,
                r.source,
                r.paper_table or "",
                r.model,
                r.config,
                r.training_data,
                r.n_runs,
                " ".join(r.seeds),
                r.n_images,
                r.n_failed,
            ]
            for m in METRIC_NAMES:
                line += [_csv_num(r.mean[m]), _csv_num(r.std[m])]
            out.append(line)
        return header, out

    def display(self) -> Display:
        best = self.best()
        decimals = {
            m: _decimals([r.mean[m] for r in self.rows if r.source == "measured"])
            for m in METRIC_NAMES
        }
        blocks: dict[str, list[list[Cell]]] = {"measured": [], "reported": []}
        for i, r in enumerate(self.rows):
            source = r.source if r.paper_table is None else f"reported (paper T{r.paper_table})"
            images = (
                "-"
                if r.source == "reported"
                else (f"{r.n_images}" + (f" ({r.n_failed} failed)" if r.n_failed else ""))
            )
            cells = [
                Cell(r.model),
                Cell(source),
                Cell(r.training_data or "-"),
                Cell(str(r.n_runs) if r.source == "measured" else "-"),
                Cell(images),
            ]
            for m in METRIC_NAMES:
                cells.append(Cell(_cell_text(r, m, decimals[m]), i in best[m]))
            blocks[r.source].append(cells)
        columns = [("Model", ""), ("Source", ""), ("Train data", ""), ("Runs", ""), ("Images", "")]
        for m in METRIC_NAMES:
            spec = METRICS[m]
            columns.append((f"{spec.label}", f"({spec.display_scale}, {self.region})"))
        return Display(
            title=self.title,
            caption=self.caption(),
            columns=columns,
            align="lllrr" + "r" * len(METRIC_NAMES),
            blocks=[b for b in blocks.values() if b],
            notes=list(self.notes),
            label=self.slug,
        )

    def caption(self) -> str:
        scales = "; ".join(
            f"{METRICS[m].label} {_scale_words(METRICS[m].display_scale)}" for m in METRIC_NAMES
        )
        proto = self.protocol.label() if self.protocol else "paper numbers only"
        if self.protocol and self.protocol.manifest_sha256:
            proto += f", manifest {self.protocol.manifest_sha256[:12]}"
        text = f"{self.title}. Protocol: {proto}. Scales: {scales}; region: {self.region}. Lower is better; bold = best per column within each source block."
        if any(r.n_runs > 1 for r in self.rows):
            text += " Measured values with several runs are mean +- sample std over seeds."
        if self.contaminated:
            text += " WARNING: checkpoints trained on data that includes this test set."
        return text


def _scale_words(scale: str) -> str:
    return {"/1e3": "divided by 1000", "x1e3": "multiplied by 1000", "raw": "raw"}.get(scale, scale)


def _csv_num(v: float) -> str:
    return "" if v is None or math.isnan(v) else repr(float(v))


def _decimals(values: Sequence[float]) -> int:
    """Decimals that give the smallest value in a column three significant digits (2..5)."""
    nonzero = [abs(v) for v in values if not math.isnan(v) and v != 0]
    if not nonzero:
        return 2
    return int(min(5, max(2, 2 - math.floor(math.log10(min(nonzero))))))


def _shown_value(table: Table, i: int, m: str) -> float:
    """The value as displayed (rounded), so that bold matches what a reader sees."""
    r = table.rows[i]
    if r.printed is not None:
        return float(r.printed[m]) if r.printed[m] not in ("", "*") else math.nan
    d = _decimals([x.mean[m] for x in table.rows if x.source == "measured"])
    return math.nan if math.isnan(r.mean[m]) else round(r.mean[m], d)


def _cell_text(r: Row, m: str, d: int) -> str:
    if r.printed is not None:
        return r.printed[m] or "*"
    if math.isnan(r.mean[m]):
        return "n/a"
    text = f"{r.mean[m]:.{d}f}"
    if r.n_runs > 1 and not math.isnan(r.std[m]):
        text += f" ± {r.std[m]:.{d}f}"
    return text


def _config(run: Run) -> dict:
    return {k: v for k, v in run.record.model_config.items() if k not in SEED_KEYS}


def row_labels(runs: Sequence[Run]) -> list[str]:
    """Row label per run: the model name, plus only the config keys that tell apart rows of the
    same model (``timinet[width=64]``); the full config goes to the CSV.

    Example:
        >>> rec = lambda cfg: Run(Path("."), RunRecord(Protocol("d", "test"), "m", model_config=cfg), None)
        >>> row_labels([rec({"a": 1, "b": 2}), rec({"a": 1, "b": 3}), rec({})])
        ['m[a=1,b=2]', 'm[a=1,b=3]', 'm[a=-,b=-]']
    """
    labels = []
    for run in runs:
        same = [_config(r) for r in runs if r.record.model == run.record.model]
        keys = sorted(
            {
                k
                for c in same
                for k in c
                if len({json.dumps(x.get(k, "-"), sort_keys=True, default=str) for x in same}) > 1
            }
        )
        cfg = _config(run)
        labels.append(
            run.record.model
            + ("[" + ",".join(f"{k}={cfg.get(k, '-')}" for k in keys) + "]" if keys else "")
        )
    return labels


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
    )


def _is_contaminated(run: Run) -> bool:
    return f"{run.record.protocol.dataset}-test" in run.record.training_data


def _slug(protocol: Protocol, contaminated: bool) -> str:
    digest = hashlib.sha256("\x1f".join(protocol.key()).encode()).hexdigest()[:6]
    parts = [protocol.dataset, protocol.split, protocol.region, protocol.resolution]
    stem = "-".join(re.sub(r"[^A-Za-z0-9.]+", "-", p).strip("-") for p in parts if p)
    return f"{stem}{'-contaminated' if contaminated else ''}-{digest}"


def _measured_tables(runs: Sequence[Run]) -> list[Table]:
    groups: dict[tuple, list[Run]] = {}
    for run in dedupe_repeats(runs):
        key = (run.record.protocol.key(), _is_contaminated(run))
        groups.setdefault(key, []).append(run)
    tables = []
    for (_, contaminated), members in sorted(groups.items(), key=lambda kv: kv[0]):
        protocol = members[0].record.protocol
        by_model: dict[tuple, list[Run]] = {}
        for run in members:
            by_model.setdefault(run.model_key(), []).append(run)
        labels = row_labels([g[0] for g in by_model.values()])
        rows = sorted(
            (_measured_row(g, lab) for g, lab in zip(by_model.values(), labels, strict=True)),
            key=lambda r: (math.isnan(r.mean["sad"]), r.mean["sad"], r.model),
        )
        notes = _measured_notes(rows)
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


# --------------------------------------------------------------------------- reported


def _reported_rows(number: int) -> tuple[list[Row], list[str]]:
    from benchmark.tables.reported import load_reported

    rt = load_reported()[number]
    rows = []
    for method, setting in rt.methods():
        entries = {e.metric: e for e in rt.entries if e.method == method and e.setting == setting}
        ref = next(iter(entries.values())).ref
        label = f"{method} [{ref}]" if ref else method
        if setting:
            label += f" ({setting})"
        mean, printed = {}, {}
        for m in METRIC_NAMES:
            e = entries[m]
            mean[m] = e.value * METRICS[m].display_factor
            printed[m] = (
                "" if e.printed == "*" else _rescale_printed(e.printed, METRICS[m].display_factor)
            )
        rows.append(
            Row(
                label,
                "reported",
                rt.training_data(setting),
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
    return rows, notes


def _rescale_printed(printed: str, factor: float) -> str:
    """Rescale a printed number by a power of ten keeping its significant digits."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    shift = round(math.log10(factor))
    return f"{float(printed) * factor:.{max(0, decimals - shift)}f}"


def _joins(table: Table, dataset: str) -> bool:
    p = table.protocol
    return (
        p is not None
        and not table.contaminated
        and p.dataset == dataset
        and p.split == "test"
        and p.region == "unknown"
    )


def _add_reported(tables: list[Table]) -> list[Table]:
    from benchmark.tables.reported import load_reported

    extra = []
    for number, rt in sorted(load_reported().items()):
        if number == 2:  # alphamatting.com ranks: see benchmark.tables.alphamatting_rank
            continue
        rows, notes = _reported_rows(number)
        targets = [t for t in tables if _joins(t, rt.dataset)]
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
    return _add_reported(tables) if include_reported else tables


def build_leaderboards(results_dir: str | os.PathLike, *, include_reported: bool = False) -> list:
    """All tables for a results folder: per-protocol tables, then alphamatting.com-style ranks.

    Raises:
        MattebenchError: no run found and nothing reported requested.
    """
    from benchmark.tables.alphamatting_rank import build_rank_tables

    runs = collect_runs(results_dir)
    if not runs and not include_reported:
        raise MattebenchError(f"{results_dir}: no run folders (run.json + per_image.csv) found")
    return build_tables(runs, include_reported=include_reported) + build_rank_tables(
        runs, include_reported=include_reported
    )


# --------------------------------------------------------------------------- files


def write_leaderboards(
    tables: Sequence, out_dir: str | os.PathLike, *, formats: Iterable[str] = ("csv", "latex", "md")
) -> list[Path]:
    """Write each table as ``<slug>.csv/.tex/.md`` plus ``leaderboards.md`` and ``leaderboards.tex``.

    Files are written atomically. Returns the paths written, in order.

    Raises:
        InputError: an unknown format name.
    """
    formats = list(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(
            "--format", f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}"
        )
    out = Path(out_dir)
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
    return written
