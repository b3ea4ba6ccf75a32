"""docs/protocols.md lists, next to each recipe, exactly the departures the recipe logs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmark.training.recipes import RECIPES

DOC = Path(__file__).resolve().parents[3] / "docs" / "protocols.md"


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_departures_in_the_doc_equal_the_recipe(name):
    text = DOC.read_text(encoding="utf-8")
    section = re.search(rf"\*\*`{name}`\*\*.*?Remaining departures:\n\n(.*?)\n\n", text, re.S)
    assert section, f"no departures list for recipe {name} in {DOC}"
    listed = [line[2:] for line in section.group(1).splitlines() if line.startswith("- ")]
    assert listed == list(RECIPES[name].departures)
    assert RECIPES[name].departures  # every recipe says what still differs
