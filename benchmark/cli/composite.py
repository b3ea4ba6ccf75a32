"""`mattebench composite comp1k|d646|human2k`: DIM-exact composition with progress and resume."""

from __future__ import annotations

import click

from benchmark.cli.console import RichProgress, console, make_progress
from benchmark.cli.options import scheduler_option, shard_option, workers_option


def _common(fn):
    """Options shared by the three datasets (same names, same meaning)."""
    options = [
        click.option(
            "--coco-root",
            type=click.Path(file_okay=False),
            help="Folder holding train2014/ or train2017/ (training backgrounds).",
        ),
        click.option(
            "--voc-root",
            type=click.Path(file_okay=False),
            help="Folder holding JPEGImages/ (test backgrounds).",
        ),
        click.option(
            "--split",
            type=click.Choice(["train", "test", "all"]),
            default="test",
            show_default=True,
        ),
        click.option(
            "--out",
            required=True,
            type=click.Path(file_okay=False),
            help="Output folder (resumed if it holds the same run; must not overlap the inputs).",
        ),
        click.option(
            "--overwrite",
            is_flag=True,
            help="Use an --out that holds other files, or replace a composite run with other "
            "parameters there (the files that run recorded are removed first). Without it such "
            "an --out is refused; one holding this same run is resumed.",
        ),
        workers_option(default=2),
        shard_option("foregrounds (each with all its composites)"),
        scheduler_option("foregrounds"),
        click.option(
            "--limit-fg", type=int, help="Only the first K foregrounds of each list (proxy subset)."
        ),
        click.option(
            "--bg-per-fg",
            type=int,
            help="N: background k of fg i is list line i*N+k (default: the dataset's).",
        ),
        click.option(
            "--max-bg",
            type=int,
            help="Only the first K of each fg's N backgrounds (proxy; names unchanged).",
        ),
        click.option(
            "--save-bg", is_flag=True, help="Also write the background windows to <split>/bg/."
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["png", "hdf5"]),
            default="png",
            show_default=True,
            help="hdf5 adds OUT/<split>.h5.",
        ),
        click.option(
            "--fg-extend",
            is_flag=True,
            help="Also write estimated fg colours to <split>/fg_extended/.",
        ),
        click.option(
            "--trimap-seed",
            type=int,
            help="Seed of generated test trimaps (d646 default 646, human2k 0).",
        ),
        click.option(
            "--png-level",
            "compress_level",
            type=click.IntRange(0, 9),
            default=3,
            show_default=True,
            help="PNG zlib level (Adobe/PIL default 6 is ~3x slower, ~10% smaller).",
        ),
    ]
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def _run(dataset: str, root: str, **kw) -> None:
    from human2k.composite import plan_composite, run_composite
    from human2k.worker_lifetime import signals_as_interrupts

    workers, out, overwrite = kw.pop("workers"), kw.pop("out"), kw.pop("overwrite")
    shard, scheduler = kw.pop("shard"), kw.pop("scheduler")
    plan = plan_composite(dataset, root=root, **kw)
    with signals_as_interrupts(), make_progress() as bar:
        manifest = run_composite(
            plan,
            out,
            workers=workers,
            progress=RichProgress(bar),
            overwrite=overwrite,
            shard=shard,
            scheduler=scheduler,
        )
    run = manifest["run"]
    if shard is not None:
        console.print(
            f"[bold]{dataset}[/] shard {shard.label}: {run['composites']} composites "
            f"({run['resumed_tasks']} fg reused) in {run['wall_seconds']:.1f} s; when all "
            f"{shard.count} shards are done: mattebench merge-shards {out}"
        )
        return
    console.print(
        f"[bold]{dataset}[/]: {run['composites']} composites ({run['resumed_tasks']} fg reused) in "
        f"{run['wall_seconds']:.1f} s, {run['disk_bytes_total'] / 1e6:.1f} MB; manifest {out}/manifest.json "
        f"(content sha256 {manifest['content_sha256'][:12]})"
    )


@click.group()
def composite():
    """Composite Composition-1K, Distinctions-646 or Human-2K exactly as Adobe's script does.

    \b
    Background k of foreground i is line i*N+k of the official list; outputs are
    OUT/<split>/merged/<fg stem>_<k>.png, alpha/, fg/, test trimaps, and OUT/manifest.json.
    """


@composite.command("comp1k")
@click.option(
    "--adobe-root",
    required=True,
    type=click.Path(file_okay=False),
    help="Adobe's Combined_Dataset folder.",
)
@_common
def comp1k(adobe_root: str, **kw) -> None:
    """Composition-1K: 431x100 training (COCO), 50x20 test (VOC) composites; trimaps copied."""
    _run("comp1k", adobe_root, **kw)


@composite.command("d646")
@click.option(
    "--root",
    required=True,
    type=click.Path(file_okay=False),
    help="The Distinctions-646 folder (Train/, Test/, lists).",
)
@_common
def d646(root: str, **kw) -> None:
    """Distinctions-646: 596x80 training, 50x20 test; test trimaps generated (seed recorded)."""
    _run("d646", root, **kw)


@composite.command("human2k")
@click.option(
    "--root",
    required=True,
    type=click.Path(file_okay=False),
    help="Output of `mattebench human2k build`.",
)
@_common
def human2k(root: str, **kw) -> None:
    """Human-2K: 2000x100 training, 100x20 test; test trimaps generated (seed recorded)."""
    _run("human2k", root, **kw)


__all__ = ["composite"]
