"""Conn's one-pass union-find (runs bucketed by level) equals the labelling per threshold."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from benchmark.metrics import conn
from benchmark.metrics._runs import level_bounds, level_runs, threshold_levels
from benchmark.metrics.conn import N_LEVELS, phi_table
from benchmark.metrics.reference import ref_conn

LEVEL_VALUES = np.array(
    [0, 25, 26, 51, 76, 77, 102, 127, 128, 153, 178, 179, 204, 229, 230, 254, 255], np.uint8
)


def agree(pred, gt, trimap, region="unknown"):
    assert conn(pred, gt, trimap, region=region) == pytest.approx(
        ref_conn(pred, gt, trimap, region), rel=1e-6, abs=1e-12
    )


def test_level_bounds_are_where_the_levels_step():
    levels = threshold_levels()
    bounds = level_bounds()
    k = np.arange(256)
    assert np.array_equal((k[:, None] >= bounds[None, :]).sum(axis=1), levels)


def test_phi_table_same_with_single_or_double_theta():
    """MATLAB compares a single d with the double 0.15; no d = single(k)/255 − t_j falls between
    0.15 and single(0.15), so the table is the same either way."""
    alpha = np.arange(256, dtype=np.float32) / np.float32(255)
    l_values = (np.arange(N_LEVELS + 1) / 10.0).astype(np.float32)
    d = alpha[None, :] - l_values[:, None]
    as_double = np.where(d.astype(np.float64) >= 0.15, np.float32(1) - d, np.float32(1))
    as_single = np.where(d >= np.float32(0.15), np.float32(1) - d, np.float32(1))
    assert np.array_equal(phi_table(), as_double) and np.array_equal(phi_table(), as_single)


@pytest.mark.parametrize("seed", range(4))
def test_level_runs_partition_the_pixels_of_level_at_least_one(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 30, 2)
    pred = rng.choice(LEVEL_VALUES, (h, w))
    gt = np.where(rng.random((h, w)) < 0.5, pred, rng.choice(LEVEL_VALUES, (h, w))).astype(np.uint8)
    m = threshold_levels()[np.minimum(pred, gt)]
    row_start, x0, x1, lev = level_runs(pred, gt, level_bounds())
    rebuilt = np.zeros((h, w), np.int8)
    for y in range(h):
        for r in range(row_start[y], row_start[y + 1]):
            assert (rebuilt[y, x0[r] : x1[r] + 1] == 0).all()
            rebuilt[y, x0[r] : x1[r] + 1] = lev[r]
            assert x1[r] + 1 >= w or m[y, x1[r] + 1] != lev[r]  # maximal
    assert np.array_equal(rebuilt, m)


@pytest.mark.parametrize("shape", [(1, 1), (1, 37), (37, 1), (1, 2000), (2000, 1)])
def test_lines_and_single_pixels(shape):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    pred = rng.choice(LEVEL_VALUES, shape)
    gt = np.where(rng.random(shape) < 0.7, pred, rng.choice(LEVEL_VALUES, shape)).astype(np.uint8)
    for trimap in (
        np.full(shape, 128, np.uint8),
        rng.choice(np.array([0, 128, 255], np.uint8), shape),
    ):
        agree(pred, gt, trimap)
        agree(pred, gt, trimap, "whole")


def test_fully_unknown_and_no_unknown():
    rng = np.random.default_rng(3)
    pred = rng.integers(0, 256, (40, 50), dtype=np.uint8)
    gt = ndimage.uniform_filter(pred, 5)
    agree(pred, gt, np.full(pred.shape, 128, np.uint8))
    assert conn(pred, gt, np.zeros(pred.shape, np.uint8)) == 0.0
    assert conn(pred, gt, np.full(pred.shape, 255, np.uint8)) == 0.0


def test_blank_images():
    for value in (0, 25, 26, 255):
        a = np.full((9, 11), value, np.uint8)
        agree(a, a, np.full(a.shape, 128, np.uint8))
        agree(a, 255 - a, np.full(a.shape, 128, np.uint8))


def test_main_region_moving_to_another_component():
    """Level 1: the left block (120 px, level 1 only) is the largest; from level 2 on the right
    block (100 px, level 10) is. Ω_2 is not inside Ω_1, so the right block keeps l = 0 and the
    left block gets l = 0.1; a pixel differing in the right block shows which l it got."""
    pred = np.zeros((10, 23), np.uint8)
    pred[:, :12] = 26
    pred[:, 13:] = 255
    gt = pred.copy()
    pred[4, 17] = 230
    trimap = np.full(pred.shape, 128, np.uint8)
    expected = float(np.float32(1) - np.float32(230) / np.float32(255)) / 1000  # l = 0
    assert conn(pred, gt, trimap) == pytest.approx(expected, rel=1e-6)
    agree(pred, gt, trimap)


@pytest.mark.parametrize("layout", ["side", "stacked", "diagonal", "three"])
def test_ties_go_to_the_first_component_in_column_major_order(layout):
    pred = np.zeros((24, 24), np.uint8)
    blocks = {
        "side": [(2, 2), (2, 14)],
        "stacked": [(2, 2), (14, 2)],
        "diagonal": [(14, 2), (2, 14)],
        "three": [(14, 14), (2, 14), (14, 2)],
    }[layout]
    for y, x in blocks:
        pred[y : y + 8, x : x + 8] = 255
    gt = pred.copy()
    for y, x in blocks:  # one differing pixel per block: only Ω's block scores it with l = 1
        pred[y + 3, x + 5] = 204
    agree(pred, gt, np.full(pred.shape, 128, np.uint8))


def test_equal_size_components_at_some_levels_only():
    """Two blocks of 30 px at levels ≥ 5, one of them 2 px larger at levels 1..4."""
    pred = np.zeros((12, 20), np.uint8)
    pred[1:6, 1:7] = 200
    pred[6:11, 12:18] = 200
    pred[6, 12:14] = 60  # grows the lower block at low levels only
    gt = np.full(pred.shape, 255, np.uint8)
    gt[pred == 0] = 0
    agree(pred, gt, np.full(pred.shape, 128, np.uint8))


@pytest.mark.parametrize("seed", range(40))
def test_structured_images_match_the_labelling_per_threshold(seed):
    """Smooth random mattes (many runs and merges at every level), random trimaps."""
    rng = np.random.default_rng(seed)
    h, w = rng.integers(20, 90, 2)
    sigma = rng.uniform(0.5, 4)
    gt = np.clip(ndimage.gaussian_filter(rng.normal(128, 300, (h, w)), sigma), 0, 255).astype(
        np.uint8
    )
    noise = ndimage.gaussian_filter(rng.normal(0, 60, (h, w)), 1.0)
    pred = np.clip(gt + noise, 0, 255).astype(np.uint8)
    trimap = np.where(gt == 255, 255, np.where(gt == 0, 0, 128)).astype(np.uint8)
    trimap[ndimage.binary_dilation(trimap == 128, iterations=2)] = 128
    agree(pred, gt, trimap)
    agree(pred, gt, trimap, "whole")
