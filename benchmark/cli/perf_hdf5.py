"""`mattebench perf hdf5`: size and read speed of an HDF5 pack vs the PNGs of the same split."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from benchmark.cli.console import console
from benchmark.cli.options import size_option


@click.command("hdf5")
@click.option(
    "--split-dir",
    type=click.Path(exists=True, file_okay=False),
    help="A composited OUT/<split> (default: a synthetic one).",
)
@size_option("1280x1024", "Synthetic foreground WxH.")
def perf_hdf5(split_dir: str | None, size: tuple[int, int]) -> None:
    """Pack a split and compare its size and read speed (samples/s) with the PNGs."""
    from benchmark.perf.hdf5 import measure_hdf5

    rows = measure_hdf5(None if split_dir is None else Path(split_dir), size=size)
    table = Table(
        title="Training-read speed: one sample = merged + alpha + fg, decoded to uint8 (best of 2)"
    )
    for col in ("format", "size MB", "samples/s", "vs PNG"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["format"],
            f"{r['bytes'] / 1e6:.1f}",
            f"{r['sps']:.1f}",
            f"{r['sps'] / rows[0]['sps']:.2f}x",
        )
    console.print(table)
