"""One optimisation step: the model's inputs, forward under autocast, weighted loss terms
normalised over the global batch, backward, clipping, optimiser step.

The loss is the weighted sum of the model's ``TrainingSpec.loss_weights`` terms
(``benchmark.training.losses``) divided by the unknown-pixel count of the *global* batch, so N
devices × B give the same gradients as 1 device × N·B (up to BatchNorm statistics and float
summation order).

Example:
    >>> StepOutcome(loss=0.5, terms={"alpha_l1": 0.5}, unknown_px=10, grad_norm=None).loss
    0.5
"""

from __future__ import annotations

import contextlib
import dataclasses

import torch

from benchmark.models.deep import DeepMattingModel
from benchmark.training.distributed import DistContext, all_sum
from benchmark.training.grad_clip import GradClipper
from benchmark.training.losses import loss_term_sums

__all__ = ["StepOutcome", "train_step"]


@dataclasses.dataclass(frozen=True)
class StepOutcome:
    """What one step measured: the normalised loss, each term, the unknown pixels, |grad|."""

    loss: float
    terms: dict[str, float]
    unknown_px: int
    grad_norm: float | None


def train_step(
    *,
    model: DeepMattingModel,
    net: torch.nn.Module,
    batch: dict[str, torch.Tensor],
    device: torch.device,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    clipper: GradClipper | None,
    amp_dtype: torch.dtype | None,
    loss_weights: dict[str, float],
    dist_: DistContext,
) -> StepOutcome:
    """Run one step on BATCH (uint8/float CPU tensors from the DataLoader); NET may be DDP."""
    on_device = {k: v.to(device, non_blocking=True) for k, v in batch.items() if k in _TENSORS}
    img_in, tri_in = model.batch_inputs(on_device["image"], on_device["trimap"])
    optimizer.zero_grad(set_to_none=True)
    autocast = (
        torch.autocast(device.type, dtype=amp_dtype) if amp_dtype else contextlib.nullcontext()
    )
    with autocast:
        pred = net(img_in, tri_in)
    pred = pred.float()
    sums = loss_term_sums(pred, on_device, loss_weights)
    count = (on_device["trimap"] == 128).to(pred.dtype).sum()
    names = list(sums)
    reduced = all_sum(torch.stack([*(sums[n].detach() for n in names), count]).double(), dist_)
    denom = float(reduced[-1]) + 1e-8
    weighted = None
    for n in names:
        term = sums[n] if loss_weights[n] == 1.0 else loss_weights[n] * sums[n]
        weighted = term if weighted is None else weighted + term
    loss = weighted / denom * dist_.world  # DDP averages the gradients over ranks
    scaler.scale(loss).backward()
    grad_norm = None
    if clipper is not None:
        scaler.unscale_(optimizer)
        grad_norm = clipper(model.parameters())
    scaler.step(optimizer)
    scaler.update()
    terms = {n: float(reduced[i]) / denom for i, n in enumerate(names)}
    total = sum(loss_weights[n] * terms[n] for n in names)
    return StepOutcome(loss=total, terms=terms, unknown_px=int(reduced[-1]), grad_norm=grad_norm)


_TENSORS = ("image", "trimap", "alpha", "fg", "bg")
