"""GCA-Matting's gradient clipping: :class:`GradClipper` (2x a running mean of the norm).

Example:
    >>> p = torch.nn.Parameter(torch.zeros(2)); p.grad = torch.tensor([0.0, 2.0])
    >>> GradClipper()([p])
    2.0
"""

from __future__ import annotations

import math

import torch

__all__ = ["GradClipper"]


class GradClipper:
    """GCA-Matting's clipping: clip the total norm at 2× its running mean (momentum 0.999).

    The first call clips at 1e6 and starts the running mean at the norm it measured.

    Example:
        >>> p = torch.nn.Parameter(torch.zeros(2)); c = GradClipper()
        >>> p.grad = torch.tensor([3.0, 4.0]); c([p]), c.moving
        (5.0, 5.0)
        >>> p.grad = torch.tensor([30.0, 40.0]); c([p]), round(p.grad.norm().item(), 4)
        (50.0, 10.0)
    """

    def __init__(self, momentum: float = 0.999, first_max: float = 1e6):
        self.momentum, self.first_max, self.moving = momentum, first_max, 0.0

    def __call__(self, params) -> float:
        params = [p for p in params if p.grad is not None]
        if self.moving == 0.0:
            norm = float(torch.nn.utils.clip_grad_norm_(params, self.first_max))
            self.moving = norm if math.isfinite(norm) else 0.0
        else:
            norm = float(torch.nn.utils.clip_grad_norm_(params, 2.0 * self.moving))
            if math.isfinite(norm):  # an fp16 overflow step (skipped by the scaler) is not averaged
                self.moving = self.moving * self.momentum + norm * (1.0 - self.momentum)
        return norm

    def state_dict(self) -> dict[str, float]:
        return {"moving": self.moving, "momentum": self.momentum, "first_max": self.first_max}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.moving, self.momentum, self.first_max = (
            state["moving"],
            state["momentum"],
            state["first_max"],
        )
