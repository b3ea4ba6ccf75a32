"""`mattebench models`: list the model registry."""

from __future__ import annotations

import click

from benchmark.cli.console import console


@click.command("models")
@click.argument("pattern", default="*")
@click.option(
    "--kind", type=click.Choice(["deep", "classical"]), help="Only deep or only classical models."
)
def models(pattern, kind):
    """List registered models matching PATTERN (fnmatch, e.g. 'timinet*')."""
    from rich import box
    from rich.table import Table

    from benchmark.models.registry import list_models, model_info

    names = list_models(pattern, kind=kind)
    if not names:
        raise click.ClickException(f"no registered model matches {pattern!r}")
    table = Table(
        title=f"{len(names)} registered model(s)", title_justify="left", box=box.SIMPLE_HEAD
    )
    wide = console.width >= 150  # the description column only where it fits
    for col in ("name", "kind", "provenance", "params"):
        table.add_column(col, no_wrap=True, justify="right" if col == "params" else "left")
    for col in ("paper", "released weights", "licence") + (("description",) if wide else ()):
        table.add_column(col, overflow="fold", ratio=2 if col == "paper" else 1)
    for name in names:
        i = model_info(name)
        params = f"{i.params:,}" if i.params else "-"
        released = i.weights.split(" (")[0].split(":")[0] if i.weights else "-"
        row = [name, i.kind, i.provenance, params, i.paper or "-", released, i.license or "-"]
        table.add_row(*row, *([i.description] if wide else []))
    console.print(table)
    if any(model_info(n).weights for n in names):
        console.print(
            "Runs of a deep model loaded from its released weights file record provenance "
            "official-weights (run.json); `mattebench models` shows where the files are published."
        )
