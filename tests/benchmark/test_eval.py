"""`mattebench eval` and benchmark.scoring.evaluate: pairing, CSV/JSON output, clear errors."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.metrics import compute_all
from benchmark.scoring.evaluate import CSV_COLUMNS, evaluate_triplets, pair_files
from human2k.errors import InputError
from human2k.images import write_png


def make_tree(root, n_fg=2, k=3, size=(20, 24), seed=0):
    """Comp-1K convention: gt/{fg}.png, pred/{fg}_{k}.png, tri/{fg}_{k}.png."""
    rng = np.random.default_rng(seed)
    for sub in ("pred", "gt", "tri"):
        (root / sub).mkdir()
    truth = {}
    for i in range(n_fg):
        gt = rng.integers(0, 256, size[::-1]).astype(np.uint8)
        write_png(root / f"gt/fg{i}.png", gt)
        for j in range(k):
            tri = rng.choice(np.array([0, 128, 255], np.uint8), size[::-1])
            pred = rng.integers(0, 256, size[::-1]).astype(np.uint8)
            write_png(root / f"tri/fg{i}_{j}.png", tri)
            write_png(root / f"pred/fg{i}_{j}.png", pred)
            truth[f"fg{i}_{j}"] = compute_all(pred, gt, tri)
    return truth


def test_pairs_comp1k_convention_and_scores_match_functional(tmp_path):
    truth = make_tree(tmp_path)
    triplets = pair_files(tmp_path / "pred", tmp_path / "gt", tmp_path / "tri")
    assert len(triplets) == 6
    result = evaluate_triplets(triplets, workers=2)
    for record in result.records:
        for key in ("sad", "mse", "grad", "conn"):
            assert record[key] == pytest.approx(truth[record["image"]][key], rel=1e-12)
    assert result.means["sad"] == pytest.approx(np.mean([t["sad"] for t in truth.values()]))


def test_gt_named_like_prediction_wins(tmp_path):
    make_tree(tmp_path, n_fg=1, k=1)
    write_png(tmp_path / "gt/fg0_0.png", np.zeros((24, 20), np.uint8))
    (triplet,) = pair_files(tmp_path / "pred", tmp_path / "gt", tmp_path / "tri")
    assert triplet.gt.name == "fg0_0.png"


def test_missing_trimap_gt_and_prediction_are_clear_errors(tmp_path):
    make_tree(tmp_path)
    (tmp_path / "tri/fg0_1.png").unlink()
    with pytest.raises(InputError, match=r"no trimap for 1 prediction\(s\): fg0_1.png"):
        pair_files(tmp_path / "pred", tmp_path / "gt", tmp_path / "tri")
    (tmp_path / "pred/fg0_1.png").unlink()
    (tmp_path / "pred/fg1_2.png").unlink()
    with pytest.raises(InputError, match=r"1 trimap\(s\) have no prediction: fg1_2.png"):
        pair_files(tmp_path / "pred", tmp_path / "gt", tmp_path / "tri")
    assert (
        len(
            pair_files(
                tmp_path / "pred", tmp_path / "gt", tmp_path / "tri", allow_missing_preds=True
            )
        )
        == 4
    )
    (tmp_path / "gt/fg1.png").unlink()
    with pytest.raises(InputError, match=r"no GT alpha for 2 prediction\(s\)"):
        pair_files(tmp_path / "pred", tmp_path / "gt", tmp_path / "tri", allow_missing_preds=True)


def test_cli_writes_csv_and_protocol_json(tmp_path):
    truth = make_tree(tmp_path)
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "--pred",
            str(tmp_path / "pred"),
            "--gt",
            str(tmp_path / "gt"),
            "--trimap",
            str(tmp_path / "tri"),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SAD (/1e3, unknown)" in result.output and "MSE (raw, unknown)" in result.output
    rows = list(csv.reader(out.open()))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r[0] for r in rows[1:]} == set(truth)
    for r in rows[1:]:
        assert float(r[1]) == pytest.approx(truth[r[0]]["sad"], rel=1e-12)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["scales"] == {"sad": "/1e3", "mse": "raw", "grad": "/1e3", "conn": "/1e3"}
    assert meta["region"] == "unknown" and meta["n_images"] == 6 and meta["metric_version"]
    assert meta["trimap_quantize"] is False


def test_cli_bad_trimap_values_name_the_file_and_quantize_option(tmp_path):
    make_tree(tmp_path, n_fg=1, k=1)
    write_png(tmp_path / "tri/fg0_0.png", np.full((24, 20), 100, np.uint8))
    args = [
        "eval",
        "--pred",
        str(tmp_path / "pred"),
        "--gt",
        str(tmp_path / "gt"),
        "--trimap",
        str(tmp_path / "tri"),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "tri/fg0_0.png: trimap has values outside {0, 128, 255}: 100" in result.output
    with pytest.warns(UserWarning, match="quantized 1 trimap value"):
        result = CliRunner().invoke(cli, [*args, "--trimap-quantize"])
    assert result.exit_code == 0, result.output


def test_cli_size_mismatch_and_missing_folder(tmp_path):
    make_tree(tmp_path, n_fg=1, k=1)
    write_png(tmp_path / "pred/fg0_0.png", np.zeros((10, 10), np.uint8))
    args = [
        "eval",
        "--pred",
        str(tmp_path / "pred"),
        "--gt",
        str(tmp_path / "gt"),
        "--trimap",
        str(tmp_path / "tri"),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "pred/fg0_0.png: shapes differ" in result.output
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "--pred",
            str(tmp_path / "nope"),
            "--gt",
            str(tmp_path / "gt"),
            "--trimap",
            str(tmp_path / "tri"),
        ],
    )
    assert result.exit_code == 1 and "prediction folder not found" in result.output


def test_empty_region_gives_nan_mse_flagged(tmp_path):
    make_tree(tmp_path, n_fg=1, k=1)
    write_png(tmp_path / "tri/fg0_0.png", np.zeros((24, 20), np.uint8))
    result = evaluate_triplets(pair_files(tmp_path / "pred", tmp_path / "gt", tmp_path / "tri"))
    assert math.isnan(result.records[0]["mse"]) and result.n_undefined_mse == 1
