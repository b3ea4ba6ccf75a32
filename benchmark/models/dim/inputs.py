"""DIM's inputs as mmagic's ``MattorPreprocessor`` makes them (``dim_stage*`` configs).

RGB normalised in float32 as ``(x − mean) / std`` with mean (123.675, 116.28, 103.53) and std
(58.395, 57.12, 57.375) on the 0-255 scale; the trimap as ``trimap / 255``
(``proc_trimap='rescale_to_zero_one'``). :func:`native_inputs` is that for one image at full
resolution, :func:`batch_inputs` for the trainer's uint8 batches.

Example:
    >>> img, tri = native_inputs(np.zeros((4, 6, 3), np.uint8), np.full((4, 6), 255, np.uint8))
    >>> tuple(img.shape), tuple(tri.shape), round(float(img[0, 0, 0, 0]), 4), float(tri.max())
    ((1, 3, 4, 6), (1, 1, 4, 6), -2.1179, 1.0)
"""

from __future__ import annotations

import numpy as np
import torch

from benchmark.models.inputs import check_pair

__all__ = ["MEAN", "STD", "native_inputs", "batch_inputs"]

MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def batch_inputs(image: torch.Tensor, trimap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 B×3×H×W RGB and B×1×H×W trimap (any device) → (normalised RGB, trimap / 255).

    Example:
        >>> img, tri = batch_inputs(torch.zeros(1, 3, 2, 2, dtype=torch.uint8),
        ...                         torch.full((1, 1, 2, 2), 255, dtype=torch.uint8))
        >>> round(float(img[0, 0, 0, 0]), 4), float(tri[0, 0, 0, 0])
        (-2.1179, 1.0)
    """
    mean = torch.tensor(MEAN, device=image.device).view(1, -1, 1, 1)
    std = torch.tensor(STD, device=image.device).view(1, -1, 1, 1)
    return ((image - mean) / std).contiguous(), trimap / 255.0


def native_inputs(image: np.ndarray, trimap: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """mmagic's preprocessing at full resolution: (1×3×H×W normalised RGB, 1×1×H×W trimap / 255)."""
    check_pair(image, trimap)
    merged = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0)
    tri = torch.from_numpy(np.ascontiguousarray(trimap))[None, None]
    return batch_inputs(merged, tri)
