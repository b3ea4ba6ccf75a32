"""Deep models: the ``nn.Module`` side of the model interface.

A :class:`DeepMattingModel` is a :class:`~benchmark.models.interface.MattingModel` and an
``nn.Module``. Subclasses implement

* ``preprocess(image, trimap) -> (img, tri)``: uint8 numpy image/trimap → 1×C×H×W tensors at
  full resolution (the model's normalisation and trimap encoding);
* ``forward(img, tri) -> alpha``: B×1×H×W in [0, 1] for H, W multiples of ``stride``;
* ``batch_inputs(image, trimap)``: the same conversion for the trainer's uint8 batches
  (B×3×H×W, B×1×H×W tensors); needed only when ``training_spec`` is set;
* optionally ``official_predict(image, trimap)``: exactly what the model's released test script
  does (its padding, size caps, known-region forcing), listed as policy ``official``; the class
  attribute ``official_quantization`` says how that script turns alpha into 8 bits
  (``truncate`` — ``(pred * 255).astype(uint8)`` — unless the model says ``round``). A score run
  under policy ``official`` uses it unless another quantisation is asked for.
* optionally ``param_groups(recipe)``: optimiser parameter groups with learning-rate scales and
  weight-decay overrides (the released recipes of IndexNet and ViTMatte need them).

``predict`` runs :func:`benchmark.models.inference.predict_alpha` under a resolution policy
(``auto`` | ``native`` | ``tiled`` | ``downscaled`` | ``official``).

Example:
    >>> import numpy as np, torch
    >>> class Half(DeepMattingModel):
    ...     def __init__(self):
    ...         super().__init__(config={})
    ...         self.w = torch.nn.Parameter(torch.zeros(()))
    ...     def preprocess(self, image, trimap):
    ...         return torch.zeros(1, 3, *trimap.shape), torch.zeros(1, 1, *trimap.shape)
    ...     def forward(self, img, tri):
    ...         return torch.sigmoid(self.w + img[:, :1])
    >>> Half().predict(np.zeros((4, 4, 3), np.uint8), np.full((4, 4), 128, np.uint8))[0, 0]
    np.float32(0.5)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from benchmark.models.inference import DEFAULT_BYTES_PER_PIXEL, predict_alpha
from benchmark.models.interface import Kind, MattingModel, TrainingSpec, WeightsRecord
from human2k.errors import ModelError

__all__ = ["DeepMattingModel", "count_parameters"]


def count_parameters(model: nn.Module, *, trainable: bool = True) -> int:
    """Number of (trainable) parameters; spectral-norm u/v buffers are never counted.

    Example:
        >>> count_parameters(torch.nn.Linear(3, 2))
        8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable)


class DeepMattingModel(nn.Module, MattingModel):
    """A torch matting network behind the model interface (see the module docstring).

    Args:
        config: the options that define the network (saved in checkpoints, part of run keys).
        name: registered name (the registry sets it again on creation).
    """

    kind: ClassVar[Kind] = "deep"
    default_policy: ClassVar[str] = "auto"
    policies: ClassVar[tuple[str, ...]] = ("auto", "native", "tiled", "downscaled")
    isolate: ClassVar[bool] = False
    #: peak forward memory per input pixel (bytes, fp32), for the auto native/tiled choice.
    inference_bytes_per_pixel: int = DEFAULT_BYTES_PER_PIXEL
    #: what the trainer needs; None: the model cannot be trained by ``mattebench train``.
    training_spec: TrainingSpec | None = None
    #: how the released test script quantises alpha (``round`` | ``truncate``), used by policy
    #: ``official`` scoring; None: the script gives no 8-bit alpha (the default applies).
    official_quantization: ClassVar[str | None] = "truncate"

    def __init__(self, *, config: dict[str, Any], name: str = ""):
        super().__init__()
        self.config = dict(config)
        self.name = name
        self.weights = WeightsRecord.untrained()

    def preprocess(
        self, image: np.ndarray, trimap: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 H×W×3 image and H×W trimap → ``(img, tri)`` tensors 1×C×H×W."""
        raise NotImplementedError(f"{type(self).__name__} must implement preprocess")

    def batch_inputs(
        self, image: torch.Tensor, trimap: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 batches (B×3×H×W image, B×1×H×W trimap) → the inputs of ``forward``."""
        raise ModelError(f"{self.name or type(self).__name__} has no training inputs")

    def param_groups(self, recipe: str) -> list[dict[str, Any]]:
        """Optimiser parameter groups for RECIPE: dicts with ``params`` and, optionally,
        ``lr_scale`` (× the schedule's learning rate) and ``weight_decay`` (overrides the
        recipe's). Default: one group of every trainable parameter."""
        return [{"params": [p for p in self.parameters() if p.requires_grad]}]

    def official_predict(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        """Alpha exactly as the model's released test script computes it (policy ``official``)."""
        raise ModelError(
            f"{self.name or type(self).__name__} has no official inference policy; "
            f"choose one of {', '.join(self.policies)}"
        )

    def predict(
        self,
        image: np.ndarray,
        trimap: np.ndarray,
        *,
        policy: str | None = None,
        device: str | torch.device | None = None,
        amp: bool = False,
    ) -> np.ndarray:
        """Full-resolution alpha (float32 H×W in [0, 1], known regions forced) under POLICY."""
        alpha, _ = predict_alpha(
            self, image, trimap, policy=policy or self.default_policy, device=device, amp=amp
        )
        return alpha
