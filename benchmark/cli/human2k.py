"""`mattebench human2k build`: validate, split and lay out a Human-2K-style dataset."""

from __future__ import annotations

import click

from benchmark.cli.console import RichProgress, console, make_progress
from benchmark.cli.options import seed_option


@click.group()
def human2k():
    """Build a Human-2K-style dataset from human photos and their alpha mattes."""


@human2k.command("build")
@click.option(
    "--images",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Folder of human photos.",
)
@click.option(
    "--alphas",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Folder of alpha mattes (same stems).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Output root (the --root of `composite human2k`): new or empty, apart from the inputs.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace what --out holds: the files an earlier build recorded are removed (after the "
    "new inputs pass every check), so no image of an old split stays behind.",
)
@click.option(
    "--split-list",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON {train,test}, 'split name' lines, or test names.",
)
@seed_option(help="Seed of the random split.")
@click.option("--n-test", type=int, help="Test images (default round(n*100/2100): 100 of 2,100).")
@click.option(
    "--provenance",
    type=click.Path(exists=True, dir_okay=False),
    help="Provenance CSV/JSON (default: next to the images).",
)
@click.option(
    "--dup-distance",
    type=int,
    default=4,
    show_default=True,
    help="dHash bits for near-duplicates (-1: off).",
)
def build(
    images, alphas, out, overwrite, split_list, seed, n_test, provenance, dup_distance
) -> None:
    """Validate pairs (sizes, modes, alpha range, near-duplicates), split, write OUT, print Table 1."""
    from human2k.build import build_human2k
    from human2k.stats import dataset_stats

    with make_progress() as bar:
        report = build_human2k(
            images,
            alphas,
            out,
            split_list=split_list,
            seed=seed,
            n_test=n_test,
            provenance=provenance,
            dup_distance=dup_distance,
            progress=RichProgress(bar),
            overwrite=overwrite,
        )
    for w in report.warnings:
        console.print(f"[yellow]warning[/] {w}")
    console.print(
        f"{out}: {len(report.train)} train / {len(report.test)} test ({report.split_rule}); "
        f"provenance known for {report.provenance_known} image(s), else 'unknown'"
    )
    for s in dataset_stats(out):
        r = s.row()
        console.print(
            f"  Table 1  {r['split']:5s}  V={r['V']}  H={r['H']}  R={r['R']} (mean W*H px)"
        )
