"""score and eval split into 3 shards: merged, the run equals an unsharded one (the execution
fields and measured seconds aside: tests/scale/helpers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmark.scoring.merge import merge_shards
from benchmark.scoring.score import score_model
from human2k.errors import ResumeError
from human2k.images import write_png
from human2k.shards import Shard
from tests.benchmark.test_score import make_scene
from tests.reliability.helpers import error_line, invoke
from tests.scale.helpers import eval_core, score_core


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Seven 32×32 composites (natural order f0 … f6), a manifest."""
    root = tmp_path_factory.mktemp("set") / "synth" / "test"
    for i in range(7):
        img, alpha, tri = make_scene(i, 32, 32)
        write_png(root / "merged" / f"f{i}_0.png", img)
        write_png(root / "trimaps" / f"f{i}_0.png", tri)
        write_png(root / "alpha" / f"f{i}.png", alpha)
    (root.parent / "manifest.json").write_text(json.dumps({"dataset": "synthetic"}))
    return root


@pytest.fixture(scope="module")
def reference(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    return out, score_model("knn", dataset, out, workers=2)


def test_score_shards_merge_into_the_unsharded_run(dataset, reference, tmp_path):
    ref_root, ref = reference
    out = tmp_path / "results"
    for i in range(3):
        res = invoke(
            "score", "--model", "knn", "--dataset", dataset, "--out", out, "--shard", f"{i}/3"
        )
        assert res.exit_code == 0 and f"shard {i}/3 of knn" in res.output, res.output
    run_dir = out / "synthetic" / "knn" / ref.extra["run_id"]
    assert sorted(p.name for p in run_dir.iterdir()) == [
        *(f"per_image.shard-{i}-of-3.csv" for i in range(3)),
        *(f"run.shard-{i}-of-3.json" for i in range(3)),
    ]
    res = invoke("merge-shards", out)  # a results root: every sharded run below it
    assert res.exit_code == 0 and "knn: 7 images (0 failed)" in res.output, res.output
    assert sorted(p.name for p in run_dir.iterdir()) == ["per_image.csv", "run.json"]
    merged = json.loads((run_dir / "run.json").read_text())
    assert merged["extra"]["complete"] and merged["extra"]["execution"]["shards"] == 3
    assert score_core(run_dir, out) == score_core(Path(ref.extra["run_dir"]), ref_root)


def test_missing_score_shard_is_named_and_an_unsharded_run_completes(dataset, reference, tmp_path):
    ref_root, ref = reference
    out = tmp_path / "results"
    for i in (0, 1):
        score_model("knn", dataset, out, shard=Shard(i, 3))
    run_dir = out / "synthetic" / "knn" / ref.extra["run_id"]
    error_line(
        invoke("merge-shards", run_dir),
        "2 of 7 units not done",
        "f2_0 (shard 2/3)",
        "f5_0 (shard 2/3)",
        "run shard(s) 2/3 again",
    )
    with pytest.raises(ResumeError, match="holds shards of 2 and 3 shards"):
        score_model("knn", dataset, out, shard=Shard(0, 2))
    progress = []
    score_model(
        "knn",
        dataset,
        out,
        workers=2,
        progress=lambda task, done, total, detail="": progress.append(done),
    )
    assert progress[0] == 5  # the shards' five images were taken in
    assert sorted(p.name for p in run_dir.iterdir()) == ["per_image.csv", "run.json"]
    assert score_core(run_dir, out) == score_core(Path(ref.extra["run_dir"]), ref_root)


def test_eval_shards_merge_into_the_unsharded_scores(dataset, tmp_path):
    preds = tmp_path / "preds"  # a poor method: the trimap of the next image
    preds.mkdir()
    for i in range(7):
        (preds / f"f{i}_0.png").write_bytes(
            (dataset / "trimaps" / f"f{(i + 1) % 7}_0.png").read_bytes()
        )
    base = ["eval", "--pred", preds, "--dataset", dataset]
    ref = tmp_path / "ref.csv"
    assert invoke(*base, "--out", ref).exit_code == 0
    out = tmp_path / "sharded" / "scores.csv"
    for i in range(3):
        res = invoke(*base, "--out", out, "--shard", f"{i}/3", "--workers", 2 if i == 1 else 1)
        assert res.exit_code == 0, res.output
    assert not out.exists()
    res = invoke("merge-shards", out)
    assert res.exit_code == 0, res.output
    assert eval_core(out) == eval_core(ref)
    assert sorted(p.name for p in out.parent.iterdir()) == ["scores.csv", "scores.json"]
    error_line(invoke(*base, "--shard", "0/3"), "--shard needs --out", code=2)
    with pytest.raises(ResumeError, match="no shards to merge"):
        merge_shards(tmp_path / "preds")


def test_images_the_shards_rescored_lose_their_earlier_failures(dataset, reference, tmp_path):
    ref_root, ref = reference
    out = tmp_path / "results"
    first = score_model("knn", dataset, out)
    run_dir = Path(first.extra["run_dir"])
    record = json.loads((run_dir / "run.json").read_text())
    record["extra"]["failures"] = {"f0_0": {"status": "error", "error": "RuntimeError: x"}}
    (run_dir / "run.json").write_text(json.dumps(record))  # as if f0_0 had failed here
    score_model("knn", dataset, out, shard=Shard(0, 3))  # retries f0_0, which now succeeds
    res = invoke("merge-shards", run_dir)
    assert res.exit_code == 0, res.output
    assert json.loads((run_dir / "run.json").read_text())["extra"]["failures"] == {}
    assert score_core(run_dir, out)[1] == score_core(Path(ref.extra["run_dir"]), ref_root)[1]
