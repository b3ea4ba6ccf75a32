"""IndexNet Matting: released checkpoint layout, parameter count, demo.py inference, recorded outputs.

Oracles: ``benchmark/models/indexnet/official_keys.txt`` (enumerated by hand from
poppinace/indexnet_matting @ 4beb06a, see its header) and :func:`_demo_reference`, written in
this file line by line after ``scripts/demo.py`` (``inference`` and ``image_alignment``).
"""

from __future__ import annotations

from pathlib import Path

import cv2 as cv
import numpy as np
import pytest
import torch

from benchmark.models.indexnet import (
    NUM_PARAMETERS,
    IndexNetMatting,
    load_official_checkpoint,
    native_inputs,
    official_predict,
)
from human2k.errors import InputError, ModelError
from tests.benchmark.models.helpers import (
    count_from_key_list,
    image_and_trimap,
    parse_key_list,
    seeded_weights,
    shapes,
)

KEYS = (
    Path(__file__).resolve().parents[3] / "benchmark" / "models" / "indexnet" / "official_keys.txt"
)


@pytest.fixture(scope="module")
def net() -> IndexNetMatting:
    return seeded_weights(IndexNetMatting(), seed=0)


def test_state_dict_equals_the_official_key_list():
    expected = parse_key_list(KEYS)
    own = shapes(IndexNetMatting())
    assert len(expected) == 549
    assert sorted(set(own) - set(expected)) == []
    assert sorted(set(expected) - set(own)) == []
    assert {k: own[k] for k in expected if own[k] != expected[k]} == {}


def test_parameter_count_equals_the_official_figure():
    # Official figure = sum of the key-list shapes without BatchNorm running statistics.
    assert count_from_key_list(parse_key_list(KEYS)) == 5_953_515 == NUM_PARAMETERS
    params = list(IndexNetMatting().parameters())
    assert sum(p.numel() for p in params) == NUM_PARAMETERS
    assert all(p.requires_grad for p in params)


def test_released_wrapper_layout_loads_strictly_and_round_trips(net, tmp_path):
    path = tmp_path / "indexnet_matting.pth.tar"
    state = {"module." + k: v.clone() for k, v in net.state_dict().items()}
    torch.save({"state_dict": state, "epoch": 30}, path)
    fresh = IndexNetMatting()
    loaded = load_official_checkpoint(fresh, path)
    assert len(loaded) == 549
    for key, value in net.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key


def test_mismatched_checkpoint_lists_every_problem_in_one_error(net, tmp_path):
    state = dict(net.state_dict())
    del state["layer3.1.conv.4.running_var"]
    state["pred.2.weight"] = torch.zeros(1)
    state["index6.indexnet2.0.weight"] = torch.zeros(160, 160, 3, 3)
    path = tmp_path / "bad.pth.tar"
    torch.save({"state_dict": {"module." + k: v for k, v in state.items()}}, path)
    with pytest.raises(ModelError) as info:
        load_official_checkpoint(IndexNetMatting(), path)
    message = str(info.value)
    assert "bad.pth.tar" in message
    assert "1 missing keys: layer3.1.conv.4.running_var" in message
    assert "1 unexpected keys: pred.2.weight" in message
    assert "index6.indexnet2.0.weight (160, 160, 3, 3) vs model (160, 160, 4, 4)" in message


def _demo_reference(net, image, trimap):
    """scripts/demo.py, ``inference`` + ``image_alignment``, with the file reads replaced by arrays."""
    IMG_SCALE = 1.0 / 255
    IMG_MEAN = np.array([0.485, 0.456, 0.406, 0]).reshape((1, 1, 4))
    IMG_STD = np.array([0.229, 0.224, 0.225, 1]).reshape((1, 1, 4))
    STRIDE = 32
    with torch.no_grad():
        trimap = np.expand_dims(trimap, axis=2)
        image = np.concatenate((image, trimap), axis=2)
        h, w = image.shape[:2]
        image = image.astype("float32")
        image = (IMG_SCALE * image - IMG_MEAN) / IMG_STD
        image = image.astype("float32")
        # image_alignment(image, STRIDE), odd=False
        imsize = np.asarray(image.shape[:2], dtype=np.float64)
        new_imsize = np.ceil(imsize / STRIDE) * STRIDE
        nh, nw = int(new_imsize[0]), int(new_imsize[1])
        x1 = image[:, :, 0:3]
        x2 = image[:, :, 3]
        new_x1 = cv.resize(x1, dsize=(nw, nh), interpolation=cv.INTER_CUBIC)
        new_x2 = cv.resize(x2, dsize=(nw, nh), interpolation=cv.INTER_NEAREST)
        new_x2 = np.expand_dims(new_x2, axis=2)
        image = np.concatenate((new_x1, new_x2), axis=2)
        inputs = torch.from_numpy(np.expand_dims(image.transpose(2, 0, 1), axis=0))
        outputs = net.forward_raw(inputs)  # net(inputs) in the script
        outputs = outputs.squeeze().cpu().numpy()
        alpha = cv.resize(outputs, dsize=(w, h), interpolation=cv.INTER_CUBIC)
        alpha = np.clip(alpha, 0, 1) * 255.0
        trimap = trimap.squeeze()
        mask = np.equal(trimap, 128).astype(np.float32)
        alpha = (1 - mask) * trimap + mask * alpha
        return alpha, alpha.astype(np.uint8)


def test_official_predict_equals_the_demo_script(net):
    image, trimap = image_and_trimap(50, 70, seed=3)  # not multiples of 32: the demo resizes
    trimap[0, :5] = (1, 64, 127, 129, 200)  # soft values outside 128 are copied too
    alpha = official_predict(net, image, trimap)
    ref_float, ref_uint8 = _demo_reference(net, image, trimap)
    assert alpha.shape == (50, 70) and alpha.dtype == np.float32
    assert np.array_equal(alpha * 255, ref_float)
    assert np.array_equal((alpha * 255).astype(np.uint8), ref_uint8)
    known = trimap != 128
    assert np.array_equal(ref_uint8[known], trimap[known])
    unknown = ref_float[~known]
    # the network, not a constant, fills the unknown band
    assert unknown.min() >= 0 and unknown.max() <= 255 and unknown.std() > 10


def test_forward_takes_native_inputs_at_multiples_of_32(net):
    image, trimap = image_and_trimap(64, 96, seed=4)
    img, tri = native_inputs(image, trimap)
    assert img.shape == (1, 3, 64, 96) and tri.shape == (1, 1, 64, 96)
    assert torch.allclose(tri[0, 0], torch.from_numpy(trimap).float() / 255, atol=1e-7)
    with torch.no_grad():
        alpha = net(img, tri)
        raw = net.forward_raw(torch.cat([img, tri], 1))
    assert alpha.shape == (1, 1, 64, 96)
    assert torch.equal(alpha, raw.clamp(0, 1)) and raw.min() < 0  # the clip matters
    # At multiples of 32 the demo's resizes are identities: official == native in the unknown band.
    unknown = trimap == 128
    official = official_predict(net, image, trimap)
    np.testing.assert_allclose(official[unknown], alpha[0, 0].numpy()[unknown], atol=1e-6)
    with pytest.raises(InputError, match="multiples of 32"):
        net(img[..., :50], tri[..., :50])


def test_inputs_are_validated():
    image, trimap = image_and_trimap(8, 8)
    with pytest.raises(InputError, match="uint8"):
        native_inputs(image.astype(np.float32), trimap)
    with pytest.raises(InputError, match="do not pair"):
        official_predict(IndexNetMatting(), image, trimap[:, :7])


def test_seeded_forward_is_finite_and_recorded(net):
    image, trimap = image_and_trimap(64, 96, seed=1)
    with torch.no_grad():
        raw = net.forward_raw(torch.cat(native_inputs(image, trimap), 1))[0, 0]
    assert torch.isfinite(raw).all()
    # Recorded with torch 2.13.0 (CPU); a change means the forward computation changed.
    recorded = {
        (0, 0): RECORDED[0],
        (31, 40): RECORDED[1],
        (63, 95): RECORDED[2],
        (10, 77): RECORDED[3],
    }
    got = {ij: float(raw[ij]) for ij in recorded}
    assert got == pytest.approx(recorded, rel=1e-4, abs=1e-5)
    assert float(raw.double().sum()) == pytest.approx(RECORDED_SUM, rel=1e-5)


RECORDED = (0.4690101444721222, 0.41103753447532654, -0.11065661907196045, 0.4461483955383301)
RECORDED_SUM = 2951.190052321799
