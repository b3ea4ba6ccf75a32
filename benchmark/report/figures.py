"""Pictures of the HTML report: the error colour map, inline SVG bar charts, thumbnails.

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
from collections.abc import Sequence

import numpy as np
from PIL import Image

__all__ = ["error_colormap", "bar_chart_svg", "png_data_uri", "figure_cell", "short_number"]

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
        out.append(
            f'<text x="{text_x:.1f}" y="{y + bar_h - 4}" font-size="11">{short_number(v)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def short_number(v: float) -> str:
    """A value for a chart label: 3 significant digits, ``n/a`` for NaN."""
    if math.isnan(v):
        return "n/a"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.1f}"


def png_data_uri(array: np.ndarray, size: int) -> str:
    im = Image.fromarray(array)
    im.thumbnail((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_cell(array: np.ndarray | None, caption: str, size: int) -> str:
    if array is None:
        return f'<td class="missing">{html.escape(caption)}</td>'
    return (
        f'<td><img src="{png_data_uri(array, size)}" alt="{html.escape(caption)}">'
        f"<div>{html.escape(caption)}</div></td>"
    )
