"""Training loss terms, un-normalised so the normaliser can be summed over devices.

Every term is a sum over the unknown pixels (trimap == 128); ``benchmark.training.loop``
divides the weighted sum of the terms a model's ``TrainingSpec.loss_weights`` names by the
unknown-pixel count of the global batch (+ 1e-8), GCA-Matting's normalisation.

Example:
    >>> unknown_l1_sum(torch.tensor([[[[0.5, 1.0]]]]), torch.tensor([[[[0.0, 0.0]]]]),
    ...                torch.tensor([[[[128, 255]]]], dtype=torch.uint8))
    (tensor(0.5000), tensor(1.))
    >>> sorted(LOSS_TERMS)
    ['alpha_l1', 'composition_l1']
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["unknown_l1_sum", "composition_l1_sum", "LOSS_TERMS", "loss_term_sums"]


def unknown_l1_sum(
    pred: torch.Tensor, alpha: torch.Tensor, trimap: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """GCA's regression loss, un-normalised: (Σ|pred−alpha| over trimap==128, unknown count).

    Divide the sum by (count + 1e-8) — GCA's normalisation — where count may be summed over
    devices.
    """
    w = (trimap == 128).to(pred.dtype)
    return (torch.abs(pred - alpha) * w).sum(), w.sum()


def composition_l1_sum(
    pred: torch.Tensor,
    image: torch.Tensor,
    fg: torch.Tensor,
    bg: torch.Tensor,
    trimap: torch.Tensor,
) -> torch.Tensor:
    """Σ over unknown pixels of |pred·fg + (1−pred)·bg − image| / 3 (colours in [0, 1]).

    Per unknown pixel it is the mean over the 3 channels, so it shares the alpha loss's
    normaliser. All colour tensors are uint8 B×3×H×W; ``pred`` float B×1×H×W.

    Example:
        >>> u8 = lambda v, c=3: torch.full((1, c, 1, 1), v, dtype=torch.uint8)
        >>> round(float(composition_l1_sum(torch.full((1, 1, 1, 1), 0.5), u8(51), u8(255), u8(0), u8(128, 1))), 6)
        0.3
    """
    w = (trimap == 128).to(pred.dtype)
    merged = pred * fg.to(pred.dtype) / 255 + (1 - pred) * bg.to(pred.dtype) / 255
    return (torch.abs(merged - image.to(pred.dtype) / 255) * w).sum() / 3


def _alpha_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return unknown_l1_sum(pred, batch["alpha"], batch["trimap"])[0]


def _composition_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return composition_l1_sum(pred, batch["image"], batch["fg"], batch["bg"], batch["trimap"])


#: name -> ``term(pred, batch) -> sum over unknown pixels``; batch tensors on the device.
LOSS_TERMS: dict[str, Callable[[torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]] = {
    "alpha_l1": _alpha_l1,
    "composition_l1": _composition_l1,
}


def loss_term_sums(
    pred: torch.Tensor, batch: dict[str, torch.Tensor], weights: dict[str, float]
) -> dict[str, torch.Tensor]:
    """The un-normalised sum of every term with a non-zero weight (unknown names: KeyError).

    Example:
        >>> b = {"alpha": torch.zeros(1, 1, 1, 2), "trimap": torch.full((1, 1, 1, 2), 128, dtype=torch.uint8)}
        >>> {k: float(v) for k, v in loss_term_sums(torch.full((1, 1, 1, 2), 0.25), b, {"alpha_l1": 1.0}).items()}
        {'alpha_l1': 0.5}
    """
    return {name: LOSS_TERMS[name](pred, batch) for name, w in weights.items() if w}
