"""`mattebench perf composite`: our composer (N workers) vs a single-process PIL+NumPy reference."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from rich.table import Table

from benchmark.cli.console import console
from benchmark.cli.options import size_option, workers_option


@click.command("composite")
@click.option(
    "--n-fg",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Synthetic test foregrounds.",
)
@click.option(
    "--bg-per-fg",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Backgrounds per fg (Comp-1K test: 20).",
)
@size_option("1024x768", "Foreground WxH (Comp-1K test mean is 1655x1380).")
@workers_option(default=2)
def perf_composite(n_fg: int, bg_per_fg: int, size: tuple[int, int], workers: int) -> None:
    """Images/s of `mattebench composite` vs the reference, measured in the same run."""
    from benchmark.perf.composite import measure_composite

    w, h = size
    with tempfile.TemporaryDirectory() as d:
        rows = measure_composite(Path(d), n_fg=n_fg, n_bg=bg_per_fg, size=size, workers=workers)
    table = Table(
        title=f"Composition speed, {rows[0]['n']} composites of {w}x{h} px, measured in the same run"
    )
    for col in (
        "implementation",
        "workers",
        "PNG level",
        "seconds",
        "composites/s",
        "speed vs reference",
        "pixels identical",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["impl"],
            str(r["workers"]),
            str(r["level"]),
            f"{r['s']:.2f}",
            f"{r['ips']:.2f}",
            f"{r['ratio']:.2f}x",
            "yes" if r["identical"] else "NO",
        )
    console.print(table)
