"""Registered name ``indexnet``: IndexNet Matting with its released weights, inference and training.

``create_model("indexnet", checkpoint="indexnet_matting.pth.tar")`` loads the released weights
strictly (``{'state_dict': {'module.' + key: …}}``) or a mattebench training save;
``init_from=PATH`` starts a training run from such a file.

Example:
    >>> from benchmark.models.registry import model_info
    >>> info = model_info("indexnet")
    >>> info.params, info.trainable
    (5953515, True)
"""

from __future__ import annotations

from typing import Any

from benchmark.models.checkpoint import (
    attach_weights,
    init_weights_from,
    read_checkpoint,
    saved_model_kwargs,
)
from benchmark.models.indexnet.network import NUM_PARAMETERS, IndexNetMatting
from benchmark.models.registry import register_model
from human2k.errors import ModelError

__all__: list[str] = []

PAPER = "Lu et al., ICCV 2019 (IndexNet Matting: Indices Matter: Learning to Index for Deep Image Matting)"
LICENSE = (
    "code: non-commercial licence (poppinace/indexnet_matting, LICENSE.md; reimplemented here); "
    "released weights: Adobe Deep Image Matting dataset licence, non-commercial use only"
)
WEIGHTS = (
    "indexnet_matting.pth.tar (Composition-1K train): shipped in the poppinace/indexnet_matting "
    "repository under pretrained/; no download is automated"
)


@register_model(
    provenance="reimplemented",
    kind="deep",
    paper=PAPER,
    license=LICENSE,
    params=NUM_PARAMETERS,
    weights=WEIGHTS,
    trainable=True,
    policies=IndexNetMatting.policies,
    default_policy="auto",
)
def indexnet(
    checkpoint: str | None = None,
    tag: str | None = None,
    init_from: str | None = None,
    **kwargs: Any,
) -> IndexNetMatting:
    """IndexNet Matting, released m2o deep-index MobileNetV2; loads indexnet_matting.pth.tar."""
    if tag is not None:
        raise ModelError(f"indexnet has no tag {tag!r}; pass the weights file as checkpoint")
    state, meta = (None, {}) if checkpoint is None else read_checkpoint(checkpoint)
    kwargs = {**kwargs, **saved_model_kwargs(meta, "indexnet", runtime=("init_from",))}
    try:
        model = IndexNetMatting(**kwargs)
    except TypeError as exc:
        raise ModelError(f"indexnet: {exc}") from exc
    if state is not None:
        attach_weights(model, state, meta, checkpoint)
    elif init_from is not None:
        init_weights_from(model, init_from)
    return model
