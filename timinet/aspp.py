"""ASPP on TIMI-Net's stride-32 bottleneck (DeepLab-v3 style; reference ``timinet_arch.md`` §7).

Four parallel branches (1×1, and 3×3 at dilations 6/12/18; 256 channels each, conv without
bias → BN(eps 1e-5) → ReLU), an image-pooling branch (global average pool → 1×1 conv → BN →
ReLU → bilinear upsample, ``align_corners=True``), concatenated in the order
``[aspp1, aspp2, aspp3, aspp4, pool]`` (1,280 channels) and fused by a biased 3×3 conv to 512
channels → BN → ReLU. No dropout. 9,703,424 parameters.

The released encoder registers these modules directly on itself (``encoder.aspp1 …
encoder.aspp_conv``), so this module provides builders rather than one container:
:func:`aspp_modules` returns the named modules and :func:`apply_aspp` runs them.

Example:
    >>> import torch
    >>> mods = aspp_modules(in_channels=8, branch_channels=4, out_channels=6)
    >>> list(mods)
    ['aspp1', 'aspp2', 'aspp3', 'aspp4', 'aspp_pool', 'aspp_conv']
    >>> apply_aspp(torch.randn(2, 8, 4, 4), mods).shape
    torch.Size([2, 6, 4, 4])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["aspp_modules", "apply_aspp", "ASPPBranch", "ASPPFuse"]


class ASPPBranch(nn.Module):
    """One atrous branch: ``atrous_conv`` (no bias, padding = dilation) → ``bn`` → ReLU."""

    def __init__(self, c_in: int, c_out: int, *, dilation: int):
        super().__init__()
        k = 1 if dilation == 1 else 3
        pad = 0 if dilation == 1 else dilation
        self.atrous_conv = nn.Conv2d(c_in, c_out, k, padding=pad, dilation=dilation, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.atrous_conv(x)))


class ASPPFuse(nn.Module):
    """The fuse layer: ``conv`` (3×3, with bias) → ``bn`` → ReLU."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=True)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))


def aspp_modules(
    *,
    in_channels: int = 512,
    branch_channels: int = 256,
    out_channels: int = 512,
    rates: Sequence[int] = (6, 12, 18),
) -> dict[str, nn.Module]:
    """The ASPP modules under their released names, in registration order."""
    mods: dict[str, nn.Module] = {}
    for i, rate in enumerate((1, *rates), start=1):
        mods[f"aspp{i}"] = ASPPBranch(in_channels, branch_channels, dilation=rate)
    mods["aspp_pool"] = nn.Sequential(
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Conv2d(in_channels, branch_channels, 1, bias=False),
        nn.BatchNorm2d(branch_channels),
        nn.ReLU(inplace=True),
    )
    mods["aspp_conv"] = ASPPFuse(branch_channels * (len(rates) + 2), out_channels)
    return mods


def apply_aspp(x: torch.Tensor, modules: Mapping[str, nn.Module] | nn.Module) -> torch.Tensor:
    """Run ASPP on ``x`` with modules looked up by name (a dict, or a module holding them)."""

    def get(name: str) -> nn.Module:
        return modules[name] if isinstance(modules, Mapping) else getattr(modules, name)

    n_branches = sum(1 for i in range(1, 16) if _has(modules, f"aspp{i}"))
    feats = [get(f"aspp{i}")(x) for i in range(1, n_branches + 1)]
    pooled = get("aspp_pool")(x)
    feats.append(F.interpolate(pooled, size=x.shape[-2:], mode="bilinear", align_corners=True))
    return get("aspp_conv")(torch.cat(feats, dim=1))


def _has(modules: Mapping[str, nn.Module] | nn.Module, name: str) -> bool:
    return name in modules if isinstance(modules, Mapping) else hasattr(modules, name)
