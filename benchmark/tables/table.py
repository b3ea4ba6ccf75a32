"""A leaderboard table: rows (measured or reported) that share one protocol.

:class:`Table` knows which cells are best (per source block, as displayed), its CSV rows and
its format-neutral :class:`~benchmark.tables.table_format.Display`.

Example:
    >>> t = Table("s", "comp1k test", None, "unknown", [Row("knn", "measured", "-",
    ...           {m: 1.0 for m in METRIC_NAMES}, {m: math.nan for m in METRIC_NAMES})])
    >>> t.best()["sad"]
    {0}
"""

from __future__ import annotations

import dataclasses
import math

from benchmark.metrics.scales import METRIC_NAMES, METRICS, csv_float
from benchmark.scoring.protocol import Protocol
from benchmark.tables.table_format import Cell, Display, decimals

__all__ = ["Row", "Table"]


@dataclasses.dataclass
class Row:
    """One leaderboard row (display scales).

    Attributes:
        model: row label (model name, plus the config keys that tell apart rows of one model).
        config: the model config without seed keys, as JSON (CSV only).
        source: ``measured`` or ``reported``.
        external: a measured row of predictions made outside mattebench (``eval --name``).
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
    external: bool = False


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
                line += [csv_float(r.mean[m]), csv_float(r.std[m])]
            out.append(line)
        return header, out

    def display(self) -> Display:
        best = self.best()
        places = {
            m: decimals([r.mean[m] for r in self.rows if r.source == "measured"])
            for m in METRIC_NAMES
        }
        blocks: dict[str, list[list[Cell]]] = {"measured": [], "reported": []}
        for i, r in enumerate(self.rows):
            source = r.source if r.paper_table is None else f"reported (paper T{r.paper_table})"
            if r.external:
                source = "external (as stored)"
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
                cells.append(Cell(_cell_text(r, m, places[m]), i in best[m]))
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


def _shown_value(table: Table, i: int, m: str) -> float:
    """The value as displayed (rounded), so that bold matches what a reader sees."""
    r = table.rows[i]
    if r.printed is not None:
        return float(r.printed[m]) if r.printed[m] not in ("", "*") else math.nan
    d = decimals([x.mean[m] for x in table.rows if x.source == "measured"])
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
