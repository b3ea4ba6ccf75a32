"""`mattebench leaderboard`: per-protocol tables and alphamatting.com-style ranks from score runs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table as RichTable

from benchmark.cli.console import console

_FILE_ONLY = {"Source", "Runs", "Images"}


def rich_table(table) -> RichTable:
    """A terminal view: the table's first part (for rank tables: the average ranks), without the
    Source/Runs/Images columns and the region (both in the caption); reported rows are marked
    with their paper table (``KNN [7] (T3)``). The files keep every column.

    Args:
        table: a :class:`benchmark.tables.leaderboard.Table` or :class:`benchmark.tables.alphamatting_rank.RankTable`.

    Returns:
        A rich table ready for ``console.print``.
    """
    from benchmark.tables.table_format import column_parts

    d = table.display()
    groups = [g for g, span in d.groups or [] for _ in range(span)] or [""] * len(d.columns)
    cols = [
        c
        for c in column_parts(d, d.latex_max_columns)[0]
        if d.columns[c][0] not in _FILE_ONLY and groups[c] in ("", "Average rank")
    ]
    source = next((c for c, col in enumerate(d.columns) if col[0] == "Source"), None)
    rt = RichTable(title=escape(d.title), caption=escape(d.caption), caption_justify="left")
    for c in cols:
        numeric = d.align[c] == "r"
        texts = [row[c].text for block in d.blocks for row in block]
        head = [groups[c], d.columns[c][0], d.columns[c][1].replace(f", {table.region})", ")")]
        rt.add_column(
            escape("\n".join(x for x in head if x)),
            overflow="fold",
            min_width=max((len(w) for t in texts for w in t.split()), default=1)
            if numeric
            else None,
            justify="right" if numeric else "left",
        )
    for b, block in enumerate(d.blocks):
        for i, row in enumerate(block):
            cells = [
                f"[bold green]{escape(row[c].text)}[/]" if row[c].bold else escape(row[c].text)
                for c in cols
            ]
            if source is not None and row[source].text != "measured":
                cells[0] += (
                    f" [dim]({escape(row[source].text.replace('reported (paper ', '').rstrip(')'))})[/]"
                )
            rt.add_row(*cells, end_section=i == len(block) - 1 and b < len(d.blocks) - 1)
    return rt


@click.command("leaderboard")
@click.option(
    "--results",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder written by `mattebench score` (RESULTS/<dataset>/<model>/<run>/).",
)
@click.option(
    "--include-reported",
    is_flag=True,
    help="Add the TIMI-Net paper's Tables 2-6 and the baselines' published Composition-1K numbers, tagged 'reported'.",
)
@click.option(
    "--format",
    "formats",
    default="csv,latex,md",
    show_default=True,
    help="Comma-separated output formats: csv, latex, md.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder: new or empty (not inside --results), unless --overwrite.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Write into an --out that holds files; the tables a previous leaderboard wrote there "
    "(listed in its leaderboards.json) are removed first, so no stale table stays.",
)
def leaderboard(results: Path, include_reported: bool, formats: str, out: Path, overwrite) -> None:
    """Build one leaderboard per protocol (plus alphamatting.com-style ranks) from score runs.

    Partial runs (killed, or scored with --limit) are left out and named in the notes.

    \b
    Example:
      mattebench leaderboard --results results --include-reported --out tables
    """
    from benchmark.tables.leaderboard import build_leaderboards, collect_runs, write_leaderboards

    runs = collect_runs(results)
    tables = build_leaderboards(results, include_reported=include_reported, runs=runs)
    written = write_leaderboards(
        tables,
        out,
        formats=[f.strip() for f in formats.split(",") if f.strip()],
        overwrite=overwrite,
        inputs={"the results folder": results},
    )
    for run in runs:
        if run.partial:
            console.print(f"[yellow]{escape(run.partial_note())}[/]")
    for table in tables:
        console.print(rich_table(table))
        console.print()
    for path in written:
        console.print(f"wrote {escape(str(path))}")
