"""Every registered TIMI-Net variant: exact parameter counts, forward/backward at 64×64.

Parameter oracles: ``timinet_arch.md`` §13 (measured on the official code): TIMI-Net
34,888,261 trainable (34,879,941 without the dead trimap θ/φ), GCA "Basic" 25,071,329. The
ablation counts follow by construction: Basic + units (RGB 23,696, Trimap 73,168) + 2 × TI²
(8,322 each) or 2 × 1×1 projections (64·128 each).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.models.registry import create_model, list_models, model_info
from timinet.network import count_parameters

BASIC, RGB, TRI, TI2, PROJ = 25_071_329, 23_696, 73_168, 8_322, 64 * 128
EXPECTED = {
    "timinet": 34_888_261,
    "timinet_basic": BASIC,
    "timinet_rgb_unit": BASIC + RGB + 2 * PROJ,
    "timinet_trimap_unit": BASIC + TRI + 2 * PROJ,
    "timinet_si": BASIC + RGB + TRI + 4 * PROJ,
    "timinet_ti2": BASIC + RGB + TRI + 2 * TI2,
    "timinet_ti2_e": BASIC + RGB + TRI + TI2,
    "timinet_ti2_d": BASIC + RGB + TRI + TI2,
}
_CACHE: dict[str, torch.nn.Module] = {}


def _model(name: str) -> torch.nn.Module:
    if name not in _CACHE:
        torch.manual_seed(0)
        _CACHE[name] = create_model(name)
    return _CACHE[name]


def _inputs(b: int = 2, size: int = 64, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    img = torch.randn(b, 3, size, size, generator=g)
    cls = torch.randint(0, 3, (b, size, size), generator=g)
    tri = torch.nn.functional.one_hot(cls, 3).permute(0, 3, 1, 2).float()
    return img, tri


def test_registered_names():
    assert list_models("timinet*") == sorted(EXPECTED, key=lambda n: (n != "timinet", n))


@pytest.mark.parametrize("name", list_models("timinet*"))
def test_parameter_count_exact(name):
    model = _model(name)
    assert count_parameters(model) == EXPECTED[name]
    assert model_info(name).params == EXPECTED[name]
    assert model.name == name and model.config["aspp"] == (name == "timinet")


def test_timinet_without_dead_projections():
    torch.manual_seed(0)
    assert count_parameters(create_model("timinet", keep_unused_projections=False)) == 34_879_941


@pytest.mark.parametrize("name", list_models("timinet*"))
def test_forward_backward_64(name):
    model = _model(name).train()
    img, tri = _inputs()
    alpha = model(img, tri)
    assert alpha.shape == (2, 1, 64, 64)
    assert torch.isfinite(alpha).all() and ((alpha > 0) & (alpha < 1)).all()
    loss = (alpha - 0.5).abs().mean()
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    # every used parameter gets a gradient; only the released, unused trimap θ/φ get none
    no_grad = {n for n, p in model.named_parameters() if p.grad is None}
    assert all(".trimap_" in n for n in no_grad), sorted(no_grad)[:5]
    model.zero_grad(set_to_none=True)


def test_paper_intent_flags_build_and_run():
    torch.manual_seed(0)
    model = create_model(
        "timinet",
        rgb_unit_channels=(16, 64, 128),
        trimap_unit_style="resnet18",
        trimap_projections="separate",
    ).eval()
    assert model.encoder.guidance_head3[1].module.out_channels == 128
    assert model.encoder.res_module.out_channels == 128
    img, tri = _inputs(1)
    with torch.no_grad():
        assert model(img, tri).shape == (1, 1, 64, 64)


def test_index_and_onehot_trimaps_agree():
    model = _model("timinet").eval()
    img, tri = _inputs(1)
    index = tri[:, 1:2] + 2 * tri[:, 2:3]
    with torch.no_grad():
        assert torch.equal(model(img, tri), model(img, index))


def test_sizes_not_multiple_of_32_are_rejected():
    model = _model("timinet_basic").eval()
    with pytest.raises(ValueError, match="multiples of 32"):
        model(torch.zeros(1, 3, 64, 84), torch.zeros(1, 3, 64, 84))


def test_predict_full_resolution_forces_known_regions():
    model = _model("timinet_basic")
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    trimap = np.full((50, 70), 128, np.uint8)
    trimap[:10] = 0
    trimap[-10:] = 255
    alpha = model.predict(image, trimap)
    assert alpha.dtype == np.float32 and alpha.shape == (50, 70)
    assert (alpha[:10] == 0).all() and (alpha[-10:] == 1).all()
    assert ((alpha >= 0) & (alpha <= 1)).all()
    img, tri = model.preprocess(image, trimap)
    assert img.shape == (1, 3, 50, 70) and tri.shape == (1, 3, 50, 70)


def test_unknown_tag_and_official_tag_without_checkpoint():
    from human2k.errors import ModelError

    with pytest.raises(ModelError, match="unknown tag"):
        create_model("timinet.nope")
    with pytest.raises(ModelError, match="needs a checkpoint"):
        create_model("timinet.official")
