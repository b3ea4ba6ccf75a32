"""Turn ``train``'s options into torch objects: device, autocast dtype, model, model inputs.

Example:
    >>> _resolve_device("cpu", _Dist(1, 0, 0, False)), _amp_dtype("bf16", torch.device("cpu"))
    (device(type='cpu'), torch.bfloat16)
"""

from __future__ import annotations

from typing import Any

import torch

from benchmark.training.distributed import _Dist
from human2k.errors import InputError, ModelError


def _resolve_device(device: str, dist_: _Dist) -> torch.device:
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(None, "--device cuda requested but torch sees no CUDA device")
        return torch.device(
            "cuda", dist_.local_rank if device == "cuda" else torch.device(device).index
        )
    if device != "cpu":
        raise InputError(None, f"unknown device {device!r}; expected cpu or cuda[:N]")
    return torch.device("cpu")


def _amp_dtype(amp: bool | str, device: torch.device) -> torch.dtype | None:
    if not amp:
        return None
    if amp is True or amp == "bf16":
        return torch.bfloat16
    if amp == "fp16":
        if device.type != "cuda":
            raise InputError(None, "fp16 AMP needs a CUDA device; use bf16 on CPU")
        return torch.float16
    raise InputError(None, f"amp must be False, True, 'bf16' or 'fp16', got {amp!r}")


def _build_model(model_name: str, model_kwargs: dict[str, Any]) -> torch.nn.Module:
    from benchmark.models.registry import create_model, model_info

    if model_info(model_name).kind != "deep":
        raise ModelError(f"model {model_name!r} is classical; only deep models can be trained")
    model = create_model(model_name, **model_kwargs)
    if not isinstance(model, torch.nn.Module):
        raise ModelError(f"model {model_name!r} is not a torch.nn.Module and cannot be trained")
    return model


def _model_inputs(model: torch.nn.Module, image: torch.Tensor, trimap: torch.Tensor):
    """The model's own ``preprocess`` on uint8 batches (B×3×H×W, B×1×H×W), else TIMI-Net's."""
    preprocess = getattr(model, "preprocess", None)
    if preprocess is None:
        from timinet.inputs import to_model_inputs as preprocess
    return preprocess(image, trimap)
