"""Tripartite Information Integration (TI²) at O(N) memory, and its additive ablation.

Reference: ``timinet_arch.md`` §6, paper Eq. 4. With X the B×C×H×W RGB-Trimap feature
(N = H·W tokens) and G ∈ {F_R, F_T} the stride-8 guide features::

    Q = θ(G), K = φ(G)                 (1×1 convs with bias, guide width → 32)
    A_G[i, j] = softmax_j(<Q_i, K_j>)  (no 1/√d: scale = 1)
    Y_G[:, i] = Σ_j A_G[i, j] · X[:, j] (the value is X itself: no g, no output projection)
    out = X + γ_R · Y_R + γ_T · Y_T    (γ learnable scalars, initialised to 0)

The released code builds ``trimap_query_conv``/``trimap_key_conv`` but runs the trimap guide
through the *image* θ/φ; ``trimap_projections="shared"`` (default) reproduces that and keeps the
unused pair only so the official state_dict loads strictly. ``"separate"`` uses them (what the
separate layers suggest was intended).

:func:`guided_attention` computes every Y_G. Modes:

* ``"sdpa"``: one fused ``scaled_dot_product_attention(scale=1)`` call, never materialising the
  N×N matrix. Fused kernels need equal head widths, so X (C channels) is split into C/d heads of
  the query width d, each paired with the same Q and K (exact; costs C/d × the Q·Kᵀ FLOPs);
* ``"chunked"``: exact softmax over blocks of query rows (memory ``chunk × N``);
* ``"naive"``: the released form (``bmm`` → ``softmax`` → ``bmm``; the energies and softmaxes
  of both guides stay alive until the module returns, about 16·N² bytes in fp32), O(N²) memory;
* ``"auto"``: ``"sdpa"`` restricted to fused kernels, else ``"chunked"``.

Example:
    >>> import torch
    >>> x, q, k = torch.randn(1, 8, 16), torch.randn(1, 4, 16), torch.randn(1, 4, 16)
    >>> a = guided_attention(x, [q], [k], mode="naive")[0]
    >>> b = guided_attention(x, [q], [k], mode="chunked", chunk_size=5)[0]
    >>> bool(torch.allclose(a, b, atol=1e-5))
    True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from human2k.errors import ModelError

__all__ = ["guided_attention", "TI2", "AdditiveIntegration", "AttentionMode"]

AttentionMode = Literal["auto", "sdpa", "chunked", "naive"]
_CHUNK_BYTES = 256 * 2**20  # attention block budget of the chunked path
_FUSED_OK: dict[tuple, bool] = {}


def _naive(
    x: torch.Tensor, qs: Sequence[torch.Tensor], ks: Sequence[torch.Tensor]
) -> list[torch.Tensor]:
    """The released form: every guide's energy and softmax (N×N each) alive until the end."""
    energies = [torch.bmm(q.transpose(1, 2), k) for q, k in zip(qs, ks, strict=True)]  # E[i, j]
    attns = [torch.softmax(e, dim=-1) for e in energies]
    return [torch.bmm(x, a.transpose(1, 2)) for a in attns]  # B×C×N


def _chunked(
    x: torch.Tensor, q: torch.Tensor, k: torch.Tensor, chunk_size: int | None
) -> torch.Tensor:
    b, c, n = x.shape
    if chunk_size is None:
        chunk_size = max(64, _CHUNK_BYTES // (2 * b * n * x.element_size()))
    qt, xt = q.transpose(1, 2), x.transpose(1, 2)  # B×N×d, B×N×C
    out = []
    for start in range(0, n, chunk_size):
        attn = torch.softmax(torch.bmm(qt[:, start : start + chunk_size], k), dim=-1)
        out.append(torch.bmm(attn, xt))  # rows × C
        del attn
    return torch.cat(out, dim=1).transpose(1, 2)


def _sdpa(
    x: torch.Tensor, qs: Sequence[torch.Tensor], ks: Sequence[torch.Tensor]
) -> list[torch.Tensor]:
    """All guides in one fused call: heads = guides × (C / d) value slices."""
    b, c, n = x.shape
    g, d = len(qs), qs[0].shape[1]
    heads = math.ceil(c / d)
    pad = heads * d - c
    v = F.pad(x, (0, 0, 0, pad)) if pad else x  # B×(h·d)×N
    v = v.reshape(b, 1, heads, d, n).transpose(-1, -2).expand(b, g, heads, n, d)
    q = torch.stack(qs, 1).transpose(-1, -2).unsqueeze(2).expand(b, g, heads, n, d)
    k = torch.stack(ks, 1).transpose(-1, -2).unsqueeze(2).expand(b, g, heads, n, d)
    shape = (b, g * heads, n, d)
    out = F.scaled_dot_product_attention(
        q.reshape(shape), k.reshape(shape), v.reshape(shape), scale=1.0
    )  # B×(g·h)×N×d
    out = out.reshape(b, g, heads, n, d).transpose(-1, -2).reshape(b, g, heads * d, n)[:, :, :c]
    return list(out.unbind(1))


def _fused_sdpa(x, qs, ks) -> list[torch.Tensor] | None:
    """``_sdpa`` restricted to fused kernels; None where none applies (cached per setting)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    key = (x.device.type, x.dtype, torch.is_autocast_enabled(x.device.type), x.requires_grad)
    if _FUSED_OK.get(key) is False:
        return None
    backends = [
        SDPBackend.FLASH_ATTENTION,
        SDPBackend.EFFICIENT_ATTENTION,
        SDPBackend.CUDNN_ATTENTION,
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with sdpa_kernel(backends):
                out = _sdpa(x, qs, ks)
    except RuntimeError:
        _FUSED_OK[key] = False
        return None
    _FUSED_OK[key] = True
    return out


def guided_attention(
    x: torch.Tensor,
    queries: Sequence[torch.Tensor],
    keys: Sequence[torch.Tensor],
    *,
    mode: AttentionMode = "auto",
    chunk_size: int | None = None,
) -> list[torch.Tensor]:
    """``Y_g = X · softmax(Q_gᵀ K_g)ᵀ`` for every guide g (no scaling, value = X).

    Args:
        x: values, B×C×N.
        queries: per guide, B×d×N (θ of the guide, flattened).
        keys: per guide, B×d×N (φ of the guide, flattened).
        mode: ``"auto"`` | ``"sdpa"`` | ``"chunked"`` | ``"naive"`` (see the module docstring).
        chunk_size: query rows per block for ``"chunked"`` (default: a 256 MiB block budget).

    Returns:
        One B×C×N tensor per guide.
    """
    if mode == "naive":
        return _naive(x, queries, keys)
    if mode == "chunked":
        return [_chunked(x, q, k, chunk_size) for q, k in zip(queries, keys, strict=True)]
    if mode == "sdpa":
        return _sdpa(x, queries, keys)
    if mode == "auto":
        out = _fused_sdpa(x, queries, keys)
        if out is not None:
            return out
        return [_chunked(x, q, k, chunk_size) for q, k in zip(queries, keys, strict=True)]
    raise ModelError(f"unknown attention mode {mode!r}; expected auto, sdpa, chunked or naive")


class TI2(nn.Module):
    """TI² (code name ``memory_attention``): X + γ_R·Attn(F_R; X) + γ_T·Attn(F_T; X).

    Attribute names follow the released state_dict (``gamma_image``, ``gamma_trimap``,
    ``image_query_conv``, ``image_key_conv``, ``trimap_query_conv``, ``trimap_key_conv``).

    Args:
        guide_channels: width of F_R / F_T (64 released; 128 with the paper-intent units).
        key_channels: width of θ/φ (32 released).
        trimap_projections: ``"shared"`` (released: trimap guide through the image θ/φ) or
            ``"separate"`` (paper-intent reading: its own θ/φ).
        keep_unused: with ``"shared"``, still build the never-used trimap θ/φ so the official
            state_dict loads strictly (8,320 dead parameters over both TI² modules).
        attention: how to compute the attention (:func:`guided_attention`).
    """

    def __init__(
        self,
        guide_channels: int = 64,
        *,
        key_channels: int = 32,
        trimap_projections: Literal["shared", "separate"] = "shared",
        keep_unused: bool = True,
        attention: AttentionMode = "auto",
        chunk_size: int | None = None,
    ):
        super().__init__()
        if trimap_projections not in ("shared", "separate"):
            raise ModelError(
                f"trimap_projections must be 'shared' or 'separate', got {trimap_projections!r}"
            )
        self.gamma_image = nn.Parameter(torch.zeros(1))
        self.gamma_trimap = nn.Parameter(torch.zeros(1))
        self.image_query_conv = nn.Conv2d(guide_channels, key_channels, 1)
        self.image_key_conv = nn.Conv2d(guide_channels, key_channels, 1)
        self.separate = trimap_projections == "separate"
        if self.separate or keep_unused:
            self.trimap_query_conv = nn.Conv2d(guide_channels, key_channels, 1)
            self.trimap_key_conv = nn.Conv2d(guide_channels, key_channels, 1)
        self.attention = attention
        self.chunk_size = chunk_size

    def forward(
        self, x: torch.Tensor, rgb: torch.Tensor | None, trimap: torch.Tensor | None
    ) -> torch.Tensor:
        b, c, h, w = x.shape
        qs, ks, gammas = [], [], []
        if rgb is not None:
            qs.append(self.image_query_conv(rgb).flatten(2))
            ks.append(self.image_key_conv(rgb).flatten(2))
            gammas.append(self.gamma_image)
        if trimap is not None:
            qc, kc = (
                (self.trimap_query_conv, self.trimap_key_conv)
                if self.separate
                else (self.image_query_conv, self.image_key_conv)
            )
            qs.append(qc(trimap).flatten(2))
            ks.append(kc(trimap).flatten(2))
            gammas.append(self.gamma_trimap)
        if not qs:
            return x
        flat = x.flatten(2)
        ys = guided_attention(flat, qs, ks, mode=self.attention, chunk_size=self.chunk_size)
        out = flat
        for gamma, y in zip(gammas, ys, strict=True):
            out = out + gamma * y.to(out.dtype)
        return out.view(b, c, h, w)


class AdditiveIntegration(nn.Module):
    """The paper's "S.I" ablation: X + P_R(F_R) + P_T(F_T) (straightforward addition).

    P is the identity when the guide already has X's width (paper-intent 128-channel units),
    otherwise a 1×1 convolution without bias (released 64-channel units → 128). This projection
    is our choice: the paper does not say how widths are matched.
    """

    def __init__(self, channels: int, *, rgb_channels: int | None, trimap_channels: int | None):
        super().__init__()

        def proj(c: int | None) -> nn.Module | None:
            if c is None:
                return None
            return nn.Identity() if c == channels else nn.Conv2d(c, channels, 1, bias=False)

        self.image_proj = proj(rgb_channels)
        self.trimap_proj = proj(trimap_channels)

    def forward(
        self, x: torch.Tensor, rgb: torch.Tensor | None, trimap: torch.Tensor | None
    ) -> torch.Tensor:
        if rgb is not None and self.image_proj is not None:
            x = x + self.image_proj(rgb)
        if trimap is not None and self.trimap_proj is not None:
            x = x + self.trimap_proj(trimap)
        return x
