"""`mattebench perf metrics`: our Numba metrics vs the NumPy/SciPy reference, same run."""

from __future__ import annotations

import os

import click


def _parse_size(ctx, param, value):
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"expected WxH such as 1920x1080, got {value!r}") from None
    return w, h


@click.command("metrics")
@click.option(
    "--size",
    default="1920x1080",
    callback=_parse_size,
    show_default=True,
    help="Synthetic image size WxH.",
)
@click.option(
    "--images",
    type=click.Path(exists=True, file_okay=False),
    help="Folder with alpha/ and trimaps/ (or trimap1/) to use instead.",
)
@click.option(
    "--repeats", default=5, show_default=True, help="Timings are the best of this many runs."
)
def perf_metrics(size, images, repeats):
    """Time SAD, MSE, Grad, Conn (one thread, warm cache) against the reference implementation."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from rich.table import Table

    from benchmark.cli.console import console
    from benchmark.perf.metrics import bench_metrics

    report = bench_metrics(size=size, images=images, repeats=repeats)
    table = Table(
        title=f"Metrics speed: {report.description}; {report.n_scored:,} of {report.n_pixels:,} px scored (unknown region); best of {repeats}, one thread"
    )
    for col in ("metric", "ours (ms)", "reference (ms)", "speed-up (×)", "max rel. diff"):
        table.add_column(col, justify="right")
    for row in report.rows:
        table.add_row(
            row["metric"],
            f"{row['ours_s'] * 1e3:.2f}",
            f"{row['reference_s'] * 1e3:.1f}",
            f"{row['ratio']:.1f}",
            f"{row['max_rel_diff']:.1e}",
        )
    console.print(table)
