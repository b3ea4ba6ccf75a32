"""``--model-option KEY=VALUE`` (repeatable): model options for ``create_model``.

VALUE is read as JSON when it parses (``3``, ``0.5``, ``true``, ``[16, 64, 128]``), else kept as
text (``init_from=runs/dim1/model.pt``, ``pipeline=hf``).

Example:
    >>> parse_model_options(("stage=2", "pipeline=hf", "rgb_unit_channels=[16, 64, 128]"))
    {'stage': 2, 'pipeline': 'hf', 'rgb_unit_channels': [16, 64, 128]}
"""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["MODEL_OPTION", "parse_model_options"]


def parse_model_options(items: tuple[str, ...]) -> dict[str, Any]:
    """KEY=VALUE strings → a dict (a bad item is a click.BadParameter naming it)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise click.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint="--model-option")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


MODEL_OPTION = click.option(
    "--model-option",
    "model_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Model option for create_model (repeatable), e.g. stage=2, init_from=PATH, pipeline=hf.",
)
