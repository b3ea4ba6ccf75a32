"""alphamatting.com-style ranking: SAD per image and trimap kind, ranks, average ranks.

Like the website (and the paper's Table 2), every (image, trimap) pair is a column; the models
present are ranked in each column by SAD (ascending, ties get the average of their ranks, a
missing or failed image ranks last), and a model's *average rank* is the mean of its column
ranks, overall and per trimap kind. Here the columns are the alphamatting.com **training**
images (GT01-GT27, whose GT is public) with ``trimap1`` (small) and ``trimap2`` (large): runs
whose protocol has ``dataset == "alphamatting"`` and ``trimap1``/``trimap2`` as split or trimap
source, grouped by the rest of the protocol. The paper's Table 2 (test images, online
evaluation) is printed as a separate, ``reported`` table and never ranked with them.

Example:
    >>> rank_columns(np.array([[1.0, 2.0], [1.0, np.nan], [3.0, 0.5]])).tolist()
    [[1.5, 2.0], [1.5, 3.0], [3.0, 1.0]]
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

from benchmark.metrics.scales import METRICS, csv_float
from benchmark.scoring.protocol import Protocol
from benchmark.tables.runs import Run, dedupe_repeats, row_labels
from benchmark.tables.table_format import Cell, Display, decimals
from human2k.paths import natural_key

__all__ = ["RankTable", "rank_columns", "trimap_kind", "build_rank_tables", "reported_rank_table"]

ALPHAMATTING = "alphamatting"
_KIND = re.compile(r"^trimap(\d)$")


def trimap_kind(protocol: Protocol) -> str | None:
    """``trimap1``/``trimap2``/``trimap3`` from the protocol's split or trimap source.

    Example:
        >>> trimap_kind(Protocol(dataset="alphamatting", split="train", trimap_source="trimap2"))
        'trimap2'
    """
    for value in (protocol.split, protocol.trimap_source):
        if _KIND.match(value or ""):
            return value
    return None


def rank_columns(values: np.ndarray) -> np.ndarray:
    """Rank each column ascending (1 = best); ties averaged; NaN ranks after every number."""
    filled = np.where(np.isnan(values), np.inf, values)
    return rankdata(filled, method="average", axis=0)


@dataclasses.dataclass
class RankTable:
    """An alphamatting.com-style table.

    Attributes:
        slug, title: file stem and heading.
        protocol_label: the shared protocol (split/trimap source vary by column).
        region: scored region.
        source: ``measured`` or ``reported``.
        models: row labels; training_data: per row.
        columns: (image, trimap kind) per SAD column.
        sad: SAD per row and column (display scale /1e3; NaN = missing or failed).
        printed: reported only: the SAD cells as printed.
        ranks: rank per row and column (None for reported: the paper ranks against the website).
        avg: average rank per row, keyed ``overall`` and by kind.
        notes: footnotes.
    """

    slug: str
    title: str
    protocol_label: str
    region: str
    source: str
    models: list[str]
    training_data: list[str]
    columns: list[tuple[str, str]]
    sad: np.ndarray
    ranks: np.ndarray | None
    avg: dict[str, np.ndarray]
    printed: list[list[str]] | None = None
    avg_printed: dict[str, list[str]] | None = None
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(k for _, k in self.columns))

    def csv_rows(self) -> tuple[list[str], list[list[object]]]:
        sad_h = METRICS["sad"].header(self.region, display=True)
        header = ["protocol", "source", "model", "training_data"] + [
            f"avg_rank_{k}" for k in self.avg
        ]
        for image, kind in self.columns:
            header.append(f"{image}/{kind} {sad_h}")
            if self.ranks is not None:
                header.append(f"{image}/{kind} rank")
        rows = []
        for i, model in enumerate(self.models):
            line: list[object] = [self.protocol_label, self.source, model, self.training_data[i]]
            line += [csv_float(self.avg[k][i]) for k in self.avg]
            for j in range(len(self.columns)):
                line.append(csv_float(self.sad[i, j]))
                if self.ranks is not None:
                    line.append(csv_float(self.ranks[i, j]))
            rows.append(line)
        return header, rows

    def display(self) -> Display:
        d = decimals(list(self.sad.ravel()))
        best_col = {}
        for j in range(len(self.columns)):
            if self.ranks is not None:  # measured: bold = the best rank, computed on exact values
                best_col[j] = set(np.flatnonzero(self.ranks[:, j] == np.nanmin(self.ranks[:, j])))
                continue
            col = (
                self.sad[:, j]
                if self.printed is None
                else np.array([float(self.printed[i][j]) for i in range(len(self.models))])
            )
            col = np.round(col, d) if self.printed is None else col
            best_col[j] = (
                set(np.flatnonzero(col == np.nanmin(col))) if not np.all(np.isnan(col)) else set()
            )
        best_avg = {k: set(np.flatnonzero(v == np.nanmin(v))) for k, v in self.avg.items()}
        rows = []
        for i, model in enumerate(self.models):
            cells = [
                Cell(model),
                Cell(self.source if self.source == "measured" else "reported (paper T2)"),
                Cell(self.training_data[i] or "-"),
            ]
            for k, v in self.avg.items():
                text = self.avg_printed[k][i] if self.avg_printed else f"{v[i]:.2f}"
                cells.append(Cell(text, i in best_avg[k]))
            for j in range(len(self.columns)):
                if self.printed is not None:
                    text = self.printed[i][j]
                elif math.isnan(self.sad[i, j]):
                    text = f"n/a ({self.ranks[i, j]:g})"
                else:
                    text = f"{self.sad[i, j]:.{d}f} ({self.ranks[i, j]:g})"
                cells.append(Cell(text, i in best_col[j]))
            rows.append(cells)
        columns = [("Model", ""), ("Source", ""), ("Train data", "")]
        columns += [(k, "") for k in self.avg]
        columns += [(kind, "") for _, kind in self.columns]
        groups = [("", 1), ("", 1), ("", 1), ("Average rank", len(self.avg))]
        for image in dict.fromkeys(im for im, _ in self.columns):
            groups.append((image, sum(1 for im, _ in self.columns if im == image)))
        cell_words = "SAD" if self.ranks is None else "SAD (rank in column)"
        caption = (
            f"{self.title}. Cells: {cell_words}, SAD {_scale(self.region)}. Protocol: {self.protocol_label}. "
            "Ranks are per image-trimap column among the rows shown (ties averaged, failed/missing last); "
            "average rank = mean over columns, overall and per trimap kind. Bold = best per column."
            if self.ranks is not None
            else f"{self.title}. Cells: SAD {_scale(self.region)} as printed; average ranks as printed "
            "(ranked against every alphamatting.com entry at the time). Bold = best of the rows shown."
        )
        return Display(
            title=self.title,
            caption=caption,
            columns=columns,
            align="lll" + "r" * (len(columns) - 3),
            blocks=[rows],
            groups=groups,
            fixed=1,
            notes=list(self.notes),
            label=self.slug,
            latex_max_columns=8,
        )


def _scale(region: str) -> str:
    return f"divided by 1000, region {region}"


def _base_key(protocol: Protocol) -> tuple[str, ...]:
    return dataclasses.replace(protocol, split="*", trimap_source="*").key()


def build_rank_tables(runs: Sequence[Run], *, include_reported: bool = False) -> list[RankTable]:
    """One rank table per alphamatting protocol (split/trimap source aside), plus paper Table 2.

    Args:
        runs: from :func:`benchmark.tables.runs.collect_runs`; non-alphamatting runs are ignored.
        include_reported: append the paper's Table 2 as its own ``reported`` table.
    """
    groups: dict[tuple, list[Run]] = {}
    for run in dedupe_repeats(runs):
        p = run.record.protocol
        # the alphamatting layout (image/ + trimap1/ ...), whatever the folder is called
        alphamatting = p.dataset == ALPHAMATTING or run.record.extra.get("layout") == "alphamatting"
        if alphamatting and trimap_kind(p):
            groups.setdefault(_base_key(p), []).append(run)
    tables = [_measured_rank_table(members) for _, members in sorted(groups.items())]
    if include_reported:
        tables.append(reported_rank_table())
    return tables


def _measured_rank_table(members: list[Run]) -> RankTable:
    by_model: dict[tuple, dict[str, list[Run]]] = {}
    for run in members:
        by_model.setdefault(run.model_key(), {}).setdefault(
            trimap_kind(run.record.protocol), []
        ).append(run)
    kinds = sorted({trimap_kind(r.record.protocol) for r in members})
    images = {
        k: sorted(
            {
                im
                for r in members
                if trimap_kind(r.record.protocol) == k
                for im in r.per_image.index
            },
            key=natural_key,
        )
        for k in kinds
    }
    all_images = sorted({im for k in kinds for im in images[k]}, key=natural_key)
    columns = [(im, k) for im in all_images for k in kinds if im in images[k]]
    models, training, notes = [], [], []
    sad = np.full((len(by_model), len(columns)), np.nan)
    firsts = [next(iter(per_kind.values()))[0] for per_kind in by_model.values()]
    for i, (per_kind, first, label) in enumerate(
        zip(by_model.values(), firsts, row_labels(firsts), strict=True)
    ):
        models.append(label)
        training.append(first.record.training_data)
        for j, (image, kind) in enumerate(columns):
            vals = [
                r.per_image.at[image, "sad"]
                for r in per_kind.get(kind, [])
                if image in r.per_image.index
            ]
            vals = [v for v in vals if not math.isnan(v)]
            if vals:
                sad[i, j] = float(np.mean(vals)) * METRICS["sad"].display_factor
        n_runs = {k: len(v) for k, v in per_kind.items()}
        if any(n > 1 for n in n_runs.values()):
            notes.append(
                f"{models[-1]}: SAD is the mean over {max(n_runs.values())} seed runs per image."
            )
        missing = int(np.isnan(sad[i]).sum())
        if missing:
            notes.append(
                f"{models[-1]}: {missing} image-trimap column(s) missing or failed, ranked last there."
            )
    ranks = rank_columns(sad)
    avg = {"overall": ranks.mean(axis=1)}
    for k in kinds:
        idx = [j for j, c in enumerate(columns) if c[1] == k]
        avg[k] = ranks[:, idx].mean(axis=1)
    order = np.lexsort((np.array(models), avg["overall"]))
    protocol = dataclasses.replace(
        members[0].record.protocol, split="trimap1/trimap2", trimap_source="per column"
    )
    digest = hashlib.sha256("\x1f".join(_base_key(protocol)).encode()).hexdigest()[:6]
    return RankTable(
        slug=f"alphamatting-ranks-{digest}",
        title=f"alphamatting.com-style ranks on the {len(all_images)} alphamatting training images",
        protocol_label=protocol.label(),
        region=protocol.region,
        source="measured",
        models=[models[i] for i in order],
        training_data=[training[i] for i in order],
        columns=columns,
        sad=sad[order],
        ranks=ranks[order],
        avg={k: v[order] for k, v in avg.items()},
        notes=notes,
    )


def reported_rank_table() -> RankTable:
    """The paper's Table 2 (alphamatting.com test set, trimaps S/L/U) as printed."""
    from benchmark.tables.reported import load_reported

    rt = load_reported()[2]
    methods = [m for m, _ in rt.methods()]
    sad_entries = [e for e in rt.entries if e.metric == "sad"]
    columns = list(dict.fromkeys((e.image, e.trimap) for e in sad_entries))
    cell = {(e.method, e.image, e.trimap): e for e in rt.entries}
    printed = [[cell[(m, im, k)].printed for im, k in columns] for m in methods]
    sad = np.array([[cell[(m, im, k)].value for im, k in columns] for m in methods])
    avg_keys = {"O": "overall", "S": "S", "L": "L", "U": "U"}
    avg = {
        name: np.array([cell[(m, "all", k)].value for m in methods]) for k, name in avg_keys.items()
    }
    avg_printed = {
        name: [cell[(m, "all", k)].printed for m in methods] for k, name in avg_keys.items()
    }
    labels = []
    for m in methods:
        ref = cell[(m, "all", "O")].ref
        labels.append(f"{m} [{ref}]" if ref else m)
    return RankTable(
        slug="paper-table2-alphamatting-test",
        title="Paper Table 2 (reported): alphamatting.com test set, trimaps S/L/U",
        protocol_label="alphamatting.com online evaluation (8 test images, private GT)",
        region="unknown",
        source="reported",
        models=labels,
        training_data=[""] * len(methods),
        columns=columns,
        sad=sad,
        ranks=None,
        avg=avg,
        printed=printed,
        avg_printed=avg_printed,
        notes=[rt.protocol_notes, *rt.ambiguities],
    )
