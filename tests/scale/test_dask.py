"""``--scheduler``: the same units on a Dask cluster (a LocalCluster with 2 worker processes)
give the same output as the local pool; a client killed mid-way (SIGKILL) is resumed by the
same command, which redoes only the units it had not journaled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from benchmark.scoring.evaluate import evaluate_triplets, pair_files, write_scores
from benchmark.scoring.score import score_model
from human2k.composite import composite_dataset
from human2k.errors import MattebenchError, ModelError
from human2k.manifest import JOURNAL_NAME
from human2k.synthetic import write_comp1k_tree
from tests.reliability.helpers import REPO
from tests.scale.helpers import assert_same_composite, eval_core, score_core
from tests.scale.test_score_shards import dataset  # noqa: F401

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _killed_after(n_units: int, call: str) -> None:
    """Run CALL in a child that SIGKILLs itself once N_UNITS units are reported done."""
    code = textwrap.dedent(f"""
        import os, signal
        def progress(task, done, total, detail=""):
            if done >= {n_units}:
                os.kill(os.getpid(), signal.SIGKILL)
        {call}
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == -9, proc.stderr[-2000:]


def test_composite_on_dask_equals_local_and_resumes_a_killed_client(scheduler, tmp_path):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=5, bg_train=1, bg_test=2, size=(48, 36)
    )
    args = dict(root=tree.adobe_root, voc_root=tree.voc_root, split="test", bg_per_fg=2)
    ref = composite_dataset("comp1k", out=tmp_path / "ref", **args, workers=2)
    out = tmp_path / "dask"
    _killed_after(
        4,
        f"""
        from human2k.composite import composite_dataset
        composite_dataset("comp1k", out={str(out)!r}, root={str(tree.adobe_root)!r},
                          voc_root={str(tree.voc_root)!r}, split="test", bg_per_fg=2,
                          scheduler={scheduler!r}, progress=progress)
    """,
    )
    journaled = (out / JOURNAL_NAME).read_bytes().count(b"\n") - 1
    assert 2 <= journaled < 5 and not (out / "manifest.json").exists()
    m = composite_dataset("comp1k", out=out, **args, scheduler=scheduler)
    assert m["run"]["resumed_tasks"] == journaled and m["run"]["scheduler"] == scheduler
    assert m["content_sha256"] == ref["content_sha256"]
    assert_same_composite(tmp_path / "ref", out)


def test_score_on_dask_equals_local_and_resumes_a_killed_client(scheduler, dataset, tmp_path):  # noqa: F811
    ref = score_model("knn", dataset, tmp_path / "ref", workers=2, time_budget_s=None)
    out = tmp_path / "dask"
    _killed_after(
        3,
        f"""
        from benchmark.scoring.score import score_model
        score_model("knn", {str(dataset)!r}, {str(out)!r}, scheduler={scheduler!r},
                    progress=progress)
    """,
    )
    run_dir = out / "synthetic" / "knn" / ref.extra["run_id"]
    assert 3 <= (run_dir / "per_image.csv").read_text().count("\n") - 1 < 7
    progress = []
    rec = score_model(
        "knn",
        dataset,
        out,
        scheduler=scheduler,
        progress=lambda task, done, total, detail="": progress.append(done),
    )
    assert 3 <= progress[0] < 7 and rec.extra["complete"]
    assert rec.extra["start_method"] == "dask" and rec.extra["time_budget_s"] is None
    assert score_core(run_dir, out) == score_core(Path(ref.extra["run_dir"]), tmp_path / "ref")
    with pytest.raises(ModelError, match="deep model") as info:
        score_model("timinet", dataset, out, scheduler=scheduler)
    assert info.value.param == "scheduler"


def test_eval_on_dask_equals_local(scheduler, dataset, tmp_path):  # noqa: F811
    triplets = pair_files(dataset / "trimaps", dataset / "alpha", dataset / "trimaps")
    write_scores(evaluate_triplets(triplets, workers=2), tmp_path / "local.csv")
    write_scores(evaluate_triplets(triplets, scheduler=scheduler), tmp_path / "dask.csv")
    assert eval_core(tmp_path / "local.csv") == eval_core(tmp_path / "dask.csv")
    assert json.loads((tmp_path / "dask.json").read_text())["n_images"] == 7


def test_an_unreachable_scheduler_is_one_error_naming_the_parameter(dataset, tmp_path):  # noqa: F811
    with pytest.raises(MattebenchError, match="cannot reach the Dask scheduler") as info:
        score_model("knn", dataset, tmp_path, scheduler="tcp://127.0.0.1:9", progress=None)
    assert info.value.param == "scheduler" and os.path.isdir(tmp_path)
