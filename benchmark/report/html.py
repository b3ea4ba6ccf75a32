"""A self-contained HTML report of score runs: images, predictions, error maps and metric charts.

For every protocol (the same grouping as the leaderboards) the report shows a bar chart of the
metric means (inline SVG, error bars = std over seeds) and, per image, the input, the trimap,
the ground truth, and for each model its predicted alpha (from the run's ``preds/``, written by
``mattebench score --save-preds``) and the error map ``|pred - GT|`` (black = 0, yellow = 1,
dimmed outside the unknown region that the metrics score). Images are embedded as base64 PNG
thumbnails and no script or stylesheet is loaded from the network, so the file can be mailed.

The inputs come from the dataset folder: ``--dataset``, else ``run.json``'s
``extra["dataset_dir"]``. Two layouts are understood: composite (``merged/``, ``alpha/``,
``trimaps/``; alpha and trimap may be per composite or per foreground ``<fg>_<k>`` → ``<fg>``)
and alphamatting (``image/``, ``alpha/``, ``trimap1/``...; the trimap kind comes from the
protocol).

Charts, colour maps and thumbnails are :mod:`benchmark.report.figures`.

Example:
    >>> DatasetLayout.__name__
    'DatasetLayout'
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.report.figures import bar_chart_svg, error_colormap, figure_cell, short_number
from benchmark.tables.alphamatting_rank import trimap_kind
from benchmark.tables.leaderboard import build_tables
from benchmark.tables.runs import Run, collect_runs
from benchmark.tables.table import Table
from human2k.errors import DatasetError, InputError, MattebenchError
from human2k.images import atomic_write_bytes, read_alpha, read_rgb, read_trimap
from human2k.outputs import prepare_output_file
from human2k.paths import (
    IMAGE_SUFFIXES,
    check_not_overlapping,
    image_files,
    lookup_stem,
    natural_key,
)

__all__ = ["build_report", "write_report", "DatasetLayout"]

# --------------------------------------------------------------------------- dataset files


class DatasetLayout:
    """Finds the input, trimap and GT of an image in a composite or alphamatting folder.

    Args:
        root: the dataset folder.
        kind: alphamatting trimap folder (``trimap1``...); ignored for composites.

    Raises:
        DatasetError: ROOT has neither layout.
    """

    def __init__(self, root: str | os.PathLike, *, kind: str | None = None):
        self.root = Path(root)
        if (self.root / "merged").is_dir():
            self.image_dir, self.trimap_dir = self.root / "merged", self.root / "trimaps"
        elif (self.root / "image").is_dir():
            self.image_dir, self.trimap_dir = self.root / "image", self.root / (kind or "trimap1")
        else:
            raise DatasetError(
                f"{self.root}: neither a composite dataset (merged/ alpha/ trimaps/) "
                "nor an alphamatting one (image/ alpha/ trimap1/)"
            )
        self.alpha_dir = self.root / "alpha"
        self._listings: dict[Path, dict[str, Path]] = {}

    def _find(self, folder: Path, name: str) -> Path | None:
        stem = Path(name).stem if Path(name).suffix.lower() in IMAGE_SUFFIXES else name
        if folder not in self._listings:  # one listing per folder, not per image
            self._listings[folder] = image_files(folder) if folder.is_dir() else {}
        return lookup_stem(self._listings[folder], stem)

    def files(self, name: str) -> dict[str, Path | None]:
        """Paths of ``image``, ``trimap`` and ``alpha`` for NAME (None where missing)."""
        return {
            "image": self._find(self.image_dir, name),
            "trimap": self._find(self.trimap_dir, name),
            "alpha": self._find(self.alpha_dir, name),
        }


def _pred_path(run: Run, name: str) -> Path | None:
    preds = run.path / "preds"
    stem = Path(name).stem if Path(name).suffix.lower() in IMAGE_SUFFIXES else name
    for cand in (f"{stem}.png", name):
        if (preds / cand).is_file():
            return preds / cand
    return None


# --------------------------------------------------------------------------- html pieces


def _per_image_caption(run: Run, name: str) -> str:
    if name not in run.per_image.index:
        return "not scored"
    row = run.per_image.loc[name]
    parts = []
    for m in ("sad", "mse"):
        v = float(row[m]) * METRICS[m].display_factor
        parts.append(f"{METRICS[m].label} {short_number(v)}")
    return ", ".join(parts)


def _image_row(name: str, layout: DatasetLayout | None, runs: list[Run], size: int) -> str:
    cells = [f'<th class="name">{html.escape(name)}</th>']
    gt = trimap = None
    if layout is None:
        cells += ['<td class="missing" colspan="3">no dataset folder: pass --dataset</td>']
    else:
        paths = layout.files(name)
        try:
            rgb = read_rgb(paths["image"]) if paths["image"] else None
            trimap = read_trimap(paths["trimap"], quantize=True) if paths["trimap"] else None
            gt = read_alpha(paths["alpha"]) if paths["alpha"] else None
        except InputError as exc:
            cells += [f'<td class="missing" colspan="3">{html.escape(str(exc))}</td>']
            rgb = trimap = gt = None
        else:
            cells += [
                figure_cell(rgb, "input" if rgb is not None else "input missing", size),
                figure_cell(trimap, "trimap" if trimap is not None else "trimap missing", size),
                figure_cell(gt, "GT" if gt is not None else "GT missing", size),
            ]
    for run in runs:
        path = _pred_path(run, name)
        if path is None:
            cells += [
                '<td class="missing" colspan="2">no saved prediction (score with --save-preds)</td>'
            ]
            continue
        try:
            pred = read_alpha(path)
        except InputError as exc:
            cells += [f'<td class="missing" colspan="2">{html.escape(str(exc))}</td>']
            continue
        cells.append(figure_cell(pred, _per_image_caption(run, name), size))
        if gt is None or gt.shape != pred.shape:
            why = "no GT" if gt is None else f"size {pred.shape} differs from GT {gt.shape}"
            cells.append(f'<td class="missing">{html.escape(why)}</td>')
            continue
        err = np.abs(pred.astype(np.int16) - gt.astype(np.int16)) / 255.0
        unknown = trimap == 128 if trimap is not None and trimap.shape == gt.shape else None
        cells.append(figure_cell(error_colormap(err, unknown), "|pred - GT|", size))
    return "<tr>" + "".join(cells) + "</tr>"


def _section(
    table: Table, runs: list[Run], dataset_dir: Path | None, max_images: int, size: int
) -> str:
    parts = [
        f"<h2>{html.escape(table.title)}</h2>",
        f'<p class="caption">{html.escape(table.caption())}</p>',
    ]
    labels = [r.model for r in table.rows]
    charts = []
    for m in METRIC_NAMES:
        charts.append(
            bar_chart_svg(
                METRICS[m].header(table.region, display=True),
                labels,
                [r.mean[m] for r in table.rows],
                [r.std[m] for r in table.rows],
            )
        )
    parts.append('<div class="charts">' + "".join(f"<div>{c}</div>" for c in charts) + "</div>")
    if table.notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in table.notes) + "</ul>")
    # one run per row (the first seed) provides the pictures
    shown = []
    for row in table.rows:
        members = [r for r in runs if str(r.path) in row.run_dirs]
        with_preds = [r for r in members if (r.path / "preds").is_dir()]
        shown.append((row, (with_preds or members)[0]))
    root = dataset_dir or _dataset_dir_from_runs([r for _, r in shown])
    layout = None
    if root is not None:
        layout = DatasetLayout(root, kind=trimap_kind(table.protocol) if table.protocol else None)
    images = sorted({im for _, r in shown for im in r.per_image.index}, key=natural_key)
    head = (
        ["<th>image</th>", "<th>input</th><th>trimap</th><th>GT</th>"]
        if layout
        else ["<th>image</th>", "<th>-</th>"]
    )
    for row, run in shown:
        seed = f" (seed {run.seed_label()})" if row.n_runs > 1 else ""
        head.append(f'<th colspan="2">{html.escape(row.model + seed)}<br>alpha | error</th>')
    body = [_image_row(name, layout, [r for _, r in shown], size) for name in images[:max_images]]
    parts.append(
        '<div class="grid"><table><tr>' + "".join(head) + "</tr>" + "".join(body) + "</table></div>"
    )
    if len(images) > max_images:
        parts.append(f"<p>{max_images} of {len(images)} images shown (--max-images).</p>")
    return "\n".join(parts)


def _dataset_dir_from_runs(runs: list[Run]) -> Path | None:
    for run in runs:
        value = run.record.extra.get("dataset_dir")
        if value and Path(value).is_dir():
            return Path(value)
    return None


_CSS = """body{font-family:sans-serif;margin:1.5em;color:#222}
h2{border-bottom:1px solid #ccc;margin-top:2em}.caption{font-size:.9em;color:#444}
.charts{display:flex;flex-wrap:wrap;gap:1em}.grid{overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px;vertical-align:top;font-size:.8em;text-align:center}
td img{display:block;margin:auto}.missing{color:#999;font-style:italic}th.name{white-space:nowrap}"""


def build_report(
    results_dir: str | os.PathLike,
    *,
    dataset_dir: str | os.PathLike | None = None,
    max_images: int = 12,
    thumb_size: int = 200,
) -> str:
    """The report as one HTML string.

    Args:
        results_dir: the ``mattebench score`` output folder.
        dataset_dir: where inputs/trimaps/GT live (else each run's ``extra["dataset_dir"]``).
        max_images: images shown per protocol (first ones in natural order).
        thumb_size: longest side of each thumbnail in pixels.

    Raises:
        MattebenchError: no runs, a bad ``max_images``, or a dataset folder with neither layout.
    """
    if max_images < 1:
        raise InputError(
            None, f"max_images must be at least 1, got {max_images}", param="max_images"
        )
    if dataset_dir is not None and not Path(dataset_dir).is_dir():
        raise InputError(dataset_dir, "dataset folder not found")
    runs = collect_runs(results_dir)
    if not runs:
        raise MattebenchError(f"{results_dir}: no run folders (run.json + per_image.csv) found")
    tables = build_tables(runs)
    sections = [
        _section(t, runs, Path(dataset_dir) if dataset_dir else None, max_images, thumb_size)
        for t in tables
    ]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>mattebench report</title>'
        f"<style>{_CSS}</style></head><body><h1>mattebench report</h1>"
        f"<p>{len(runs)} run(s) from {html.escape(str(results_dir))}. Error maps: |pred - GT| "
        "(black 0, yellow 1), dimmed outside the unknown region (trimap = 128) that the metrics score. "
        "Captions under predictions: SAD (/1e3) and MSE (x1e3) of that image.</p>"
        + "\n".join(sections)
        + "</body></html>\n"
    )


def write_report(
    results_dir: str | os.PathLike,
    out: str | os.PathLike,
    *,
    overwrite: bool = False,
    **kwargs,
) -> Path:
    """Build the report (see :func:`build_report`) and write it atomically to OUT.

    OUT must not be inside the results or dataset folder, and must not exist unless
    ``overwrite`` (both checked before the report is built).

    Raises:
        OverlapError / OutputExistsError / WriteError: OUT cannot be used.
    """
    out = Path(out)
    inputs = {"the results folder": results_dir, "the dataset folder": kwargs.get("dataset_dir")}
    check_not_overlapping(out, inputs)
    prepare_output_file(out, overwrite=overwrite)
    text = build_report(results_dir, **kwargs)
    atomic_write_bytes(out, text.encode("utf-8"))
    return out
