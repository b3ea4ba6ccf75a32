"""GCA-Matting's ResNet-D U-Net building blocks, shared by ``gca`` and TIMI-Net's ``timinet*``.

GCA-Matting (Li & Lu, AAAI 2020; Yaoyi-Li/GCA-Matting @ 5a999be, ``networks/encoders/
resnet_enc.py``, ``res_shortcut_enc.py``, ``res_gca_enc.py``, ``networks/decoders/resnet_dec.py``)
builds its matting network from these pieces, and the released TIMI-Net copies them (reference
``timinet_arch.md`` §3, §4, §8). Every convolution but the decoder's last is wrapped in
:class:`~benchmark.models.blocks.spectral_norm.SpectralNorm`; the only difference between the
two codes is BatchNorm's eps — 1e-5 (PyTorch's default) in GCA, 1e-3 in TIMI-Net's copies — so
every builder takes ``eps``.

* :func:`stem_modules`: the 3-conv stem without max-pool (in → 32 s2, 32 → 32, 32 → 64 s2),
  registered on the encoder as ``conv1..3`` then ``bn1..3``;
* :class:`EncoderBlock` / :func:`encoder_stage`: basic residual blocks, ResNet-D projection
  (2×2 avg-pool → 1×1 conv → BN) in strided blocks; ReLU;
* :func:`shortcut_head`: [SN-conv3×3 → ReLU → BN] × 2 (ReLU *before* BN), the U-Net skips;
* :func:`guidance_layers`: [reflect-pad 1 → SN-conv3×3 s2 → ReLU → BN] per layer (GCA's
  ``guidance_head``, TIMI-Net's RGB-Unit);
* :class:`DecoderBlock` / :func:`decoder_stage`: residual up-blocks (SN ConvTranspose 4×4 s2
  with a nearest ×2 + 1×1 projection skip), LeakyReLU(0.2).

Blocks whose stride is 1 but whose widths differ (a plain 1×1 projection without pooling in
GCA's code) do not occur in the [3, 4, 4, 2] / [2, 3, 3, 2] networks and are built with an
``Identity`` in place of the pool, which keeps TIMI-Net's key layout.

Convolutions are wrapped with ``init_iterations=0``: callers re-initialise the weights and then
call :func:`~benchmark.models.blocks.spectral_norm.refresh_spectral_norm`.

Example:
    >>> import torch
    >>> block = EncoderBlock(32, 64, stride=2, eps=1e-5).eval()
    >>> tuple(block(torch.zeros(1, 32, 8, 8)).shape), block.bn1.eps
    ((1, 64, 4, 4), 1e-05)
    >>> up = decoder_stage(64, 32, 2, eps=1e-5).eval()
    >>> tuple(up(torch.zeros(1, 64, 4, 4)).shape)
    (1, 32, 8, 8)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from benchmark.models.blocks.spectral_norm import SpectralNorm

__all__ = [
    "GCA_BN_EPS",
    "batch_norm",
    "sn",
    "sn_conv",
    "stem_modules",
    "EncoderBlock",
    "encoder_stage",
    "shortcut_head",
    "guidance_layers",
    "DecoderBlock",
    "decoder_stage",
    "LEAKY_SLOPE",
]

#: BatchNorm eps of GCA-Matting (PyTorch's default); TIMI-Net's copies use 1e-3.
GCA_BN_EPS = 1e-5
#: The decoder's LeakyReLU slope.
LEAKY_SLOPE = 0.2


def batch_norm(channels: int, eps: float) -> nn.BatchNorm2d:
    """``nn.BatchNorm2d`` with the given eps (1e-5 GCA, 1e-3 TIMI-Net)."""
    return nn.BatchNorm2d(channels, eps=eps)


def sn(conv: nn.Conv2d | nn.ConvTranspose2d, init_iterations: int = 0) -> SpectralNorm:
    """Wrap CONV in SpectralNorm (no power iterations yet: the caller refreshes after init)."""
    return SpectralNorm(conv, init_iterations=init_iterations)


def sn_conv(c_in: int, c_out: int, k: int = 3, stride: int = 1) -> SpectralNorm:
    """SN(conv k×k, padding k // 2, no bias)."""
    return sn(nn.Conv2d(c_in, c_out, k, stride, padding=k // 2, bias=False))


def stem_modules(in_channels: int, *, eps: float) -> dict[str, nn.Module]:
    """``conv1`` (in → 32, s2), ``conv2`` (32 → 32), ``conv3`` (32 → 64, s2), ``bn1..3``, in that
    registration order (the state_dict order of both released encoders)."""
    return {
        "conv1": sn_conv(in_channels, 32, 3, 2),
        "conv2": sn_conv(32, 32),
        "conv3": sn_conv(32, 64, 3, 2),
        "bn1": batch_norm(32, eps),
        "bn2": batch_norm(32, eps),
        "bn3": batch_norm(64, eps),
    }


class EncoderBlock(nn.Module):
    """Basic residual block with SN convs and a ResNet-D (avg-pool) projection when needed."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, *, eps: float):
        super().__init__()
        self.conv1 = sn_conv(c_in, c_out, 3, stride)
        self.bn1 = batch_norm(c_out, eps)
        self.conv2 = sn_conv(c_out, c_out)
        self.bn2 = batch_norm(c_out, eps)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            pool = nn.AvgPool2d(2, 2) if stride != 1 else nn.Identity()
            self.downsample = nn.Sequential(pool, sn_conv(c_in, c_out, 1), batch_norm(c_out, eps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = torch.relu_(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu_(out + identity)


def encoder_stage(c_in: int, c_out: int, blocks: int, stride: int, *, eps: float) -> nn.Sequential:
    """``blocks`` encoder blocks; the first changes width and stride."""
    layers = [EncoderBlock(c_in, c_out, stride, eps=eps)]
    layers += [EncoderBlock(c_out, c_out, eps=eps) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def shortcut_head(c_in: int, c_out: int, *, eps: float) -> nn.Sequential:
    """A U-Net skip: [SN-conv3×3 → ReLU → BN] × 2 (keys ``0.module.*``, ``2.*``, ``3.*``, ``5.*``)."""
    return nn.Sequential(
        sn_conv(c_in, c_out),
        nn.ReLU(inplace=True),
        batch_norm(c_out, eps),
        sn_conv(c_out, c_out),
        nn.ReLU(inplace=True),
        batch_norm(c_out, eps),
    )


def guidance_layers(
    channels: Sequence[int], *, in_channels: int = 3, eps: float, init_iterations: int = 50
) -> list[nn.Sequential]:
    """Stride-2 layers ``Sequential(ReflectionPad2d(1), SN(conv3×3 s2, no bias), ReLU, BN)``.

    GCA's ``guidance_head`` is the three layers of widths (16, 32, 128) chained in one
    ``Sequential``; TIMI-Net's RGB-Unit registers widths (16, 32, 64) as ``guidance_head1..3``.
    """
    layers, c_in = [], in_channels
    for c_out in channels:
        conv = nn.Conv2d(c_in, c_out, 3, stride=2, padding=0, bias=False)
        layers.append(
            nn.Sequential(
                nn.ReflectionPad2d(1),
                SpectralNorm(conv, init_iterations=init_iterations),
                nn.ReLU(inplace=True),
                batch_norm(c_out, eps),
            )
        )
        c_in = c_out
    return layers


class DecoderBlock(nn.Module):
    """Residual block; with ``upsample=True`` the first conv is a 4×4 stride-2 transposed conv."""

    def __init__(self, c_in: int, c_out: int, *, upsample: bool = False, eps: float):
        super().__init__()
        if upsample:
            self.conv1 = sn(nn.ConvTranspose2d(c_in, c_in, 4, 2, 1, bias=False))
        else:
            self.conv1 = sn(nn.Conv2d(c_in, c_in, 3, 1, 1, bias=False))
        self.bn1 = batch_norm(c_in, eps)
        self.conv2 = sn(nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False))
        self.bn2 = batch_norm(c_out, eps)
        self.upsample = None
        if upsample:
            self.upsample = nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"),
                sn(nn.Conv2d(c_in, c_out, 1, bias=False)),
                batch_norm(c_out, eps),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.upsample is None else self.upsample(x)
        out = F.leaky_relu(self.bn1(self.conv1(x)), LEAKY_SLOPE, inplace=True)
        out = self.bn2(self.conv2(out))
        return F.leaky_relu(out + identity, LEAKY_SLOPE, inplace=True)


def decoder_stage(c_in: int, c_out: int, blocks: int, *, eps: float) -> nn.Sequential:
    """An up-sampling block (×2, c_in → c_out) followed by ``blocks − 1`` plain blocks."""
    layers = [DecoderBlock(c_in, c_out, upsample=True, eps=eps)]
    layers += [DecoderBlock(c_out, c_out, eps=eps) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)
