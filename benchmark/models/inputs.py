"""Input conventions shared by the deep models: checking a uint8 image/trimap pair, and
GCA-Matting's encoding (used by ``gca`` and TIMI-Net) of uint8 image + trimap as tensors.

:func:`check_pair` is the one validator of ``(image, trimap)`` numpy inputs every model's
preprocessing calls. :func:`to_model_inputs` is GCA-Matting's ``ToTensor`` (reference
``timinet_arch.md`` §1, §11, §12): RGB scaled to [0, 1] and normalised with the ImageNet mean/std;
the 8-bit trimap quantised as ``< 85 → background``, ``≥ 170 → foreground``, else unknown, and
passed one-hot (channels: background, unknown, foreground). TIMI-Net turns the one-hot trimap into
the 0/1/2 index its released weights were trained on (:func:`trimap_index`), so both encodings
reach the same numbers.

Example:
    >>> import numpy as np
    >>> img, tri = to_model_inputs(np.zeros((4, 6, 3), np.uint8), np.array([[0, 128, 255] * 2] * 4, np.uint8))
    >>> tuple(img.shape), tuple(tri.shape), tri[0, :, 0, :3].argmax(0).tolist()
    ((1, 3, 4, 6), (1, 3, 4, 6), [0, 1, 2])
    >>> round(float(img[0, 0, 0, 0]), 4)  # (0 - 0.485) / 0.229
    -2.1179
"""

from __future__ import annotations

import numpy as np
import torch

from human2k.errors import InputError

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "check_pair",
    "to_model_inputs",
    "trimap_classes",
    "trimap_index",
]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
BG_BELOW = 85
FG_FROM = 170


def check_pair(image, trimap) -> None:
    """Raise :class:`~human2k.errors.InputError` unless IMAGE is uint8 H×W×3 and TRIMAP uint8 H×W.

    Example:
        >>> check_pair(np.zeros((2, 3, 3), np.uint8), np.zeros((2, 3), np.uint8))
        >>> check_pair(np.zeros((2, 3, 3), np.uint8), np.zeros((3, 2), np.uint8))
        Traceback (most recent call last):
        ...
        human2k.errors.InputError: trimap: image (2, 3, 3) and trimap (3, 2) do not pair (H×W×3, H×W)
    """
    for label, arr, ndim in (("image", image, 3), ("trimap", trimap, 2)):
        if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != ndim:
            got = f"{type(arr).__name__} {getattr(arr, 'dtype', '')} {getattr(arr, 'shape', '')}"
            raise InputError(
                label, f"expected a uint8 numpy array with {ndim} dimensions, got {got}"
            )
    if image.shape[2] != 3 or image.shape[:2] != trimap.shape:
        pair = f"image {image.shape} and trimap {trimap.shape}"
        raise InputError("trimap", f"{pair} do not pair (H×W×3, H×W)")


def _as_uint8_tensor(x, label: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        if x.dtype != np.uint8:
            raise InputError(label, f"expected dtype uint8, got {x.dtype}")
        return torch.from_numpy(np.ascontiguousarray(x))
    if isinstance(x, torch.Tensor):
        if x.dtype != torch.uint8:
            raise InputError(label, f"expected dtype torch.uint8, got {x.dtype}")
        return x
    raise InputError(label, f"expected a numpy array or torch tensor, got {type(x).__name__}")


def trimap_classes(trimap: torch.Tensor) -> torch.Tensor:
    """uint8 trimap → int64 class map (0 bg, 1 unknown, 2 fg), thresholds 85 / 170."""
    t = trimap.to(torch.int16)
    return (t >= BG_BELOW).long() + (t >= FG_FROM).long()


def trimap_index(tri: torch.Tensor) -> torch.Tensor:
    """Model trimap (B×3 one-hot, or B×1 index) → the B×1 float index 0/1/2 of the released code.

    Example:
        >>> trimap_index(torch.eye(3).view(1, 3, 1, 3)).flatten().tolist()
        [0.0, 1.0, 2.0]
    """
    if tri.shape[1] == 1:
        return tri
    if tri.shape[1] == 3:
        return tri[:, 1:2] + 2 * tri[:, 2:3]
    raise InputError("tri", f"expected B×3×H×W one-hot (or B×1×H×W index), got {tuple(tri.shape)}")


def to_model_inputs(image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised image and one-hot trimap tensors for ``model(img, tri)``.

    Args:
        image: numpy uint8 H×W×3 RGB (one image), or torch uint8 B×3×H×W.
        trimap: numpy uint8 H×W (one image), or torch uint8 B×1×H×W or B×H×W; values are
            quantised with thresholds 85 / 170, so {0, 128, 255} and soft trimaps both work.

    Returns:
        ``(img, tri)``: float32 B×3×H×W ImageNet-normalised RGB, and float32 B×3×H×W one-hot
        trimap (channels background, unknown, foreground), on the device of a tensor input.

    Raises:
        InputError: wrong dtype, rank, channel count, or image/trimap size mismatch.
    """
    img = _as_uint8_tensor(image, "image")
    tri = _as_uint8_tensor(trimap, "trimap")
    if isinstance(image, np.ndarray):
        if img.ndim != 3 or img.shape[2] != 3:
            raise InputError("image", f"expected H×W×3 RGB, got shape {tuple(img.shape)}")
        img = img.permute(2, 0, 1).unsqueeze(0)
    elif img.ndim != 4 or img.shape[1] != 3:
        raise InputError("image", f"expected B×3×H×W, got shape {tuple(img.shape)}")
    if tri.ndim == 2:
        tri = tri.unsqueeze(0)
    if tri.ndim == 4:
        if tri.shape[1] != 1:
            raise InputError("trimap", f"expected B×1×H×W or B×H×W, got shape {tuple(tri.shape)}")
        tri = tri[:, 0]
    if tri.ndim != 3:
        raise InputError(
            "trimap", f"expected H×W, B×H×W or B×1×H×W, got shape {tuple(trimap.shape)}"
        )
    if tri.shape[0] != img.shape[0] or tri.shape[-2:] != img.shape[-2:]:
        raise InputError(
            "trimap",
            f"size {tuple(tri.shape)} does not match image {tuple(img.shape)} (batch, H, W)",
        )
    tri = tri.to(img.device)
    mean = torch.tensor(IMAGENET_MEAN, device=img.device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=img.device).view(1, 3, 1, 1)
    img_f = (img.float() / 255.0 - mean) / std
    onehot = torch.nn.functional.one_hot(trimap_classes(tri), 3).permute(0, 3, 1, 2).float()
    return img_f.contiguous(), onehot.contiguous()
