"""Parallel determinism, resuming after a kill, and refusing a folder from other parameters."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from human2k.composite import composite_dataset
from human2k.errors import ResumeError
from human2k.manifest import JOURNAL_NAME, sha256_file, verify
from human2k.synthetic import write_comp1k_tree

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("c1k")
    return write_comp1k_tree(root, n_train_fg=4, n_test_fg=5, bg_train=2, bg_test=3, size=(64, 48))


def _run(tree, out, **kw):
    args = dict(
        root=tree.adobe_root,
        coco_root=tree.coco_root,
        voc_root=tree.voc_root,
        split="test",
        bg_per_fg=3,
    )
    args.update(kw)
    return composite_dataset("comp1k", out=out, **args)


def test_two_workers_equal_one_worker(tree, tmp_path):
    m1 = _run(tree, tmp_path / "w1", workers=1)
    m2 = _run(tree, tmp_path / "w2", workers=2, progress=lambda *a: None)
    assert m1["content_sha256"] == m2["content_sha256"]
    assert m1["files"] == m2["files"]
    assert len([p for p in m1["files"] if "/merged/" in p]) == 15
    assert len([p for p in m1["files"] if "/trimaps/" in p]) == 15
    assert m2["run"]["workers"] == 2 and m2["run"]["disk_bytes_total"] > 0
    assert verify(tmp_path / "w2").ok


def test_resume_after_simulated_kill_gives_identical_manifest(tree, tmp_path):
    ref = _run(tree, tmp_path / "ref")
    out = tmp_path / "out"
    _run(tree, out)
    # simulate a kill: keep the journal header + 2 tasks + a torn line, drop the manifest,
    # delete some outputs, corrupt a journaled file, leave a stale temporary file behind
    j = out / JOURNAL_NAME
    lines = j.read_bytes().split(b"\n")
    j.write_bytes(b"\n".join(lines[:3]) + b"\n" + lines[3][:25])
    (out / "manifest.json").unlink()
    (out / "test/merged/light-bulb-376930_1920_2.png").unlink()
    (out / "test/trimaps/woman-952506_1920_0.png").unlink()
    first = json.loads(lines[1])
    corrupt = next(p for p in first["files"] if "/merged/" in p)
    (out / corrupt).write_bytes(b"not a png")
    (out / "test/merged/.x_0.png.abc.tmp").write_bytes(b"partial")
    m = _run(tree, out, workers=2)
    assert m["content_sha256"] == ref["content_sha256"]
    assert m["files"] == ref["files"]
    assert m["run"]["resumed_tasks"] == 1  # the corrupted task was redone, the other kept
    assert not list((out / "test/merged").glob(".*.tmp"))
    assert verify(out).ok


def test_resume_after_real_kill(tmp_path):
    """Kill a CLI run (SIGKILL, 2 workers) once it has finished some work, then resume."""
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=6, bg_train=1, bg_test=3, size=(200, 150)
    )
    ref = _run(tree, tmp_path / "ref", workers=2)
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-c",
        "from benchmark.cli import cli; cli()",
        "composite",
        "comp1k",
        "--adobe-root",
        str(tree.adobe_root),
        "--coco-root",
        str(tree.coco_root),
        "--voc-root",
        str(tree.voc_root),
        "--split",
        "test",
        "--bg-per-fg",
        "3",
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    killed = False
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            j = out / JOURNAL_NAME
            if j.is_file() and j.read_bytes().count(b"\n") >= 3:
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None and not killed:
            proc.kill()
        proc.wait()
    if not killed:
        pytest.skip(
            f"the run ended before it could be killed (rc={proc.returncode}: {proc.stderr.read()[-300:]!r})"
        )
    assert not (out / "manifest.json").exists()
    m = _run(tree, out, workers=2)
    assert m["content_sha256"] == ref["content_sha256"]
    assert m["run"]["resumed_tasks"] >= 1
    assert verify(out).ok


def test_other_parameters_raise_resume_error_and_keep_files(tree, tmp_path):
    out = tmp_path / "out"
    m = _run(tree, out, max_bg=2)
    before = {p: sha256_file(out / p) for p in m["files"]}
    with pytest.raises(ResumeError, match="max_bg=2"):
        _run(tree, out, max_bg=1)
    with pytest.raises(ResumeError, match="save_bg"):
        _run(tree, out, max_bg=2, save_bg=True)
    assert {p: sha256_file(out / p) for p in m["files"]} == before
    assert _run(tree, out, max_bg=2)["run"]["resumed_tasks"] == 5  # same parameters: all reused
