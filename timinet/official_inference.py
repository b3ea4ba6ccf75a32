"""TIMI-Net's released inference pipeline (``test.py`` + ``utils.py``), as policy ``official``.

What kelisiya/TIMI-Net's ``test.py`` does to one image (reference ``timinet_arch.md`` §11),
rebuilt step by step:

1. **Size cap.** Above ``1600 × 1280`` pixels (:data:`OFFICIAL_MAX_PIXELS`, 2.048 MP) image and
   trimap are resized (OpenCV bilinear, both of them) to ``new_h = int(sqrt(cap / (w / h)))``,
   ``new_w = int(w / h · new_h)`` (:func:`official_size`).
2. **Padding.** NumPy ``reflect`` padding of 32 px on the top and left and ``32 + (-n mod 32)``
   px on the bottom and right (:func:`official_padding`), so every side gets a 32-px border
   whatever the size — unlike mattebench's native policy (bottom/right only, to the next
   multiple of 32), which gives different numbers with the same weights.
3. **Inputs.** RGB / 255 normalised with the ImageNet mean and std; trimap thresholded into the
   classes 0 (< 85), 2 (>= 170) and 1 (the rest), fed as that index.
4. **Forward** in eval mode, no gradients, full precision.
5. **Known regions** forced on the padded output from the *thresholded classes*: class 2 → 1,
   class 0 → 0 (so a soft trimap value such as 30 or 200 is forced too).
6. **8 bits by truncation**: ``(alpha · 255).astype(uint8)`` in float32, then the border is
   cropped off.
7. **Back to the input size** with OpenCV bilinear on the uint8 alpha when step 1 resized.

:func:`official_predict` returns that uint8 alpha as float32 ``k / 255``, which both
quantisations of ``benchmark.models.inference.quantize_alpha`` map back to ``k``; the model's
``official_quantization`` is ``truncate``.

Example:
    >>> official_size(1080, 1920), official_size(1000, 1000)
    ((1073, 1907), (1000, 1000))
    >>> official_padding(100, 64)
    ((32, 60), (32, 32))
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch

from timinet.inputs import to_model_inputs, trimap_classes

__all__ = [
    "OFFICIAL_MAX_PIXELS",
    "OFFICIAL_BORDER",
    "official_size",
    "official_padding",
    "official_predict",
]

#: ``utils.py``'s ``max_size``: images with more pixels are downscaled before the network.
OFFICIAL_MAX_PIXELS = 1600 * 1280
#: Reflect border added on every side before the network (``utils.py``).
OFFICIAL_BORDER = 32
_STRIDE = 32


def official_size(h: int, w: int, max_pixels: int = OFFICIAL_MAX_PIXELS) -> tuple[int, int]:
    """``(height, width)`` the network sees for an H×W input (unchanged up to MAX_PIXELS)."""
    if h * w <= max_pixels:
        return h, w
    aspect = w / h
    new_h = int(math.sqrt(max_pixels / aspect))
    return new_h, int(aspect * new_h)


def official_padding(h: int, w: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((top, bottom), (left, right))`` reflect padding of an H×W input."""
    b = OFFICIAL_BORDER
    return (b, b + (-h) % _STRIDE), (b, b + (-w) % _STRIDE)


def official_predict(
    model: torch.nn.Module,
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    max_pixels: int = OFFICIAL_MAX_PIXELS,
) -> np.ndarray:
    """Alpha of MODEL as TIMI-Net's ``test.py`` computes it (float32 ``k / 255``, H×W).

    Args:
        model: a TIMI-Net (any variant): ``model(img, tri)`` with ``tri`` a B×3 one-hot or B×1
            index trimap; run on the device of its parameters, in its current mode (the
            caller sets eval).
        image: uint8 H×W×3 RGB.
        trimap: uint8 H×W (any values; thresholded at 85 / 170).
        max_pixels: the size cap (tests lower it to reach the resize branch on small crops).
    """
    h0, w0 = trimap.shape
    h, w = official_size(h0, w0, max_pixels)
    if (h, w) != (h0, w0):
        image = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        trimap = cv2.resize(trimap, (w, h), interpolation=cv2.INTER_LINEAR)
    (top, bottom), (left, right) = official_padding(h, w)
    image = np.pad(image, ((top, bottom), (left, right), (0, 0)), mode="reflect")
    trimap = np.pad(trimap, ((top, bottom), (left, right)), mode="reflect")
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    with torch.no_grad():
        img, tri = to_model_inputs(image, trimap)
        img, tri = img.to(device), tri.to(device)
        alpha = model(img, tri).float()
        classes = trimap_classes(torch.from_numpy(trimap)).to(device)[None, None]
        alpha = torch.where(classes == 2, torch.ones_like(alpha), alpha)
        alpha = torch.where(classes == 0, torch.zeros_like(alpha), alpha)
        levels = alpha[0, 0].cpu().numpy()
    alpha8 = (levels * np.float32(255)).astype(np.uint8)[top : top + h, left : left + w]
    if (h, w) != (h0, w0):
        alpha8 = cv2.resize(alpha8, (w0, h0), interpolation=cv2.INTER_LINEAR)
    return alpha8.astype(np.float32) / np.float32(255)
