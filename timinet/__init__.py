"""TIMI-Net (Liu et al., ICCV 2021) and its ablations, reimplemented for mattebench.

Build models through the registry (``benchmark.models.registry.create_model("timinet")``); the
registered names live in :mod:`timinet.variants`. Structure and paper-vs-code flags:
:mod:`timinet.network`; guide units: :mod:`timinet.units`; TI²: :mod:`timinet.ti2`.

Example:
    >>> from timinet import IMAGENET_MEAN
    >>> IMAGENET_MEAN
    (0.485, 0.456, 0.406)
"""

from timinet.checkpoint import load_official_checkpoint
from timinet.inputs import IMAGENET_MEAN, IMAGENET_STD, to_model_inputs
from timinet.network import TimiNet, count_parameters
from timinet.ti2 import guided_attention

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "TimiNet",
    "count_parameters",
    "guided_attention",
    "load_official_checkpoint",
    "to_model_inputs",
]
