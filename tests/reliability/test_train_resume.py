"""Defect 9 and the failed-start case: `train --resume` never starts over silently, a
truncated checkpoint is one line, a start that failed does not block the corrected command,
and `--lr nan` is refused."""

from __future__ import annotations

import pytest

from benchmark.training import train
from human2k.errors import InputError, ResumeError
from tests.reliability.helpers import error_line, invoke, snapshot

KW = dict(epochs=2, batch_size=2, crop=64, limit_samples=2)


def test_resume_without_last_pt_is_refused_and_changes_nothing(tree, tmp_path, tiny, one_thread):
    out = tmp_path / "run"
    train(tiny, tree, out, **KW)
    (out / "last.pt").unlink()
    before = snapshot(out)
    with pytest.raises(ResumeError, match=r"last.pt: missing, but model.pt shows finished epochs"):
        train(tiny, tree, out, resume=True, **{**KW, "epochs": 3})
    assert snapshot(out) == before  # log and model.pt kept


def test_truncated_last_pt_is_one_line(tree, tmp_path, tiny, one_thread):
    out = tmp_path / "run"
    train(tiny, tree, out, **KW)
    data = (out / "last.pt").read_bytes()
    (out / "last.pt").write_bytes(data[: len(data) // 2])
    before = snapshot(out)
    args = [
        "train",
        tiny,
        "--data",
        tree,
        "--out",
        out,
        "--resume",
        "--workers",
        0,
        *sum(([f"--{k.replace('_', '-')}", v] for k, v in KW.items()), []),
    ]
    error_line(invoke(*args), "last.pt: unreadable checkpoint", "restore it")
    assert snapshot(out) == before


def test_first_epoch_killed_resumes_only_with_the_same_settings(tree, tmp_path, tiny, one_thread):
    out = tmp_path / "run"

    def crash(record):
        raise KeyboardInterrupt  # the run dies in its first epoch, before any checkpoint

    with pytest.raises(KeyboardInterrupt):
        train(tiny, tree, out, on_step=crash, **KW)
    assert not (out / "last.pt").exists() and (out / "train.jsonl").exists()
    with pytest.raises(ResumeError, match="started with other settings .*seed: saved 0, now 5"):
        train(tiny, tree, out, resume=True, **{**KW, "seed": 5})
    with pytest.raises(ResumeError, match="already holds a training run"):
        train(tiny, tree, out, **KW)
    assert train(tiny, tree, out, resume=True, **KW).steps == 2  # same settings: starts over


def test_failed_start_does_not_block_the_corrected_command(tree, tmp_path, tiny, one_thread):
    out = tmp_path / "run"
    with pytest.raises(InputError, match="fewer than the global batch 3"):
        train(tiny, tree, out, **{**KW, "batch_size": 3})  # 2 samples < 1 batch of 3
    assert train(tiny, tree, out, **KW).steps == 2


def test_nan_learning_rate_is_one_line(tree, tmp_path, tiny, one_thread):
    res = invoke(
        "train",
        tiny,
        "--data",
        tree,
        "--out",
        tmp_path / "r",
        "--epochs",
        1,
        "--lr",
        "nan",
        "--workers",
        0,
        "--crop",
        64,
    )
    assert res.exit_code == 2 and "Invalid value for '--lr'" in res.output  # click refuses it
    assert "Traceback" not in res.output and not (tmp_path / "r").exists()
    with pytest.raises(InputError, match="learning rate must be a finite number > 0, got nan"):
        train(tiny, tree, tmp_path / "r", lr=float("nan"), **KW)  # the library too


def test_train_out_never_overlaps_its_data(tree, tmp_path, tiny):
    res = invoke("train", tiny, "--data", tree, "--out", tree / "runs", "--epochs", 1)
    error_line(res, "lies inside the --data folder", "(option --out)")
