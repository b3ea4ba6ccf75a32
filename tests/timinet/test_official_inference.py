"""Policy ``official`` equals TIMI-Net's released ``test.py`` (kelisiya/TIMI-Net, test.py + utils.py).

The reference below is written from the steps of ``test.py`` / ``utils.py`` as released (file
reading with cv2 in BGR, the 2.048 MP cap with bilinear resizing of image *and* trimap, NumPy
reflect padding 32 px + up to a multiple of 32, in-place trimap thresholds, ImageNet
normalisation, forcing from the thresholded index, ``(alpha * 255).astype(uint8)``, the crop and
the final ``cv2.resize``); only the network is ours (its raw output equals the official network's
with the same weights, tests/timinet/test_state_dict.py and the audit). Weights are random and
seeded; the images are crops of ../shared/data.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from benchmark.models.alpha import quantize_alpha
from benchmark.models.registry import create_model
from human2k.images import read_rgb
from timinet.official_inference import (
    OFFICIAL_MAX_PIXELS,
    official_padding,
    official_predict,
    official_size,
)

MEAN = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)


def reference_test_py(model, image_path, trimap_path, max_size=OFFICIAL_MAX_PIXELS):
    """What test.py does for one file pair, step by step (cv2 I/O, numpy, torch)."""
    image = cv2.imread(str(image_path))  # BGR
    trimap = cv2.imread(str(trimap_path), 0)
    h0, w0, _ = image.shape
    # utils.resize
    h, w, _ = image.shape
    if h * w > max_size:
        s = w / h
        new_h = int(math.sqrt(max_size / s))
        new_w = int(s * new_h)
        image = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        trimap = cv2.resize(trimap, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    # utils.generator_tensor_dict
    h, w = trimap.shape
    if h % 32 == 0 and w % 32 == 0:
        pads = ((32, 32), (32, 32))
    else:
        pad_h = 32 * ((h - 1) // 32 + 1) - h
        pad_w = 32 * ((w - 1) // 32 + 1) - w
        pads = ((32, pad_h + 32), (32, pad_w + 32))
    image = np.pad(image, (*pads, (0, 0)), mode="reflect")
    trimap = np.pad(trimap, pads, mode="reflect")
    image = image[:, :, ::-1].transpose((2, 0, 1)).astype(np.float32)
    trimap[trimap < 85] = 0
    trimap[trimap >= 170] = 2
    trimap[trimap >= 85] = 1
    image /= 255.0
    image_t = torch.from_numpy(image).sub_(MEAN).div_(STD)[None]
    trimap_t = torch.from_numpy(trimap).to(torch.long)[None].float()[None]
    # utils.single_inference
    with torch.no_grad():
        alpha_pred = model(image_t, trimap_t)
        alpha_pred[trimap_t == 2] = 1
        alpha_pred[trimap_t == 0] = 0
        test_pred = alpha_pred[0, 0, ...].data.cpu().numpy() * 255
        test_pred = test_pred.astype(np.uint8)
        test_pred = test_pred[32 : h + 32, 32 : w + 32]
    # test.py
    return cv2.resize(test_pred, (w0, h0))


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(1234)
    return create_model("timinet").eval()


def _crop(shared_data, tmp_path, name, box, *, soft=False):
    y0, y1, x0, x1 = box
    img = cv2.imread(str(shared_data / "alphamatting" / "image" / name))[y0:y1, x0:x1]
    tri = cv2.imread(str(shared_data / "alphamatting" / "trimap1" / name), 0)[y0:y1, x0:x1]
    if soft:  # soft values around the band edges exercise the thresholds and the class forcing
        tri = cv2.GaussianBlur(tri, (9, 9), 3)
    ip, tp = tmp_path / f"img_{y0}_{x0}.png", tmp_path / f"tri_{y0}_{x0}.png"
    cv2.imwrite(str(ip), img)
    cv2.imwrite(str(tp), tri)
    return ip, tp


def _read(ip, tp):
    """RGB image and the raw 8-bit trimap (soft values kept: read_trimap would reject them)."""
    return read_rgb(ip), cv2.imread(str(tp), cv2.IMREAD_GRAYSCALE)


def _assert_official_equal(ours8, ref8):
    assert ours8.shape == ref8.shape
    diff = np.abs(ours8.astype(int) - ref8.astype(int))
    assert diff.max() <= 1, f"max difference {diff.max()} levels"
    assert (diff > 0).mean() <= 1e-3, f"{(diff > 0).mean():.4%} of pixels differ"
    np.testing.assert_array_equal(ours8, ref8)  # measured: 0 differing pixels on every crop


@pytest.mark.parametrize(
    "name, box, soft",
    [
        ("GT04.png", (290, 447, 120, 311), False),  # 157×191: padding to a multiple + border
        ("GT13.png", (410, 570, 300, 428), False),  # 160×128: multiples of 32, 32-px border only
        ("GT18.png", (410, 555, 350, 525), True),  # soft trimap: thresholds and class forcing
    ],
)
def test_official_policy_equals_test_py(shared_data, tmp_path, model, name, box, soft):
    ip, tp = _crop(shared_data, tmp_path, name, box, soft=soft)
    ref = reference_test_py(model, ip, tp)
    image, trimap = _read(ip, tp)
    alpha = model.predict(image, trimap, policy="official")
    _assert_official_equal(quantize_alpha(alpha, "truncate"), ref)
    assert (alpha[trimap < 85] == 0).all() and (alpha[trimap >= 170] == 1).all()
    if soft:  # forced from the classes, not only where the trimap is exactly 0 / 255
        assert ((trimap > 0) & (trimap < 85)).any() and ((trimap >= 170) & (trimap < 255)).any()
    np.testing.assert_array_equal(quantize_alpha(alpha, "round"), quantize_alpha(alpha, "truncate"))


def test_official_resize_branch_equals_test_py(shared_data, tmp_path, model):
    """The 2.048 MP cap, lowered so a CPU-sized crop takes the resize branch of utils.resize."""
    ip, tp = _crop(shared_data, tmp_path, "GT02.png", (30, 210, 350, 590))  # 180×240
    cap = 96 * 128 + 500  # → 97×129: the aspect-preserving int() sizes of utils.resize
    assert official_size(180, 240, cap) == (97, 129)
    ref = reference_test_py(model, ip, tp, max_size=cap)
    ours = official_predict(model, *_read(ip, tp), max_pixels=cap)
    _assert_official_equal(quantize_alpha(ours, "truncate"), ref)


def test_official_differs_from_native_padding(shared_data, tmp_path, model):
    """Same weights, two policies: the 32-px border changes the alpha (why runs record it)."""
    ip, tp = _crop(shared_data, tmp_path, "GT04.png", (290, 447, 120, 311))
    image, trimap = _read(ip, tp)
    native = quantize_alpha(model.predict(image, trimap, policy="native"), "truncate")
    official = quantize_alpha(model.predict(image, trimap, policy="official"), "truncate")
    unknown = trimap == 128
    assert np.abs(native.astype(int) - official.astype(int))[unknown].max() > 1


def test_official_geometry():
    assert official_size(1280, 1600) == (1280, 1600)  # exactly at the cap: unchanged
    h, w = official_size(1080, 1920)
    assert (h, w) == (1073, 1907) and h * w <= OFFICIAL_MAX_PIXELS
    assert official_padding(64, 96) == ((32, 32), (32, 32))
    assert official_padding(65, 97) == ((32, 63), (32, 63))


def test_timinet_official_tag_defaults_to_official_policy(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "TIMI-Net.pth"
    torch.save(create_model("timinet").state_dict(), path)
    m = create_model("timinet.official", checkpoint=path)
    assert m.default_policy == "official" and m.weights.training_data == "official"
    assert create_model("timinet_basic").default_policy == "auto"
    assert "official" in create_model("timinet_basic").policies
