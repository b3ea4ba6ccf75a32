"""IndexNet Matting inputs, the released demo's inference, and checkpoint loading.

:func:`official_predict` is ``scripts/demo.py`` (``inference`` + ``image_alignment``) of
poppinace/indexnet_matting @ 4beb06a, step by step; ``scripts/demo_indexnet_matting.py``, which
produced the Composition-1K numbers, runs the same steps (through ``hldataset.Normalize`` and
``utils.image_alignment``):

1. stack [R, G, B, trimap] as float32, ``(x / 255 - mean) / std`` with mean (0.485, 0.456, 0.406, 0)
   and std (0.229, 0.224, 0.225, 1) — the trimap channel is trimap / 255, not quantised;
2. *resize* (not pad) to the next multiple of 32: ``cv2.INTER_CUBIC`` for RGB, ``INTER_NEAREST``
   for the trimap channel;
3. run the network, resize the raw output back with ``INTER_CUBIC``, clip to [0, 1], × 255;
4. every pixel whose trimap is not exactly 128 takes the trimap value; the script then truncates
   to uint8 (``astype(np.uint8)``) and its evaluation reads those PNGs.

The returned alpha is step 4 divided by 255 (float32); ``trunc(alpha * 255)`` gives the script's
uint8 (integers k / 255 survive float32 exactly). Known pixels therefore come from the trimap,
including soft trimap values other than 0, 128 and 255.

Example:
    >>> import numpy as np, torch
    >>> from benchmark.models.indexnet.network import IndexNetMatting
    >>> image = np.full((40, 50, 3), 128, np.uint8)
    >>> trimap = np.zeros((40, 50), np.uint8); trimap[:, 20:30] = 128; trimap[:, 30:] = 255
    >>> alpha = official_predict(IndexNetMatting().eval(), image, trimap)
    >>> alpha.shape, alpha.dtype, float(alpha[0, 0]), float(alpha[0, -1])
    ((40, 50), dtype('float32'), 0.0, 1.0)
"""

from __future__ import annotations

import os

import cv2
import numpy as np
import torch

from benchmark.models.checkpoint import load_checkpoint
from benchmark.models.indexnet.inputs import normalise
from benchmark.models.inputs import check_pair

__all__ = [
    "OFFICIAL_QUANTISATION",
    "STRIDE",
    "load_official_checkpoint",
    "official_predict",
]

STRIDE = 32
#: How the released script turns alpha into 8 bits (``alpha.astype(np.uint8)``).
OFFICIAL_QUANTISATION = "truncate"


def _align(x: np.ndarray, stride: int = STRIDE) -> np.ndarray:
    """``image_alignment(x, 32, odd=False)``: resize H×W×4 up to the next multiples of ``stride``."""
    h = int(np.ceil(x.shape[0] / stride) * stride)
    w = int(np.ceil(x.shape[1] / stride) * stride)
    rgb = cv2.resize(x[:, :, 0:3], dsize=(w, h), interpolation=cv2.INTER_CUBIC)
    tri = cv2.resize(x[:, :, 3], dsize=(w, h), interpolation=cv2.INTER_NEAREST)
    return np.concatenate((rgb, tri[:, :, None]), axis=2)


@torch.no_grad()
def official_predict(net, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray) -> np.ndarray:
    """Alpha of ``scripts/demo.py`` before its uint8 truncation: float32 H×W in [0, 1].

    Args:
        net: an :class:`~benchmark.models.indexnet.network.IndexNetMatting` in eval mode (its device is used).
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8; exactly 128 is unknown, every other value is copied to the output.
    """
    check_pair(image_rgb_uint8, trimap_uint8)
    h, w = trimap_uint8.shape
    x = _align(normalise(image_rgb_uint8, trimap_uint8))
    device = next(net.parameters()).device
    inputs = torch.from_numpy(np.expand_dims(x.transpose(2, 0, 1), axis=0)).to(device)
    outputs = net.forward_raw(inputs).squeeze().cpu().numpy()
    alpha = cv2.resize(outputs, dsize=(w, h), interpolation=cv2.INTER_CUBIC)
    alpha = np.clip(alpha, 0, 1) * 255.0
    mask = np.equal(trimap_uint8, 128).astype(np.float32)
    alpha = (1 - mask) * trimap_uint8 + mask * alpha
    return (alpha / 255).astype(np.float32)


def load_official_checkpoint(net, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Load ``indexnet_matting.pth.tar`` (``{'state_dict': {'module.' + key: …}}``) strictly.

    Also accepts a bare state_dict. Raises :class:`~human2k.errors.ModelError` listing every
    missing, unexpected and mis-shaped key. Returns the loaded state_dict.
    """
    return load_checkpoint(net, path)
