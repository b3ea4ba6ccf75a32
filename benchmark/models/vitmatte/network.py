"""ViTMatte (Yao et al., Information Fusion 2024) as a thin wrapper over ``transformers``.

:class:`ViTMatte` holds a ``transformers.VitMatteForImageMatting`` and exposes its two children,
``backbone`` and ``decoder``, as its own, so ``state_dict()`` has exactly the keys of the Hugging
Face ``model.safetensors`` (no wrapper prefix): ViTMatte-S 258 keys, **25,814,753 parameters**;
ViTMatte-B 258 keys, **96,686,561 parameters** (``official_keys_{s,b}.txt``; the sum over all keys
but the 8 BatchNorms' running statistics; the paper's table rounds them to 25M and 96M).

Two input pipelines (model option ``pipeline``, recorded in the model config and so in every run):

* ``"hustvl"`` (default): hustvl/ViTMatte's own ``inference.py`` / ``modeling/meta_arch/
  vitmatte.py``, which produced the published numbers: RGB / 255 normalised with the ImageNet
  mean/std, trimap / 255, zero padding that adds a full 32 to an already aligned side when the
  other is not, alpha truncated to 8 bits (``to_pil_image``);
* ``"hf"``: what ``transformers`` documents: ``VitMatteImageProcessor`` (the checkpoint's
  ``preprocessor_config.json``: mean/std 0.5 on the hub), zero padding of misaligned sides only,
  float alphas.

Neither forces the known regions (the scorer does). :func:`load_pretrained_folder` reads a *local*
folder in Hugging Face layout: ``config.json`` (must say ``"model_type": "vitmatte"``),
``model.safetensors`` (or ``pytorch_model.bin``, which ``hustvl/vitmatte-base-composition-1k``
publishes instead) and, optionally, ``preprocessor_config.json``. The network is built from the
config and the weights are loaded strictly with :func:`benchmark.models.checkpoint.load_strict`
(every mismatch in one ModelError); ``from_pretrained`` and the Hub are never called.

Training (recipe ``vitmatte``, hustvl's ``configs/ViTMatte_{S,B}_100ep.py``): the four losses of
``MattingCriterion`` (L1 over the unknown and over the known pixels, Laplacian-pyramid L1, Sobel
gradient L1 + 0.01 × the predicted gradient, each weight 1), AdamW with layer-wise learning-rate
decay 0.65 (:meth:`ViTMatte.param_groups`), the trimap quantised to 0 / 0.5 / 1. The DINO / MAE
backbone initialisation of the released training is not loaded: ``mattebench train vitmatte_s``
starts from random weights unless ``init_from`` names a folder or save.

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
from typing import Any, ClassVar

import torch
from torch import nn

from benchmark.models.checkpoint import load_strict, weights_record
from benchmark.models.deep import DeepMattingModel
from benchmark.models.interface import TrainingSpec
from benchmark.models.vitmatte import official
from benchmark.models.vitmatte.config import VITMATTE_SIZES, require_transformers, vitmatte_config
from human2k.errors import InputError, ModelError

__all__ = ["PIPELINES", "PROCESSOR_DEFAULTS", "ViTMatte", "folder_size", "load_pretrained_folder"]

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
PIPELINES = ("hustvl", "hf")
#: hustvl's layer-wise lr decay (``configs/common/optimizer.py``) over the 12 ViT blocks.
LAYER_DECAY = 0.65


def _size_of(hidden_size: int) -> str:
    return next((k for k, v in VITMATTE_SIZES.items() if v["hidden_size"] == hidden_size), "custom")


class ViTMatte(DeepMattingModel):
    """``VitMatteForImageMatting`` with the Hugging Face state_dict layout and mattebench's forward.

    Args:
        hf_model: a ``transformers.VitMatteForImageMatting``; its ``backbone`` and ``decoder`` become
            this module's children (shared, not copied), the model itself is kept unregistered.
        processor: image-processor settings (:data:`PROCESSOR_DEFAULTS` overridden by the folder's
            ``preprocessor_config.json``); used by the ``hf`` pipeline.
        pipeline: ``"hustvl"`` or ``"hf"`` (module docstring).
        overrides: backbone-config overrides the network was built with (part of the config).

    ``forward(img, tri)`` takes normalised RGB B×3×H×W and the trimap channel B×1×H×W, H and W
    multiples of 32, and returns the model's ``alphas`` B×1×H×W in (0, 1).
    """

    policies: ClassVar[tuple[str, ...]] = ("auto", "native", "tiled", "downscaled", "official")
    #: hustvl's ``inference.py`` saves ``to_pil_image(alpha)`` (× 255, truncated).
    official_quantization: ClassVar[str | None] = official.OFFICIAL_QUANTISATION

    def __init__(
        self,
        hf_model: nn.Module,
        processor: dict[str, Any] | None = None,
        *,
        pipeline: str = "hustvl",
        overrides: dict[str, Any] | None = None,
        name: str = "",
    ):
        if pipeline not in PIPELINES:
            raise ModelError(
                f"ViTMatte pipeline must be one of {', '.join(PIPELINES)}, got {pipeline!r}",
                param="pipeline",
            )
        backbone_cfg = hf_model.config.backbone_config
        size = _size_of(backbone_cfg.hidden_size)
        config = {
            "size": size,
            "pipeline": pipeline,
            **({"overrides": overrides} if overrides else {}),
        }
        super().__init__(config=config, name=name or f"vitmatte_{size}")
        self.backbone = hf_model.backbone
        self.decoder = hf_model.decoder
        self._hf = (hf_model,)
        self.processor = {**PROCESSOR_DEFAULTS, **(processor or {})}
        self.pipeline = pipeline
        if pipeline == "hf":
            self.official_quantization = None  # transformers stops at float alphas
        self.num_blocks = int(backbone_cfg.num_hidden_layers)
        self.training_spec = TrainingSpec(
            recipes=("vitmatte", "gca", "paper", "dim"),
            default_recipe="vitmatte",
            loss_weights={
                "alpha_l1": 1.0,
                "known_l1": 1.0,
                "laplacian_l1": 1.0,
                "gradient_penalty": 1.0,
            },
        )

    @classmethod
    def from_size(cls, size: str = "s", *, pipeline: str = "hustvl", **overrides: Any) -> ViTMatte:
        """Random-weight ViTMatte-S/B (``overrides`` go to the backbone config)."""
        hf = require_transformers()
        model = hf.VitMatteForImageMatting(vitmatte_config(size, **overrides))
        return cls(model, pipeline=pipeline, overrides=overrides)

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
        return self.forward_pixel_values(torch.cat([img, tri.to(img.dtype)], dim=1))

    def preprocess(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        """The pipeline's inputs at full resolution (:func:`.official.hustvl_inputs` or the
        processor's arithmetic, :func:`.official.native_inputs`)."""
        if self.pipeline == "hustvl":
            return official.hustvl_inputs(image, trimap)
        return official.native_inputs(image, trimap, **self.normalisation())

    def normalisation(self) -> dict[str, Any]:
        """``image_mean``/``image_std`` of the pipeline (ImageNet for hustvl, the processor's for hf)."""
        if self.pipeline == "hustvl":
            return {"image_mean": official.IMAGENET_MEAN, "image_std": official.IMAGENET_STD}
        return {
            "image_mean": self.processor["image_mean"],
            "image_std": self.processor["image_std"],
        }

    def batch_inputs(self, image, trimap) -> tuple[torch.Tensor, torch.Tensor]:
        """Training inputs as hustvl's ``preprocess_inputs`` makes them (trimap → 0 / 0.5 / 1)."""
        return official.training_inputs(image, trimap, **self.normalisation())

    def official_predict(self, image, trimap):
        if self.pipeline == "hf":
            return official.hf_predict(self, image, trimap)
        return official.hustvl_predict(self, image, trimap)

    def param_groups(self, recipe: str) -> list[dict[str, Any]]:
        """Recipe ``vitmatte``: detectron2's AdamW groups with hustvl's ``lr_factor_func``.

        Learning-rate scale ``0.65 ** (13 − layer)``: embeddings are layer 0, ViT block i layer
        i + 1 (its residual bottleneck excluded), everything else (residual blocks, decoder) 13;
        no weight decay on normalisation layers and the position embeddings.
        """
        if recipe != "vitmatte":
            return super().param_groups(recipe)
        norm_params = {
            id(p)
            for m in self.modules()
            if "Norm" in type(m).__name__
            for p in m.parameters(recurse=False)
        }
        groups: dict[tuple[float, bool], list[nn.Parameter]] = {}
        top = self.num_blocks + 1
        for name, p in self.named_parameters():
            if not p.requires_grad:
                continue
            layer = top
            if name.startswith("backbone.embeddings."):
                layer = 0
            elif name.startswith("backbone.encoder.layer.") and ".residual." not in name:
                layer = int(name.split(".")[3]) + 1
            no_decay = id(p) in norm_params or name.endswith("position_embeddings")
            groups.setdefault((LAYER_DECAY ** (top - layer), no_decay), []).append(p)
        return [
            {"params": ps, "lr_scale": scale, **({"weight_decay": 0.0} if no_decay else {})}
            for (scale, no_decay), ps in groups.items()
        ]


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


def folder_size(folder: str | os.PathLike) -> str:
    """``"s"``, ``"b"`` or ``"custom"`` from a Hugging Face folder's ``config.json`` (no weights read)."""
    config_path = Path(folder) / "config.json"
    if not config_path.is_file():
        raise ModelError(f"{folder}: no config.json (expected a Hugging Face model folder)")
    backbone = _read_json(config_path).get("backbone_config") or {}
    return _size_of(int(backbone.get("hidden_size", 0)))


def load_pretrained_folder(folder: str | os.PathLike, *, pipeline: str = "hustvl") -> ViTMatte:
    """Build ViTMatte from a local Hugging Face folder and load its weights strictly (eval mode).

    The weights record names the weights file and marks it as released (``official``).

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
    net = ViTMatte(
        hf.VitMatteForImageMatting(config), _processor_settings(folder), pipeline=pipeline
    )
    try:
        if weights.suffix == ".safetensors":
            state = hf.load_safetensors(str(weights))
        else:
            state = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable weights file is one clear error
        raise ModelError(
            f"{weights}: not a readable weights file ({type(exc).__name__}: {exc})"
        ) from exc
    load_strict(net, state, label=os.fspath(weights))
    net.weights = weights_record(weights, {}, official=True)
    return net.eval()
