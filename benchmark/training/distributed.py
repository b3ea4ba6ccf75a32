"""The process group of a ``torchrun`` training run: :func:`_init_dist` and collective helpers.

Reads ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``; a single process (no ``WORLD_SIZE`` or 1) gets a
``_Dist`` of world 1 and every helper is a no-op.

Example:
    >>> single = _Dist(1, 0, 0, False)
    >>> single.main, _all_sum(torch.tensor([2.0]), single)
    (True, tensor([2.]))
"""

from __future__ import annotations

import dataclasses
import datetime
import os

import torch


@dataclasses.dataclass(frozen=True)
class _Dist:
    world: int
    rank: int
    local_rank: int
    owns_group: bool

    @property
    def main(self) -> bool:
        return self.rank == 0


def _init_dist(device: str) -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist(1, 0, 0, False)
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
    return _Dist(dist.get_world_size(), dist.get_rank(), local, owns)


def _all_sum(x: torch.Tensor, dist_: _Dist) -> torch.Tensor:
    if dist_.world > 1:
        import torch.distributed as dist

        dist.all_reduce(x, op=dist.ReduceOp.SUM)
    return x


def _barrier(dist_: _Dist) -> None:
    if dist_.world > 1:
        import torch.distributed as dist

        dist.barrier()
