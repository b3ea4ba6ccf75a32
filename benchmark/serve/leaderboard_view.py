"""The leaderboards tab: the tables of ``mattebench leaderboard`` as sortable data frames.

:class:`ResultsView` loads a results folder once (the same
:func:`benchmark.tables.leaderboard.build_leaderboards` call, paper numbers included) and gives,
per table, a :class:`pandas.DataFrame` built from the table's own
:class:`~benchmark.tables.table_format.Display`: the same headers and cell texts as the
Markdown files, with columns holding plain numbers turned into numbers so that sorting in the
browser is numeric, a ``Source`` column that marks reported rows (``reported (paper T3)``), and
a ``Report`` column linking each measured row to the HTML report of its run.

Every run gets a short key (a hash of its folder path relative to the results folder); the
server resolves keys, never paths, so a request cannot name a file. A run whose dataset folder
is one of the server's hidden-GT benchmarks has no report (the report shows GT images), and
paths inside those benchmarks are redacted from the run records shown.

:func:`submissions_frame` renders a hidden-GT benchmark's published submissions the same way.

Example:
    >>> frame_from_cells(["Model", "SAD (/1e3, unknown)"], [["knn", "12.5"], ["lkm", "n/a"]]).dtypes.tolist()
    [dtype('O'), dtype('float64')]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.report.html import build_report
from benchmark.tables.leaderboard import build_leaderboards
from benchmark.tables.runs import collect_runs
from benchmark.tables.table import Table
from human2k.errors import InputError

__all__ = ["ResultsView", "TableView", "frame_from_cells", "submissions_frame", "REPORT_ROUTE"]

#: URL path of a run's HTML report; the key is appended.
REPORT_ROUTE = "/report/"
_MISSING = {"", "-", "n/a", "*"}
_REPORTS_KEPT = 8


def _number(text: str) -> float | None:
    if text.strip() in _MISSING:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def frame_from_cells(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> pd.DataFrame:
    """A frame of strings, with every column whose cells are all numbers (or n/a, -, *) made
    numeric (missing → NaN)."""
    frame = pd.DataFrame([list(r) for r in rows], columns=list(headers), dtype=object)
    for col in frame.columns[1:]:
        values = [_number(str(v)) for v in frame[col]]
        if values and all(v is not None for v in values):
            frame[col] = pd.Series(values, index=frame.index, dtype=float)
    return frame


@dataclasses.dataclass
class TableView:
    """One leaderboard table, ready for the page.

    Attributes:
        slug: the table's unique file stem (as ``mattebench leaderboard`` names its files).
        label: its title, plus the protocol when two tables share a title.
        caption: its caption and notes, in Markdown.
        frame: the rows (see :func:`frame_from_cells`), plus ``Report`` links where there are runs.
        texts: the displayed text of every cell of the table's columns (as in the files).
        bold: per row, the column names whose cell is the best of its column (as in the files).
        run_keys: keys of the runs behind the rows, in row order of the frame (may repeat).
    """

    slug: str
    label: str
    caption: str
    frame: pd.DataFrame
    texts: list[list[str]]
    bold: list[list[str]]
    run_keys: list[str]

    def styled(self):
        """The frame as a pandas Styler: numeric columns keep their numbers (for sorting) but
        show the files' text (decimals, ``n/a``), and the best cells are bold."""
        marks = pd.DataFrame("", index=self.frame.index, columns=self.frame.columns)
        for i, cols in enumerate(self.bold):
            for col in cols:
                marks.loc[i, col] = "font-weight: bold"
        styler = self.frame.style.apply(lambda _: marks, axis=None)
        for c, col in enumerate(self.frame.columns[: len(self.texts[0]) if self.texts else 0]):
            if self.frame[col].dtype.kind != "f":
                continue
            for i, row in enumerate(self.texts):
                styler.format(lambda _, text=row[c]: text, subset=pd.IndexSlice[[i], [col]])
        return styler


def _key(results: Path, run_dir: Path) -> str:
    rel = os.path.relpath(run_dir, results)
    return hashlib.sha256(rel.encode("utf-8")).hexdigest()[:16]


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    path = path.resolve()
    return any(path == r or r in path.parents for r in roots)


class ResultsView:
    """The leaderboards of one results folder, with run records and reports by key.

    Args:
        results_dir: the ``mattebench score`` output folder.
        hidden_roots: folders whose contents must never be shown (the hidden-GT benchmarks).

    Raises:
        MattebenchError: the folder is missing, holds no run, or a run file is unreadable
            (the messages of ``mattebench leaderboard``).
    """

    def __init__(self, results_dir: str | os.PathLike, *, hidden_roots: Sequence[Path] = ()):
        self.results = Path(results_dir)
        self.hidden = [Path(r).resolve() for r in hidden_roots]
        self.runs = {_key(self.results, r.path): r for r in collect_runs(self.results)}
        self._by_dir = {str(r.path): k for k, r in self.runs.items()}
        self._reports: dict[str, str] = {}  # the last few reports built (each costs seconds)
        self.tables = [
            self._view(t) for t in build_leaderboards(self.results, include_reported=True)
        ]
        titles = [t.label for t in self.tables]
        for t in self.tables:
            if titles.count(t.label) > 1:
                t.label = f"{t.label} [{t.slug}]"

    def _view(self, table) -> TableView:
        d = table.display()
        headers = [" ".join(x for x in col if x) for col in d.columns]
        rows = [row for block in d.blocks for row in block]
        frame = frame_from_cells(headers, [[c.text for c in row] for row in rows])
        bold = [[h for h, c in zip(headers, row, strict=True) if c.bold] for row in rows]
        keys: list[str] = []
        caption = "\n".join([d.caption, *(f"- {n}" for n in d.notes)])
        if isinstance(table, Table):
            ordered = [r for r in table.rows if r.source == "measured"] + [
                r for r in table.rows if r.source != "measured"
            ]
            links = []
            for row in ordered:
                row_keys = [self._by_dir[p] for p in row.run_dirs if p in self._by_dir]
                keys.append(row_keys[0] if row_keys else "")
                links.append(
                    " ".join(
                        f"[{k[:6]}]({REPORT_ROUTE}{k})" if self.has_report(k) else "record only"
                        for k in row_keys
                    )
                )
            frame["Report"] = links
        texts = [[c.text for c in row] for row in rows]
        return TableView(table.slug, d.title, caption, frame, texts, bold, keys)

    def choices(self) -> list[tuple[str, str]]:
        """(label, slug) of every table, for the table menu."""
        return [(t.label, t.slug) for t in self.tables]

    def table(self, slug: str) -> TableView:
        for t in self.tables:
            if t.slug == slug:
                return t
        raise InputError(None, f"no leaderboard {slug!r}")

    def run_labels(self, slug: str) -> list[tuple[str, str]]:
        """(label, key) of the runs behind a table's rows, for the record menu."""
        out = []
        for k in dict.fromkeys(k for k in self.table(slug).run_keys if k):
            run = self.runs[k]
            out.append((f"{run.record.model} — {run.path.relative_to(self.results)}", k))
        return out

    def has_report(self, key: str) -> bool:
        run = self.runs.get(key)
        if run is None:
            return False
        dataset = run.record.extra.get("dataset_dir")
        return not (dataset and _inside(Path(str(dataset)), self.hidden))

    def record(self, key: str) -> dict[str, Any]:
        """A run's ``run.json`` as a dict, with paths inside hidden benchmarks redacted."""
        run = self.runs.get(key)
        if run is None:
            raise InputError(None, "no such run")
        data = json.loads(run.record.to_json())
        return self._redact(data)

    def _redact(self, value):
        if isinstance(value, dict):
            return {k: self._redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._redact(v) for v in value]
        if isinstance(value, str) and "/" in value and self.hidden:
            try:
                if _inside(Path(value), self.hidden):
                    return "[hidden benchmark]"
            except (OSError, ValueError):
                return value
        return value

    def report(self, key: str) -> str:
        """The HTML report of one run (built on demand, :func:`benchmark.report.html.build_report`).

        Raises:
            InputError: unknown key, or a run on a hidden benchmark.
        """
        if key not in self.runs:
            raise InputError(None, "no such run")
        if not self.has_report(key):
            raise InputError(None, "this run was scored on a hidden-GT benchmark: no report")
        if key not in self._reports:
            while len(self._reports) >= _REPORTS_KEPT:
                self._reports.pop(next(iter(self._reports)))
            self._reports[key] = build_report(self.runs[key].path)
        return self._reports[key]


def submissions_frame(submissions: Sequence) -> pd.DataFrame:
    """Published submissions as a leaderboard: rank, who, what, when, and the four means in
    the display scales of the leaderboards (MSE ×10³)."""
    headers = ["Rank", "Name", "Method", "Link", "Submitted (UTC)", "Images"] + [
        METRICS[m].header("unknown", display=True) for m in METRIC_NAMES
    ]
    rows = []
    for i, s in enumerate(submissions, start=1):
        rows.append(
            [i, s.name, s.method, s.link, s.created_utc, s.n_images]
            + [s.means.get(m, math.nan) * METRICS[m].display_factor for m in METRIC_NAMES]
        )
    return pd.DataFrame(rows, columns=headers)
