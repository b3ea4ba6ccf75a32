"""ViTMatte configurations (S and B) and the optional ``transformers`` dependency.

The two released sizes, as ``convert_vitmatte_to_hf.py`` (huggingface/transformers @ d058e0f,
``get_config``) builds them for ``hustvl/vitmatte-{small,base}-composition-1k``, matching
hustvl/ViTMatte ``configs/common/model.py`` (B: ``ViTMatte_B_100ep.py``): a 12-block ViTDet on a
4-channel input (RGB + trimap), patch 16, absolute position embeddings pre-trained at 224 and
interpolated, decomposed relative positions, 14×14 windows in blocks 0, 1, 3, 4, 6, 7, 9, 10 and
global attention plus a residual bottleneck in blocks 2, 5, 8, 11; the detail-capture decoder with
ConvStream [48, 96, 192] and fusion [256, 128, 64, 32].

Lists, never tuples: with some transformers 5.x releases ``VitMatteConfig`` rejects the tuple
defaults of ``fusion_hidden_sizes``. ``transformers`` is imported lazily, after setting
``HF_HUB_OFFLINE=1`` (unless the caller set it), so nothing here can download.

Example:
    >>> VITMATTE_SIZES["b"]
    {'hidden_size': 768, 'num_attention_heads': 12}
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

from human2k.errors import ModelError

__all__ = ["INSTALL_HINT", "VITMATTE_SIZES", "require_transformers", "vitmatte_config"]

INSTALL_HINT = "pip install 'mattebench[vitmatte]'"

VITMATTE_SIZES: dict[str, dict[str, int]] = {
    "s": {"hidden_size": 384, "num_attention_heads": 6},
    "b": {"hidden_size": 768, "num_attention_heads": 12},
}

_BACKBONE = {
    "num_channels": 4,
    "image_size": 512,
    "pretrain_image_size": 224,
    "patch_size": 16,
    "use_absolute_position_embeddings": True,
    "use_relative_position_embeddings": True,
    "window_size": 14,
    "window_block_indices": [0, 1, 3, 4, 6, 7, 9, 10],
    "residual_block_indices": [2, 5, 8, 11],
    "num_hidden_layers": 12,
}


def require_transformers() -> SimpleNamespace:
    """The transformers/safetensors objects ViTMatte needs, or a ModelError with the install hint."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import safetensors.torch
        import transformers
    except ImportError as exc:
        raise ModelError(
            f"ViTMatte needs transformers and safetensors ({exc}): {INSTALL_HINT}"
        ) from exc
    try:
        from transformers import VitMatteImageProcessorPil as processor_class
    except ImportError:  # transformers < 5: the processor is NumPy/PIL-based already
        processor_class = transformers.VitMatteImageProcessor
    return SimpleNamespace(
        VitDetConfig=transformers.VitDetConfig,
        VitMatteConfig=transformers.VitMatteConfig,
        VitMatteForImageMatting=transformers.VitMatteForImageMatting,
        processor_class=processor_class,
        load_safetensors=safetensors.torch.load_file,
        version=transformers.__version__,
    )


def vitmatte_config(size: str = "s", **overrides: Any):
    """``transformers.VitMatteConfig`` of ViTMatte-S (``"s"``) or ViTMatte-B (``"b"``).

    ``overrides`` replace ``VitDetConfig`` fields (e.g. ``num_hidden_layers=2`` for a tiny test
    model); the output is always the last block (``stage12`` for the released sizes).
    """
    if size not in VITMATTE_SIZES:
        raise ModelError(
            f"unknown ViTMatte size {size!r}; expected one of {sorted(VITMATTE_SIZES)}"
        )
    hf = require_transformers()
    dims = VITMATTE_SIZES[size]
    fields = {**_BACKBONE, **dims, **overrides}
    fields["out_features"] = [f"stage{fields['num_hidden_layers']}"]
    try:
        backbone = hf.VitDetConfig(**fields)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"invalid ViTMatte backbone settings {overrides}: {exc}") from exc
    return hf.VitMatteConfig(
        backbone_config=backbone,
        hidden_size=backbone.hidden_size,
        convstream_hidden_sizes=[48, 96, 192],
        fusion_hidden_sizes=[256, 128, 64, 32],
    )
