"""Grad's folded separable passes equal the full 9×9 convolution of the reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from benchmark.metrics import grad
from benchmark.metrics.grad import HALF, gauss_gradient_kernels
from benchmark.metrics.reference import ref_grad


def agree(pred, gt, trimap, region="unknown"):
    assert grad(pred, gt, trimap, region=region) == pytest.approx(
        ref_grad(pred, gt, trimap, region), rel=1e-9, abs=1e-15
    )


def test_folded_taps_are_symmetric():
    gauss, dgauss = gauss_gradient_kernels()
    assert gauss.shape == (2 * HALF + 1,)
    assert np.array_equal(gauss, gauss[::-1]) and np.array_equal(dgauss, -dgauss[::-1])


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 40), (40, 1), (3, 5), (8, 8), (9, 9), (10, 300), (300, 10)]
)
@pytest.mark.parametrize("region", ["unknown", "whole"])
def test_small_and_thin_images_replicate_the_edges(shape, region):
    rng = np.random.default_rng(shape[0] * 31 + shape[1])
    pred = rng.integers(0, 256, shape, dtype=np.uint8)
    gt = ndimage.uniform_filter(rng.integers(0, 256, shape, dtype=np.uint8), 3)
    trimap = rng.choice(np.array([0, 128, 255], np.uint8), shape)
    agree(pred, gt, trimap, region)


@pytest.mark.parametrize("gap", [1, 7, 8, 9, 10, 17])
def test_scored_pixels_any_distance_apart(gap):
    """Blocks of scored pixels merge when closer than 2·HALF + 1 columns; both sides of that."""
    rng = np.random.default_rng(gap)
    pred = rng.integers(0, 256, (20, 60), dtype=np.uint8)
    gt = rng.integers(0, 256, (20, 60), dtype=np.uint8)
    trimap = np.zeros(pred.shape, np.uint8)
    trimap[:, 0] = 128
    trimap[:, 1 + gap] = 128
    trimap[5, 59] = 128
    trimap[7, 3 : 3 + gap] = 128
    agree(pred, gt, trimap)


def test_scored_pixels_at_every_border():
    rng = np.random.default_rng(1)
    pred = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    gt = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    trimap = np.zeros(pred.shape, np.uint8)
    trimap[0, :] = trimap[-1, :] = trimap[:, 0] = trimap[:, -1] = 128
    agree(pred, gt, trimap)


def test_flat_images_have_no_gradient():
    flat = np.full((12, 14), 77, np.uint8)
    ramp = np.tile(np.arange(14, dtype=np.uint8) * 9, (12, 1))
    trimap = np.full(flat.shape, 128, np.uint8)
    assert grad(flat, flat, trimap) == 0.0
    agree(flat, ramp, trimap)
    agree(ramp, flat, trimap)


@pytest.mark.parametrize("seed", range(10))
def test_soft_mattes_with_known_regions(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(30, 120, 2)
    gt = np.clip(ndimage.gaussian_filter(rng.normal(128, 400, (h, w)), rng.uniform(1, 5)), 0, 255)
    gt = gt.astype(np.uint8)
    pred = np.clip(gt + ndimage.gaussian_filter(rng.normal(0, 50, (h, w)), 1.5), 0, 255).astype(
        np.uint8
    )
    trimap = np.where(gt == 255, 255, np.where(gt == 0, 0, 128)).astype(np.uint8)
    trimap[ndimage.binary_dilation(trimap == 128, iterations=3)] = 128
    agree(pred, gt, trimap)
    agree(pred, gt, trimap, "whole")
