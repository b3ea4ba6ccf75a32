"""Bad input gets one clear error naming the input and the problem."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.metrics import MattingMetrics, check_matting_inputs, sad
from human2k.errors import InputError

A = np.zeros((4, 5), np.uint8)
T = np.full((4, 5), 128, np.uint8)


def test_shape_mismatch_names_all_shapes():
    with pytest.raises(InputError, match=r"shapes differ: pred 5x4, gt 4x4, trimap 5x4"):
        sad(A, np.zeros((4, 4), np.uint8), T)


def test_trimap_values_outside_dim_convention_are_named():
    bad = T.copy()
    bad[0, 0] = 127
    bad[1, 1] = 3
    with pytest.raises(InputError, match=r"trimap.*outside \{0, 128, 255\}: 3, 127"):
        sad(A, A, bad)


def test_rgb_with_differing_channels_is_rejected_and_equal_channels_accepted():
    rgb = np.zeros((4, 5, 3), np.uint8)
    assert sad(rgb, A, T) == 0.0
    rgb[0, 0, 1] = 9
    with pytest.raises(InputError, match="3 channels that differ"):
        sad(rgb, A, T)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint16, np.int32])
def test_non_uint8_is_rejected(dtype):
    with pytest.raises(InputError, match=f"expected uint8.*{np.dtype(dtype).name}"):
        sad(A.astype(dtype), A, T)


def test_labels_carry_file_names():
    with pytest.raises(InputError, match=r"^tri/x\.png: trimap has values"):
        check_matting_inputs(
            A, A, np.full((4, 5), 7, np.uint8), labels=("pred/x.png", "gt/x.png", "tri/x.png")
        )


def test_unknown_region_name():
    with pytest.raises(ValueError, match="region must be one of"):
        sad(A, A, T, region="full")
    with pytest.raises(ValueError, match="region must be one of"):
        MattingMetrics(region="all")


def test_inputs_are_not_modified():
    pred = np.arange(20, dtype=np.uint8).reshape(4, 5)
    before = pred.copy()
    tri = np.zeros((4, 5), np.uint8)
    sad(pred, A, tri)
    assert np.array_equal(pred, before)
