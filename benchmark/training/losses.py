"""GCA-Matting's training losses, un-normalised so the normaliser can be summed over devices.

Both sums run over the unknown pixels (trimap == 128); ``benchmark.training.loop`` divides them by the
unknown-pixel count of the global batch (+ 1e-8).

Example:
    >>> unknown_l1_sum(torch.tensor([[[[0.5, 1.0]]]]), torch.tensor([[[[0.0, 0.0]]]]),
    ...                torch.tensor([[[[128, 255]]]], dtype=torch.uint8))
    (tensor(0.5000), tensor(1.))
"""

from __future__ import annotations

import torch

__all__ = ["unknown_l1_sum", "composition_l1_sum"]


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
