"""Models: the one interface every model meets, the registry, and the built-in models.

* ``interface`` — :class:`ModelInfo`, :class:`WeightsRecord`, :class:`TrainingSpec`,
  :class:`MattingModel` (torch-free);
* ``deep`` — :class:`DeepMattingModel`, the ``nn.Module`` side (preprocess, forward,
  official inference, training inputs);
* ``inference`` — the resolution policies deep models predict under (native, tiled,
  downscaled, auto, official) and alpha quantisation;
* ``checkpoint`` — reading weights files and strict loading;
* ``registry`` — ``register_model`` / ``create_model`` / ``list_models`` / ``model_info``,
  filled through the ``mattebench.models`` entry points;
* ``classical``, ``trivial`` — built-in models (pymatting solvers, the trimap-only floor).

Example:
    >>> from benchmark.models import create_model, list_models
    >>> "closed_form" in list_models("*")
    True
"""

from benchmark.models.interface import MattingModel, ModelInfo, TrainingSpec, WeightsRecord
from benchmark.models.registry import (
    create_model,
    is_model,
    list_models,
    model_info,
    register_model,
)

__all__ = [
    "MattingModel",
    "ModelInfo",
    "TrainingSpec",
    "WeightsRecord",
    "create_model",
    "is_model",
    "list_models",
    "model_info",
    "register_model",
]
