"""What happens to a predicted alpha before the metrics: known regions forced, 8-bit
quantisation.

:func:`quantize_alpha` turns alpha into uint8 in one of :data:`QUANTIZATIONS`:

* ``truncate`` (the default, :data:`DEFAULT_QUANTIZATION`): ``(alpha * 255).astype(uint8)`` in
  the prediction's own float type — what GCA-Matting's ``tester.py`` and TIMI-Net's
  ``test.py`` do, so scores sit beside the published numbers;
* ``round``: ``floor(255·α + 0.5)`` (mmagic's practice, MATLAB's ``round`` for α ≥ 0).

The measured effect of the choice on real data is in ``docs/protocols.md``.

Example:
    >>> import numpy as np
    >>> a = np.array([0.0, 0.5, 1.0, 0.0019, 0.002, 0.999], np.float32)
    >>> quantize_alpha(a, "round").tolist(), quantize_alpha(a, "truncate").tolist()
    ([0, 128, 255, 0, 1, 255], [0, 127, 255, 0, 0, 254])
    >>> force_known(np.full((1, 3), 0.5, np.float32), np.array([[0, 128, 255]], np.uint8)).tolist()
    [[0.0, 0.5, 1.0]]
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from human2k.errors import InputError

__all__ = ["quantize_alpha", "force_known", "QUANTIZATIONS", "DEFAULT_QUANTIZATION", "Quantization"]

Quantization = Literal["truncate", "round"]
#: How a float alpha becomes uint8 before the metrics (recorded as ``Protocol.quantization``).
QUANTIZATIONS = ("truncate", "round")
DEFAULT_QUANTIZATION: Quantization = "truncate"


def quantize_alpha(alpha: np.ndarray, mode: Quantization = DEFAULT_QUANTIZATION) -> np.ndarray:
    """Alpha in [0, 1] -> uint8 by MODE (``truncate`` or ``round``); values are clipped first.

    ``truncate`` multiplies in the prediction's own float type (float32 stays float32, as
    ``(pred * 255).astype(np.uint8)`` does in the official test scripts); every level k/255
    comes back as k under both modes.

    Raises:
        InputError: ALPHA contains NaN or infinity, or MODE is unknown.
    """
    if mode not in QUANTIZATIONS:
        raise InputError(
            None,
            f"unknown quantization {mode!r}; choose from {', '.join(QUANTIZATIONS)}",
            param="quantize",
        )
    alpha = np.asarray(alpha)
    if alpha.dtype not in (np.float32, np.float64):
        alpha = alpha.astype(np.float64)
    if not np.isfinite(alpha).all():
        raise InputError(
            "prediction", f"alpha has {int((~np.isfinite(alpha)).sum())} non-finite values"
        )
    clipped = np.clip(alpha, 0.0, 1.0)
    if mode == "truncate":
        return (clipped * alpha.dtype.type(255)).astype(np.uint8)
    return np.floor(clipped.astype(np.float64) * 255.0 + 0.5).astype(np.uint8)


def force_known(alpha: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Copy of ALPHA (float32) with trimap 0 → 0 and trimap 255 → 1 (DIM practice).

    Policy ``official`` does not use this: a released test script forces known regions itself
    (TIMI-Net's and GCA's from the thresholded trimap classes, see ``timinet.official_inference``).
    """
    alpha = np.array(alpha, dtype=np.float32, copy=True)
    if alpha.shape != trimap.shape:
        raise InputError("prediction", f"size {alpha.shape} does not match trimap {trimap.shape}")
    alpha[trimap == 0] = 0.0
    alpha[trimap == 255] = 1.0
    return alpha
