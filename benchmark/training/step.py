"""One optimisation step: the model's inputs, forward under autocast, weighted loss terms
normalised over the global batch, backward, clipping, optimiser step.

The loss is the weighted sum of the model's ``TrainingSpec.loss_weights`` terms
(``benchmark.training.losses``), each divided by its normaliser over the *global* batch (the
unknown-pixel count for most terms, the known-pixel count, or the number of micro-batches ×
devices for terms that are batch means already), so N devices × B give the same gradients as
1 device × N·B (up to BatchNorm statistics and float summation order). Gradient accumulation
is the same rule in time: a step takes K micro-batches (``batches``), the normalisers count all
of them on all ranks (from the trimaps, before any forward), and each micro-batch's backward
adds its share, so K micro-batches of B equal one batch of K·B. Under DDP every micro-batch's
backward averages its gradients over the ranks (the trainer's DDP uses ``static_graph``, which
does not allow ``no_sync``); averaging is linear, so the accumulated gradient is the same.

Example:
    >>> StepOutcome(loss=0.5, terms={"alpha_l1": 0.5}, unknown_px=10, grad_norm=None).loss
    0.5
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence

import torch

from benchmark.models.deep import DeepMattingModel
from benchmark.training.distributed import DistContext, all_sum
from benchmark.training.grad_clip import GradClipper
from benchmark.training.losses import LOSS_NORMALISERS, loss_term_sums, split_term

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
    batches: Sequence[dict[str, torch.Tensor]],
    device: torch.device,
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    clipper: GradClipper | None,
    amp_dtype: torch.dtype | None,
    loss_weights: dict[str, float],
    dist_: DistContext,
) -> StepOutcome:
    """Run one step on BATCHES, its micro-batches (uint8/float CPU tensors from the DataLoader;
    one for a plain step, K with gradient accumulation); NET may be DDP."""
    micro = [
        {k: v.to(device, non_blocking=True) for k, v in b.items() if k in _TENSORS} for b in batches
    ]
    local_px = torch.stack([(b["trimap"] == 128).sum() for b in micro]).sum()  # int64, exact
    local_all = sum(b["trimap"].numel() for b in micro)
    count = all_sum(torch.stack([local_px, local_all - local_px]).to(torch.float64), dist_)
    denom = float(count[0]) + 1e-8  # the global unknown-pixel count of the whole step
    denoms = {
        "unknown": denom,
        "known": float(count[1]) + 1e-8,
        "mean": float(dist_.world * len(micro)),
    }
    optimizer.zero_grad(set_to_none=True)
    autocast = (
        torch.autocast(device.type, dtype=amp_dtype) if amp_dtype else contextlib.nullcontext()
    )
    names: list[str] = []
    sums_total: torch.Tensor | None = None
    for b in micro:
        img_in, tri_in = model.batch_inputs(b["image"], b["trimap"])
        with autocast:
            out = net(img_in, tri_in)
        pred = {k: v.float() for k, v in out.items()} if isinstance(out, dict) else out.float()
        sums = loss_term_sums(pred, b, loss_weights)
        names = list(sums)
        weighted = None
        for n in names:
            kind = LOSS_NORMALISERS[split_term(n)[0]]
            if kind == "unknown":  # the historical form, kept bit for bit
                term = sums[n] if loss_weights[n] == 1.0 else loss_weights[n] * sums[n]
            else:
                term = loss_weights[n] * sums[n] * (denom / denoms[kind])
            weighted = term if weighted is None else weighted + term
        loss = weighted / denom * dist_.world  # DDP averages the gradients over ranks
        scaler.scale(loss).backward()
        detached = torch.stack([sums[n].detach() for n in names]).double()
        sums_total = detached if sums_total is None else sums_total + detached
    reduced = all_sum(sums_total, dist_)
    grad_norm = None
    if clipper is not None:
        scaler.unscale_(optimizer)
        grad_norm = clipper(model.parameters())
    scaler.step(optimizer)
    scaler.update()
    terms = {
        n: float(reduced[i]) / denoms[LOSS_NORMALISERS[split_term(n)[0]]]
        for i, n in enumerate(names)
    }
    total = sum(loss_weights[n] * terms[n] for n in names)
    return StepOutcome(loss=total, terms=terms, unknown_px=int(count[0]), grad_norm=grad_norm)


_TENSORS = ("image", "trimap", "alpha", "fg", "bg")
