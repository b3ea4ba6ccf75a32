"""IndexNet Matting's input normalisation (``scripts/demo.py`` and ``hldataset.Normalize``).

[R, G, B, trimap] as float32, ``(x / 255 − mean) / std`` with mean (0.485, 0.456, 0.406, 0) and
std (0.229, 0.224, 0.225, 1): ImageNet-normalised RGB and the trimap channel as trimap / 255
(neither one-hot nor quantised). :func:`native_inputs` is that at full resolution for one image,
:func:`batch_inputs` the same for the trainer's uint8 batches.

Example:
    >>> img, tri = native_inputs(np.zeros((4, 6, 3), np.uint8), np.full((4, 6), 255, np.uint8))
    >>> tuple(img.shape), tuple(tri.shape), round(float(img[0, 0, 0, 0]), 4), float(tri.max())
    ((1, 3, 4, 6), (1, 1, 4, 6), -2.1179, 1.0)
"""

from __future__ import annotations

import numpy as np
import torch

from benchmark.models.inputs import check_pair

__all__ = ["IMG_MEAN", "IMG_STD", "IMG_SCALE", "normalise", "native_inputs", "batch_inputs"]

IMG_SCALE = 1.0 / 255
IMG_MEAN = np.array([0.485, 0.456, 0.406, 0]).reshape((1, 1, 4))
IMG_STD = np.array([0.229, 0.224, 0.225, 1]).reshape((1, 1, 4))


def normalise(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """demo.py lines 87-94: H×W×4 float32 ``(IMG_SCALE · x − mean) / std`` (float64 in between)."""
    x = np.concatenate((image, trimap[:, :, None]), axis=2).astype("float32")
    return ((IMG_SCALE * x - IMG_MEAN) / IMG_STD).astype("float32")


def native_inputs(image: np.ndarray, trimap: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The demo's normalisation at full resolution: (1×3×H×W RGB, 1×1×H×W trimap / 255), float32."""
    check_pair(image, trimap)
    x = torch.from_numpy(normalise(image, trimap).transpose(2, 0, 1).copy()).unsqueeze(0)
    return x[:, :3].contiguous(), x[:, 3:].contiguous()


def batch_inputs(image: torch.Tensor, trimap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 B×3×H×W RGB and B×1×H×W trimap (any device) → the network's float32 inputs.

    Example:
        >>> img, tri = batch_inputs(torch.zeros(2, 3, 4, 4, dtype=torch.uint8),
        ...                         torch.full((2, 1, 4, 4), 128, dtype=torch.uint8))
        >>> round(float(img[0, 2, 0, 0]), 4), round(float(tri[0, 0, 0, 0]), 4)
        (-1.8044, 0.502)
    """
    mean = torch.tensor(IMG_MEAN[0, 0, :3], dtype=torch.float32, device=image.device)
    std = torch.tensor(IMG_STD[0, 0, :3], dtype=torch.float32, device=image.device)
    img = (image.float() * IMG_SCALE - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    return img, trimap.float() * IMG_SCALE
