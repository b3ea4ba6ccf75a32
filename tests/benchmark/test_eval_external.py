"""`mattebench eval --name`: predictions made elsewhere become a run beside the scored ones."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.scoring.protocol import read_run
from benchmark.scoring.run_store import read_per_image
from benchmark.scoring.score import score_model
from benchmark.tables.leaderboard import build_leaderboards
from tests.benchmark.test_score import comp_dataset  # noqa: F401 - pytest fixture


def test_external_predictions_score_like_score_and_share_its_table(comp_dataset, tmp_path):  # noqa: F811
    results = tmp_path / "results"
    scored = score_model("closed_form", comp_dataset, results, save_preds=True)
    preds = tmp_path / "their_preds"
    shutil.copytree(scored.extra["run_dir"] + "/preds", preds)

    args = [
        "eval",
        "--pred",
        str(preds),
        "--dataset",
        str(comp_dataset),
        "--name",
        "their_method",
        "--results",
        str(results),
        "--training-data",
        "train:comp1k",
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    (run_json,) = (results / "synthetic" / "their_method").rglob("run.json")
    record = read_run(run_json.parent)
    assert record.provenance == "external" and record.training_data == "train:comp1k"
    assert record.protocol.quantization == "as stored" and record.extra["complete"]
    ours = read_per_image(scored.extra["run_dir"] + "/per_image.csv")
    theirs = read_per_image(run_json.parent / "per_image.csv")
    assert list(theirs) == list(ours)  # dataset order
    for name, row in ours.items():
        for m in ("sad", "mse", "grad", "conn"):
            assert theirs[name][m] == pytest.approx(row[m], rel=0, abs=0)

    (table,) = [t for t in build_leaderboards(results) if hasattr(t, "rows")]
    rows = {r.model: r for r in table.rows}
    assert set(rows) == {"closed_form", "their_method"} and rows["their_method"].external
    assert any("external" in note for note in table.notes)


def test_eval_name_needs_a_dataset_and_a_plain_name(comp_dataset, tmp_path):  # noqa: F811
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "--pred",
            str(tmp_path),
            "--gt",
            str(tmp_path),
            "--trimap",
            str(tmp_path),
            "--name",
            "x",
            "--results",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2 and "--name and --trimap-set need --dataset" in res.output
    scored = score_model("trimap_only", comp_dataset, tmp_path / "r", save_preds=True)
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            "--pred",
            scored.extra["run_dir"] + "/preds",
            "--dataset",
            str(comp_dataset),
            "--name",
            "../evil",
            "--results",
            str(tmp_path / "r"),
        ],
    )
    assert res.exit_code == 1 and "must be a plain name" in res.output
    assert not (tmp_path / "evil").exists()
