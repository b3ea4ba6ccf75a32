"""`mattebench report`: a self-contained HTML page of predictions, error maps and metric charts."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from benchmark.cli.console import console


@click.command("report")
@click.option(
    "--results",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder written by `mattebench score` (runs with --save-preds show pictures).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (not inside --results or --dataset; never over a file without "
    "--overwrite).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --out file.")
@click.option(
    "--dataset",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dataset folder with the inputs/trimaps/GT (default: run.json extra.dataset_dir).",
)
@click.option(
    "--max-images", type=int, default=12, show_default=True, help="Images shown per protocol."
)
def report(
    results: Path, out: Path, overwrite: bool, dataset: Path | None, max_images: int
) -> None:
    """Write an HTML report: per image the input, trimap, GT, each model's alpha and error map.

    \b
    Example:
      mattebench report --results results --out report.html --dataset data/alphamatting
    """
    from benchmark.report.html import write_report

    path = write_report(
        results, out, overwrite=overwrite, dataset_dir=dataset, max_images=max_images
    )
    size_mb = path.stat().st_size / 1e6
    console.print(f"wrote {escape(str(path))} ({size_mb:.1f} MB, self-contained HTML)")
