"""ViTMatte inputs and the Hugging Face inference (``VitMatteImageProcessor`` + model + crop).

:func:`official_predict` is what ``transformers`` documents for ViTMatte: the image processor
(``models/vitmatte/image_processing_*vitmatte.py``) rescales RGB and trimap by 1/255 (float64,
stored as float32), normalises the RGB with the checkpoint's mean/std (the hub configs keep the
class defaults 0.5/0.5), concatenates [RGB, trimap], and zero-pads the 4-channel array at the
bottom/right to multiples of 32; the model's ``alphas`` are cropped back to H×W. Known regions are
not forced and nothing is quantised here (the caller decides).

How this differs from hustvl/ViTMatte's own scripts (@ 8cd7ef0, ``modeling/meta_arch/vitmatte.py``,
``inference.py``), which produced the published numbers: they normalise with the ImageNet mean/std
(0.485, 0.456, 0.406)/(0.229, 0.224, 0.225), not 0.5/0.5; when only one side is misaligned they
still pad the aligned side by a full 32 (``new_H = 32 − H % 32 + H``); and they save
``to_pil_image(alpha)``, which truncates ``alpha × 255``. Neither forces known regions.

Example:
    >>> import numpy as np
    >>> img, tri = native_inputs(np.zeros((4, 6, 3), np.uint8), np.full((4, 6), 255, np.uint8))
    >>> tuple(img.shape), tuple(tri.shape), float(img[0, 0, 0, 0]), float(tri.max())
    ((1, 3, 4, 6), (1, 1, 4, 6), -1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from human2k.errors import InputError

from .config import require_transformers
from .network import PROCESSOR_DEFAULTS, ViTMatte

__all__ = ["OFFICIAL_QUANTISATION", "native_inputs", "official_predict"]

#: The Hugging Face pipeline stops at float alphas; hustvl/ViTMatte's scripts truncate.
OFFICIAL_QUANTISATION = "truncate"


def _check_pair(image, trimap) -> None:
    for label, arr, ndim in (("image", image, 3), ("trimap", trimap, 2)):
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != ndim:
            got = f"{type(arr).__name__} {getattr(arr, 'dtype', '')} {getattr(arr, 'shape', '')}"
            raise InputError(
                label, f"expected a uint8 numpy array with {ndim} dimensions, got {got}"
            )
    if image.shape[2] != 3 or image.shape[:2] != trimap.shape:
        pair = f"image {image.shape} and trimap {trimap.shape}"
        raise InputError("trimap", f"{pair} do not pair (H×W×3, H×W)")


def native_inputs(
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    image_mean: Sequence[float] = PROCESSOR_DEFAULTS["image_mean"],
    image_std: Sequence[float] = PROCESSOR_DEFAULTS["image_std"],
) -> tuple[torch.Tensor, torch.Tensor]:
    """The processor's arithmetic at full resolution: (1×3×H×W RGB, 1×1×H×W trimap / 255), float32.

    Pass ``image_mean``/``image_std`` from ``net.processor`` for a checkpoint with other settings.
    """
    _check_pair(image, trimap)
    rgb = (image.transpose(2, 0, 1).astype(np.float64) * (1 / 255)).astype(np.float32)
    mean = np.array(image_mean, dtype=np.float32)
    std = np.array(image_std, dtype=np.float32)
    rgb = ((rgb.T - mean) / std).T
    tri = (trimap.astype(np.float64) * (1 / 255)).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(rgb))[None], torch.from_numpy(tri)[None, None]


@torch.no_grad()
def official_predict(
    net: ViTMatte, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray
) -> np.ndarray:
    """``processor(images, trimaps)`` → ``model(pixel_values).alphas`` cropped to H×W: float32 [0, 1].

    Args:
        net: a :class:`ViTMatte` in eval mode; ``net.processor`` holds the processor settings.
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8 (fed as trimap / 255; no quantisation, no forcing).
    """
    _check_pair(image_rgb_uint8, trimap_uint8)
    h, w = trimap_uint8.shape
    processor = require_transformers().processor_class(**net.processor)
    pixel_values = processor(
        images=image_rgb_uint8,
        trimaps=trimap_uint8,
        input_data_format="channels_last",
        return_tensors="pt",
    )["pixel_values"]
    device = next(net.parameters()).device
    alphas = net.forward_pixel_values(pixel_values.to(device=device, dtype=torch.float32))
    return alphas[0, 0, :h, :w].cpu().numpy().astype(np.float32, copy=False)
