"""The process group of a ``torchrun`` training run: :func:`init_distributed` and collective helpers.

Reads ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``; a single process (no ``WORLD_SIZE`` or 1) gets a
``DistContext`` of world 1 and every helper is a no-op.

Collectives of the training steps run on the default group (NCCL on GPUs) with a 30-minute
timeout. Waiting while the main rank alone works — writing a checkpoint, validating — uses
:func:`wait_for_main` instead: a barrier on a separate gloo group whose timeout is lifted
(:data:`WAIT_TIMEOUT`, 7 days), so a long validation never trips a collective timeout.

Example:
    >>> single = DistContext(1, 0, 0, False)
    >>> single.main, all_sum(torch.tensor([2.0]), single)
    (True, tensor([2.]))
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from typing import Any

import torch

__all__ = ["DistContext", "init_distributed", "all_sum", "barrier", "wait_for_main", "WAIT_TIMEOUT"]

STEP_TIMEOUT = datetime.timedelta(minutes=30)
WAIT_TIMEOUT = datetime.timedelta(days=7)


@dataclasses.dataclass(frozen=True)
class DistContext:
    """The process group as this process sees it (world 1, rank 0 when not distributed)."""

    world: int
    rank: int
    local_rank: int
    owns_group: bool
    wait_group: Any = None  # gloo group of wait_for_main (None: use the default group)

    @property
    def main(self) -> bool:
        return self.rank == 0


def init_distributed(device: str) -> DistContext:
    """Join the ``torchrun`` process group (``WORLD_SIZE`` > 1), else a world of one."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistContext(1, 0, 0, False)
    import torch.distributed as dist

    local = int(os.environ.get("LOCAL_RANK", "0"))
    owns = not dist.is_initialized()
    if owns:
        if device.startswith("cuda"):
            torch.cuda.set_device(local)
        dist.init_process_group(
            "nccl" if device.startswith("cuda") else "gloo", timeout=STEP_TIMEOUT
        )
    # every rank creates it, in the same order; waits for rank 0's solo work go through it
    wait_group = dist.new_group(backend="gloo", timeout=WAIT_TIMEOUT)
    return DistContext(dist.get_world_size(), dist.get_rank(), local, owns, wait_group)


def all_sum(x: torch.Tensor, dist_: DistContext) -> torch.Tensor:
    """Sum X over all ranks in place (a no-op in a world of one)."""
    if dist_.world > 1:
        import torch.distributed as dist

        dist.all_reduce(x, op=dist.ReduceOp.SUM)
    return x


def wait_for_main(dist_: DistContext) -> None:
    """Barrier after work only the main rank does (checkpoint, validation): no timeout to trip."""
    if dist_.world > 1:
        import torch.distributed as dist

        dist.barrier(group=dist_.wait_group)


def barrier(dist_: DistContext) -> None:
    """Wait for every rank (a no-op in a world of one)."""
    if dist_.world > 1:
        import torch.distributed as dist

        dist.barrier()
