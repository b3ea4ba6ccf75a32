"""The two guide branches of TIMI-Net: the RGB-Unit and the Trimap-Unit.

Both turn one input modality into a stride-8 feature map that guides TI² (or is added, in the
"S.I" ablation). Reference: ``timinet_arch.md`` §4–§5; paper §3.2.

* RGB-Unit (released code ``guidance_head1..3``): three [reflect-pad 1 → SN-conv3×3 stride 2,
  no bias → ReLU → BN(eps 1e-3)] layers, widths 16/32/64. The paper says 16/64/128; pass
  ``channels=(16, 64, 128)`` for that.
* Trimap-Unit, released (``res_module``, class :class:`TrimapUnit`): conv7×7 s2 1→16 + BN + ReLU
  + max-pool, then one residual block 16→32 (s1) and one 32→64 (s2); plain convs, BN eps 1e-5,
  a biased 1×1 projection on every skip. 73,168 parameters.
* Trimap-Unit, paper intent (:class:`ResNet18TrimapUnit`): "the first three blocks (conv-1,
  res-2, res-3)" of ResNet-18 with its kernel sizes and channels (64/64/128, two basic blocks
  per stage, max-pool kept), on the 1-channel trimap index.

Example:
    >>> import torch
    >>> [m[1].module.out_channels for m in rgb_unit_layers()]
    [16, 32, 64]
    >>> TrimapUnit()(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 64, 8, 8])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from benchmark.models.blocks.resnet_d import guidance_layers

__all__ = ["rgb_unit_layers", "TrimapUnit", "ResNet18TrimapUnit", "RELEASED_RGB_UNIT_CHANNELS"]

RELEASED_RGB_UNIT_CHANNELS = (16, 32, 64)
"""RGB-Unit widths of the released code (the paper's are 16, 64, 128)."""

_MAIN_BN_EPS = 1e-3  # TIMI's wrapped BatchNorm (main branch, shortcuts, RGB-Unit, decoder)


def rgb_unit_layers(
    channels: Sequence[int] = RELEASED_RGB_UNIT_CHANNELS, *, in_channels: int = 3
) -> list[nn.Sequential]:
    """The three stride-2 layers of the RGB-Unit (registered as ``guidance_head1..3``).

    Each is ``Sequential(ReflectionPad2d(1), SN(conv3×3 s2, no bias), ReLU, BN(eps=1e-3))`` so the
    state_dict keys are ``guidance_headK.1.module.weight_*`` and ``guidance_headK.3.*``.

    Args:
        channels: output widths of the three layers; the last is the guide width.
        in_channels: 3 (normalised RGB).
    """
    if len(channels) != 3:
        raise ValueError(f"the RGB-Unit has 3 layers, got channels={tuple(channels)}")
    return guidance_layers(channels, in_channels=in_channels, eps=_MAIN_BN_EPS)


class _ProjectionBlock(nn.Module):
    """Residual block of the released Trimap-Unit: ``left`` (conv-BN-ReLU-conv-BN) + ``right``."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.left = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.right = nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=True), nn.BatchNorm2d(c_out)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.left(x) + self.right(x))


class TrimapUnit(nn.Module):
    """Trimap-Unit as released (code class ``Resnet``): 1 → 64 channels at stride 8.

    Input is the raw trimap index (0 = bg, 1 = unknown, 2 = fg) as a B×1×H×W float tensor.
    """

    out_channels = 64

    def __init__(self, in_channels: int = 1):
        super().__init__()
        self.pre = nn.Sequential(
            nn.Conv2d(in_channels, 16, 7, 2, 3, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        )
        self.layer1 = nn.Sequential(_ProjectionBlock(16, 32, 1))
        self.layer2 = nn.Sequential(_ProjectionBlock(32, 64, 2))

    def forward(self, tri_index: torch.Tensor) -> torch.Tensor:
        return self.layer2(self.layer1(self.pre(tri_index)))


class _ResNetBasicBlock(nn.Module):
    """torchvision-style ResNet-18 basic block (identity skip, 1×1-conv+BN when shapes change)."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18TrimapUnit(nn.Module):
    """Paper-intent Trimap-Unit: ResNet-18 conv-1 (7×7, 64, s2) + max-pool + res-2 + res-3.

    Paper §3.2: "we only use the first three blocks (conv-1, res-2, res-3), and do not change the
    kernel size and number of channels in ResNet-18 … we kept the MaxPool … the other two
    downsamplings are performed on the first convolution of res-2 and res-3". ResNet-18's res-2
    does not downsample (it follows the max-pool), so the output is 128 channels at stride 8.
    """

    out_channels = 128

    def __init__(self, in_channels: int = 1):
        super().__init__()
        self.pre = nn.Sequential(
            nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        )
        self.layer1 = nn.Sequential(_ResNetBasicBlock(64, 64, 1), _ResNetBasicBlock(64, 64, 1))
        self.layer2 = nn.Sequential(_ResNetBasicBlock(64, 128, 2), _ResNetBasicBlock(128, 128, 1))

    def forward(self, tri_index: torch.Tensor) -> torch.Tensor:
        return self.layer2(self.layer1(self.pre(tri_index)))
