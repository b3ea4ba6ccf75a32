"""The matting tab's library: trimaps from layers and masks, inputs, models, cut-outs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark.serve.matting import (
    cutout,
    parse_colour,
    read_inputs,
    read_mask,
    trimap_from_layers,
    trimap_from_mask,
)
from benchmark.serve.model_menu import ModelPool, find_models
from human2k.errors import InputError, ModelError
from human2k.foreground import estimate_foreground
from human2k.images import write_png


def _layer(shape, box):
    layer = np.zeros((*shape, 4), np.uint8)
    y0, y1, x0, x1 = box
    layer[y0:y1, x0:x1] = (255, 0, 0, 255)
    return layer


def test_layers_paint_in_order_and_unpainted_pixels_follow_the_choice():
    shape = (6, 8)
    bg, fg, unk = (
        _layer(shape, (0, 6, 0, 4)),
        _layer(shape, (0, 6, 4, 8)),
        _layer(shape, (2, 4, 3, 5)),
    )
    t = trimap_from_layers([bg, fg, unk], shape)
    assert t[0].tolist() == [0, 0, 0, 0, 255, 255, 255, 255]
    assert t[2].tolist() == [0, 0, 0, 128, 128, 255, 255, 255]  # unknown wins
    only_fg = trimap_from_layers([None, fg, None], shape, unpainted="background")
    assert set(np.unique(only_fg[:, :4])) == {0}
    with pytest.raises(InputError, match="nothing is painted"):
        trimap_from_layers([np.zeros((*shape, 4), np.uint8)], shape)
    with pytest.raises(InputError, match="does not match the image"):
        trimap_from_layers([_layer((3, 3), (0, 1, 0, 1))], shape)


def test_mask_band_is_symmetric_and_width_is_checked():
    mask = np.zeros((40, 40), np.uint8)
    mask[10:30, 10:30] = 200
    t = trimap_from_mask(mask, 7)
    assert set(np.unique(t)) == {0, 128, 255}
    row = t[20]
    assert (row == 128).sum() == 2 * 7 - 2  # (7-1)/2 px on each side of both edges, both sides
    assert t[20, 20] == 255 and t[0, 0] == 0
    with pytest.raises(InputError, match="1..501"):
        trimap_from_mask(mask, 0)


def test_read_inputs_use_the_cli_readers_and_name_the_upload(tmp_path):
    img, tri = tmp_path / "i.png", tmp_path / "t.png"
    write_png(img, np.zeros((4, 6, 3), np.uint8))
    write_png(tri, np.full((4, 6), 102, np.uint8))
    with pytest.raises(InputError) as info:
        read_inputs(img, tri, max_pixels=100)
    assert str(info.value).startswith("trimap: trimap has values outside {0, 128, 255}: 102")
    assert info.value.param == "trimap_quantize" and str(tmp_path) not in str(info.value)
    with pytest.warns(UserWarning, match="quantized 1 trimap value"):
        image, trimap = read_inputs(img, tri, max_pixels=100, quantize_trimap=True)
    assert image.shape == (4, 6, 3) and set(np.unique(trimap)) == {128}
    with pytest.raises(
        InputError, match="^image: image of 6x4 = 24 pixels is over the limit of 23"
    ):
        read_inputs(img, tri, max_pixels=23)
    write_png(tri, np.full((4, 5), 128, np.uint8))
    with pytest.raises(InputError, match="size 5x4 does not match the image 6x4"):
        read_inputs(img, tri, max_pixels=100)
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(InputError, match="^image: cannot decode image"):
        read_inputs(tmp_path / "bad.png", tri, max_pixels=100)
    with pytest.raises(InputError, match="give a trimap"):
        read_inputs(img, None, max_pixels=100)


def test_masks_from_colour_files(tmp_path):
    rgba = np.zeros((3, 3, 4), np.uint8)
    rgba[..., 3] = [[0, 255, 255]] * 3
    rgba[..., 0] = 7
    write_png(tmp_path / "m.png", rgba)
    assert read_mask(tmp_path / "m.png", max_pixels=9)[0].tolist() == [0, 255, 255]
    rgba[..., :3] = 255  # white on transparent: the shape is in the alpha channel only
    write_png(tmp_path / "w.png", rgba)
    assert read_mask(tmp_path / "w.png", max_pixels=9)[0].tolist() == [0, 255, 255]
    rgb = np.zeros((3, 3, 3), np.uint8)
    rgb[:, 1:] = (200, 40, 10)  # a colour mask: by its luma
    write_png(tmp_path / "c.png", rgb)
    assert read_mask(tmp_path / "c.png", max_pixels=9)[0].tolist()[0] == 0


def test_cutout_composites_the_estimated_foreground(tmp_path):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (12, 10), dtype=np.uint8)
    comp, rgba = cutout(image, alpha, colour="#102030")
    fg = estimate_foreground(image, alpha).astype(float)
    a = alpha[..., None] / 255.0
    assert np.array_equal(comp, np.floor(fg * a + np.array([16, 32, 48]) * (1 - a) + 0.5))
    assert np.array_equal(rgba[..., 3], alpha) and np.array_equal(rgba[..., :3], fg)
    write_png(tmp_path / "bg.png", np.full((30, 20, 3), 9, np.uint8))
    comp2, _ = cutout(image, np.zeros_like(alpha), background=tmp_path / "bg.png")
    assert comp2.shape == image.shape and set(np.unique(comp2)) == {9}
    assert parse_colour("#abc") == (170, 187, 204)
    with pytest.raises(InputError, match="not a colour"):
        parse_colour("red")


def test_models_dir_offers_the_checkpoints_it_can_name(tmp_path):
    (tmp_path / "timinet_basic--run3.pt").write_bytes(b"named by its stem; read when chosen")
    torch.save({"model_name": "timinet", "state_dict": {"w": torch.zeros(1)}}, tmp_path / "x.pth")
    (tmp_path / "junk.ckpt").write_bytes(b"junk")
    (tmp_path / "notes.txt").write_text("ignored")
    choices, skipped = find_models(tmp_path)
    labels = [c.label for c in choices]
    assert labels[:5] == ["closed_form", "knn", "lkm", "random_walk", "trimap_only"]
    assert labels[5:] == ["timinet_basic (timinet_basic--run3.pt)", "timinet (x.pth)"]
    assert skipped == ["junk.ckpt: names no registered deep model (stem or model_name)"]
    pool = ModelPool(choices)
    with pytest.raises(ModelError) as info:
        pool.get("timinet (x.pth)")  # the keys do not fit the network
    assert "timinet (x.pth): checkpoint does not fit" in str(info.value)
    assert str(tmp_path) not in str(info.value)
    with pytest.raises(ModelError, match="not offered here"):
        pool.get("no_such_model")
    assert pool.get("closed_form") is pool.get("closed_form")
