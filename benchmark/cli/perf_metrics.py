"""`mattebench perf metrics`: our Numba metrics vs the NumPy/SciPy reference, same run."""

from __future__ import annotations

import math
import os

import click

from benchmark.cli.options import SIZE_OR_NATIVE


def _ms(seconds: float, digits: int = 2) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1e3:.{digits}f}"


def _times(ratio: float) -> str:
    return "–" if math.isnan(ratio) else f"{ratio:.1f}"


@click.command("metrics")
@click.option(
    "--size",
    default="1920x1080",
    type=SIZE_OR_NATIVE,
    show_default=True,
    help="WxH of the synthetic case, or the size --images are resized to ('native': keep theirs).",
)
@click.option(
    "--images",
    type=click.Path(exists=True, file_okay=False),
    help="Folder with alpha/ and trimaps/ (or trimap1/, trimap2/): real mattes, every trimap each.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="With --images: how many GT images.",
)
@click.option(
    "--repeats",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Timings are the best of this many runs.",
)
def perf_metrics(size, images, limit, repeats):
    """Time SAD, MSE, Grad, Conn (one thread, warm cache) against the reference implementation,
    NumPy (SAD, MSE) and the memory-bandwidth floor."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from rich.table import Table

    from benchmark.cli.console import console
    from benchmark.perf.metrics import bench_metrics

    report = bench_metrics(size=size, images=images, limit=limit, repeats=repeats)
    share = report.n_scored / report.n_pixels
    table = Table(
        title=f"Metrics speed: {report.description}; {report.n_scored:,} of {report.n_pixels:,} px "
        f"scored ({share:.1%} unknown); best of {repeats}, one thread; times summed over "
        f"{report.n_cases} case(s)"
    )
    columns = ("metric", "ours (ms)", "reference (ms)", "NumPy (ms)", "floor (ms)")
    columns += ("× reference", "× NumPy", "ours / floor", "max rel. diff")
    for col in columns:
        table.add_column(col, justify="right")
    for row in report.rows:
        table.add_row(
            row["metric"],
            _ms(row["ours_s"]),
            _ms(row["reference_s"], 1),
            _ms(row["numpy_s"]),
            _ms(row["floor_s"]),
            _times(row["ratio"]),
            _times(row["numpy_ratio"]),
            _times(row["ours_s"] / row["floor_s"]),
            f"{row['max_rel_diff']:.1e}",
        )
    console.print(table)
    console.print(
        f"floor = bytes read (pred, gt, trimap: 3 B/px) / {report.bandwidth / 1e9:.1f} GB/s, this "
        f"machine's one-thread read bandwidth measured in this run (sum of a 256 MB array); "
        f"inputs that fit in the cache can be read faster than that."
    )
    if report.n_cases > 1:
        cases = Table(title="Per case: speed-up over the reference (×)")
        for col in (
            "case",
            "size",
            "unknown",
            "SAD",
            "MSE",
            "Grad",
            "Conn",
            "all four",
            "ours, all (ms)",
        ):
            cases.add_column(col, justify="right")
        for row in report.case_rows:
            cases.add_row(
                row["case"],
                row["size"],
                f"{row['unknown']:.1%}",
                *(_times(row[f"{m}_ratio"]) for m in ("sad", "mse", "grad", "conn", "all four")),
                _ms(row["all_ours_s"]),
            )
        console.print(cases)
