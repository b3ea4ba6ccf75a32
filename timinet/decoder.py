"""TIMI-Net's decoder: GCA-Matting's "ResNet_D_Dec" ([2, 3, 3, 2] up-blocks) with TI²_D.

The up-blocks are GCA-Matting's, shared with ``gca`` (:mod:`benchmark.models.blocks.resnet_d`).

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

from benchmark.models.blocks.resnet_d import (
    LEAKY_SLOPE,
    DecoderBlock,
    batch_norm,
    decoder_stage,
    sn,
)
from benchmark.models.blocks.spectral_norm import refresh_spectral_norm

__all__ = ["Decoder", "DecoderBlock"]

_BN_EPS = 1e-3  # TIMI-Net's copies of GCA's blocks; GCA itself uses 1e-5


def _stage(c_in: int, c_out: int, blocks: int) -> nn.Sequential:
    return decoder_stage(c_in, c_out, blocks, eps=_BN_EPS)


class Decoder(nn.Module):
    """Up-sampling decoder with additive skips and an optional stride-8 integration module.

    Args:
        integration: the ``memory_de`` module (TI² / additive) or None.
        layers: blocks per stage ([2, 3, 3, 2]).
    """

    def __init__(self, *, integration: nn.Module | None, layers: Sequence[int] = (2, 3, 3, 2)):
        super().__init__()
        self.conv1 = sn(nn.ConvTranspose2d(32, 32, 4, 2, 1, bias=False))
        self.bn1 = batch_norm(32, _BN_EPS)
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
        d = F.leaky_relu(self.bn1(self.conv1(d)), LEAKY_SLOPE, inplace=True) + s0
        logit = self.conv2(d)
        return (torch.tanh(logit) + 1) / 2
