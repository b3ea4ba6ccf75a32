"""Input conventions (reference §1, §11): ImageNet normalisation, trimap thresholds 85 / 170."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from human2k.errors import InputError
from timinet.inputs import IMAGENET_MEAN, IMAGENET_STD, to_model_inputs, trimap_index


def test_normalisation_and_one_hot_thresholds():
    values = np.array([0, 84, 85, 128, 169, 170, 255], np.uint8)
    trimap = np.tile(values, (2, 1))
    image = np.zeros((2, 7, 3), np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 255, 0, 128
    img, tri = to_model_inputs(image, trimap)
    assert img.dtype == tri.dtype == torch.float32
    assert img.shape == tri.shape == (1, 3, 2, 7)
    expected = [
        (v / 255 - m) / s
        for v, m, s in zip((255, 0, 128), IMAGENET_MEAN, IMAGENET_STD, strict=True)
    ]
    assert torch.allclose(img[0, :, 0, 0], torch.tensor(expected), atol=1e-6)
    assert tri[0, :, 0].argmax(0).tolist() == [0, 0, 1, 1, 1, 2, 2]
    assert torch.equal(tri.sum(1), torch.ones(1, 2, 7))
    assert trimap_index(tri)[0, 0, 0].tolist() == [0, 0, 1, 1, 1, 2, 2]


def test_torch_batches_match_numpy_singles():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 5, 6, 3), dtype=np.uint8)
    trimaps = rng.choice(np.array([0, 128, 255], np.uint8), (2, 5, 6))
    img_b, tri_b = to_model_inputs(
        torch.from_numpy(images).permute(0, 3, 1, 2), torch.from_numpy(trimaps)
    )
    img_b1, tri_b1 = to_model_inputs(
        torch.from_numpy(images).permute(0, 3, 1, 2), torch.from_numpy(trimaps)[:, None]
    )
    assert torch.equal(tri_b, tri_b1) and torch.equal(img_b, img_b1)
    for i in range(2):
        img, tri = to_model_inputs(images[i], trimaps[i])
        assert torch.equal(img[0], img_b[i]) and torch.equal(tri[0], tri_b[i])


@pytest.mark.parametrize(
    ("image", "trimap", "match"),
    [
        (np.zeros((4, 4, 3), np.float32), np.zeros((4, 4), np.uint8), "uint8"),
        (np.zeros((4, 4), np.uint8), np.zeros((4, 4), np.uint8), "H×W×3"),
        (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 5), np.uint8), "does not match"),
        (np.zeros((4, 4, 3), np.uint8), [[0]], "numpy array or torch tensor"),
        (
            torch.zeros(1, 3, 4, 4, dtype=torch.uint8),
            torch.zeros(1, 2, 4, 4, dtype=torch.uint8),
            "B×1×H×W",
        ),
    ],
)
def test_bad_inputs_raise_input_error(image, trimap, match):
    with pytest.raises(InputError, match=match):
        to_model_inputs(image, trimap)
