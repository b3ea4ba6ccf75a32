"""TIMI-Net's inputs are GCA-Matting's: :mod:`benchmark.models.inputs` (re-exported here).

Example:
    >>> import numpy as np
    >>> img, tri = to_model_inputs(np.zeros((4, 6, 3), np.uint8), np.full((4, 6), 255, np.uint8))
    >>> tuple(tri.shape), float(trimap_index(tri).max())
    ((1, 3, 4, 6), 2.0)
"""

from benchmark.models.inputs import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    to_model_inputs,
    trimap_classes,
    trimap_index,
)

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "to_model_inputs", "trimap_classes", "trimap_index"]
