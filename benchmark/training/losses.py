"""Training loss terms, un-normalised so the normaliser can be summed over devices.

A model's ``TrainingSpec.loss_weights`` names terms of :data:`LOSS_TERMS` and their weights; a
name ``term@output`` applies the term to another output of a model whose training forward returns
a dict of outputs (DIM stage 3: ``alpha_charbonnier@encoder_decoder``), plain ``term`` to the
``alpha`` output. Each term returns a sum whose normaliser (:data:`LOSS_NORMALISERS`) the training
step computes over the *global* batch:

* ``unknown`` — Σ over the unknown pixels (trimap == 128), divided by the unknown-pixel count of
  the global batch + 1e-8 (GCA-Matting's normalisation): ``alpha_l1`` (GCA, ViTMatte's
  ``unknown_l1_loss``), ``composition_l1``, ``alpha_charbonnier`` and ``composition_charbonnier``
  (DIM and IndexNet: sqrt(d² + 1e-12)), ``gradient_penalty`` (ViTMatte);
* ``known`` — Σ over the known pixels, divided by their count: ``known_l1`` (ViTMatte);
* ``mean`` — already a mean over the batch (divided by nothing more): ``laplacian_l1`` (ViTMatte).

DIM (mmagic) and IndexNet normalise per image and average over the batch; with their batch sizes
(1 and 16 crops of similar unknown area) the global normaliser differs only in weighting images by
their unknown area (docs/models.md, "Known departures").

Example:
    >>> unknown_l1_sum(torch.tensor([[[[0.5, 1.0]]]]), torch.tensor([[[[0.0, 0.0]]]]),
    ...                torch.tensor([[[[128, 255]]]], dtype=torch.uint8))
    (tensor(0.5000), tensor(1.))
    >>> sorted(LOSS_TERMS)  # doctest: +NORMALIZE_WHITESPACE
    ['alpha_charbonnier', 'alpha_l1', 'composition_charbonnier', 'composition_l1',
     'gradient_penalty', 'known_l1', 'laplacian_l1']
    >>> split_term("alpha_charbonnier@encoder_decoder"), split_term("alpha_l1")
    (('alpha_charbonnier', 'encoder_decoder'), ('alpha_l1', 'alpha'))
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "unknown_l1_sum",
    "composition_l1_sum",
    "charbonnier",
    "laplacian_l1",
    "LOSS_TERMS",
    "LOSS_NORMALISERS",
    "CHARBONNIER_EPS2",
    "split_term",
    "loss_term_sums",
]

#: ε² of the Charbonnier penalty sqrt(d² + ε²) (DIM: ε = 1e-6; mmagic ``eps=1e-12``).
CHARBONNIER_EPS2 = 1e-12


def unknown_l1_sum(
    pred: torch.Tensor, alpha: torch.Tensor, trimap: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """GCA's regression loss, un-normalised: (Σ|pred−alpha| over trimap==128, unknown count).

    Divide the sum by (count + 1e-8) — GCA's normalisation — where count may be summed over
    devices.
    """
    w = (trimap == 128).to(pred.dtype)
    return (torch.abs(pred - alpha) * w).sum(), w.sum()


def _merged(pred: torch.Tensor, fg: torch.Tensor, bg: torch.Tensor) -> torch.Tensor:
    return pred * fg.to(pred.dtype) / 255 + (1 - pred) * bg.to(pred.dtype) / 255


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
    merged = _merged(pred, fg, bg)
    return (torch.abs(merged - image.to(pred.dtype) / 255) * w).sum() / 3


def charbonnier(d: torch.Tensor) -> torch.Tensor:
    """sqrt(d² + ε²), ε² = :data:`CHARBONNIER_EPS2` (DIM's "alpha-prediction loss").

    Example:
        >>> float(charbonnier(torch.tensor(0.0, dtype=torch.float64)))
        1e-06
    """
    return torch.sqrt(d * d + CHARBONNIER_EPS2)


def _unknown(batch: dict[str, torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    return (batch["trimap"] == 128).to(like.dtype)


def _alpha_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return unknown_l1_sum(pred, batch["alpha"], batch["trimap"])[0]


def _composition_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return composition_l1_sum(pred, batch["image"], batch["fg"], batch["bg"], batch["trimap"])


def _alpha_charbonnier(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return (charbonnier(pred - batch["alpha"]) * _unknown(batch, pred)).sum()


def _composition_charbonnier(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    d = _merged(pred, batch["fg"], batch["bg"]) - batch["image"].to(pred.dtype) / 255
    return (charbonnier(d) * _unknown(batch, pred)).sum() / 3


def _known_l1(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return (torch.abs(pred - batch["alpha"]) * (1 - _unknown(batch, pred))).sum()


_GAUSS = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
_SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


def _gauss(x: torch.Tensor) -> torch.Tensor:
    k = (torch.outer(_GAUSS, _GAUSS) / 256).to(x)[None, None]
    b, c, h, w = x.shape
    y = F.conv2d(F.pad(x.reshape(b * c, 1, h, w), (2, 2, 2, 2), mode="reflect"), k)
    return y.reshape(b, c, h, w)


def _pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    out = []
    for _ in range(levels):
        x = x[..., : x.shape[-2] - x.shape[-2] % 2, : x.shape[-1] - x.shape[-1] % 2]
        down = _gauss(x)[..., ::2, ::2]
        up = torch.zeros_like(x)
        up[..., ::2, ::2] = down * 4
        out.append(x - _gauss(up))
        x = down
    return out


def laplacian_l1(pred: torch.Tensor, alpha: torch.Tensor, levels: int = 5) -> torch.Tensor:
    """ViTMatte's ``laplacian_loss``: Σ_l 2^l · mean|L_l(pred) − L_l(alpha)| / levels, over a
    5-level Laplacian pyramid (5×5 binomial kernel, reflect padding), the whole image. Five levels
    need crops of at least 64 px (ViTMatte trains at 512).

    Example:
        >>> float(laplacian_l1(torch.zeros(1, 1, 64, 64), torch.zeros(1, 1, 64, 64)))
        0.0
    """
    loss = pred.new_zeros(())
    for level, (p, t) in enumerate(
        zip(_pyramid(pred, levels), _pyramid(alpha, levels), strict=True)
    ):
        loss = loss + (2**level) * F.l1_loss(p, t)
    return loss / levels


def _laplacian(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    return laplacian_l1(pred, batch["alpha"].to(pred.dtype))


def _gradient_penalty(pred: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """ViTMatte's ``loss_gradient_penalty`` × the unknown count: Σ_unknown (|∂p − ∂g| summed over
    the two Sobel directions + 0.01 · |∂p|), zero padding."""
    kx = _SOBEL_X.to(pred)[None, None]
    ky = kx.transpose(-1, -2)
    m = _unknown(batch, pred)
    alpha = batch["alpha"].to(pred.dtype)
    total = pred.new_zeros(())
    for k in (kx, ky):
        dp = F.conv2d(pred, k, padding=1)
        dg = F.conv2d(alpha, k, padding=1)
        total = total + (torch.abs(dp - dg) * m).sum() + 0.01 * (torch.abs(dp) * m).sum()
    return total


#: name -> ``term(pred, batch) -> sum`` (see :data:`LOSS_NORMALISERS`); batch tensors on the device.
LOSS_TERMS: dict[str, Callable[[torch.Tensor, dict[str, torch.Tensor]], torch.Tensor]] = {
    "alpha_l1": _alpha_l1,
    "composition_l1": _composition_l1,
    "alpha_charbonnier": _alpha_charbonnier,
    "composition_charbonnier": _composition_charbonnier,
    "known_l1": _known_l1,
    "laplacian_l1": _laplacian,
    "gradient_penalty": _gradient_penalty,
}

#: How each term is normalised over the global batch: ``unknown`` / ``known`` pixel counts, or
#: ``mean`` (the term is a batch mean already).
LOSS_NORMALISERS: dict[str, str] = {
    "alpha_l1": "unknown",
    "composition_l1": "unknown",
    "alpha_charbonnier": "unknown",
    "composition_charbonnier": "unknown",
    "known_l1": "known",
    "laplacian_l1": "mean",
    "gradient_penalty": "unknown",
}


def split_term(name: str) -> tuple[str, str]:
    """``"term@output"`` → ``("term", "output")``; a plain name applies to ``"alpha"``."""
    term, _, output = name.partition("@")
    return term, output or "alpha"


def loss_term_sums(
    pred: torch.Tensor | dict[str, torch.Tensor],
    batch: dict[str, torch.Tensor],
    weights: dict[str, float],
) -> dict[str, torch.Tensor]:
    """The un-normalised value of every term with a non-zero weight (unknown names: KeyError).

    PRED is the model's output, or a dict of named outputs (``alpha`` the main one).

    Example:
        >>> b = {"alpha": torch.zeros(1, 1, 1, 2), "trimap": torch.full((1, 1, 1, 2), 128, dtype=torch.uint8)}
        >>> {k: float(v) for k, v in loss_term_sums(torch.full((1, 1, 1, 2), 0.25), b, {"alpha_l1": 1.0}).items()}
        {'alpha_l1': 0.5}
    """
    outputs = pred if isinstance(pred, dict) else {"alpha": pred}
    sums = {}
    for name, w in weights.items():
        if not w:
            continue
        term, output = split_term(name)
        sums[name] = LOSS_TERMS[term](outputs[output], batch)
    return sums
