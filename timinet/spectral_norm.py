"""Spectral normalisation with the key layout of GCA-Matting / TIMI-Net (SAGAN style).

The released TIMI-Net wraps every convolution of its main branch, shortcuts, RGB-Unit and
decoder in a SAGAN-style spectral norm, which stores ``<conv>.module.weight_bar`` (the raw
weight), ``.weight_u`` (left singular-vector estimate, ``W_mat.shape[0]`` long) and ``.weight_v``
(right estimate). ``W_mat`` is the weight reshaped to ``(shape[0], -1)``; for a transposed
convolution ``shape[0]`` is the *input* channel count (reference ``timinet_arch.md`` §9).

Behaviour (written from the description, not copied):

* train mode: one power iteration updates u and v in place, then ``W / σ`` with
  ``σ = uᵀ W_mat v`` (gradient flows through W only);
* eval mode: no power iteration, σ from the stored u and v.

Unlike the original, u and v are buffers (they are in the state_dict under the same keys, but
not in ``parameters()``), and :func:`refresh_spectral_norm` runs power iterations so a freshly
built model gives finite outputs in eval mode with no warm-up forward (the original gives NaN).

Example:
    >>> import torch
    >>> conv = SpectralNorm(torch.nn.Conv2d(3, 4, 3, bias=False)).eval()
    >>> sorted(k.split(".")[-1] for k in conv.state_dict())
    ['weight_bar', 'weight_u', 'weight_v']
    >>> bool(torch.isfinite(conv(torch.randn(1, 3, 8, 8))).all())
    True
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["SpectralNorm", "refresh_spectral_norm"]

_EPS = 1e-12
_INIT_ITERATIONS = 50


def _l2normalize(v: torch.Tensor) -> torch.Tensor:
    return v / (v.norm() + _EPS)


class SpectralNorm(nn.Module):
    """Wrap a ``Conv2d`` or ``ConvTranspose2d`` so its weight is divided by its spectral norm.

    Args:
        module: the convolution; its ``weight`` parameter moves to ``module.weight_bar``.
        power_iterations: power iterations per train-mode forward (1, as in SAGAN/GCA).
        init_iterations: power iterations at construction (0 when the caller re-initialises the
            weight and calls :func:`refresh_spectral_norm` afterwards).
    """

    def __init__(
        self,
        module: nn.Conv2d | nn.ConvTranspose2d,
        *,
        power_iterations: int = 1,
        init_iterations: int = _INIT_ITERATIONS,
    ):
        super().__init__()
        if not isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
            raise TypeError(
                f"SpectralNorm wraps Conv2d/ConvTranspose2d, got {type(module).__name__}"
            )
        self.module = module
        self.power_iterations = power_iterations
        weight = module.weight
        height = weight.shape[0]
        width = weight[0].numel()
        del module._parameters["weight"]
        module.register_parameter("weight_bar", nn.Parameter(weight.detach().clone()))
        module.register_buffer("weight_u", _l2normalize(torch.randn(height)))
        module.register_buffer("weight_v", _l2normalize(torch.randn(width)))
        self.refresh(init_iterations)

    @torch.no_grad()
    def refresh(self, iterations: int = _INIT_ITERATIONS) -> None:
        """Run ``iterations`` power iterations (after re-initialising or editing the weight)."""
        w = self.module.weight_bar.detach().reshape(self.module.weight_bar.shape[0], -1)
        u, v = self.module.weight_u, self.module.weight_v
        for _ in range(iterations):
            v.copy_(_l2normalize(w.t().float() @ u.float()))
            u.copy_(_l2normalize(w.float() @ v.float()))

    def normalized_weight(self) -> torch.Tensor:
        """The weight divided by σ (one power iteration first in train mode)."""
        if self.training and self.power_iterations > 0:
            self.refresh(self.power_iterations)
        w = self.module.weight_bar
        w_mat = w.reshape(w.shape[0], -1)
        # σ in the weight's own precision: under autocast ``@`` would run in bf16/fp16 and the
        # dot with the float32 u would fail (and σ would lose precision)
        with torch.autocast(w.device.type, enabled=False):
            sigma = torch.dot(self.module.weight_u, w_mat @ self.module.weight_v)
        return w / sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.module
        w = self.normalized_weight()
        if isinstance(m, nn.ConvTranspose2d):
            return F.conv_transpose2d(
                x, w, m.bias, m.stride, m.padding, m.output_padding, m.groups, m.dilation
            )
        return m._conv_forward(x, w, m.bias)


def refresh_spectral_norm(model: nn.Module, iterations: int = _INIT_ITERATIONS) -> int:
    """Run power iterations in every :class:`SpectralNorm` of ``model``; returns how many.

    Call it after re-initialising weights so that eval-mode outputs are finite at once.

    Example:
        >>> refresh_spectral_norm(torch.nn.Sequential(SpectralNorm(torch.nn.Conv2d(1, 2, 1))))
        1
    """
    count = 0
    for m in model.modules():
        if isinstance(m, SpectralNorm):
            m.refresh(iterations)
            count += 1
    return count
