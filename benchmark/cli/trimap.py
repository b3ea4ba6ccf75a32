"""`mattebench trimap`: seeded trimaps from a folder of GT alphas, with a parameter record."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from rich.table import Table

from benchmark.cli.console import RichProgress, console, make_progress


@click.command("trimap")
@click.option(
    "--alpha",
    "alpha_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder of GT alphas.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder: new or empty, never the --alpha folder (nor inside or around it).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Write into an --out that holds files; the trimaps a previous run recorded in its "
    "trimaps.json are removed first.",
)
@click.option(
    "--preset",
    type=click.Choice(["dim", "gca", "erode", "bbox-relative", "d646-test"]),
    default="dim",
    show_default=True,
    help="d646-test = the documented D646 test set (gca, kernels 1-29 px, GCA's range).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Base seed (default 0; 646 for d646-test); each file uses derive_seed(seed, name).",
)
@click.option(
    "--per-image",
    type=click.IntRange(min=1),
    default=None,
    help="Write NAME_0..NAME_{K-1}.png per alpha.",
)
@click.option(
    "--size-range", nargs=2, type=int, default=None, help="dim: dilation ellipse size range, px."
)
@click.option(
    "--kernel-range", nargs=2, type=int, default=None, help="gca: erosion ellipse size range, px."
)
@click.option("--kernel", type=int, default=None, help="erode: fixed ellipse size, px.")
@click.option(
    "--fraction",
    nargs=2,
    type=float,
    default=None,
    help="bbox-relative: kernel / bbox diagonal, range LO HI.",
)
def trimap(
    alpha_dir, out, overwrite, preset, seed, per_image, size_range, kernel_range, kernel, fraction
) -> None:
    """Generate trimaps (0/128/255) for every alpha in ALPHA and record preset, seed and drawn
    parameters per file in OUT/trimaps.json.

    \b
    Example:
      mattebench trimap --alpha D646/Test/GT --out D646/Test/trimaps --preset d646-test --seed 646
    """
    from human2k import trimap_sets as tm

    given = {
        "size_range": size_range,
        "kernel_range": kernel_range,
        "kernel": kernel,
        "fraction": fraction,
    }
    params = {k: v for k, v in given.items() if v is not None}
    with make_progress() as bar:
        report = RichProgress(bar)
        if preset == "d646-test":
            if params:
                raise click.UsageError(
                    "--preset d646-test takes only --seed and --per-image (its parameters are fixed)"
                )
            seed = 646 if seed is None else seed
            records = tm.d646_test_trimaps(
                alpha_dir, out, seed=seed, per_image=per_image, progress=report, overwrite=overwrite
            )
        else:
            seed = 0 if seed is None else seed
            records = tm.write_trimaps(
                alpha_dir,
                out,
                preset=preset,
                seed=seed,
                per_image=per_image,
                progress=report,
                overwrite=overwrite,
                **params,
            )
    kernels = Counter(
        str({k: v for k, v in r.items() if k.startswith("kernel") and k != "kernel_range"})
        for r in records
    )
    table = Table(title=f"{len(records)} trimaps, preset {records[0]['preset']}, base seed {seed}")
    table.add_column("drawn kernel sizes (px, ellipse diameter)")
    table.add_column("files", justify="right")
    for key, count in kernels.most_common(8):
        table.add_row(key, str(count))
    console.print(table)
    console.print(f"wrote {out}/ and the parameter record {out / tm.TRIMAP_RECORD}")
