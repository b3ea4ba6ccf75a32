"""The partition (a pure function of the unit list and N), shard file names, ``--shard``."""

from __future__ import annotations

import pytest

from benchmark.cli.options import SHARD
from human2k.errors import InputError
from human2k.shards import Shard, parse_shard_file, units_sha256
from tests.reliability.helpers import error_line, invoke


def test_shards_partition_every_unit_exactly_once_and_balance():
    units = [f"u{i}" for i in range(23)]
    parts = [Shard(i, 5).select(units) for i in range(5)]
    assert sorted(u for p in parts for u in p) == sorted(units)
    assert {len(p) for p in parts} == {4, 5}  # round-robin: sizes differ by at most one
    assert parts[2] == ["u2", "u7", "u12", "u17", "u22"]
    assert all(Shard(i, 5).owner(units.index(u)) == i for i, p in enumerate(parts) for u in p)
    assert units_sha256(units) != units_sha256(units[::-1])


@pytest.mark.parametrize("text", ["3/3", "-1/3", "1/0", "a/b", "1-3", ""])
def test_bad_shards_are_refused_with_the_parameter(text):
    with pytest.raises(InputError) as info:
        Shard.parse(text)
    assert info.value.param == "shard"


def test_auto_reads_the_slurm_array_and_refuses_irregular_ones():
    env = {"SLURM_ARRAY_TASK_ID": "8", "SLURM_ARRAY_TASK_COUNT": "8", "SLURM_ARRAY_TASK_MIN": "1"}
    assert Shard.parse("auto", env) == Shard(7, 8)
    with pytest.raises(InputError, match="SLURM_ARRAY_TASK_ID"):
        Shard.parse("auto", {})
    with pytest.raises(InputError, match="not task k of a regular array"):
        Shard.parse("auto", {**env, "SLURM_ARRAY_TASK_ID": "9"})


def test_shard_file_names_round_trip():
    for base in ("per_image.csv", "run.json", ".mattebench-journal.jsonl", "scores.json"):
        name = Shard(2, 7).file_name(base)
        assert parse_shard_file(name) == (base, Shard(2, 7))
    assert parse_shard_file("per_image.csv") is None
    assert parse_shard_file("x.shard-3-of-3.csv") is None  # not a shard: index out of range


def test_cli_usage_error_is_one_line(tmp_path):
    assert SHARD.convert("0/1", None, None) == Shard(0, 1)
    res = invoke(
        "eval",
        "--pred",
        tmp_path,
        "--gt",
        tmp_path,
        "--trimap",
        tmp_path,
        "--out",
        tmp_path / "s.csv",
        "--shard",
        "4/4",
    )
    error_line(res, "--shard", "shard index must be in 0..3", code=2)
