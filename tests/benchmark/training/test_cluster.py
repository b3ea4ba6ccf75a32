"""Training on clusters: gradient accumulation, persistent DataLoader workers, preemption signals
(in-process and on a real `mattebench train` process), resumed to the same weights."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from benchmark.models.checkpoint import read_state_dict
from benchmark.training import train
from benchmark.training.data import MattingTrainSet, ShardedBatchSampler, find_training_data
from benchmark.training.data import worker_seed as data_worker_seed
from benchmark.training.preemption import EXIT_PREEMPTED, StopRequest, TrainingPreempted
from benchmark.training.session import _loader
from tests.benchmark.training.test_data import make_training_tree
from tests.benchmark.training.test_train import tiny_registered

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_training_tree(tmp_path_factory.mktemp("cluster_data"))


@pytest.fixture()
def tiny():
    with tiny_registered() as name:
        yield name


@pytest.fixture()
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    torch.use_deterministic_algorithms(False)


def _log(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def _steps(path):
    return [r for r in _log(path) if r["event"] == "step"]


def _same_weights(a, b):
    sa, sb = read_state_dict(a), read_state_dict(b)
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_accumulated_micro_batches_equal_one_big_batch(tree, tmp_path, tiny, one_thread):
    """2 micro-batches of 1 = 1 batch of 2: same samples, lr, unknown pixels; losses and weights
    equal up to float summation order (the tiny model has no BatchNorm)."""
    kw = dict(recipe="gca", epochs=2, crop=64, limit_samples=4, seed=2)
    big = train(tiny, tree, tmp_path / "big", batch_size=2, **kw)
    acc = train(tiny, tree, tmp_path / "acc", batch_size=1, accumulate=2, **kw)
    a, b = _steps(big.log), _steps(acc.log)
    assert len(a) == len(b) == 4 and [r["global_batch"] for r in b] == [2] * 4
    for key in ("indices", "lr", "unknown_px", "samples_seen"):
        assert [r[key] for r in a] == [r[key] for r in b], key
    assert [r["loss"] for r in b] == pytest.approx([r["loss"] for r in a], rel=1e-5)
    sa, sb = read_state_dict(big.checkpoint), read_state_dict(acc.checkpoint)
    for k in sa:
        torch.testing.assert_close(sb[k], sa[k], rtol=1e-5, atol=1e-7)
    start = next(r for r in _log(acc.log) if r["event"] == "start")
    assert start["config"]["accumulate"] == 2 and start["config"]["global_batch"] == 2


def test_sampler_micro_batches_partition_the_global_batch():
    one = ShardedBatchSampler(24, batch_size=6, seed=4, epoch=2)
    shards = [
        list(
            ShardedBatchSampler(
                24, batch_size=1, world_size=2, rank=r, seed=4, epoch=2, accumulate=3
            )
        )
        for r in (0, 1)
    ]
    assert len(shards[0]) == 4 * 3
    for k, batch in enumerate(one):
        mine = [shards[r][3 * k + j][0][1] for r in (0, 1) for j in range(3)]
        assert mine == [i for _, i in batch] == one.global_batch(k)
    one.set_epoch(3, start_step=2)
    assert len(one) == 2 and next(iter(one)) == [(3, i) for i in one.global_batch(2)]


class PidTrainSet(MattingTrainSet):
    """Adds which process served the sample and its global NumPy seed."""

    def __getitem__(self, key):
        out = super().__getitem__(key)
        out["pid"] = torch.tensor(os.getpid())
        out["np_seed"] = torch.tensor(int(np.random.get_state()[1][0]))
        return out


def test_one_persistent_loader_serves_every_epoch(tree):
    ds = PidTrainSet(find_training_data(tree), crop=64, seed=7, samples_per_epoch=4)
    sampler = ShardedBatchSampler(4, batch_size=2, seed=7, epoch=1)
    run = types.SimpleNamespace(
        cfg=types.SimpleNamespace(workers=1, seed=7), dataset=ds, device=torch.device("cpu")
    )
    loader = _loader(run, sampler, 1)
    pids = set()
    for epoch in (1, 2):
        sampler.set_epoch(epoch)
        for k, batch in enumerate(loader):
            pids.update(batch["pid"].tolist())
            assert batch["np_seed"].tolist() == [data_worker_seed(7, epoch, 0)] * 2
            expected = [ds[(epoch, i)]["image"] for i in sampler.global_batch(k)]
            assert torch.equal(batch["image"], torch.stack(expected))  # samples stay pure
    assert len(pids) == 1 and os.getpid() not in pids  # one worker process for both epochs
    del loader


def test_stop_request_handlers():
    before = signal.getsignal(signal.SIGINT)
    with StopRequest() as stop:
        assert not stop.requested
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.signal_name == "SIGINT"
        with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C stops at once
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before
    term = signal.getsignal(signal.SIGTERM)
    with StopRequest(enabled=False):
        assert signal.getsignal(signal.SIGTERM) is term  # a library user can keep its handlers


def test_signal_mid_epoch_checkpoints_and_resumes_exactly(tree, tmp_path, tiny, one_thread):
    kw = dict(
        recipe="gca", epochs=2, batch_size=2, crop=64, limit_samples=8, seed=3, deterministic=True
    )
    full = train(tiny, tree, tmp_path / "full", **kw)

    def usr1(record):
        if record["step"] == 2:
            os.kill(os.getpid(), signal.SIGUSR1)  # caught; the run stops after the next step

    with pytest.raises(TrainingPreempted) as info:
        train(tiny, tree, tmp_path / "cut", on_step=usr1, **kw)
    assert info.value.signal_name == "SIGUSR1" and info.value.result.steps == 3
    state = torch.load(tmp_path / "cut" / "last.pt", weights_only=True)
    assert (state["epoch"], state["epoch_step"], state["step"]) == (1, 3, 3)
    log = _log(tmp_path / "cut" / "train.jsonl")
    assert log[-1]["event"] == "preempted" and log[-1]["signal"] == "SIGUSR1"
    assert signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL  # handlers restored

    resumed = train(tiny, tree, tmp_path / "cut", resume=True, **kw)
    assert resumed.losses == full.losses
    assert _same_weights(full.checkpoint, resumed.checkpoint)
    means = lambda p: [r["loss_mean"] for r in _log(p) if r["event"] == "epoch"]  # noqa: E731
    assert means(resumed.log) == means(full.log)  # the resumed epoch's mean uses all its steps


_CHILD = """
import sys, torch
torch.set_num_threads(1)
from tests.benchmark.training.test_train import tiny_registered
from benchmark.cli import cli
with tiny_registered():
    cli(sys.argv[1:])
"""


def test_sigterm_on_a_real_train_process(tree, tmp_path, tiny, one_thread):
    """SIGTERM to `mattebench train`: exit code 75 with a checkpoint; resume reaches the weights
    of an uninterrupted run."""
    # recipe paper: #fg x 100 samples per epoch (gca's epoch would be the 12 backgrounds)
    opts = [
        "--recipe",
        "paper",
        "--epochs",
        "1",
        "--batch-size",
        "2",
        "--crop",
        "64",
        "--limit-samples",
        "120",
        "--seed",
        "4",
        "--workers",
        "0",
        "--deterministic",
    ]
    out = tmp_path / "run"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            "train",
            tiny,
            "--data",
            str(tree),
            "--out",
            str(out),
            *opts,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log = out / "train.jsonl"
    while proc.poll() is None and not (log.exists() and '"event": "step"' in log.read_text()):
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=600)
    assert proc.returncode == EXIT_PREEMPTED, output
    assert "stopped by SIGTERM" in output and "--resume" in output
    records = _log(log)
    assert records[-1]["event"] == "preempted" and records[-1]["signal"] == "SIGTERM"
    stopped_at = records[-1]["step"]
    assert 1 <= stopped_at < 60  # stopped early, at a step boundary

    kw = dict(
        recipe="paper",
        epochs=1,
        batch_size=2,
        crop=64,
        limit_samples=120,
        seed=4,
        workers=0,
        deterministic=True,
    )
    resumed = train(tiny, tree, out, resume=True, **kw)
    full = train(tiny, tree, tmp_path / "full", **kw)
    assert resumed.steps == full.steps == 60 and resumed.losses == full.losses
    assert _same_weights(full.checkpoint, resumed.checkpoint)
