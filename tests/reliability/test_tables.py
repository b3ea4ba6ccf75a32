"""Defect 10 and the table rules: a partial run is never a normal row (nor ranked), Markdown
escapes names, and image names from a results CSV never become paths."""

from __future__ import annotations

import json

import pytest

from benchmark.tables.leaderboard import build_leaderboards, to_markdown
from benchmark.tables.runs import collect_runs
from human2k.errors import UnsafePathError
from tests.benchmark.test_leaderboard import make_run
from tests.reliability.helpers import invoke


def _mark_partial(run_dir, n_expected):
    rec = json.loads((run_dir / "run.json").read_text())
    rec["extra"].update(complete=False, n_expected=n_expected)
    (run_dir / "run.json").write_text(json.dumps(rec))


def test_a_killed_run_is_left_out_and_named(tmp_path):
    make_run(tmp_path, model="finished", sad=(5.0,) * 8)
    killed = make_run(tmp_path, model="killed", sad=(0.1,) * 5)
    _mark_partial(killed, 8)
    (table,) = build_leaderboards(tmp_path)
    assert [r.model for r in table.rows] == ["finished"]
    assert any("killed: run" in n and "partial (5 of 8 images)" in n for n in table.notes)
    res = invoke("leaderboard", "--results", tmp_path, "--out", tmp_path.parent / "t")
    assert res.exit_code == 0 and "partial (5 of 8 images)" in " ".join(res.output.split())


def test_partial_alphamatting_runs_are_not_ranked(tmp_path):
    names = [f"GT{i:02d}" for i in range(1, 9)]
    for trimap in ("trimap1", "trimap2"):
        make_run(
            tmp_path,
            model="full",
            dataset="alphamatting",
            split=trimap,
            trimap_source=trimap,
            sad=(5.0,) * 8,
            images=names,
        )
        part = make_run(
            tmp_path,
            model="cut",
            dataset="alphamatting",
            split=trimap,
            trimap_source=trimap,
            sad=(0.1,) * 5,
            images=names[:5],
        )
        _mark_partial(part, 8)
    tables = build_leaderboards(tmp_path)
    text = "\n".join(to_markdown(t) for t in tables)
    assert "| cut |" not in text and "| full |" in text


def test_markdown_escapes_names(tmp_path):
    make_run(tmp_path, model="x|y <script>*z*", sad=(1.0,))
    (table,) = build_leaderboards(tmp_path)
    md = to_markdown(table)
    assert r"x\|y \<script\>\*z\*" in md and "<script>" not in md


def test_image_names_in_a_results_csv_are_names(tmp_path):
    make_run(tmp_path, model="m", sad=(1.0,), images=["../../etc/passwd"])
    with pytest.raises(UnsafePathError, match=r"per_image.csv: line 2: image name"):
        collect_runs(tmp_path)
