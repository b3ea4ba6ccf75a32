"""`mattebench perf gpu`: the tiny configuration runs the whole check on CPU and writes its
JSON and Markdown; targets are judged only for the full configuration on a GPU."""

from __future__ import annotations

import dataclasses
import json

import torch
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.cli.perf_gpu import perf_gpu
from benchmark.models.registry import list_models
from benchmark.perf.gpu import CONFIGS, _inference
from benchmark.perf.gpu_report import gpu_markdown
from benchmark.perf.meter import Meter, is_oom


def test_tiny_check_on_cpu_writes_json_and_markdown(tmp_path):
    res = CliRunner().invoke(perf_gpu, ["--out", str(tmp_path), "--device", "cpu"])
    assert res.exit_code == 0, res.output
    result = json.loads((tmp_path / "perf_gpu.json").read_text())
    assert result["config"]["name"] == "tiny" and result["environment"]["device"] == "cpu"
    assert [r["model"] for r in result["inference"]] == list_models(kind="deep")
    for row in result["inference"]:
        assert "error" not in row and row["finite"] and row["seconds"] > 0, row
    train = result["training"]
    assert "error" not in train and train["images_per_s"] > 0 and train["finite"]
    assert {(r["attention"], tuple(r["size"])) for r in result["ti2"]} == {
        ("sdpa", (64, 64)),
        ("naive", (64, 64)),
    }
    assert all("error" not in r for r in result["ti2"])
    assert result["verdicts"] == {
        "applies": False,
        "reason": "targets apply to the full configuration on a GPU",
    }
    md = (tmp_path / "perf_gpu.md").read_text()
    assert md == gpu_markdown(result) and "| timinet |" in md and "not judged" in md
    assert "images/s" in res.output


def test_full_configuration_is_the_issue_s(tmp_path):
    full = CONFIGS["full"]
    assert full.infer_size == (2560, 1440) and full.amp == "bfloat16"
    assert (full.train_crop, full.train_batch, full.train_steps) == (512, 16, 50)
    assert (2560, 1440) in full.ti2_sizes


def test_errors_are_recorded_not_raised():
    """A model that cannot run is a row with its error (an OOM is named as such); the check
    goes on with the next model."""
    cfg = dataclasses.replace(CONFIGS["tiny"], infer_size=(32, 32))
    rows = _inference(cfg, torch.device("cpu"), ["no_such_model", "timinet_basic"], lambda w: None)
    assert "no_such_model" in rows[0]["error"] and "error" not in rows[1]
    assert is_oom(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    with Meter(torch.device("cpu")) as m:
        x = torch.ones(2**24)  # 64 MiB
    assert m.seconds > 0 and m.peak_bytes >= 0 and x.numel()
    if not torch.cuda.is_available():
        res = CliRunner().invoke(cli, ["perf", "gpu", "--out", "x", "--device", "cuda"])
        assert res.exit_code == 1 and "no CUDA device (option --device)" in res.output
