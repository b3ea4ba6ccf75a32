"""Defect 4 and the score refusals: a manifest label never becomes a path, a checkpoint for a
model without weights and a negative time budget are one line, an untrained deep model is
said, and --out never overlaps the dataset."""

from __future__ import annotations

import json

import pytest

from benchmark.scoring.score import score_model
from human2k.errors import UnsafePathError
from tests.benchmark.test_cli_score import tiny_dataset
from tests.reliability.helpers import error_line, invoke, snapshot


@pytest.mark.parametrize("key", ["dataset_label", "dataset"])
def test_manifest_label_cannot_lead_out_of_the_results(tmp_path, key):
    data = tiny_dataset(tmp_path / "built" / "test")
    (tmp_path / "built" / "manifest.json").write_text(json.dumps({key: "../../../escaped"}))
    out = tmp_path / "deep" / "er" / "results"
    before = snapshot(tmp_path)
    res = invoke("score", "--model", "trimap_only", "--dataset", data, "--out", out)
    error_line(res, f"manifest.json: {key} '../../../escaped' has a '..' component")
    assert snapshot(tmp_path) == before
    with pytest.raises(UnsafePathError):
        score_model("trimap_only", data, out)


@pytest.mark.parametrize("model", ["knn", "trimap_only"])
def test_checkpoint_for_a_model_without_weights_is_refused(tmp_path, model):
    data = tiny_dataset(tmp_path / "mini" / "test")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not weights")
    res = invoke(
        "score",
        "--model",
        model,
        "--dataset",
        data,
        "--out",
        tmp_path / "r",
        "--checkpoint",
        garbage,
    )
    error_line(res, f"{model} is a classical model: it has no weights", "(option --checkpoint)")
    assert not (tmp_path / "r").exists()


def test_negative_time_budget_and_overlapping_out(tmp_path):
    data = tiny_dataset(tmp_path / "mini" / "test")
    base = ["score", "--model", "knn", "--dataset", data]
    error_line(
        invoke(*base, "--out", tmp_path / "r", "--time-budget", -5),
        "time budget must be >= 0 seconds (0: none), got -5.0 (option --time-budget)",
    )
    error_line(invoke(*base, "--out", data / "results"), "lies inside the dataset folder")
    (data.parent / "manifest.json").write_text(json.dumps({"dataset": "mini"}))
    error_line(  # the run would go to mini/knn/...: inside the composite root of the dataset
        invoke(*base, "--out", tmp_path), "lies inside the folder of the dataset's manifest"
    )


def test_untrained_deep_model_is_said(tmp_path, tiny):
    data = tiny_dataset(tmp_path / "mini" / "test")
    res = invoke("score", "--model", tiny, "--dataset", data, "--out", tmp_path / "r", "--limit", 1)
    assert res.exit_code == 0, res.output
    assert "no --checkpoint: tiny_matting_test is scored with untrained" in " ".join(
        res.output.split()
    )
