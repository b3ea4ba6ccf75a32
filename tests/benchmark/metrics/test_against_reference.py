"""The Numba metrics equal the plain NumPy/SciPy reference (the MATLAB semantics) to 1e-6."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from benchmark.metrics import compute_all
from benchmark.metrics.reference import ref_all
from human2k.images import read_alpha, read_trimap

THRESHOLD_LEVELS = np.array(
    [0, 25, 26, 51, 76, 77, 102, 127, 128, 153, 178, 179, 204, 229, 230, 254, 255], np.uint8
)


def assert_close(ours: dict, ref: dict, rel: float = 1e-6):
    for key, expected in ref.items():
        got = ours[key]
        if math.isnan(expected):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(expected, rel=rel, abs=1e-12), key


@st.composite
def triples(draw):
    h = draw(st.integers(1, 23))
    w = draw(st.integers(1, 23))
    values = draw(st.sampled_from(["any", "levels"]))
    elements = (
        st.integers(0, 255) if values == "any" else st.sampled_from(THRESHOLD_LEVELS.tolist())
    )
    pred = draw(arrays(np.uint8, (h, w), elements=elements))
    gt = draw(arrays(np.uint8, (h, w), elements=elements))
    trimap = draw(arrays(np.uint8, (h, w), elements=st.sampled_from([0, 128, 255])))
    return pred, gt, trimap


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(triples(), st.sampled_from(["unknown", "whole"]))
def test_numba_equals_reference_on_random_inputs(triple, region):
    assert_close(compute_all(*triple, region=region), ref_all(*triple, region=region))


def test_one_by_one_and_no_unknown():
    one = np.array([[200]], np.uint8)
    for t in (0, 128, 255):
        tri = np.array([[t]], np.uint8)
        assert_close(compute_all(one, one, tri), ref_all(one, one, tri))
        assert_close(
            compute_all(one, np.array([[3]], np.uint8), tri),
            ref_all(one, np.array([[3]], np.uint8), tri),
        )


def soft_object(h=96, w=128, seed=0):
    """A soft disc with strands and a semi-transparent area, a DIM-style trimap and a noisy
    prediction (GT + blurred noise + a spurious blob), forced to 0/255 on the known regions."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot(yy - h / 2, xx - w / 2)
    alpha = np.clip((h / 3 - r) / 4 + 0.5, 0, 1)
    for _ in range(6):  # strands
        x0 = rng.integers(0, w)
        alpha[:, max(x0 - 1, 0) : x0 + 1] = np.maximum(
            alpha[:, max(x0 - 1, 0) : x0 + 1], rng.uniform(0.2, 0.9)
        )
    alpha[h // 3 : h // 2, w // 4 : w // 3] = 0.45
    gt = np.round(alpha * 255).astype(np.uint8)
    band = (gt > 0) & (gt < 255)
    band = ndimage.binary_dilation(band, iterations=5)
    trimap = np.where(gt == 255, 255, 0).astype(np.uint8)
    trimap[band] = 128
    noise = ndimage.gaussian_filter(rng.normal(0, 40, (h, w)), 2)
    pred = np.clip(gt + noise, 0, 255)
    pred[10:16, 10:16] = 200
    pred = np.round(pred).astype(np.uint8)
    pred[trimap == 0] = 0
    pred[trimap == 255] = 255
    return pred, gt, trimap


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_realistic_object_matches_reference(seed):
    triple = soft_object(seed=seed)
    assert_close(compute_all(*triple), ref_all(*triple))


def test_alphamatting_images_match_reference(shared_data):
    """Real GT (GT01, GT13) with Trimap1; prediction = GT blurred + quantised, forced on known."""
    from scipy import ndimage

    for name in ("GT01.png", "GT13.png"):
        gt = read_alpha(shared_data / "alphamatting" / "alpha" / name)
        trimap = read_trimap(shared_data / "alphamatting" / "trimap1" / name)
        pred = np.round(ndimage.gaussian_filter(gt.astype(np.float64), 3)).astype(np.uint8)
        pred[trimap == 0] = 0
        pred[trimap == 255] = 255
        assert_close(compute_all(pred, gt, trimap), ref_all(pred, gt, trimap))
