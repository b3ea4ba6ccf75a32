"""The default ``timinet`` has exactly the released generator's state_dict (663 keys + shapes).

Oracle: the key list printed by instantiating the official code (kelisiya/TIMI-Net @ d4021d5),
kept in ``../shared/reference/timinet_state_dict_keys.txt`` and, as our own derived copy of
names + shapes only, in ``tests/timinet/data/timinet_state_dict_keys.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from benchmark.models.registry import create_model

DATA = Path(__file__).parent / "data" / "timinet_state_dict_keys.txt"
REFERENCE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "reference"
    / "timinet_state_dict_keys.txt"
)


def _parse(path: Path) -> dict[str, tuple[int, ...]]:
    keys = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, shape = line.partition(" ")
        keys[key] = tuple(int(x) for x in re.findall(r"\d+", shape))
    return keys


@pytest.fixture(scope="module")
def state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return create_model("timinet").state_dict()


def _compare(state, expected):
    own = {k: tuple(v.shape) for k, v in state.items()}
    assert len(expected) == 663
    assert sorted(set(own) - set(expected)) == []
    assert sorted(set(expected) - set(own)) == []
    assert {k: own[k] for k in expected if own[k] != expected[k]} == {}


def test_matches_committed_key_list(state):
    _compare(state, _parse(DATA))


def test_matches_shared_reference_key_list(state):
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} not found (shared reference material is not in the repository)")
    _compare(state, _parse(REFERENCE))


def test_without_unused_projections_drops_exactly_the_dead_keys():
    torch.manual_seed(0)
    keys = set(create_model("timinet", keep_unused_projections=False).state_dict())
    dropped = set(_parse(DATA)) - keys
    assert len(dropped) == 8 and all(".trimap_" in k for k in dropped)
