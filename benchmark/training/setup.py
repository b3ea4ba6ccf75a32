"""Turn ``train``'s options into torch objects: device, autocast dtype and the model.

Example:
    >>> resolve_device("cpu", DistContext(1, 0, 0, False)), amp_dtype("bf16", torch.device("cpu"))
    (device(type='cpu'), torch.bfloat16)
"""

from __future__ import annotations

from typing import Any

import torch

from benchmark.models.deep import DeepMattingModel
from benchmark.models.registry import create_model, model_info
from benchmark.training.distributed import DistContext
from benchmark.training.recipes import Recipe
from human2k.errors import InputError, ModelError

__all__ = ["resolve_device", "amp_dtype", "build_trainable_model", "build_optimizer"]


def resolve_device(device: str, dist_: DistContext) -> torch.device:
    """``cpu`` or ``cuda[:N]`` (plain ``cuda`` under torchrun: this rank's local GPU)."""
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(None, "device cuda requested but torch sees no CUDA device")
        return torch.device(
            "cuda", dist_.local_rank if device == "cuda" else torch.device(device).index
        )
    if device != "cpu":
        raise InputError(None, f"unknown device {device!r}; expected cpu or cuda[:N]")
    return torch.device("cpu")


def amp_dtype(amp: bool | str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of AMP (``True``/``"bf16"`` → bfloat16, ``"fp16"`` on CUDA only)."""
    if not amp:
        return None
    if amp is True or amp == "bf16":
        return torch.bfloat16
    if amp == "fp16":
        if device.type != "cuda":
            raise InputError(None, "fp16 AMP needs a CUDA device; use bf16 on CPU")
        return torch.float16
    raise InputError(None, f"amp must be False, True, 'bf16' or 'fp16', got {amp!r}")


def build_trainable_model(model_name: str, model_kwargs: dict[str, Any]) -> DeepMattingModel:
    """Create MODEL_NAME and check that it can be trained (a deep model with a TrainingSpec)."""
    info = model_info(model_name)
    if info.kind != "deep":
        raise ModelError(f"model {model_name!r} is {info.kind}; only deep models can be trained")
    model = create_model(model_name, **model_kwargs)
    if not isinstance(model, DeepMattingModel) or model.training_spec is None:
        raise ModelError(
            f"model {model_name!r} declares no training spec ({info.source}); it cannot be trained"
        )
    return model


def build_optimizer(model: DeepMattingModel, recipe: Recipe, lr: float) -> torch.optim.Optimizer:
    """The recipe's Adam/AdamW over the model's parameter groups for that recipe.

    Each group keeps its ``lr_scale`` (the training loop sets ``lr = schedule(s) × lr_scale``)
    and its own ``weight_decay`` when the model gives one (else the recipe's). Frozen parameters
    (``requires_grad=False``, e.g. DIM stage 2's encoder-decoder) are left out.

    Example:
        >>> from benchmark.training.recipes import RECIPES
        >>> class M(DeepMattingModel):
        ...     def __init__(self):
        ...         super().__init__(config={})
        ...         self.w = torch.nn.Parameter(torch.zeros(2))
        >>> opt = build_optimizer(M(), RECIPES["vitmatte"], 1e-3)
        >>> type(opt).__name__, opt.param_groups[0]["weight_decay"], opt.param_groups[0]["lr_scale"]
        ('AdamW', 0.1, 1.0)
    """
    groups = []
    for group in model.param_groups(recipe.name):
        params = [p for p in group["params"] if p.requires_grad]
        if not params:
            continue
        scale = float(group.get("lr_scale", 1.0))
        wd = float(group.get("weight_decay", recipe.weight_decay))
        groups.append({"params": params, "lr": lr * scale, "lr_scale": scale, "weight_decay": wd})
    if not groups:
        raise ModelError(f"{model.name or type(model).__name__} has no trainable parameters")
    cls = torch.optim.AdamW if recipe.optimizer == "adamw" else torch.optim.Adam
    return cls(groups, lr=lr, betas=recipe.betas, weight_decay=recipe.weight_decay)
