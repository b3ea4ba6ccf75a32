"""DDP on CPU: 2 gloo processes × batch 1 train exactly like 1 process × batch 2.

The tiny test model has no BatchNorm (torch has no CPU SyncBatchNorm), so the only differences
allowed are float summation order: gradients are averaged over ranks and the loss is
normalised by the unknown-pixel count of the global batch.
"""

from __future__ import annotations

import json
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from benchmark.models.checkpoint import read_state_dict
from benchmark.training.loop import train
from tests.benchmark.training.test_data import make_training_tree
from tests.benchmark.training.test_train import tiny_registered

KW = dict(recipe="gca", epochs=2, crop=64, limit_samples=8, seed=2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank: int, world: int, port: int, data: str, out: str, accumulate: int = 1) -> None:
    os.environ.update(
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    with tiny_registered() as name:
        train(name, data, out, batch_size=1, accumulate=accumulate, checkpoint_every=1, **KW)


@pytest.mark.slow
@pytest.mark.parametrize("accumulate", [1, 2])
def test_two_gloo_ranks_equal_one_process(tmp_path, accumulate):
    """…and with 2 accumulated micro-batches per rank (DDP no_sync), 1 process × batch 4.
    Mid-epoch checkpoints every step make the ranks wait for rank 0 (the lifted-timeout barrier)."""
    data = make_training_tree(tmp_path / "data")
    out = str(tmp_path / "ddp")
    mp.spawn(_rank, args=(2, _free_port(), str(data), out, accumulate), nprocs=2, join=True)
    torch.set_num_threads(1)
    with tiny_registered() as name:
        single = train(name, data, tmp_path / "single", batch_size=2 * accumulate, **KW)

    log = [json.loads(line) for line in (tmp_path / "ddp" / "train.jsonl").read_text().splitlines()]
    start = next(r for r in log if r["event"] == "start")
    assert start["config"]["world_size"] == 2 and start["config"]["global_batch"] == 2 * accumulate
    assert [r["event"] for r in log].count("checkpoint") == 2 * (4 // accumulate - 1)
    assert start["config"]["sync_bn"] is False  # CPU: no SyncBatchNorm in torch
    steps = [r for r in log if r["event"] == "step"]
    ref = [json.loads(line) for line in single.log.read_text().splitlines()]
    ref_steps = [r for r in ref if r["event"] == "step"]
    assert [r["indices"] for r in steps] == [r["indices"] for r in ref_steps]  # same global batches
    assert [r["lr"] for r in steps] == [r["lr"] for r in ref_steps]
    assert [r["loss"] for r in steps] == pytest.approx(
        [r["loss"] for r in ref_steps], rel=1e-5, abs=1e-7
    )
    a, b = read_state_dict(tmp_path / "ddp" / "model.pt"), read_state_dict(single.checkpoint)
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-6)
