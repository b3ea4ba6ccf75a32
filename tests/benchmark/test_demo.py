"""The demo pipeline end to end on a tiny configuration (the real demo is the same code)."""

from __future__ import annotations

import csv
import json

from benchmark.demo import DemoConfig, run_demo
from benchmark.scoring.protocol import read_run


def test_demo_pipeline_end_to_end(tmp_path):
    steps, ticks = [], []
    config = DemoConfig(
        n_train_fg=2,
        n_test_fg=1,
        bg_per_fg=1,
        size=(96, 64),
        train_epochs=1,
        train_samples=2,
        crop=64,
        batch_size=2,
        workers=1,
        classical_models=("trimap_only", "closed_form"),
        deep_models=("timinet_basic",),
    )
    result = run_demo(
        tmp_path,
        config,
        on_step=lambda name, _: steps.append(name),
        progress=lambda *a: ticks.append(a),
    )
    assert steps == [
        "synthesise",
        "composite",
        "train timinet_basic",
        "score trimap_only",
        "score closed_form",
        "score timinet_basic",
        "leaderboards",
        "report",
    ]
    assert result.checkpoints["timinet_basic"].is_file()
    runs = sorted(result.results.glob("*/*/*/run.json"))
    assert [p.parent.parent.name for p in runs] == ["closed_form", "timinet_basic", "trimap_only"]
    for path in runs:
        record = read_run(path.parent)
        assert record.protocol.dataset == "synthetic-comp1k" and record.n_images == 1
        rows = list(csv.DictReader((path.parent / "per_image.csv").open()))
        assert len(rows) == 1 and float(rows[0]["sad"]) >= 0
    deep = read_run(runs[1].parent)
    assert deep.checkpoint_sha256 and deep.training_data == "train:synthetic-comp1k"
    md = next(p for p in result.leaderboards if p.name == "leaderboards.md").read_text()
    assert r"timinet\_basic" in md and r"closed\_form" in md and "SAD" in md  # Markdown-escaped
    assert result.report.read_text().startswith("<!DOCTYPE html>")
    assert (
        json.loads((result.dataset / "manifest.json").read_text())["dataset_label"]
        == "synthetic-comp1k"
    )
    assert any(t[0] == "train timinet_basic" for t in ticks)
