"""Full-resolution inference: padding, known-region forcing, tiling, policies, quantisation.

The deep model here is a small real conv net defined in this file (a test fixture implementing
the preprocess/forward interface), plus every registered deep model when there are any.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.models.deep import DeepMattingModel
from benchmark.models.inference import (
    _reflect_pad,
    force_known,
    predict_alpha,
    quantize_alpha,
    tile_windows,
    unknown_bbox,
)
from benchmark.models.registry import create_model, list_models
from human2k.errors import InputError, ModelError


class TinyMatting(DeepMattingModel):
    """Two 3×3 convs (receptive field 5 px) on RGB + trimap; optionally insists on /32 inputs."""

    def __init__(self, strict: bool = True, seed: int = 0):
        super().__init__(config={"strict": strict, "seed": seed}, name="tiny")
        torch.manual_seed(seed)
        self.strict = strict
        self.conv1 = nn.Conv2d(4, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 1, 3, padding=1)
        self.calls: list[tuple[int, int]] = []

    def preprocess(self, image, trimap):
        img = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0
        tri = torch.from_numpy(trimap)[None, None].float() / 255.0
        return img, tri

    def forward(self, img, tri):
        h, w = img.shape[-2:]
        if self.strict and (h % 32 or w % 32):
            raise ValueError(f"not padded: {h}x{w}")
        self.calls.append((h, w))
        return torch.sigmoid(self.conv2(torch.relu(self.conv1(torch.cat([img, tri], 1)))))


def scene(h=75, w=90, seed=1):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    trimap = np.zeros((h, w), np.uint8)
    trimap[h // 4 : 3 * h // 4, w // 5 : 4 * w // 5] = 128
    trimap[h // 3 : 2 * h // 3, 2 * w // 5 : 3 * w // 5] = 255
    return image, trimap


def direct(model, image, trimap):
    """Oracle: the network on the unpadded image (only meaningful with strict=False)."""
    with torch.no_grad():
        return model(*model.preprocess(image, trimap))[0, 0].numpy()


def test_native_pads_crops_and_forces_known():
    model = TinyMatting()
    image, trimap = scene()
    alpha, info = predict_alpha(model, image, trimap, policy="native")
    assert alpha.shape == trimap.shape and alpha.dtype == np.float32
    assert model.calls == [(96, 96)]  # 75×90 reflect-padded to 96×96
    assert info["policy"] == "native" and info["padded_size"] == (96, 96) and info["tiles"] == 1
    assert np.all(alpha[trimap == 0] == 0) and np.all(alpha[trimap == 255] == 1)
    # away from the padded border (receptive field 5 px), values equal the unpadded network
    ref = force_known(direct(TinyMatting(strict=False), image, trimap), trimap)
    np.testing.assert_allclose(alpha[:-3, :-3], ref[:-3, :-3], atol=1e-6)


def test_tiled_matches_native():
    model = TinyMatting(strict=False)
    image, trimap = scene(150, 170)
    native, _ = predict_alpha(model, image, trimap, policy="native")
    tiled, info = predict_alpha(model, image, trimap, policy="tiled", tile=64, overlap=16)
    assert info["policy"] == "tiled" and info["tiles"] > 1
    diff = np.abs(tiled - native)
    assert diff.max() < 0.05 and diff.mean() < 1e-3  # only a few seam pixels differ, and little


def test_auto_chooses_by_memory_budget():
    model = TinyMatting()
    image, trimap = scene(150, 170)
    _, info = predict_alpha(model, image, trimap, max_pixels=64 * 64)
    assert info["requested_policy"] == "auto" and info["policy"] == "tiled" and info["tiles"] > 1
    assert info["estimated_bytes"] > info["budget_bytes"]
    _, info = predict_alpha(model, image, trimap, max_pixels=10**7)
    assert info["policy"] == "native"


def test_downscaled_policy():
    model = TinyMatting()
    image, trimap = scene(150, 170)
    alpha, info = predict_alpha(model, image, trimap, policy="downscaled", max_pixels=64 * 64)
    assert info["policy"] == "downscaled" and info["scale"] < 1 and alpha.shape == trimap.shape
    assert max(h * w for h, w in model.calls) <= 64 * 64


def test_no_unknown_in_tiled_returns_trimap():
    model = TinyMatting()
    image, trimap = scene()
    trimap[trimap == 128] = 0
    alpha, info = predict_alpha(model, image, trimap, policy="tiled")
    assert info["tiles"] == 0 and model.calls == []
    np.testing.assert_array_equal(alpha, (trimap == 255).astype(np.float32))


def test_bad_inputs_and_options():
    model = TinyMatting()
    image, trimap = scene()
    with pytest.raises(InputError):
        predict_alpha(model, image, trimap[:-1])
    with pytest.raises(ModelError, match="policy"):
        predict_alpha(model, image, trimap, policy="fast")


def test_reflect_pad_larger_than_input():
    x = torch.arange(20.0).reshape(1, 1, 4, 5)
    y = _reflect_pad(x, 28, 27)
    assert tuple(y.shape) == (1, 1, 32, 32)
    torch.testing.assert_close(y[..., :4, :5], x)
    torch.testing.assert_close(y[..., 4, :5], x[..., 2, :])  # first reflected row = row h-2


@pytest.mark.parametrize("seed", range(20))
def test_tile_windows_cover_the_box(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(20, 300, 2)
    y0, x0 = rng.integers(0, h - 1), rng.integers(0, w - 1)
    box = (int(y0), int(rng.integers(y0 + 1, h + 1)), int(x0), int(rng.integers(x0 + 1, w + 1)))
    tile = int(rng.choice([32, 64, 96]))
    overlap = int(rng.integers(0, tile // 2))
    covered = np.zeros((h, w), bool)
    for a, b, c, d in tile_windows(box, (int(h), int(w)), tile, overlap):
        assert 0 <= a < b <= h and 0 <= c < d <= w and b - a <= tile and d - c <= tile
        covered[a:b, c:d] = True
    assert covered[box[0] : box[1], box[2] : box[3]].all()


def test_unknown_bbox():
    t = np.zeros((10, 12), np.uint8)
    t[3:5, 7:9] = 128
    assert unknown_bbox(t) == (3, 5, 7, 9)
    assert unknown_bbox(t, 4) == (0, 9, 3, 12)


def test_quantize_rounds_not_truncates():
    levels = np.arange(256) / 255.0
    np.testing.assert_array_equal(quantize_alpha(levels), np.arange(256))  # exact round trip
    assert quantize_alpha(np.array([0.999])).item() == 255  # truncation would give 254
    assert quantize_alpha(np.array([-0.2, 1.3, 0.5])).tolist() == [0, 255, 128]
    assert quantize_alpha(np.array([0.5 / 255])).item() == 1  # half level rounds up
    with pytest.raises(InputError, match="non-finite"):
        quantize_alpha(np.array([np.nan]))


def test_force_known_shape_check():
    with pytest.raises(InputError, match="does not match"):
        force_known(np.zeros((2, 2)), np.zeros((2, 3), np.uint8))


@pytest.mark.parametrize("name", list_models(kind="deep")[:1] or ["<none registered>"])
def test_registered_deep_model_runs_full_resolution(name):
    if name.startswith("<"):
        pytest.skip("no deep model registered")
    model = create_model(name)
    if not hasattr(model, "preprocess"):
        pytest.skip(f"{name} has no preprocess()")
    image, trimap = scene(40, 50)
    alpha, info = predict_alpha(model, image, trimap, device="cpu")
    assert alpha.shape == trimap.shape and alpha.dtype == np.float32
    assert np.isfinite(alpha).all() and 0 <= alpha.min() and alpha.max() <= 1
    assert np.all(alpha[trimap == 0] == 0) and np.all(alpha[trimap == 255] == 1)
    assert info["padded_size"] == (64, 64) and info["policy"] == "native"
