"""Registered names ``vitmatte_s`` and ``vitmatte_b``: ViTMatte through ``transformers``.

``checkpoint=`` is a local folder in the Hugging Face layout (``config.json`` + ``model.safetensors``
or ``pytorch_model.bin``, e.g. a copy of ``hustvl/vitmatte-small-composition-1k``), loaded
strictly and offline, or a mattebench training save. ``pipeline="hustvl"`` (default) or ``"hf"``
picks the input pipeline (:mod:`benchmark.models.vitmatte.network`). Without ``transformers`` the
factories raise a ModelError naming ``pip install 'mattebench[vitmatte]'``; ``mattebench models``
lists them either way.

Example:
    >>> from benchmark.models.registry import model_info
    >>> model_info("vitmatte_b").params, model_info("vitmatte_s").default_policy
    (96686561, 'auto')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from benchmark.models.checkpoint import (
    attach_weights,
    init_weights_from,
    load_strict,
    read_checkpoint,
    saved_model_kwargs,
)
from benchmark.models.registry import register_model
from benchmark.models.vitmatte.config import INSTALL_HINT
from human2k.errors import ModelError

__all__: list[str] = []

PAPER = "Yao et al., Information Fusion 2024 (ViTMatte; arXiv 2305.15272)"
LICENSE = (
    "code MIT (hustvl/ViTMatte); model code: transformers (Apache-2.0); released weights trained "
    "on the Adobe Deep Image Matting dataset (its licence: non-commercial use only)"
)
_POLICIES = ("auto", "native", "tiled", "downscaled", "official")
_PARAMS = {"s": 25_814_753, "b": 96_686_561}
_HUB = {"s": "hustvl/vitmatte-small-composition-1k", "b": "hustvl/vitmatte-base-composition-1k"}
_RUNTIME = ("init_from",)


def _weights(size: str) -> str:
    return (
        f"{_HUB[size]} on the Hugging Face Hub (config.json + weights); copy the folder and pass "
        "it as checkpoint; no download is automated"
    )


def _create(
    size: str, checkpoint: str | None, tag: str | None, init_from: str | None, kwargs: dict
):
    from benchmark.models.vitmatte.network import ViTMatte, folder_size, load_pretrained_folder

    name = f"vitmatte_{size}"
    if tag is not None:
        raise ModelError(f"{name} has no tag {tag!r}; pass the model folder as checkpoint")
    pipeline = kwargs.pop("pipeline", "hustvl")
    if checkpoint is not None and Path(checkpoint).is_dir():
        if kwargs:
            raise ModelError(f"{name}: options {sorted(kwargs)} do not apply to a model folder")
        found = folder_size(checkpoint)
        if found != size and found in _PARAMS:  # the other released size; custom configs pass
            raise ModelError(
                f"{checkpoint}: holds ViTMatte-{found.upper()}, not ViTMatte-{size.upper()}; "
                f"use vitmatte_{found}"
            )
        model = load_pretrained_folder(checkpoint, pipeline=pipeline)
        model.name = name
        return model
    state, meta = (None, {}) if checkpoint is None else read_checkpoint(checkpoint)
    saved = saved_model_kwargs(meta, name, runtime=_RUNTIME)
    pipeline = saved.pop("pipeline", pipeline)
    overrides = {**kwargs, **dict(saved.pop("overrides", None) or {}), **saved}
    model = ViTMatte.from_size(size, pipeline=pipeline, **overrides)
    model.name = name
    if state is not None:
        attach_weights(model, state, meta, checkpoint)
    elif init_from is not None:
        _init(model, init_from)
    return model


def _init(model, path: str | os.PathLike) -> None:
    """Start from a Hugging Face folder or a weights file (``init_from``)."""
    if Path(path).is_dir():
        from benchmark.models.vitmatte.network import load_pretrained_folder

        source = load_pretrained_folder(path)
        load_strict(model, source.state_dict(), label=f"{path} (init_from)")
    else:
        init_weights_from(model, path)


def _info(size: str) -> dict[str, Any]:
    return dict(
        provenance="reimplemented",
        kind="deep",
        paper=PAPER,
        license=LICENSE,
        params=_PARAMS[size],
        weights=_weights(size),
        trainable=True,
        policies=_POLICIES,
        default_policy="auto",
        input_convention=f"RGB uint8 H×W×3 + trimap uint8 {{0,128,255}}; needs {INSTALL_HINT}",
    )


@register_model(**_info("s"))
def vitmatte_s(checkpoint=None, tag=None, init_from=None, **kwargs):
    """ViTMatte-S (ViT-S/16 + detail capture) via transformers; loads a local HF folder."""
    return _create("s", checkpoint, tag, init_from, kwargs)


@register_model(**_info("b"))
def vitmatte_b(checkpoint=None, tag=None, init_from=None, **kwargs):
    """ViTMatte-B (ViT-B/16 + detail capture) via transformers; loads a local HF folder."""
    return _create("b", checkpoint, tag, init_from, kwargs)
