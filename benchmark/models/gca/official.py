"""GCA-Matting's released Composition-1K inference (``tester.py``) and checkpoint loading.

:func:`official_predict` is ``main.py --phase test`` with ``config/gca-dist.toml``
(``[test] scale = "origin"``) of Yaoyi-Li/GCA-Matting @ 5a999be, the pipeline behind the
README's numbers (``tester.py``, ``dataloader/data_generator.py``: ``OriginScale`` + ``ToTensor``):

1. image (cv2 BGR → RGB) and trimap are reflect-padded (``np.pad(..., mode="reflect")``) at the
   bottom and right to multiples of 32 — no extra border;
2. RGB / 255 normalised with the ImageNet mean/std; trimap quantised (< 85 background, ≥ 170
   foreground, else unknown) and one-hot;
3. one forward pass at full resolution (batch 1);
4. on the padded prediction alpha = 1 where the quantised trimap is foreground and 0 where it is
   background, then ``× 255``, **truncated** to uint8, cropped to H×W.

The returned alpha is step 4 before the ``× 255`` truncation (float32 H×W in [0, 1]); the model
declares ``official_quantization = "truncate"``. ``demo.py`` (alphamatting.com) instead pads a
32-px border on every side; the published Composition-1K numbers come from ``tester.py``.

Example:
    >>> import numpy as np
    >>> from benchmark.models.gca.network import GCAMatting
    >>> image = np.full((40, 50, 3), 128, np.uint8)
    >>> trimap = np.zeros((40, 50), np.uint8); trimap[:, 20:30] = 128; trimap[:, 30:] = 255
    >>> alpha = official_predict(GCAMatting().eval(), image, trimap)
    >>> alpha.shape, alpha.dtype, float(alpha[0, 0]), float(alpha[0, -1])
    ((40, 50), dtype('float32'), 0.0, 1.0)
"""

from __future__ import annotations

import numpy as np
import torch

from benchmark.models.inputs import check_pair, to_model_inputs, trimap_classes

__all__ = ["official_predict", "SIZE_DIVISOR"]

SIZE_DIVISOR = 32


def _pad_bottom_right(x: np.ndarray) -> np.ndarray:
    """``OriginScale``: numpy reflect padding to ``32 · ((n − 1) // 32 + 1)`` per side."""
    h, w = x.shape[:2]
    pad_h = SIZE_DIVISOR * ((h - 1) // SIZE_DIVISOR + 1) - h
    pad_w = SIZE_DIVISOR * ((w - 1) // SIZE_DIVISOR + 1) - w
    if not (pad_h or pad_w):
        return x
    widths = ((0, pad_h), (0, pad_w)) + ((0, 0),) * (x.ndim - 2)
    return np.pad(x, widths, mode="reflect")


@torch.no_grad()
def official_predict(net, image_rgb_uint8: np.ndarray, trimap_uint8: np.ndarray) -> np.ndarray:
    """Alpha of GCA's ``tester.py`` before its uint8 truncation: float32 H×W in [0, 1].

    Args:
        net: a :class:`~benchmark.models.gca.network.GCAMatting` in eval mode (its device is used).
        image_rgb_uint8: H×W×3 RGB uint8.
        trimap_uint8: H×W uint8 (quantised with thresholds 85 / 170, as the script does).
    """
    check_pair(image_rgb_uint8, trimap_uint8)
    h, w = trimap_uint8.shape
    image = _pad_bottom_right(image_rgb_uint8)
    trimap = _pad_bottom_right(trimap_uint8)
    img, tri = to_model_inputs(image, trimap)
    device = next(net.parameters()).device
    alpha = net(img.to(device), tri.to(device))[0, 0].float().cpu()
    classes = trimap_classes(torch.from_numpy(trimap))
    alpha[classes == 2] = 1
    alpha[classes == 0] = 0
    return alpha[:h, :w].numpy().astype(np.float32, copy=False)
