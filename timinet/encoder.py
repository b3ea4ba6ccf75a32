"""TIMI-Net's encoder: the RGB-Trimap branch plus the two units, TI²_E and ASPP.

The branch's blocks are GCA-Matting's, shared with ``gca`` (:mod:`benchmark.models.blocks.resnet_d`).

The RGB-Trimap branch is GCA-Matting's ResNet-34-D-like "resnet_encoder_29" with shortcut
heads (reference ``timinet_arch.md`` §3): a 3-conv stem without max-pool (4→32 s2, 32→32,
32→64 s2), basic-block stages of 64/128/256/512 channels with [3, 4, 4, 2] blocks (stride 1,
2, 2, 2), ResNet-D projection shortcuts (2×2 avg-pool → 1×1 conv → BN), spectral norm on
every conv, BN eps 1e-3. Five shortcut heads [SN-conv3×3 → ReLU → BN] ×2 feed the decoder;
the stride-8 one is taken from e3 *before* TI².

Submodule names and registration order are those of the released state_dict, so that
``encoder.*`` keys match ``timinet_state_dict_keys.txt``.

Example:
    >>> import torch
    >>> enc = Encoder(rgb_unit=False, trimap_unit=False, integration="none", aspp=False).eval()
    >>> z, skips, guides = enc(torch.zeros(1, 4, 64, 64), torch.zeros(1, 3, 64, 64), None)
    >>> tuple(z.shape), [s.shape[1] for s in skips]
    ((1, 512, 2, 2), [32, 32, 64, 128, 256])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn

from benchmark.models.blocks.resnet_d import (
    EncoderBlock,
    encoder_stage,
    shortcut_head,
    stem_modules,
)
from benchmark.models.blocks.spectral_norm import refresh_spectral_norm
from human2k.errors import ModelError
from timinet.aspp import apply_aspp, aspp_modules
from timinet.ti2 import TI2, AdditiveIntegration, AttentionMode
from timinet.units import (
    RELEASED_RGB_UNIT_CHANNELS,
    ResNet18TrimapUnit,
    TrimapUnit,
    rgb_unit_layers,
)

__all__ = ["Encoder", "EncoderBlock", "build_integration"]

_BN_EPS = 1e-3  # TIMI-Net's copies of GCA's blocks; GCA itself uses 1e-5
Integration = Literal["ti2", "add", "none"]


def _stage(c_in: int, c_out: int, blocks: int, stride: int) -> nn.Sequential:
    return encoder_stage(c_in, c_out, blocks, stride, eps=_BN_EPS)


def build_integration(
    kind: Integration,
    *,
    channels: int,
    rgb_channels: int | None,
    trimap_channels: int | None,
    key_channels: int,
    trimap_projections: Literal["shared", "separate"],
    keep_unused: bool,
    attention: AttentionMode,
    chunk_size: int | None,
) -> nn.Module | None:
    """The module fusing the guides into a stride-8 feature: TI², addition (S.I) or none."""
    if kind == "none" or (rgb_channels is None and trimap_channels is None):
        return None
    if kind == "add":
        return AdditiveIntegration(
            channels, rgb_channels=rgb_channels, trimap_channels=trimap_channels
        )
    if kind != "ti2":
        raise ModelError(f"integration must be 'ti2', 'add' or 'none', got {kind!r}")
    widths = {c for c in (rgb_channels, trimap_channels) if c is not None}
    if len(widths) > 1 and trimap_projections == "shared":
        raise ModelError(
            f"shared θ/φ need equal guide widths, got RGB {rgb_channels} and trimap {trimap_channels};"
            " use trimap_projections='separate'"
        )
    if len(widths) > 1:
        raise ModelError("guides of different widths are not supported by TI²")
    return TI2(
        widths.pop(),
        key_channels=key_channels,
        trimap_projections=trimap_projections,
        keep_unused=keep_unused,
        attention=attention,
        chunk_size=chunk_size,
    )


class Encoder(nn.Module):
    """RGB-Trimap branch + RGB-Unit + Trimap-Unit + TI²_E + ASPP (each optional).

    Args:
        rgb_unit: build the RGB-Unit (``guidance_head1..3``).
        trimap_unit: build the Trimap-Unit (``res_module``).
        integration: ``"ti2"``, ``"add"`` (S.I ablation) or ``"none"`` at the encoder's stride-8
            position (``memory``). The guides are still returned for the decoder.
        aspp: ASPP + fuse on the bottleneck.
        rgb_unit_channels: RGB-Unit widths (released 16/32/64; paper 16/64/128).
        trimap_unit_style: ``"released"`` (16/32/64, one block per stage) or ``"resnet18"``.
        layers: blocks per stage ([3, 4, 4, 2]).
        in_channels: 4 (normalised RGB + trimap index).
        Other args: see :class:`timinet.ti2.TI2`.

    ``forward(x4, rgb, tri_index)`` returns ``(z, [s0..s4], (F_R, F_T))``.
    """

    def __init__(
        self,
        *,
        rgb_unit: bool = True,
        trimap_unit: bool = True,
        integration: Integration = "ti2",
        aspp: bool = True,
        rgb_unit_channels: Sequence[int] = RELEASED_RGB_UNIT_CHANNELS,
        trimap_unit_style: Literal["released", "resnet18"] = "released",
        layers: Sequence[int] = (3, 4, 4, 2),
        in_channels: int = 4,
        key_channels: int = 32,
        trimap_projections: Literal["shared", "separate"] = "shared",
        keep_unused_projections: bool = True,
        attention: AttentionMode = "auto",
        chunk_size: int | None = None,
    ):
        super().__init__()
        for name, module in stem_modules(in_channels, eps=_BN_EPS).items():
            self.add_module(name, module)  # conv1..3, bn1..3
        self.layer1 = _stage(64, 64, layers[0], 1)
        self.layer2 = _stage(64, 128, layers[1], 2)
        self.layer3 = _stage(128, 256, layers[2], 2)
        self.layer_bottleneck = _stage(256, 512, layers[3], 2)
        self.shortcut = nn.ModuleList(
            shortcut_head(a, b, eps=_BN_EPS)
            for a, b in [(in_channels, 32), (32, 32), (64, 64), (128, 128), (256, 256)]
        )
        trimap_channels = rgb_channels = None
        if trimap_unit:
            if trimap_unit_style not in ("released", "resnet18"):
                raise ModelError(
                    f"trimap_unit_style must be 'released' or 'resnet18', got {trimap_unit_style!r}"
                )
            self.res_module = (
                TrimapUnit() if trimap_unit_style == "released" else ResNet18TrimapUnit()
            )
            trimap_channels = self.res_module.out_channels
        if rgb_unit:
            heads = rgb_unit_layers(rgb_unit_channels)
            self.guidance_head1, self.guidance_head2, self.guidance_head3 = heads
            rgb_channels = int(rgb_unit_channels[-1])
        self.guide_channels = (rgb_channels, trimap_channels)
        self.memory = build_integration(
            integration,
            channels=128,
            rgb_channels=rgb_channels,
            trimap_channels=trimap_channels,
            key_channels=key_channels,
            trimap_projections=trimap_projections,
            keep_unused=keep_unused_projections,
            attention=attention,
            chunk_size=chunk_size,
        )
        self.has_aspp = aspp
        if aspp:
            for name, module in aspp_modules().items():
                self.add_module(name, module)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier-uniform on every conv weight, BN weight 1 / bias 0 (as the released encoder).

        Then power iterations bring every SN estimate up to date (finite eval outputs at once).
        """
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                w = m.weight_bar if "weight_bar" in m._parameters else m.weight
                nn.init.xavier_uniform_(w)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        refresh_spectral_norm(self)

    def forward(
        self, x: torch.Tensor, rgb: torch.Tensor, tri_index: torch.Tensor | None
    ) -> tuple[torch.Tensor, list[torch.Tensor], tuple[torch.Tensor | None, torch.Tensor | None]]:
        s0 = self.shortcut[0](x)
        e1 = torch.relu_(self.bn1(self.conv1(x)))
        e1 = torch.relu_(self.bn2(self.conv2(e1)))
        s1 = self.shortcut[1](e1)
        e2 = self.layer1(torch.relu_(self.bn3(self.conv3(e1))))
        del e1
        s2 = self.shortcut[2](e2)
        e3 = self.layer2(e2)
        del e2
        s3 = self.shortcut[3](e3)  # the stride-8 skip is taken before TI²
        f_r = f_t = None
        if hasattr(self, "guidance_head1"):
            f_r = self.guidance_head3(self.guidance_head2(self.guidance_head1(rgb)))
        if hasattr(self, "res_module") and tri_index is not None:
            f_t = self.res_module(tri_index)
        if self.memory is not None:
            e3 = self.memory(e3, f_r, f_t)
        e4 = self.layer3(e3)
        del e3
        s4 = self.shortcut[4](e4)
        z = self.layer_bottleneck(e4)
        if self.has_aspp:
            z = apply_aspp(z, self)
        return z, [s0, s1, s2, s3, s4], (f_r, f_t)
