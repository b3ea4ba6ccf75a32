"""`mattebench perf eval`: `mattebench eval --workers W` vs mmagic's evaluation tool, same run.

Example:
    >>> _workers(None, None, "1,2")
    (1, 2)
"""

from __future__ import annotations

import json
from pathlib import Path

import click


def _parse_size(ctx, param, value):
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"expected WxH such as 1920x1080, got {value!r}") from None
    if w < 16 or h < 16:
        raise click.BadParameter(f"width and height must be >= 16, got {value}")
    return w, h


def _workers(ctx, param, value):
    try:
        out = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected worker counts such as 1,2, got {value!r}") from None
    if not out or min(out) < 1:
        raise click.BadParameter("worker counts must be >= 1")
    return out


@click.command("eval")
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Prediction/GT/trimap triples.",
)
@click.option(
    "--size",
    default="1920x1080",
    callback=_parse_size,
    show_default=True,
    help="Image size WxH (synthetic, or what --images are resized to).",
)
@click.option(
    "--workers",
    default="1,2",
    callback=_workers,
    show_default=True,
    help="Worker counts of `mattebench eval` to time.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the synthetic folder, the CSVs and perf_eval.json here (default: a temporary folder).",
)
@click.option(
    "--images",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Real mattes instead of synthetic ones: a folder with alpha/ and trimaps/ (or "
    "trimap1/, trimap2/), each GT with every trimap, resized to --size.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="With --images: how many GT mattes.",
)
@click.option(
    "--decoder-repeats",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Decoder timings are the best of this many runs.",
)
def perf_eval(n, size, workers, workdir, images, limit, decoder_repeats):
    """Images/s of `mattebench eval` against mmagic's evaluation tool (OpenCV decode, NumPy/OpenCV
    metrics, one process), rebuilt here and run on the same synthetic folder; where the time goes
    (decode / metrics / write), which PNG decoder is fastest, and how far mmagic's numbers are
    from ours."""
    from rich.table import Table

    from benchmark.cli.console import RichProgress, console, make_progress
    from benchmark.perf.eval import bench_eval

    with make_progress(transient=True) as bar:
        report = bench_eval(
            n=n,
            size=size,
            workers=workers,
            workdir=workdir,
            decoder_repeats=decoder_repeats,
            progress=RichProgress(bar),
            images=images,
            limit=limit,
        )
    w, h = size
    table = Table(
        title=f"Evaluation throughput: {report.n} triples at {w}×{h} from {report.source} "
        "(8-bit grey PNG, page cache "
        f"warm); ratios vs the mmagic-style baseline measured in the same run. Decode and metrics "
        f"are seconds summed over all processes; OpenCV threads: {report.cv2_threads}"
    )
    for col in (
        "implementation",
        "wall (s)",
        "images/s",
        "decode (s)",
        "metrics (s)",
        "write (s)",
        "speed-up (×)",
    ):
        table.add_column(col, justify="right")
    for run in (report.baseline, *report.ours):
        table.add_row(
            run.name,
            f"{run.wall_s:.2f}",
            f"{run.images_per_s:.1f}",
            f"{run.decode_s:.2f}",
            f"{run.metrics_s:.2f}",
            f"{run.write_s:.3f}",
            f"{report.speedup(run):.1f}",
        )
    console.print(table)

    dec = Table(
        title="8-bit grey PNG decoders (bytes → array; best of "
        f"{decoder_repeats}, mean over {min(3, report.n) * 3} files)"
    )
    for col in ("decoder", "ms / file", "× Pillow", "pixels identical to Pillow"):
        dec.add_column(col, justify="right")
    pillow = next(d.ms_per_file for d in report.decoders if d.decoder == "Pillow")
    for d in report.decoders:
        if d.ms_per_file is None:
            dec.add_row(d.decoder, "—", "—", d.note)
            continue
        dec.add_row(
            d.decoder,
            f"{d.ms_per_file:.2f}",
            f"{pillow / d.ms_per_file:.2f}",
            "yes" if d.identical else "NO",
        )
    console.print(dec)

    agree = Table(
        title="Agreement: mmagic tool vs mattebench (DIM MATLAB semantics) on the same "
        "files; SAD/1000, MSE raw, Grad/1000, Conn/1000"
    )
    for col in (
        "metric",
        "mattebench mean",
        "mmagic mean",
        "max rel. diff",
        "images differing (> 1e-6 rel.)",
    ):
        agree.add_column(col, justify="right")
    for row in report.agreement:
        agree.add_row(
            row["metric"],
            f"{row['ours_mean']:.6g}",
            f"{row['mmagic_mean']:.6g}",
            f"{row['max_rel_diff']:.1e}",
            f"{row['n_differ']} of {report.n}",
        )
    console.print(agree)
    if workdir is not None:
        path = Path(workdir) / "perf_eval.json"
        path.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
        console.print(f"wrote {path}")
