"""TIMI-Net's decoder: GCA-Matting's "ResNet_D_Dec" ([2, 3, 3, 2] up-blocks) with TI²_D.

Reference ``timinet_arch.md`` §8. Stages 512→256 (stride 16), 256→128 (8), 128→64 (4),
64→32 (2); each starts with an upsampling block (SN ConvTranspose 4×4 s2 → BN → LeakyReLU(0.2)
→ SN conv3×3 → BN, skip: nearest ×2 → SN conv1×1 → BN) and adds the encoder shortcut of its
resolution. After stage 2 (+ s3) the decoder TI² (``memory_de``) fuses the same guides as the
encoder. Head: SN ConvTranspose 4×4 s2 → BN → LeakyReLU, + s0, conv3×3 32→1 (with bias),
alpha = (tanh + 1) / 2. BN eps 1e-3 throughout.

Example:
    >>> import torch
    >>> dec = Decoder(integration=None).eval()
    >>> skips = [torch.zeros(1, c, 64 // s, 64 // s) for c, s in
    ...          [(32, 1), (32, 2), (64, 4), (128, 8), (256, 16)]]
    >>> dec(torch.zeros(1, 512, 2, 2), skips, (None, None)).shape
    torch.Size([1, 1, 64, 64])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from timinet.spectral_norm import SpectralNorm, refresh_spectral_norm

__all__ = ["Decoder", "DecoderBlock"]

_BN_EPS = 1e-3
_SLOPE = 0.2


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=_BN_EPS)


def _sn(conv: nn.Conv2d | nn.ConvTranspose2d) -> SpectralNorm:
    return SpectralNorm(conv, init_iterations=0)  # refreshed after reset_parameters


class DecoderBlock(nn.Module):
    """Residual block; with ``upsample=True`` the first conv is a 4×4 stride-2 transposed conv."""

    def __init__(self, c_in: int, c_out: int, *, upsample: bool = False):
        super().__init__()
        if upsample:
            self.conv1 = _sn(nn.ConvTranspose2d(c_in, c_in, 4, 2, 1, bias=False))
        else:
            self.conv1 = _sn(nn.Conv2d(c_in, c_in, 3, 1, 1, bias=False))
        self.bn1 = _bn(c_in)
        self.conv2 = _sn(nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False))
        self.bn2 = _bn(c_out)
        self.upsample = None
        if upsample:
            self.upsample = nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                _sn(nn.Conv2d(c_in, c_out, 1, bias=False)),
                _bn(c_out),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.upsample is None else self.upsample(x)
        out = F.leaky_relu(self.bn1(self.conv1(x)), _SLOPE, inplace=True)
        out = self.bn2(self.conv2(out))
        return F.leaky_relu(out + identity, _SLOPE, inplace=True)


def _stage(c_in: int, c_out: int, blocks: int) -> nn.Sequential:
    layers = [DecoderBlock(c_in, c_out, upsample=True)]
    layers += [DecoderBlock(c_out, c_out) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


class Decoder(nn.Module):
    """Up-sampling decoder with additive skips and an optional stride-8 integration module.

    Args:
        integration: the ``memory_de`` module (TI² / additive) or None.
        layers: blocks per stage ([2, 3, 3, 2]).
    """

    def __init__(self, *, integration: nn.Module | None, layers: Sequence[int] = (2, 3, 3, 2)):
        super().__init__()
        self.conv1 = _sn(nn.ConvTranspose2d(32, 32, 4, 2, 1, bias=False))
        self.bn1 = _bn(32)
        self.conv2 = nn.Conv2d(32, 1, 3, 1, 1, bias=True)
        self.layer1 = _stage(512, 256, layers[0])
        self.layer2 = _stage(256, 128, layers[1])
        self.layer3 = _stage(128, 64, layers[2])
        self.layer4 = _stage(64, 32, layers[3])
        self.memory_de = integration
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier-uniform on every conv weight; BN weight 1 / bias 0 (as the encoder)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.xavier_uniform_(m.weight_bar if "weight_bar" in m._parameters else m.weight)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        refresh_spectral_norm(self)

    def forward(
        self,
        z: torch.Tensor,
        skips: Sequence[torch.Tensor],
        guides: tuple[torch.Tensor | None, torch.Tensor | None],
    ) -> torch.Tensor:
        s0, s1, s2, s3, s4 = skips
        d = self.layer1(z) + s4
        d = self.layer2(d) + s3
        if self.memory_de is not None:
            d = self.memory_de(d, *guides)
        d = self.layer3(d) + s2
        d = self.layer4(d) + s1
        d = F.leaky_relu(self.bn1(self.conv1(d)), _SLOPE, inplace=True) + s0
        logit = self.conv2(d)
        return (torch.tanh(logit) + 1) / 2
