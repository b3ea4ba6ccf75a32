"""Guided contextual attention (GCA-Matting, Li & Lu, AAAI 2020, §3.2): the block that
propagates opacity features from known to unknown regions by image-feature affinity.

Written from the description of Yaoyi-Li/GCA-Matting @ 5a999be ``networks/ops.py``
(``GuidedCxtAtten``, reference ``baselines_arch.md``); for an input feature X (B×C×H×W, stride 8),
guidance features G (B×128×H×W) and the unknown mask U (B×1×H×W):

1. ``G ← guidance_conv(G)`` (1×1 with bias, 128 → 64); G and U are nearest-downsampled ×½
   (``h = H/2``, ``w = W/2``, ``L = h·w`` positions);
2. keys: the 3×3 patch of G around every position (reflect padding), each divided by
   ``max(‖patch‖₂, 1e-4)``; queries: the same patches, not normalised; the score of query p and
   key l is their inner product (a 3×3 convolution with the keys as filters);
3. a key is *unknown* when any pixel of its 3×3 neighbourhood in U is; its scores are multiplied
   by ``clamp(sqrt(u / k), 0.1, 10)``, a known key's by ``clamp(sqrt(k / u), 0.1, 10)``, with u (k)
   the image's unknown (known) fraction; an unknown key gets −1e4 on its own position;
4. softmax over the keys; the output at stride 8 is the transposed convolution (stride 2,
   padding 1) of the attention maps with the 4×4 patches of X around each key (stride 2,
   reflect-padded by 1), divided by 4;
5. ``out = W(y) + X`` with W = 1×1 conv (no bias) → BN, the BN weight initialised to 1e-3 so the
   block starts as the identity.

Each image of a batch is attended on its own (its own scales). The attention matrix is L×L
(L = H·W/4 at stride 8), so memory grows with the square of the image area. The offsets the
original returns for visualisation are not computed.

Example:
    >>> import torch
    >>> gca = GuidedContextualAttention(8, guidance_channels=8).eval()
    >>> x, g = torch.randn(2, 8, 8, 8), torch.randn(2, 8, 8, 8)
    >>> unknown = torch.zeros(2, 1, 8, 8); unknown[:, :, 2:6] = 1
    >>> tuple(gca(g, x, unknown).shape)
    (2, 8, 8, 8)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from benchmark.models.blocks.resnet_d import GCA_BN_EPS

__all__ = ["GuidedContextualAttention"]

_RATE = 2
_KEY_EPS = 1e-4
_SELF_MASK = 1e4


def _reflect_patches(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """B×C×H×W → B×(H/stride·W/stride)×C×k×k patches, reflect-padded as the original does."""
    lo, hi = (kernel - stride + 1) // 2, (kernel - stride) // 2
    padded = F.pad(x, (lo, hi, lo, hi), mode="reflect")
    patches = padded.unfold(2, kernel, stride).unfold(3, kernel, stride)  # B×C×h×w×k×k
    b, c, h, w = patches.shape[:4]
    return patches.permute(0, 2, 3, 1, 4, 5).reshape(b, h * w, c, kernel, kernel)


class GuidedContextualAttention(nn.Module):
    """The GCA block (``GuidedCxtAtten(out_channels, guidance_channels)``).

    Args:
        channels: width of the attended feature X (128 in GCA-Matting).
        guidance_channels: width of the guidance feature (128); projected to half of it.

    ``forward(guidance, x, unknown)`` returns ``W(attention(x)) + x``.
    """

    def __init__(self, channels: int, guidance_channels: int):
        super().__init__()
        self.guidance_conv = nn.Conv2d(guidance_channels, guidance_channels // 2, 1)
        self.W = nn.Sequential(
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels, eps=GCA_BN_EPS),
        )
        nn.init.xavier_uniform_(self.guidance_conv.weight)
        nn.init.zeros_(self.guidance_conv.bias)
        nn.init.xavier_uniform_(self.W[0].weight)
        nn.init.constant_(self.W[1].weight, 1e-3)
        nn.init.zeros_(self.W[1].bias)

    def forward(
        self, guidance: torch.Tensor, x: torch.Tensor, unknown: torch.Tensor
    ) -> torch.Tensor:
        g = self.guidance_conv(guidance)
        values = _reflect_patches(x, 2 * _RATE, _RATE)  # B×L×C×4×4
        g = F.interpolate(g, scale_factor=1 / _RATE, mode="nearest")
        u = F.interpolate(unknown, scale_factor=1 / _RATE, mode="nearest")
        h, w = g.shape[-2:]
        keys = _reflect_patches(g, 3, 1)  # B×L×64×3×3
        key_unknown = _reflect_patches(u, 3, 1).mean(dim=(2, 3, 4)) > 0  # B×L
        u_frac = u.mean(dim=(1, 2, 3))
        k_frac = 1 - u_frac
        scale_unknown = torch.clamp(torch.sqrt(u_frac / k_frac), 0.1, 10).to(x.dtype)
        scale_known = torch.clamp(torch.sqrt(k_frac / u_frac), 0.1, 10).to(x.dtype)
        out = []
        for i in range(x.shape[0]):
            key = keys[i]
            norm = key.pow(2).sum(dim=(1, 2, 3), keepdim=True).sqrt()
            key = key / torch.clamp(norm, min=_KEY_EPS)
            query = F.pad(g[i : i + 1], (1, 1, 1, 1), mode="reflect")
            scores = F.conv2d(query, key)[0]  # L×h×w
            is_unknown = key_unknown[i].to(scores.dtype).view(-1, 1, 1)
            scale = scale_unknown[i] * is_unknown + scale_known[i] * (1 - is_unknown)
            scores = (scores * scale).view(h * w, h * w)
            scores.diagonal().sub_(_SELF_MASK * is_unknown.view(-1))
            attn = F.softmax(scores.view(1, h * w, h, w), dim=1)
            y = F.conv_transpose2d(attn, values[i], stride=_RATE, padding=1) / 4.0
            out.append(y)
        return self.W(torch.cat(out, dim=0)) + x
