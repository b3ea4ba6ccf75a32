"""Registered name ``gca``: GCA-Matting with its released weights, inference and training.

``create_model("gca")`` builds the network with GCA's initialisation (train it with
``mattebench train gca``); ``create_model("gca", checkpoint="gca-dist.pth")`` loads the released
Composition-1K weights strictly (a ``{'state_dict': …}`` save, ``module.`` prefixes allowed) or a
mattebench training save. Scoring with ``policy="official"`` runs ``tester.py``'s pipeline.

Example:
    >>> from benchmark.models.registry import model_info
    >>> info = model_info("gca")
    >>> info.params, info.default_policy, "official" in info.policies
    (25164529, 'auto', True)
"""

from __future__ import annotations

from typing import Any

from benchmark.models.checkpoint import attach_weights, read_checkpoint, saved_model_kwargs
from benchmark.models.gca.network import NUM_PARAMETERS, GCAMatting
from benchmark.models.registry import register_model
from human2k.errors import ModelError

__all__: list[str] = []

PAPER = "Li & Lu, AAAI 2020 (GCA-Matting: Natural Image Matting via Guided Contextual Attention)"
LICENSE = (
    "code MIT (Yaoyi-Li/GCA-Matting; reimplemented here under Apache-2.0); released weights: "
    "Adobe Deep Image Matting dataset licence, non-commercial use only"
)
WEIGHTS = (
    "gca-dist.pth (96.5 MB, Composition-1K train): Google Drive link in the Yaoyi-Li/GCA-Matting "
    "README; no download is automated"
)


@register_model(
    provenance="reimplemented",
    kind="deep",
    paper=PAPER,
    license=LICENSE,
    params=NUM_PARAMETERS,
    weights=WEIGHTS,
    trainable=True,
    policies=GCAMatting.policies,
    default_policy="auto",
)
def gca(checkpoint: str | None = None, tag: str | None = None, **kwargs: Any) -> GCAMatting:
    """GCA-Matting (resnet_gca_encoder_29 + res_gca_decoder_22); loads gca-dist.pth strictly."""
    if tag is not None:
        raise ModelError(f"gca has no tag {tag!r}; pass the weights file as checkpoint")
    state, meta = (None, {}) if checkpoint is None else read_checkpoint(checkpoint)
    kwargs = {**kwargs, **saved_model_kwargs(meta, "gca")}
    try:
        model = GCAMatting(**kwargs)
    except TypeError as exc:
        raise ModelError(f"gca: {exc}") from exc
    if state is not None:
        attach_weights(model, state, meta, checkpoint)
    return model
