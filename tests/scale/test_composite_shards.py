"""Composite split into 3 shards that run at the same time into one --out: merged, the output
equals an unsharded run byte for byte (tests/scale/helpers.py says what that means)."""

from __future__ import annotations

import subprocess

import pytest

from human2k.composite import composite_dataset, plan_composite, run_composite
from human2k.errors import ResumeError
from human2k.journal import shard_journals
from human2k.manifest import JOURNAL_NAME, verify
from human2k.shards import Shard
from human2k.synthetic import write_comp1k_tree
from tests.reliability.helpers import CLI, REPO, error_line, invoke
from tests.scale.helpers import assert_same_composite


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("c1k")
    return write_comp1k_tree(root, n_train_fg=2, n_test_fg=5, bg_train=2, bg_test=3, size=(48, 36))


def _args(tree):
    return dict(
        root=tree.adobe_root,
        coco_root=tree.coco_root,
        voc_root=tree.voc_root,
        split="all",
        bg_per_fg=2,
    )


def _cli(tree, out, *extra):
    return [
        *CLI,
        "composite",
        "comp1k",
        "--adobe-root",
        str(tree.adobe_root),
        "--coco-root",
        str(tree.coco_root),
        "--voc-root",
        str(tree.voc_root),
        "--split",
        "all",
        "--bg-per-fg",
        "2",
        "--out",
        str(out),
        "--workers",
        "1",
        *extra,
    ]


@pytest.fixture(scope="module")
def reference(tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out"
    composite_dataset("comp1k", out=out, **_args(tree))
    return out


def test_three_concurrent_shards_merge_into_the_unsharded_output(tree, reference, tmp_path):
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            _cli(tree, out, "--shard", f"{i}/3"),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(3)
    ]
    logs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], logs
    assert not (out / "manifest.json").exists() and len(shard_journals(out)) == 3
    res = invoke("merge-shards", out)
    assert res.exit_code == 0, res.output
    assert_same_composite(reference, out)
    assert not shard_journals(out) and (out / JOURNAL_NAME).is_file() and verify(out).ok
    again = invoke("merge-shards", out)  # merged already: nothing to do
    assert again.exit_code == 0 and "already merged" in again.output


def test_a_missing_shard_is_named_and_the_unsharded_run_completes(tree, reference, tmp_path):
    out = tmp_path / "out"
    for i in (0, 2):
        run_composite(plan_composite("comp1k", **_args(tree)), out, shard=Shard(i, 3))
    line = error_line(
        invoke("merge-shards", out),
        "2 of 7 units not done",
        "(shard 1/3)",
        "run shard(s) 1/3 again",
    )
    assert "test/000000/" in line or "train/000001/" in line
    with pytest.raises(ResumeError, match="holds shards of 3 and 4 shards"):
        run_composite(plan_composite("comp1k", **_args(tree)), out, shard=Shard(1, 4))
    m = composite_dataset("comp1k", out=out, **_args(tree))  # takes the shards' work in
    assert m["run"]["resumed_tasks"] == 5
    assert_same_composite(reference, out)


def test_a_shard_with_other_parameters_is_refused(tree, tmp_path):
    out = tmp_path / "out"
    run_composite(plan_composite("comp1k", **_args(tree)), out, shard=Shard(0, 2))
    with pytest.raises(ResumeError, match="max_bg=None, this run has max_bg=1"):
        run_composite(plan_composite("comp1k", **_args(tree), max_bg=1), out, shard=Shard(1, 2))
    again = run_composite(plan_composite("comp1k", **_args(tree)), out, shard=Shard(0, 2))
    assert again["run"]["resumed_tasks"] == 4  # a shard started again resumes
