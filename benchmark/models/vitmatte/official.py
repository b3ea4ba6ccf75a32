"""ViTMatte inputs and its two inference pipelines: hustvl/ViTMatte's own and the Hugging Face one.

:func:`hustvl_predict` is hustvl/ViTMatte @ 8cd7ef0 ``inference.py`` with
``modeling/meta_arch/vitmatte.py`` (``preprocess_inputs``), which produced the published
Composition-1K numbers:

1. image and trimap through ``torchvision.transforms.functional.to_tensor`` (float32 ``/ 255``);
   RGB normalised with ``pixel_mean = (123.675, 116.280, 103.530) / 255`` and
   ``pixel_std = (58.395, 57.120, 57.375) / 255`` (ImageNet); the trimap is not quantised at test
   time (only training batches, which carry ``fg``, are);
2. when H or W is not a multiple of 32, *both* sides are zero-padded at the bottom/right by
   ``32 − n % 32`` — an already aligned side therefore gains a full 32 pixels;
3. the model's alphas are cropped to H×W and saved with ``to_pil_image``, i.e. ``× 255``
   truncated (``official_quantization = "truncate"``); known regions are not forced.

:func:`hf_predict` is what ``transformers`` documents: ``VitMatteImageProcessor``
(``models/vitmatte/image_processing_*vitmatte.py``) rescales RGB and trimap by 1/255 (float64,
stored as float32), normalises the RGB with the checkpoint's mean/std (the hub configs keep the
class defaults 0.5/0.5), concatenates [RGB, trimap] and zero-pads only misaligned sides to multiples
of 32; the ``alphas`` are cropped back; nothing is forced or quantised.

Example:
    >>> img, tri = native_inputs(np.zeros((4, 6, 3), np.uint8), np.full((4, 6), 255, np.uint8))
    >>> tuple(img.shape), tuple(tri.shape), float(img[0, 0, 0, 0]), float(tri.max())
    ((1, 3, 4, 6), (1, 1, 4, 6), -1.0, 1.0)
    >>> img, _ = hustvl_inputs(np.zeros((4, 6, 3), np.uint8), np.zeros((4, 6), np.uint8))
    >>> round(float(img[0, 0, 0, 0]), 4)
    -2.1179
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

# hustvl's ``pixel_mean`` / ``pixel_std`` (configs/common/model.py: 123.675, 116.28, 103.53 and
# 58.395, 57.12, 57.375 over 255) are the ImageNet statistics every other model uses
from benchmark.models.inputs import IMAGENET_MEAN, IMAGENET_STD, check_pair, trimap_classes
from benchmark.models.vitmatte.config import require_transformers

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "OFFICIAL_QUANTISATION",
    "hf_predict",
    "hustvl_inputs",
    "hustvl_predict",
    "native_inputs",
    "training_inputs",
]

#: hustvl's scripts truncate (``to_pil_image``); the Hugging Face pipeline stops at float alphas.
OFFICIAL_QUANTISATION = "truncate"
_HUB_MEAN_STD = (0.5, 0.5, 0.5)


def native_inputs(
    image: np.ndarray,
    trimap: np.ndarray,
    *,
    image_mean: Sequence[float] = _HUB_MEAN_STD,
    image_std: Sequence[float] = _HUB_MEAN_STD,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The processor's arithmetic at full resolution: (1×3×H×W RGB, 1×1×H×W trimap / 255), float32.

    Pass ``image_mean``/``image_std`` from ``net.processor`` for a checkpoint with other settings.
    """
    check_pair(image, trimap)
    rgb = (image.transpose(2, 0, 1).astype(np.float64) * (1 / 255)).astype(np.float32)
    mean = np.array(image_mean, dtype=np.float32)
    std = np.array(image_std, dtype=np.float32)
    rgb = ((rgb.T - mean) / std).T
    tri = (trimap.astype(np.float64) * (1 / 255)).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(rgb))[None], torch.from_numpy(tri)[None, None]


def _normalise(rgb: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    m = torch.tensor(mean, dtype=torch.float32, device=rgb.device).view(-1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32, device=rgb.device).view(-1, 1, 1)
    return (rgb - m) / s


def hustvl_inputs(image: np.ndarray, trimap: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """hustvl's test inputs at full resolution: ``to_tensor`` (/255), ImageNet normalisation."""
    check_pair(image, trimap)
    rgb = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float().div(255)
    tri = torch.from_numpy(np.ascontiguousarray(trimap))[None].float().div(255)
    return _normalise(rgb, IMAGENET_MEAN, IMAGENET_STD)[None], tri[None]


def training_inputs(
    image: torch.Tensor,
    trimap: torch.Tensor,
    *,
    image_mean: Sequence[float] = IMAGENET_MEAN,
    image_std: Sequence[float] = IMAGENET_STD,
) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 training batches → normalised RGB and the trimap quantised to 0 / 0.5 / 1.

    hustvl's ``preprocess_inputs`` quantises training trimaps (< 85 → 0, ≥ 170 → 1, else 0.5).

    Example:
        >>> _, tri = training_inputs(torch.zeros(1, 3, 1, 3, dtype=torch.uint8),
        ...                          torch.tensor([[[[0, 128, 255]]]], dtype=torch.uint8))
        >>> tri.flatten().tolist()
        [0.0, 0.5, 1.0]
    """
    rgb = _normalise(image.float().div(255), image_mean, image_std)
    tri = trimap_classes(trimap).float() / 2  # 0, 0.5, 1 (thresholds 85 / 170)
    return rgb, tri


@torch.no_grad()
def hustvl_predict(net, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray) -> np.ndarray:
    """hustvl/ViTMatte ``inference.py``: float32 H×W alpha in [0, 1] before ``to_pil_image``.

    Args:
        net: a :class:`~benchmark.models.vitmatte.network.ViTMatte` in eval mode.
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8 (fed as trimap / 255; no quantisation, no forcing).
    """
    img, tri = hustvl_inputs(image_rgb_uint8, trimap_uint8)
    x = torch.cat((img, tri), dim=1)
    h, w = trimap_uint8.shape
    if h % 32 or w % 32:  # both sides grow, an aligned one by a full 32 (zeros after normalising)
        x = F.pad(x, (0, 32 - w % 32, 0, 32 - h % 32))
    device = next(net.parameters()).device
    alphas = net.forward_pixel_values(x.to(device))
    return alphas[0, 0, :h, :w].float().cpu().numpy()


@torch.no_grad()
def hf_predict(net, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray) -> np.ndarray:
    """``processor(images, trimaps)`` → ``model(pixel_values).alphas`` cropped to H×W: float32 [0, 1].

    Args:
        net: a :class:`~benchmark.models.vitmatte.network.ViTMatte` in eval mode;
            ``net.processor`` holds the processor settings.
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8 (fed as trimap / 255; no quantisation, no forcing).
    """
    check_pair(image_rgb_uint8, trimap_uint8)
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
