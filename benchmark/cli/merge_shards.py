"""`mattebench merge-shards PATH`: complete a run that was split with --shard I/N."""

from __future__ import annotations

import click


@click.command("merge-shards")
@click.argument("path", type=click.Path(path_type=str))
@click.option(
    "--overwrite", is_flag=True, help="For an eval NAME.csv: replace an existing NAME.csv/json."
)
def merge_shards_cmd(path: str, overwrite: bool) -> None:
    """Check that N shards did every unit exactly once and write what an unsharded run writes.

    \b
    PATH is one of
      a composite --out                 -> manifest.json (shard journals folded into one)
      a score run folder or results root -> per_image.csv + run.json of every sharded run
      the --out NAME.csv of eval         -> NAME.csv + NAME.json
    A unit no shard finished is named with the shard that owns it; run that shard again.
    """
    from benchmark.cli.console import RichProgress, console, make_progress
    from benchmark.scoring.merge import merge_shards

    with make_progress() as bar:
        merged = merge_shards(path, overwrite=overwrite, progress=RichProgress(bar))
    for m in merged:
        console.print(f"[bold]{m.kind}[/] {m.path}: {m.summary}")


__all__ = ["merge_shards_cmd"]
