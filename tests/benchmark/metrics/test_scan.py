"""The validator's one pass (trimap check + SAD/MSE sums) is exact on every kernel path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark.metrics import check_matting_inputs, compute_all, mse, sad
from benchmark.metrics._checks import _BLOCK
from benchmark.metrics.reference import ref_all, ref_mse, ref_sad
from human2k.errors import InputError


def exact_sums(pred, gt, trimap, region):
    mask = np.ones(trimap.shape, bool) if region == "whole" else trimap == 128
    d = np.abs(pred.astype(np.int64) - gt.astype(np.int64))[mask]
    return int(mask.sum()), int(d.sum()), int((d * d).sum())


@pytest.mark.parametrize("region", ["unknown", "whole"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 3 * _BLOCK + 5), (3 * _BLOCK + 5, 1), (257, 509)])
def test_sums_are_exact_across_block_boundaries(shape, region):
    rng = np.random.default_rng(shape[0])
    pred = rng.integers(0, 256, shape, dtype=np.uint8)
    gt = rng.integers(0, 256, shape, dtype=np.uint8)
    trimap = rng.choice(np.array([0, 128, 255], np.uint8), shape)
    inputs = check_matting_inputs(pred, gt, trimap, region=region)
    assert (inputs.n_scored, inputs.abs_sum, inputs.sq_sum) == exact_sums(pred, gt, trimap, region)


@pytest.mark.parametrize("region", ["unknown", "whole"])
def test_largest_differences_fill_a_block_without_overflow(region):
    """|p − g| = 255 everywhere: a full block sums to 32768·255² (just under 2³¹)."""
    shape = (4, _BLOCK // 2 + 3)
    pred = np.zeros(shape, np.uint8)
    gt = np.full(shape, 255, np.uint8)
    trimap = np.full(shape, 128, np.uint8)
    inputs = check_matting_inputs(pred, gt, trimap, region=region)
    assert (inputs.n_scored, inputs.abs_sum, inputs.sq_sum) == (
        pred.size,
        255 * pred.size,
        255**2 * pred.size,
    )
    assert sad(pred, gt, trimap, region=region) == pytest.approx(pred.size / 1000)
    assert mse(pred, gt, trimap, region=region) == 1.0


@pytest.mark.parametrize("region", ["unknown", "whole"])
@pytest.mark.parametrize("where", [0, _BLOCK - 1, _BLOCK, 2 * _BLOCK + 7])
@pytest.mark.parametrize("value", [1, 127, 129, 254])
def test_a_bad_trimap_value_is_found_in_any_block(where, value, region):
    trimap = np.full((1, 3 * _BLOCK), 255, np.uint8)
    trimap[0, ::3] = 128
    trimap[0, 1::3] = 0
    trimap[0, where] = value
    a = np.zeros(trimap.shape, np.uint8)
    with pytest.raises(InputError, match=f"outside \\{{0, 128, 255\\}}: {value}"):
        check_matting_inputs(a, a, trimap, region=region)


def test_fully_unknown_and_no_unknown_trimaps():
    rng = np.random.default_rng(5)
    pred = rng.integers(0, 256, (64, 48), dtype=np.uint8)
    gt = rng.integers(0, 256, (64, 48), dtype=np.uint8)
    full = np.full(pred.shape, 128, np.uint8)
    assert sad(pred, gt, full) == pytest.approx(ref_sad(pred, gt, full), rel=1e-12)
    assert mse(pred, gt, full) == pytest.approx(ref_mse(pred, gt, full), rel=1e-12)
    for known in (np.zeros(pred.shape, np.uint8), np.full(pred.shape, 255, np.uint8)):
        result = compute_all(pred, gt, known)
        assert result["n_pixels"] == 0 and result["sad"] == 0.0 and math.isnan(result["mse"])
        assert result["grad"] == 0.0 and result["conn"] == 0.0
        reference = ref_all(pred, gt, known)
        assert reference["grad"] == 0.0 and reference["conn"] == 0.0


def test_views_and_channels_are_made_contiguous():
    rng = np.random.default_rng(6)
    big = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    pred = big[::2, 1::2, 0]  # strided view
    gt = np.repeat(big[::2, ::2, 1:2], 3, axis=2)[:, :30]  # R=G=B
    trimap = rng.choice(np.array([0, 128, 255], np.uint8), (20, 30))
    inputs = check_matting_inputs(pred, gt, trimap)
    assert (inputs.n_scored, inputs.abs_sum, inputs.sq_sum) == exact_sums(
        pred, gt[..., 0], trimap, "unknown"
    )
    assert np.array_equal(inputs.mask, trimap == 128)
    assert np.array_equal(inputs.scored, np.flatnonzero(trimap == 128))


def test_known_is_exactly_zero_or_255():
    from benchmark.metrics._checks import _known

    assert [v for v in range(256) if _known(np.uint8(v))] == [0, 255]
