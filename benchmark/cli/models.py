"""`mattebench models`: list the model registry (built-ins and plugins)."""

from __future__ import annotations

import re

import click

from benchmark.cli.console import console


def _weights_file(where: str) -> str:
    """The released file's name in a ModelInfo.weights text, e.g. ``gca-dist.pth``."""
    found = re.findall(r"[\w.-]+\.(?:pth\.tar|pth|pt|safetensors|bin|ckpt)\b", where)
    return ", ".join(dict.fromkeys(found)) if found else ("see --long" if where else "-")


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
    for col in (
        "name",
        "kind",
        "provenance",
        "params",
        "train",
        "policies",
        "released weights",
        "from",
    ):
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
        row += [_weights_file(i.weights), origin.rstrip(")") or "-"]
        if long_:
            row += [i.paper or "-", i.license or "-", i.weights or "-", where, i.description]
        table.add_row(*row)
    console.print(table)
    console.print("* = default inference policy; train = `mattebench train NAME` works")
    if any(model_info(n).weights for n in names):
        console.print(
            "Runs of a deep model loaded from its released weights file record provenance "
            "official-weights (run.json); `--long` shows where the files are published."
        )
    for entry, error in plugin_errors().items():
        console.print(f"[red]plugin failed to load[/]: {entry}: {error}")
