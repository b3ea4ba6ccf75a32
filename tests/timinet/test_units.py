"""Guide units and ASPP: shapes and parameter counts of reference §4, §5, §7."""

from __future__ import annotations

import torch

from timinet.aspp import apply_aspp, aspp_modules
from timinet.network import count_parameters
from timinet.units import ResNet18TrimapUnit, TrimapUnit, rgb_unit_layers


def test_released_units_sizes():
    torch.manual_seed(0)
    rgb = torch.nn.Sequential(*rgb_unit_layers()).eval()
    tri = TrimapUnit().eval()
    assert count_parameters(rgb) == 23_696
    assert count_parameters(tri) == 73_168
    with torch.no_grad():
        assert rgb(torch.randn(1, 3, 96, 64)).shape == (1, 64, 12, 8)
        assert tri(torch.randint(0, 3, (1, 1, 96, 64)).float()).shape == (1, 64, 12, 8)


def test_paper_intent_units_sizes():
    torch.manual_seed(0)
    rgb = torch.nn.Sequential(*rgb_unit_layers((16, 64, 128))).eval()
    tri = ResNet18TrimapUnit().eval()
    # ResNet-18 conv1 (1 input channel) + layer1 + layer2, BN included
    resnet18_part = (
        64 * 49
        + 128
        + 4 * (64 * 64 * 9 + 128)
        + (64 * 128 * 9 + 256 + 128 * 128 * 9 + 256 + 64 * 128 + 256 + 2 * (128 * 128 * 9 + 256))
    )
    assert count_parameters(tri) == resnet18_part
    with torch.no_grad():
        assert rgb(torch.randn(1, 3, 64, 64)).shape == (1, 128, 8, 8)
        assert tri(torch.zeros(1, 1, 64, 64)).shape == (1, 128, 8, 8)


def test_aspp_size_and_concat_order():
    torch.manual_seed(0)
    mods = aspp_modules()
    assert sum(count_parameters(m) for m in mods.values()) == 9_703_424
    small = {
        k: v.eval()
        for k, v in aspp_modules(in_channels=4, branch_channels=2, out_channels=3).items()
    }
    x = torch.randn(1, 4, 4, 4)
    with torch.no_grad():
        feats = [small[f"aspp{i}"](x) for i in range(1, 5)] + [
            small["aspp_pool"](x).expand(-1, -1, 4, 4)
        ]
        expected = small["aspp_conv"](torch.cat(feats, 1))
        assert torch.allclose(apply_aspp(x, small), expected, atol=1e-6)
