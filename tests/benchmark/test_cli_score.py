"""`mattebench score` and `mattebench models` end to end through click."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.scoring.protocol import read_run
from human2k.images import write_png


def tiny_dataset(root: Path, trimap_sets=("trimaps",), layout="merged") -> Path:
    rng = np.random.default_rng(0)
    for i in range(2):
        img = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
        tri = np.zeros((48, 48), np.uint8)
        tri[10:30] = 128
        tri[30:] = 255
        alpha = np.where(tri == 255, 255, np.where(tri == 128, 90, 0)).astype(np.uint8)
        name = f"GT{i + 1:02d}" if layout == "image" else f"fg{i}_0"
        write_png(root / layout / f"{name}.png", img)
        write_png(root / "alpha" / f"{name}.png", alpha)
        for t in trimap_sets:
            write_png(root / t / f"{name}.png", tri)
    return root


def test_score_command_writes_run_and_prints_scales(tmp_path):
    data = tiny_dataset(tmp_path / "mini" / "test")
    out = tmp_path / "results"
    res = CliRunner().invoke(
        cli,
        [
            "score",
            "--model",
            "trimap_only",
            "--dataset",
            str(data),
            "--out",
            str(out),
            "--save-preds",
        ],
    )
    assert res.exit_code == 0, res.output
    for text in (
        "SAD (/1e3, unknown)",
        "MSE (raw, unknown)",
        "Grad (/1e3, unknown)",
        "Conn (/1e3, unknown)",
        "complete",
        "quantisation: truncate",
    ):
        assert text in " ".join(res.output.split()), text
    (run_dir,) = (out / "mini" / "trimap_only").iterdir()
    assert str(run_dir) in res.output.replace("\n", "")
    rec = read_run(run_dir)
    assert rec.n_images == 2 and sorted(p.name for p in (run_dir / "preds").iterdir()) == [
        "fg0_0.png",
        "fg1_0.png",
    ]
    assert json.loads((run_dir / "run.json").read_text())["protocol"]["quantization"] == "truncate"
    # SAD of 0.5 (truncated to 127) vs 90/255 over 20×48 px
    assert abs(rec.means["sad"] - 20 * 48 * abs(127 - 90) / 255 / 1000) < 1e-12


def test_score_alphamatting_layout_requires_trimap_set(tmp_path):
    data = tiny_dataset(tmp_path / "am", trimap_sets=("trimap1", "trimap2"), layout="image")
    args = ["score", "--model", "trimap_only", "--dataset", str(data), "--out", str(tmp_path / "r")]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1
    assert "choose one: trimap1, trimap2 (option --trimap-set)" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(cli, args + ["--trimap-set", "trimap2", "--limit", "1"])
    assert res.exit_code == 0, res.output
    assert "partial" in res.output and "am/trimap2" in res.output


def test_score_bad_inputs_fail_with_one_line(tmp_path):
    data = tiny_dataset(tmp_path / "mini" / "test")
    res = CliRunner().invoke(
        cli,
        ["score", "--model", "closed_fom", "--dataset", str(data), "--out", str(tmp_path / "r")],
    )
    assert res.exit_code == 1 and "did you mean closed_form" in res.output
    (data / "alpha" / "fg1_0.png").unlink()
    res = CliRunner().invoke(
        cli, ["score", "--model", "knn", "--dataset", str(data), "--out", str(tmp_path / "r")]
    )
    assert res.exit_code == 1 and "fg1_0 (alpha)" in res.output


def test_models_command_lists_registry():
    res = CliRunner().invoke(cli, ["models"], terminal_width=200)
    assert res.exit_code == 0, res.output
    for name in ("closed_form", "knn", "lkm", "random_walk", "trimap_only"):
        assert name in res.output
    assert "classical" in res.output and "provenance" in res.output
    res = CliRunner().invoke(cli, ["models", "random*"], terminal_width=200)
    assert res.exit_code == 0 and "random_walk" in res.output and "knn" not in res.output
    res = CliRunner().invoke(cli, ["models", "nothing*"])
    assert res.exit_code == 1 and "no registered model matches" in res.output


def test_score_quantize_option_reaches_run_json(tmp_path):
    data = tiny_dataset(tmp_path / "mini" / "test")
    out = tmp_path / "results"
    res = CliRunner().invoke(
        cli,
        [
            "score",
            "--model",
            "trimap_only",
            "--dataset",
            str(data),
            "--out",
            str(out),
            "--quantize",
            "round",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "quantisation: round" in " ".join(res.output.split())
    (run_dir,) = (out / "mini" / "trimap_only").iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["protocol"]["quantization"] == "round"
    assert record["extra"]["quantization_source"] == "requested"
    # SAD of 0.5 (rounded to 128) vs 90/255 over 20×48 px
    assert abs(read_run(run_dir).means["sad"] - 20 * 48 * abs(128 - 90) / 255 / 1000) < 1e-12
    bad = CliRunner().invoke(
        cli,
        [
            "score",
            "--model",
            "trimap_only",
            "--dataset",
            str(data),
            "--out",
            str(out),
            "--quantize",
            "floor",
        ],
    )
    assert bad.exit_code == 2 and "floor" in bad.output
