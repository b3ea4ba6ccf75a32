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

Example:
    >>> svg = bar_chart_svg("SAD (/1e3, unknown)", ["a", "b"], [1.0, 2.0], [float("nan"), 0.5])
    >>> svg.startswith("<svg") and svg.count("<rect") == 2
    True
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from benchmark.metrics.scales import METRIC_NAMES, METRICS
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

__all__ = ["build_report", "write_report", "bar_chart_svg", "error_colormap", "DatasetLayout"]

#: Colour stops of the error map (an inferno-like ramp: black, purple, orange, pale yellow).
_STOPS = np.array([0.0, 0.33, 0.66, 1.0])
_COLOURS = np.array([[0, 0, 4], [120, 28, 109], [237, 105, 37], [252, 255, 164]], float)


def error_colormap(error: np.ndarray, unknown: np.ndarray | None = None) -> np.ndarray:
    """Map |pred - GT| in [0, 1] to uint8 RGB; pixels outside UNKNOWN are dimmed to 35 %.

    Example:
        >>> error_colormap(np.array([[0.0, 1.0]])).tolist()
        [[[0, 0, 4], [252, 255, 164]]]
    """
    e = np.clip(np.asarray(error, float), 0.0, 1.0)
    rgb = np.stack([np.interp(e, _STOPS, _COLOURS[:, c]) for c in range(3)], axis=-1)
    if unknown is not None:
        rgb[~unknown] *= 0.35
    return np.round(rgb).astype(np.uint8)


def bar_chart_svg(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    errors: Sequence[float] | None = None,
    *,
    width: int = 420,
) -> str:
    """A horizontal bar chart as an SVG string (NaN values get no bar and print ``n/a``)."""
    label_w, bar_h, gap, top = 170, 16, 6, 22
    plot_w = width - label_w - 70
    errors = list(errors) if errors is not None else [math.nan] * len(values)
    finite = [
        v + (e if not math.isnan(e) else 0.0)
        for v, e in zip(values, errors, strict=True)
        if not math.isnan(v)
    ]
    vmax = max(finite, default=1.0) or 1.0
    height = top + len(values) * (bar_h + gap) + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f'<text x="0" y="14" font-size="12" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, v, e) in enumerate(zip(labels, values, errors, strict=True)):
        y = top + i * (bar_h + gap)
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 4}" font-size="11" text-anchor="end">'
            f"{html.escape(label[:28])}</text>"
        )
        if math.isnan(v):
            out.append(f'<text x="{label_w}" y="{y + bar_h - 4}" font-size="11">n/a</text>')
            continue
        w = max(1.0, plot_w * v / vmax)
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#4c78a8"/>')
        text_x = label_w + w + 4
        if not math.isnan(e):
            lo, hi = label_w + plot_w * max(v - e, 0) / vmax, label_w + plot_w * (v + e) / vmax
            out.append(
                f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + bar_h / 2}" y2="{y + bar_h / 2}" '
                f'stroke="#222" stroke-width="1.5"/>'
            )
            text_x = max(text_x, hi + 4)
        out.append(f'<text x="{text_x:.1f}" y="{y + bar_h - 4}" font-size="11">{_fmt(v)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "n/a"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.1f}"


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


def _png_uri(array: np.ndarray, size: int) -> str:
    im = Image.fromarray(array)
    im.thumbnail((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(array: np.ndarray | None, caption: str, size: int) -> str:
    if array is None:
        return f'<td class="missing">{html.escape(caption)}</td>'
    return (
        f'<td><img src="{_png_uri(array, size)}" alt="{html.escape(caption)}">'
        f"<div>{html.escape(caption)}</div></td>"
    )


def _per_image_caption(run: Run, name: str) -> str:
    if name not in run.per_image.index:
        return "not scored"
    row = run.per_image.loc[name]
    parts = []
    for m in ("sad", "mse"):
        v = float(row[m]) * METRICS[m].display_factor
        parts.append(f"{METRICS[m].label} {_fmt(v)}")
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
                _figure(rgb, "input" if rgb is not None else "input missing", size),
                _figure(trimap, "trimap" if trimap is not None else "trimap missing", size),
                _figure(gt, "GT" if gt is not None else "GT missing", size),
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
        cells.append(_figure(pred, _per_image_caption(run, name), size))
        if gt is None or gt.shape != pred.shape:
            why = "no GT" if gt is None else f"size {pred.shape} differs from GT {gt.shape}"
            cells.append(f'<td class="missing">{html.escape(why)}</td>')
            continue
        err = np.abs(pred.astype(np.int16) - gt.astype(np.int16)) / 255.0
        unknown = trimap == 128 if trimap is not None and trimap.shape == gt.shape else None
        cells.append(_figure(error_colormap(err, unknown), "|pred - GT|", size))
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
