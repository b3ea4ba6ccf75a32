"""Foreground estimation: recovers known foregrounds, exact at α = 255, safe on-disk cache."""

from __future__ import annotations

import numpy as np
import pytest

from human2k.errors import InputError
from human2k.foreground import estimate_foreground, foreground_cache_key
from human2k.synthetic import synth_background, synth_sample


def _composite(fg, bg, alpha):
    a = alpha.astype(np.float64)[..., None] / 255.0
    return np.trunc(a * fg + (1 - a) * bg).astype(np.uint8)


def test_constant_colours_are_recovered_through_a_soft_ramp():
    h, w = 24, 64
    alpha = np.tile(np.linspace(0, 255, w).round().astype(np.uint8), (h, 1))
    fg = np.broadcast_to(np.array([200, 50, 30], np.uint8), (h, w, 3))
    bg = np.broadcast_to(np.array([20, 120, 220], np.uint8), (h, w, 3))
    est = estimate_foreground(_composite(fg, bg, alpha), alpha).astype(int)
    region = alpha >= 64
    assert np.abs(est[region] - fg[region]).max() <= 4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_estimate_beats_the_image_itself_on_synthetic_composites(seed):
    rng = np.random.default_rng(seed)
    fg, alpha = synth_sample(rng, size=(160, 120))
    bg = synth_background(rng, size=(160, 120))
    image = _composite(fg, bg, alpha)
    est = estimate_foreground(image, alpha)
    opaque = alpha == 255
    assert np.array_equal(est[opaque], image[opaque])
    soft = (alpha > 0) & (alpha < 255)
    wgt = (alpha[soft] / 255.0)[:, None]
    err_est = float((np.abs(est.astype(float) - fg)[soft] * wgt).sum() / wgt.sum())
    err_naive = float((np.abs(image.astype(float) - fg)[soft] * wgt).sum() / wgt.sum())
    assert err_est < 0.9 * err_naive, (err_est, err_naive)
    # re-composing the estimate over the true background reproduces the input better than F = I
    a = alpha.astype(float)[..., None] / 255.0
    mask = alpha > 25
    recomposed = np.abs(a * est + (1 - a) * bg - image)[mask].mean()
    naive = np.abs(a * image + (1 - a) * bg - image)[mask].mean()
    assert recomposed < naive


def test_cache_hit_is_identical_and_corrupt_cache_is_recomputed(tmp_path):
    rng = np.random.default_rng(3)
    fg, alpha = synth_sample(rng, size=(48, 32))
    image = _composite(fg, synth_background(rng, size=(48, 32)), alpha)
    first = estimate_foreground(image, alpha, cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert [p.name for p in files] == [f"{foreground_cache_key(image, alpha)}.png"]
    good = files[0].read_bytes()
    assert np.array_equal(estimate_foreground(image, alpha, cache_dir=tmp_path), first)
    files[0].write_bytes(good[: len(good) // 2])  # truncated: must not be trusted
    assert np.array_equal(estimate_foreground(image, alpha, cache_dir=tmp_path), first)
    assert files[0].read_bytes() == good
    assert np.array_equal(estimate_foreground(image, alpha), first)  # same result uncached


def test_cache_key_depends_on_every_input():
    img = np.zeros((4, 4, 3), np.uint8)
    a = np.zeros((4, 4), np.uint8)
    keys = {
        foreground_cache_key(img, a),
        foreground_cache_key(img + 1, a),
        foreground_cache_key(img, a + 1),
        foreground_cache_key(img, a, {"regularization": 1e-3}),
        foreground_cache_key(np.zeros((2, 8, 3), np.uint8), np.zeros((2, 8), np.uint8)),
    }
    assert len(keys) == 5


def test_bad_inputs_raise():
    with pytest.raises(InputError, match="does not match"):
        estimate_foreground(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5), np.uint8))
    with pytest.raises(InputError, match="expected uint8 H×W×3"):
        estimate_foreground(np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8))
