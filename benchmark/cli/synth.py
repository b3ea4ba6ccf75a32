"""`mattebench synth`: write the procedural dataset in a real dataset's exact layout."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from benchmark.cli.console import console
from benchmark.cli.options import SIZE, seed_option


@click.command("synth")
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder."
)
@click.option(
    "--n",
    "n",
    type=click.IntRange(min=1),
    default=6,
    show_default=True,
    help="Number of foregrounds.",
)
@seed_option()
@click.option(
    "--size",
    default="320x240",
    show_default=True,
    type=SIZE,
    help="Foreground size WxH (others vary ±15 %).",
)
@click.option(
    "--layout",
    type=click.Choice(["comp1k", "d646", "human2k-raw"]),
    default="comp1k",
    show_default=True,
)
@click.option(
    "--bg-train",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Backgrounds per training fg.",
)
@click.option(
    "--bg-test",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Backgrounds per test fg.",
)
def synth(out: Path, n: int, seed: int, size, layout: str, bg_train: int, bg_test: int) -> None:
    """Write N synthetic foregrounds (+ backgrounds, name lists, test trimaps) laid out like
    Composition-1K, Distinctions-646 or a raw Human-2K folder. N test = max(1, N // 4).

    \b
    Example:
      mattebench synth --out data/synth --n 8 --seed 0
    """
    from human2k import synthetic

    n_test = max(1, n // 4)
    n_train = max(1, n - n_test)
    kw = dict(
        n_train_fg=n_train,
        n_test_fg=n_test,
        bg_train=bg_train,
        bg_test=bg_test,
        seed=seed,
        size=size,
    )
    if out.exists() and any(out.iterdir()):
        # files of another seed, size or count would stay beside the new ones and mix in
        raise click.ClickException(f"{out}: folder is not empty; choose a new --out")
    if layout == "comp1k":
        tree, rows = synthetic.write_comp1k_tree(out, **kw), "comp1k"
    elif layout == "d646":
        tree, rows = synthetic.write_d646_tree(out, **kw), "d646"
    else:
        tree, rows = synthetic.write_human2k_raw(out, n, seed, size=size), "human2k-raw"
    table = Table(
        title=f"synthetic {rows} dataset (seed {seed}, fg size {size[0]}x{size[1]} ±15 %)"
    )
    table.add_column("folder")
    table.add_column("files", justify="right")
    for folder in sorted({p.parent for p in Path(out).rglob("*") if p.is_file()}):
        table.add_row(
            str(folder.relative_to(out)) or ".",
            str(sum(1 for p in folder.iterdir() if p.is_file())),
        )
    console.print(table)
    if rows == "human2k-raw":
        console.print(f"{tree.n} image/alpha pairs in {tree.root}")
    else:
        console.print(
            f"train: {tree.n_train_fg} fg × {tree.bg_train} bg, test: {tree.n_test_fg} fg × {tree.bg_test} bg in {tree.root}"
        )
        if tree.bg_train == tree.bg_test:
            roots = (
                f"--adobe-root '{tree.adobe_root}'"
                if rows == "comp1k"
                else f"--root '{tree.d646_root}'"
            )
            console.print(
                f"next: mattebench composite {rows} {roots} --coco-root '{tree.coco_root}' "
                f"--voc-root '{tree.voc_root}' --split all --bg-per-fg {tree.bg_train} --out OUT",
                soft_wrap=True,  # one line, to copy and paste
                highlight=False,
            )
