"""`mattebench models`: list the model registry (built-ins and plugins)."""

from __future__ import annotations

import click

from benchmark.cli.console import console


@click.command("models")
@click.argument("pattern", default="*")
@click.option(
    "--kind", type=click.Choice(["deep", "classical"]), help="Only deep or only classical models."
)
@click.option("--long", "long_", is_flag=True, help="Also paper, licence, weights and description.")
def models(pattern, kind, long_):
    """List registered models matching PATTERN (fnmatch, e.g. 'timinet*'), with where each
    comes from (built-in or the plugin package that registered it)."""
    from rich import box
    from rich.table import Table

    from benchmark.models.registry import list_models, model_info, plugin_errors

    names = list_models(pattern, kind=kind)
    if not names:
        raise click.ClickException(f"no registered model matches {pattern!r}")
    table = Table(
        title=f"{len(names)} registered model(s)", title_justify="left", box=box.SIMPLE_HEAD
    )
    for col in ("name", "kind", "provenance", "params", "train", "policies", "from"):
        table.add_column(col, no_wrap=not long_, justify="right" if col == "params" else "left")
    extra = ("paper", "licence", "official weights", "registered by", "description")
    for col in extra if long_ else ():
        table.add_column(col, overflow="fold")
    for name in names:
        i = model_info(name)
        params = f"{i.params:,}" if i.params else "-"
        policies = ", ".join(p + ("*" if p == i.default_policy else "") for p in i.policies)
        where, _, origin = i.source.partition(" (")
        row = [name, i.kind, i.provenance, params, "yes" if i.trainable else "-", policies]
        row.append(origin.rstrip(")") or "-")
        if long_:
            row += [i.paper or "-", i.license or "-", i.weights or "-", where, i.description]
        table.add_row(*row)
    console.print(table)
    console.print("* = default inference policy; train = `mattebench train NAME` works")
    for entry, error in plugin_errors().items():
        console.print(f"[red]plugin failed to load[/]: {entry}: {error}")
