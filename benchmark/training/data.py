"""Torch side of the training data: the Dataset of online samples, a sharded batch sampler,
and seeded DataLoader workers started from a fork server.

``MattingTrainSet`` serves :class:`human2k.training_samples.OnlineSamples` as tensors.
``ShardedBatchSampler`` orders each epoch by a permutation seeded from (seed, epoch) and gives
rank r of W its slice of each global batch, so one run on 1 or N devices sees the same
global batches. ``seed_worker`` seeds Python, NumPy, torch and OpenCV in every worker
from (seed, epoch, worker id) for any third-party code that uses the global generators, and
makes the worker die with its parent (:mod:`human2k.worker_lifetime`): workers come from the
fork server, which itself dies with the trainer, so a ``kill -9`` of ``train`` leaves nothing.

Example:
    >>> s = ShardedBatchSampler(10, batch_size=2, world_size=2, rank=1, seed=0, epoch=1)
    >>> s.global_batch(0), next(iter(s)), s.steps
    ([8, 7, 2, 5], [(1, 2), (1, 5)], 2)
"""

from __future__ import annotations

import multiprocessing.context
import random
from collections.abc import Iterator

import cv2
import numpy as np
import torch

from human2k.errors import InputError
from human2k.processes import pool_context
from human2k.training_samples import AUGMENTATIONS, IMAGE_SUFFIXES, OnlineSamples, sample_rng
from human2k.training_sources import TrainingSources, find_training_data
from human2k.worker_lifetime import die_with_parent

__all__ = [
    "AUGMENTATIONS",
    "IMAGE_SUFFIXES",
    "TrainingSources",
    "find_training_data",
    "sample_rng",
    "MattingTrainSet",
    "ShardedBatchSampler",
    "seed_worker",
    "worker_seed",
    "worker_context",
]

# Second words of the SeedSequence entropies (1 is the sample stream of human2k).
_PERM, _WORKER = 2, 3


def worker_seed(seed: int, epoch: int, worker_id: int) -> int:
    """The 32-bit seed of DataLoader worker WORKER_ID in EPOCH (logged at each epoch start).

    Example:
        >>> worker_seed(0, 1, 0) != worker_seed(0, 1, 1) != worker_seed(0, 2, 0)
        True
    """
    return int(
        np.random.SeedSequence([int(seed), _WORKER, int(epoch), int(worker_id)]).generate_state(1)[
            0
        ]
    )


def seed_worker(worker_id: int, *, seed: int, epoch: int) -> None:
    """``worker_init_fn``: seed random, NumPy, torch and OpenCV from (seed, epoch, worker id).

    Also pins OpenCV to one thread per worker (the workers are the parallelism) and ends the
    worker when its parent (the fork server, or the trainer itself) dies.
    """
    if torch.utils.data.get_worker_info() is not None:  # in a DataLoader worker process
        die_with_parent()
    s = worker_seed(seed, epoch, worker_id)
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)
    cv2.setRNGSeed(s & 0x7FFFFFFF)
    cv2.setNumThreads(1)


def worker_context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context for DataLoader workers: ``forkserver``, never plain fork.

    A forked worker inherits OpenCV's (and OpenMP's) thread pools in whatever state the parent
    left them; the first parallel cv2 call or ``cv2.setNumThreads`` in the child can then wait
    forever on a lock held by a thread that no longer exists (seen here: a DataLoader test hung
    in ``pthread_cond_destroy`` inside cv2). The fork server is a fresh interpreter that imports
    this module once, so workers start quickly and clean; it preloads the lifetime guard too,
    so it dies with the trainer (:func:`human2k.processes.pool_context`).
    """
    return pool_context("forkserver", preload=["benchmark.training.data"])


def _reseed_persistent_worker(dataset: MattingTrainSet, epoch: int) -> None:
    """In a DataLoader worker, redo ``seed_worker`` when the epoch changes: persistent workers
    live across epochs but keep the (seed, epoch, worker id) seeding of fresh ones. Samples do
    not need it (they are pure functions of (seed, epoch, index)); third-party code that uses
    the global generators does."""
    info = torch.utils.data.get_worker_info()
    if info is not None and getattr(dataset, "_worker_epoch", None) != epoch:
        seed_worker(info.id, seed=dataset.seed, epoch=epoch)
        dataset._worker_epoch = epoch


class MattingTrainSet(OnlineSamples, torch.utils.data.Dataset):
    """Online-composited training samples as tensors; index with ``(epoch, index)`` pairs.

    Arguments as :class:`human2k.training_samples.OnlineSamples`. ``ds[(epoch, i)]`` returns
    ``image`` uint8 3×H×W (RGB), ``trimap`` uint8 1×H×W in {0, 128, 255}, ``alpha`` float32
    1×H×W in [0, 1], ``fg``/``bg`` uint8 3×H×W and ``index``/``epoch`` (int64).
    """

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        epoch, index = key
        _reseed_persistent_worker(self, int(epoch))
        s = self.sample(int(epoch), int(index))
        chw = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))  # noqa: E731
        return {
            "image": chw(s["image"]),
            "trimap": torch.from_numpy(np.ascontiguousarray(s["trimap"]))[None],
            "alpha": torch.from_numpy(np.ascontiguousarray(s["alpha"], dtype=np.float32))[None],
            "fg": chw(s["fg"]),
            "bg": chw(s["bg"]),
            "index": torch.tensor(int(index), dtype=torch.int64),
            "epoch": torch.tensor(int(epoch), dtype=torch.int64),
        }


class ShardedBatchSampler(torch.utils.data.Sampler):
    """Deterministic, sharded batches of ``(epoch, index)`` for one epoch.

    The epoch's order is ``default_rng([seed, 2, epoch]).permutation(n)``; global batch k is
    ``order[k·G:(k+1)·G]`` with G = batch_size × world_size × accumulate, and rank r takes its
    slice ``[r·B·K:(r+1)·B·K]``, yielded as K micro-batches of B (gradient accumulation; K = 1:
    one batch per step). The incomplete last global batch is dropped (GCA's ``drop_last``), so
    every rank runs the same number of steps. ``start_step`` skips steps already done.
    :meth:`set_epoch` moves a sampler to another epoch, so one DataLoader (and its persistent
    workers) serves the whole run.

    Args:
        n: samples per epoch.
        batch_size: per-rank micro-batch B.
        world_size, rank: the process group (1, 0 when not distributed).
        seed, epoch: the permutation's seed.
        start_step: first step to yield.
        accumulate: micro-batches K per step on each rank.

    Example:
        >>> s = ShardedBatchSampler(8, batch_size=1, seed=0, epoch=1, accumulate=2)
        >>> s.global_batch(0), list(s)[:2], len(s)
        ([7, 2], [[(1, 7)], [(1, 2)]], 8)
    """

    def __init__(
        self,
        n: int,
        *,
        batch_size: int,
        world_size: int = 1,
        rank: int = 0,
        seed: int = 0,
        epoch: int = 1,
        start_step: int = 0,
        accumulate: int = 1,
    ):
        self.accumulate = int(accumulate)
        if self.accumulate < 1:
            raise InputError(None, f"accumulate must be >= 1, got {accumulate}", param="accumulate")
        self.n, self.batch_size, self.world_size, self.rank = (
            int(n),
            int(batch_size),
            int(world_size),
            int(rank),
        )
        self.seed = int(seed)
        self.global_batch_size = self.batch_size * self.world_size * self.accumulate
        if self.batch_size < 1:
            raise InputError(None, f"batch size must be >= 1, got {batch_size}")
        if self.n < self.global_batch_size:
            raise InputError(
                None,
                f"an epoch has {self.n} samples, fewer than one global batch "
                f"({self.batch_size} per device × {self.world_size} devices × {self.accumulate} "
                f"accumulated); lower the batch size",
                param="batch_size",
            )
        self.set_epoch(epoch, start_step)

    def set_epoch(self, epoch: int, start_step: int = 0) -> None:
        """Serve EPOCH from step START_STEP on (the next ``iter`` uses it)."""
        self.epoch, self.start_step = int(epoch), int(start_step)
        self.order = np.random.default_rng([self.seed, _PERM, self.epoch]).permutation(self.n)

    @property
    def steps(self) -> int:
        """Optimiser steps in a full epoch."""
        return self.n // self.global_batch_size

    def global_batch(self, step: int) -> list[int]:
        """Sample indices of global batch STEP (0-based), all ranks, rank order."""
        g = self.global_batch_size
        return [int(i) for i in self.order[step * g : (step + 1) * g]]

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        b, bk = self.batch_size, self.batch_size * self.accumulate
        for step in range(self.start_step, self.steps):
            mine = self.global_batch(step)[self.rank * bk : (self.rank + 1) * bk]
            for j in range(self.accumulate):
                yield [(self.epoch, i) for i in mine[j * b : (j + 1) * b]]

    def __len__(self) -> int:
        """Micro-batches left in the epoch (steps × accumulate)."""
        return max(self.steps - self.start_step, 0) * self.accumulate
