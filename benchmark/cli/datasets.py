"""`mattebench datasets check|verify|stats`: what is missing, is it intact, and Table-1 statistics."""

from __future__ import annotations

import click
from rich.table import Table

from benchmark.cli.console import RichProgress, console, make_progress


@click.group()
def datasets():
    """Check, verify and describe matting datasets (no image is ever bundled)."""


@datasets.command("check")
@click.argument("dataset", type=click.Choice(["comp1k", "d646", "human2k"]))
@click.option(
    "--root",
    "--adobe-root",
    "root",
    required=True,
    type=click.Path(),
    help="Dataset root (comp1k: Combined_Dataset).",
)
@click.option("--coco-root", type=click.Path(), help="Folder holding train2014/ or train2017/.")
@click.option("--voc-root", type=click.Path(), help="Folder holding JPEGImages/.")
@click.option(
    "--split", type=click.Choice(["train", "test", "all"]), default="all", show_default=True
)
@click.option(
    "--bg-per-fg",
    type=int,
    help="Backgrounds per foreground when not the official ratio (proxy or synthetic trees).",
)
def check(
    dataset: str,
    root: str,
    coco_root: str | None,
    voc_root: str | None,
    split: str,
    bg_per_fg: int | None,
) -> None:
    """Say what is missing for DATASET and where it is officially obtained."""
    from human2k.composite import check_dataset

    report = check_dataset(
        dataset, root=root, coco_root=coco_root, voc_root=voc_root, split=split, bg_per_fg=bg_per_fg
    )
    styles = {"ok": "green", "missing": "red", "info": "default"}
    for kind, text in report.lines:
        console.print(text, style=styles[kind], highlight=False, markup=False)
    if not report.ok:
        raise SystemExit(1)


@datasets.command("verify")
@click.argument("root", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--checksums",
    type=click.Path(exists=True, dir_okay=False),
    help="A SHA-256 list (mattebench or sha256sum format) instead of the manifest.",
)
def verify(root: str, checksums: str | None) -> None:
    """Re-hash ROOT (a `composite --out` folder) against its manifest; name every missing,
    differing and stray (unlisted) file. Recorded paths must stay inside ROOT."""
    from human2k.manifest import verify as verify_files

    with make_progress() as bar:
        report = verify_files(root, checksums=checksums, progress=RichProgress(bar))
    for rel in report.missing:
        console.print(f"[red]missing[/]  {rel}")
    for rel, want, got in report.differing:
        console.print(f"[red]differs[/]  {rel}  expected {want[:16]}… got {got[:16]}…")
    for rel in report.stray:
        console.print(f"[red]stray[/]    {rel}  (not in the manifest)")
    console.print(
        f"{report.checked} files checked ({report.kind} SHA-256): {len(report.missing)} missing, "
        f"{len(report.differing)} differing, {len(report.stray)} stray"
    )
    if not report.ok:
        raise SystemExit(1)


@datasets.command("stats")
@click.argument("root", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--dataset",
    type=click.Choice(["comp1k", "d646"]),
    help="Read a raw Comp-1K/D646 tree with that layout.",
)
@click.option(
    "--provenance",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV with name,human columns (for H).",
)
def stats(root: str, dataset: str | None, provenance: str | None) -> None:
    """The paper's Table 1 for ROOT: V (foregrounds), H (humans), R (mean width*height, px)."""
    from human2k.stats import PAPER_TABLE1, dataset_stats

    table = Table(title=f"{root}: Table-1 statistics (measured; paper values for reference)")
    for col in ("split", "V", "H", "R (mean W*H px)", "paper V/H/R (reported)"):
        table.add_column(col)
    for s in dataset_stats(root, dataset=dataset, provenance=provenance):
        row = s.row()
        paper = PAPER_TABLE1.get((dataset, s.split)) if dataset else None
        table.add_row(
            s.split,
            str(row["V"]),
            str(row["H"]),
            row["R"],
            " / ".join(map(str, paper)) if paper else "",
        )
    console.print(table)
