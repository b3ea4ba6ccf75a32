"""Defect 7 and SIGTERM: after kill -9 (or SIGTERM) of a command running workers, no process
of it is left within 5 s; SIGTERM leaves a state the same command resumes.

Real CLI runs in subprocesses (Linux: the process tree is read from /proc)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from human2k.images import write_png
from human2k.synthetic import write_comp1k_tree
from tests.benchmark.training.test_data import make_training_tree
from tests.reliability.helpers import CLI, REPO, alive, descendants, wait_gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

TINY_CLI = [
    sys.executable,
    "-c",
    "from benchmark.models import registry\n"
    "from tests.benchmark.training.test_train import tiny_matting_test\n"
    "registry.register_model(provenance='reference', kind='deep', trainable=True)"
    "(tiny_matting_test)\n"
    "from benchmark.cli import cli\n"
    "cli()",
]


def _workers_up(pid: int, n: int = 2) -> bool:
    """The fork server and N workers below PID are running."""
    found = 0
    for p in alive(descendants(pid)):
        try:
            found += b"forkserver" in open(f"/proc/{p}/cmdline", "rb").read()
        except OSError:
            pass
    return found >= n + 1


def run_then_signal(cmd, sig, *, ready=None, timeout=180):
    """Start CMD, wait for its workers (and READY()), send SIG; return (proc, stderr, leftovers)."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if _workers_up(proc.pid) and (ready is None or ready()):
                break
            time.sleep(0.05)
        if proc.poll() is not None:
            pytest.skip(f"finished before it could be signalled: {proc.stderr.read()[-300:]}")
        tree = descendants(proc.pid)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        left = wait_gone(tree, 5.0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for pid in left:  # do not leak them into the rest of the suite
        os.kill(pid, signal.SIGKILL)
    return proc, err, left


@pytest.fixture(scope="module")
def score_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("score") / "set" / "test"
    rng = np.random.default_rng(0)
    for i in range(4):
        tri = np.zeros((100, 100), np.uint8)
        tri[20:80] = 128
        tri[80:] = 255
        write_png(root / "merged" / f"fg{i}_0.png", rng.integers(0, 256, (100, 100, 3), np.uint8))
        write_png(root / "alpha" / f"fg{i}_0.png", np.where(tri == 255, 255, 90).astype(np.uint8))
        write_png(root / "trimaps" / f"fg{i}_0.png", tri)
    return root


def test_score_kill_9_leaves_no_process(score_set, tmp_path):
    cmd = [
        *CLI,
        "score",
        "--model",
        "knn",
        "--dataset",
        str(score_set),
        "--out",
        str(tmp_path / "r"),
        "--workers",
        "2",
    ]
    proc, _, left = run_then_signal(cmd, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL and not left


def test_score_sigterm_stops_workers_and_resumes(score_set, tmp_path):
    out = tmp_path / "r"
    cmd = [
        *CLI,
        "score",
        "--model",
        "knn",
        "--dataset",
        str(score_set),
        "--out",
        str(out),
        "--workers",
        "2",
    ]

    def one_image_done():
        rows = list(out.rglob("per_image.csv"))
        return bool(rows) and rows[0].read_text().count("\n") >= 2

    proc, err, left = run_then_signal(cmd, signal.SIGTERM, ready=one_image_done)
    assert not left and proc.returncode == 128 + signal.SIGTERM, err
    assert "Error: interrupted by SIGTERM" in err and "Traceback" not in err
    (run_json,) = out.rglob("run.json")
    assert json.loads(run_json.read_text())["extra"]["complete"] is False
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    record = json.loads(run_json.read_text())
    assert record["extra"]["complete"] is True and record["extra"]["sessions"] == 2


def test_train_kill_9_leaves_no_process(tmp_path):
    tree = make_training_tree(tmp_path / "data")
    cmd = [
        *TINY_CLI,
        "train",
        "tiny_matting_test",
        "--data",
        str(tree),
        "--out",
        str(tmp_path / "run"),
        "--epochs",
        "50",
        "--crop",
        "64",
        "--batch-size",
        "2",
        "--workers",
        "2",
        "--limit-samples",
        "400",
    ]
    proc, _, left = run_then_signal(cmd, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL and not left


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_composite_signal_leaves_no_process_and_resumes(tmp_path, sig):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=6, bg_train=1, bg_test=3, size=(150, 100)
    )
    out = tmp_path / "out"
    cmd = [
        *CLI,
        "composite",
        "comp1k",
        "--adobe-root",
        str(tree.adobe_root),
        "--voc-root",
        str(tree.voc_root),
        "--bg-per-fg",
        "3",
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    proc, err, left = run_then_signal(cmd, sig)
    assert not left
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + sig and "interrupted by SIGTERM" in err, err
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    verify = subprocess.run([*CLI, "datasets", "verify", str(out)], cwd=REPO, capture_output=True)
    assert verify.returncode == 0


def test_eval_kill_9_leaves_no_process(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(40):
        tri = np.full((300, 300), 128, np.uint8)
        write_png(tmp_path / "pred" / f"a{i}.png", rng.integers(0, 256, (300, 300), np.uint8))
        write_png(tmp_path / "gt" / f"a{i}.png", rng.integers(0, 256, (300, 300), np.uint8))
        write_png(tmp_path / "tri" / f"a{i}.png", tri)
    cmd = [
        *CLI,
        "eval",
        "--pred",
        str(tmp_path / "pred"),
        "--gt",
        str(tmp_path / "gt"),
        "--trimap",
        str(tmp_path / "tri"),
        "--workers",
        "2",
    ]
    proc, _, left = run_then_signal(cmd, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL and not left
