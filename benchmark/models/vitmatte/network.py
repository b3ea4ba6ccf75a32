"""ViTMatte (Yao et al., Information Fusion 2024) as a thin wrapper over ``transformers``.

:class:`ViTMatte` holds a ``transformers.VitMatteForImageMatting`` and exposes its two children,
``backbone`` and ``decoder``, as its own, so ``state_dict()`` has exactly the keys of the Hugging
Face ``model.safetensors`` (no wrapper prefix): ViTMatte-S 258 keys, **25,814,753 parameters**;
ViTMatte-B 258 keys, **96,686,561 parameters** (``official_keys_{s,b}.txt``; the sum over all keys
but the 8 BatchNorms' running statistics; the paper's table rounds them to 25M and 96M).

:func:`load_pretrained_folder` reads a *local* folder in Hugging Face layout: ``config.json`` (must
say ``"model_type": "vitmatte"``), ``model.safetensors`` (or ``pytorch_model.bin``, which
``hustvl/vitmatte-base-composition-1k`` publishes instead) and, optionally,
``preprocessor_config.json``. The network is built from the config and the weights are loaded
strictly with :func:`benchmark.models.checkpoint.load_strict` (every mismatch in one ModelError);
``from_pretrained`` and the Hub are never called.

Example (skipped when transformers is not installed):
    >>> import pytest, torch
    >>> _ = pytest.importorskip("transformers")
    >>> with torch.device("meta"):
    ...     net = ViTMatte.from_size("s")
    >>> sorted({k.split(".")[0] for k in net.state_dict()}), len(net.state_dict())
    (['backbone', 'decoder'], 258)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from human2k.errors import InputError, ModelError
from benchmark.models.checkpoint import load_strict

from .config import require_transformers, vitmatte_config

__all__ = ["PROCESSOR_DEFAULTS", "ViTMatte", "load_pretrained_folder"]

#: ``VitMatteImageProcessor``'s class defaults (IMAGENET_STANDARD mean/std = 0.5), which the
#: conversion script saved as the hub checkpoints' ``preprocessor_config.json``.
PROCESSOR_DEFAULTS: dict[str, Any] = {
    "do_rescale": True,
    "rescale_factor": 1 / 255,
    "do_normalize": True,
    "image_mean": [0.5, 0.5, 0.5],
    "image_std": [0.5, 0.5, 0.5],
    "do_pad": True,
    "size_divisor": 32,
}


class ViTMatte(nn.Module):
    """``VitMatteForImageMatting`` with the Hugging Face state_dict layout and mattebench's forward.

    Args:
        hf_model: a ``transformers.VitMatteForImageMatting``; its ``backbone`` and ``decoder`` become
            this module's children (shared, not copied), the model itself is kept unregistered.
        processor: image-processor settings (:data:`PROCESSOR_DEFAULTS` overridden by the folder's
            ``preprocessor_config.json``); used by the official inference and :meth:`native_inputs`.

    ``forward(img, tri)`` takes normalised RGB B×3×H×W and trimap / 255 B×1×H×W, H and W multiples
    of 32, and returns the model's ``alphas`` B×1×H×W in (0, 1).
    """

    def __init__(self, hf_model: nn.Module, processor: dict[str, Any] | None = None):
        super().__init__()
        self.backbone = hf_model.backbone
        self.decoder = hf_model.decoder
        self._hf = (hf_model,)
        self.processor = {**PROCESSOR_DEFAULTS, **(processor or {})}

    @classmethod
    def from_size(cls, size: str = "s", **overrides: Any) -> ViTMatte:
        """Random-weight ViTMatte-S/B (``overrides`` go to the backbone config)."""
        hf = require_transformers()
        return cls(hf.VitMatteForImageMatting(vitmatte_config(size, **overrides)))

    @property
    def hf_model(self) -> nn.Module:
        """The wrapped ``VitMatteForImageMatting`` (same parameters as this module)."""
        return self._hf[0]

    def forward_pixel_values(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``VitMatteForImageMatting(pixel_values).alphas``: B×4×H×W → B×1×H×W."""
        if pixel_values.ndim != 4 or pixel_values.shape[1] != 4:
            raise InputError("pixel_values", f"expected B×4×H×W, got {tuple(pixel_values.shape)}")
        if pixel_values.shape[2] % 32 or pixel_values.shape[3] % 32:
            raise InputError(
                "pixel_values", f"H and W must be multiples of 32, got {tuple(pixel_values.shape)}"
            )
        return self.hf_model(pixel_values=pixel_values).alphas

    def forward(self, img: torch.Tensor, tri: torch.Tensor) -> torch.Tensor:
        if img.shape[1] != 3 or tri.shape[1] != 1:
            shapes = f"{tuple(img.shape)} and {tuple(tri.shape)}"
            raise InputError("img/tri", f"expected B×3×H×W and B×1×H×W, got {shapes}")
        return self.forward_pixel_values(torch.cat([img, tri], dim=1))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: not a readable JSON file ({exc})") from exc


def _processor_settings(folder: Path) -> dict[str, Any]:
    path = folder / "preprocessor_config.json"
    if not path.is_file():
        return {}
    raw = _read_json(path)
    if "size_divisibility" in raw:  # older name of size_divisor, still accepted by the processor
        raw.setdefault("size_divisor", raw["size_divisibility"])
    return {k: raw[k] for k in PROCESSOR_DEFAULTS if k in raw}


def load_pretrained_folder(folder: str | os.PathLike) -> ViTMatte:
    """Build ViTMatte from a local Hugging Face folder and load its weights strictly (eval mode).

    Raises:
        ModelError: transformers missing (with the install hint), folder/config/weights missing,
            a config that is not ViTMatte's, or weights that do not fit (all mismatches listed).
    """
    folder = Path(folder)
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise ModelError(f"{folder}: no config.json (expected a Hugging Face model folder)")
    weights = next(
        (folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()),
        None,
    )
    if weights is None:
        raise ModelError(f"{folder}: neither model.safetensors nor pytorch_model.bin found")
    model_type = _read_json(config_path).get("model_type")
    if model_type != "vitmatte":
        raise ModelError(f"{config_path}: model_type is {model_type!r}, expected 'vitmatte'")
    hf = require_transformers()
    config = hf.VitMatteConfig.from_json_file(str(config_path))
    net = ViTMatte(hf.VitMatteForImageMatting(config), _processor_settings(folder))
    if weights.suffix == ".safetensors":
        state = hf.load_safetensors(str(weights))
    else:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    load_strict(net, state, label=os.fspath(weights))
    return net.eval()
