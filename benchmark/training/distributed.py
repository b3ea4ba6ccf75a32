"""The process group of a ``torchrun`` training run: :func:`init_distributed` and collective helpers.

Reads ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``; a single process (no ``WORLD_SIZE`` or 1) gets a
``DistContext`` of world 1 and every helper is a no-op.

Example:
    >>> single = DistContext(1, 0, 0, False)
    >>> single.main, all_sum(torch.tensor([2.0]), single)
    (True, tensor([2.]))
"""

from __future__ import annotations

import dataclasses
import datetime
import os

import torch

__all__ = ["DistContext", "init_distributed", "all_sum", "barrier"]


@dataclasses.dataclass(frozen=True)
class DistContext:
    """The process group as this process sees it (world 1, rank 0 when not distributed)."""

    world: int
    rank: int
    local_rank: int
    owns_group: bool

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
        # rank 0 validates while the others wait at a barrier: allow long validations
        dist.init_process_group(
            "nccl" if device.startswith("cuda") else "gloo", timeout=datetime.timedelta(hours=2)
        )
    return DistContext(dist.get_world_size(), dist.get_rank(), local, owns)


def all_sum(x: torch.Tensor, dist_: DistContext) -> torch.Tensor:
    """Sum X over all ranks in place (a no-op in a world of one)."""
    if dist_.world > 1:
        import torch.distributed as dist

        dist.all_reduce(x, op=dist.ReduceOp.SUM)
    return x


def barrier(dist_: DistContext) -> None:
    """Wait for every rank (a no-op in a world of one)."""
    if dist_.world > 1:
        import torch.distributed as dist

        dist.barrier()
