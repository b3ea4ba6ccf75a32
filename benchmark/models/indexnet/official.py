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

from human2k.errors import InputError
from benchmark.models.checkpoint import load_strict, read_checkpoint

from .network import IndexNetMatting

__all__ = [
    "IMG_MEAN",
    "IMG_STD",
    "OFFICIAL_QUANTISATION",
    "STRIDE",
    "load_official_checkpoint",
    "native_inputs",
    "official_predict",
]

IMG_SCALE = 1.0 / 255
IMG_MEAN = np.array([0.485, 0.456, 0.406, 0]).reshape((1, 1, 4))
IMG_STD = np.array([0.229, 0.224, 0.225, 1]).reshape((1, 1, 4))
STRIDE = 32
#: How the released script turns alpha into 8 bits (``alpha.astype(np.uint8)``).
OFFICIAL_QUANTISATION = "truncate"


def _check_pair(image, trimap) -> None:
    for label, arr, ndim in (("image", image, 3), ("trimap", trimap, 2)):
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != ndim:
            got = f"{type(arr).__name__} {getattr(arr, 'dtype', '')} {getattr(arr, 'shape', '')}"
            raise InputError(
                label, f"expected a uint8 numpy array with {ndim} dimensions, got {got}"
            )
    if image.shape[2] != 3 or image.shape[:2] != trimap.shape:
        raise InputError(
            "trimap", f"image {image.shape} and trimap {trimap.shape} do not pair (H×W×3, H×W)"
        )


def _normalise(image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """demo.py lines 87-94: H×W×4 float32 ``(IMG_SCALE · x − mean) / std`` (float64 in between)."""
    x = np.concatenate((image, trimap[:, :, None]), axis=2).astype("float32")
    return ((IMG_SCALE * x - IMG_MEAN) / IMG_STD).astype("float32")


def native_inputs(image: np.ndarray, trimap: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """The demo's normalisation at full resolution: (1×3×H×W RGB, 1×1×H×W trimap / 255), float32.

    Example:
        >>> img, tri = native_inputs(np.zeros((4, 6, 3), np.uint8), np.full((4, 6), 255, np.uint8))
        >>> tuple(img.shape), tuple(tri.shape), round(float(img[0, 0, 0, 0]), 4), float(tri.max())
        ((1, 3, 4, 6), (1, 1, 4, 6), -2.1179, 1.0)
    """
    _check_pair(image, trimap)
    x = torch.from_numpy(_normalise(image, trimap).transpose(2, 0, 1).copy()).unsqueeze(0)
    return x[:, :3].contiguous(), x[:, 3:].contiguous()


def _align(x: np.ndarray, stride: int = STRIDE) -> np.ndarray:
    """``image_alignment(x, 32, odd=False)``: resize H×W×4 up to the next multiples of ``stride``."""
    h = int(np.ceil(x.shape[0] / stride) * stride)
    w = int(np.ceil(x.shape[1] / stride) * stride)
    rgb = cv2.resize(x[:, :, 0:3], dsize=(w, h), interpolation=cv2.INTER_CUBIC)
    tri = cv2.resize(x[:, :, 3], dsize=(w, h), interpolation=cv2.INTER_NEAREST)
    return np.concatenate((rgb, tri[:, :, None]), axis=2)


@torch.no_grad()
def official_predict(
    net: IndexNetMatting, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray
) -> np.ndarray:
    """Alpha of ``scripts/demo.py`` before its uint8 truncation: float32 H×W in [0, 1].

    Args:
        net: an :class:`IndexNetMatting` in eval mode (its device is used).
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8; exactly 128 is unknown, every other value is copied to the output.
    """
    _check_pair(image_rgb_uint8, trimap_uint8)
    h, w = trimap_uint8.shape
    x = _align(_normalise(image_rgb_uint8, trimap_uint8))
    device = next(net.parameters()).device
    inputs = torch.from_numpy(np.expand_dims(x.transpose(2, 0, 1), axis=0)).to(device)
    outputs = net.forward_raw(inputs).squeeze().cpu().numpy()
    alpha = cv2.resize(outputs, dsize=(w, h), interpolation=cv2.INTER_CUBIC)
    alpha = np.clip(alpha, 0, 1) * 255.0
    mask = np.equal(trimap_uint8, 128).astype(np.float32)
    alpha = (1 - mask) * trimap_uint8 + mask * alpha
    return (alpha / 255).astype(np.float32)


def load_official_checkpoint(
    net: IndexNetMatting, path: str | os.PathLike
) -> dict[str, torch.Tensor]:
    """Load ``indexnet_matting.pth.tar`` (``{'state_dict': {'module.' + key: …}}``) strictly.

    Also accepts a bare state_dict. Raises :class:`~human2k.errors.ModelError` listing every
    missing, unexpected and mis-shaped key. Returns the loaded state_dict.
    """
    state, _ = read_checkpoint(path)
    load_strict(net, state, label=os.fspath(path))
    return state
