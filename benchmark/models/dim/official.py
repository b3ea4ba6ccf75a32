"""DIM inputs, mmagic's Composition-1K test pipeline, and checkpoint loading.

:func:`official_predict` follows ``configs/dim/dim_stage3-v16-pln_1xb1-1000k_comp1k.py`` of
open-mmlab/mmagic @ 0a560bb through the code it names:

1. ``MattorPreprocessor`` (``models/data_preprocessors/mattor_preprocessor.py`` and its base
   ``DataPreprocessor``): the merged image, loaded BGR, is flipped to RGB and normalised in float32
   as ``(x − mean) / std`` with mean (123.675, 116.28, 103.53) and std (58.395, 57.12, 57.375) on
   the 0-255 scale; the trimap becomes ``trimap / 255.0`` (``proc_trimap='rescale_to_zero_one'``);
2. ``BaseMattor.resize_inputs`` (``test_cfg``: ``resize_method='pad'``, ``resize_mode='reflect'``,
   ``size_divisor=32``): image and trimap reflect-padded at the bottom and right to multiples of 32;
3. ``DIM._forward_test``: the refined alpha when ``test_cfg.refine`` (stages 2, 3), else
   sigmoid(raw alpha);
4. ``BaseMattor.postprocess``: crop to H×W, clamp to [0, 1], alpha = 1 where the trimap is 255 and
   0 where it is 0 (other trimap values keep the prediction), then ``×255``, **round**, uint8.

The returned alpha is step 4 before the ×255 and rounding; mmagic rounds (it does not truncate:
``OFFICIAL_QUANTISATION``). The June 2020 pipeline that produced the published 50.6 (mmediting
@ a7a4f22, ``configs/mattors/dim_stage3.py``) is the same computation in another order: uint8
reflect padding, ``/255`` then ImageNet mean/std in float32, the same crop, the same forcing and
``np.round(alpha * 255)``; its results differ only by float32 rounding.

Example:
    >>> import numpy as np
    >>> from benchmark.models.dim.network import DIMMatting
    >>> image = np.full((40, 50, 3), 128, np.uint8)
    >>> trimap = np.zeros((40, 50), np.uint8); trimap[:, 20:30] = 128; trimap[:, 30:] = 255
    >>> alpha = official_predict(DIMMatting().eval(), image, trimap)
    >>> alpha.shape, alpha.dtype, float(alpha[0, 0]), float(alpha[0, -1])
    ((40, 50), dtype('float32'), 0.0, 1.0)
"""

from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F

from benchmark.models.checkpoint import load_checkpoint
from benchmark.models.dim.inputs import native_inputs
from human2k.errors import InputError

__all__ = [
    "OFFICIAL_QUANTISATION",
    "SIZE_DIVISOR",
    "load_official_checkpoint",
    "official_predict",
]

SIZE_DIVISOR = 32
#: How mmagic turns alpha into 8 bits (``pa *= 255; pa.round_()``).
OFFICIAL_QUANTISATION = "round"


def _pad(batch: torch.Tensor, divisor: int = SIZE_DIVISOR) -> torch.Tensor:
    """``base_mattor._pad``: reflect-pad bottom/right to ``divisor · ((h − 1) // divisor + 1)``."""
    h, w = batch.shape[-2:]
    pad_h = divisor * ((h - 1) // divisor + 1) - h
    pad_w = divisor * ((w - 1) // divisor + 1) - w
    if pad_h or pad_w:
        if pad_h >= h or pad_w >= w:
            raise InputError(
                "image", f"{h}×{w} is too small for mmagic's reflect padding to /{divisor}"
            )
        batch = F.pad(batch, (0, pad_w, 0, pad_h), mode="reflect")
    return batch


@torch.no_grad()
def official_predict(net, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray) -> np.ndarray:
    """Alpha of mmagic's DIM test pipeline before ``×255``/round: float32 H×W in [0, 1].

    Args:
        net: a :class:`~benchmark.models.dim.network.DIMMatting` in eval mode; ``net.refine`` decides the output (stage 2/3 vs 1).
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8; exactly 0 and 255 are forced, other values keep the prediction.
    """
    img, tri = native_inputs(image_rgb_uint8, trimap_uint8)
    h, w = trimap_uint8.shape
    device = next(net.parameters()).device
    inputs = torch.cat((_pad(img), _pad(tri)), dim=1).to(device)
    pred_alpha, pred_refine = net.forward_both(inputs)
    pa = (pred_refine if net.refine else pred_alpha)[0, 0, :h, :w].cpu()
    pa.clamp_(min=0, max=1)
    ori_trimap = torch.from_numpy(np.ascontiguousarray(trimap_uint8))
    pa[ori_trimap == 255] = 1
    pa[ori_trimap == 0] = 0
    return pa.numpy().astype(np.float32, copy=False)


def load_official_checkpoint(net, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Load an mmagic DIM checkpoint (``{'meta': …, 'state_dict': …}``) strictly into ``net``.

    The stage must match: a stage-1 file has no ``refiner.*`` keys (``DIMMatting(stage=1)``).
    Raises :class:`~human2k.errors.ModelError` listing every missing, unexpected and mis-shaped key.
    """
    return load_checkpoint(net, path)
