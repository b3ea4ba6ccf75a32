"""Registered name ``dim``: Deep Image Matting in mmagic's layout, its three training stages.

``create_model("dim", checkpoint=PATH)`` loads an mmagic ``dim_stage{1,2,3}`` checkpoint strictly
(a file without ``refiner.*`` keys is stage 1, one with them stage 3 unless ``stage=2`` is given)
or a mattebench training save (its stage comes from the save). Training runs the paper's stages
with ``stage=1|2|3``; ``init_from=PATH`` starts a stage from the previous one (a stage-1 file fits
a stage-2 model: its refiner keeps its initialisation)::

    mattebench train dim --model-option stage=1 ... --out runs/dim1
    mattebench train dim --model-option stage=2 --model-option init_from=runs/dim1/model.pt ... --out runs/dim2
    mattebench train dim --model-option stage=3 --model-option init_from=runs/dim2/model.pt ... --out runs/dim3

Example:
    >>> from benchmark.models.registry import create_model
    >>> [create_model("dim", stage=s).training_spec.loss_weights for s in (1, 2)]
    [{'alpha_charbonnier': 0.5, 'composition_charbonnier': 0.5}, {'alpha_charbonnier': 1.0}]
"""

from __future__ import annotations

from typing import Any

from benchmark.models.checkpoint import (
    attach_weights,
    init_weights_from,
    read_checkpoint,
    saved_model_kwargs,
)
from benchmark.models.dim.network import NUM_PARAMETERS, DIMMatting
from benchmark.models.registry import register_model
from human2k.errors import ModelError

__all__: list[str] = []

PAPER = "Xu et al., CVPR 2017 (Deep Image Matting); PyTorch model and weights: OpenMMLab mmagic"
LICENSE = (
    "mmagic code Apache-2.0 (reimplemented here); released weights trained on the Adobe Deep "
    "Image Matting dataset (its licence: non-commercial use only)"
)
WEIGHTS = (
    "dim_stage{1,2,3}_v16…_comp1k_SAD-….pth (OpenMMLab model zoo, links in mmagic "
    "configs/dim/README.md; the authors' release was Caffe); no download is automated"
)


@register_model(
    provenance="reimplemented",
    kind="deep",
    paper=PAPER,
    license=LICENSE,
    params=NUM_PARAMETERS,
    weights=WEIGHTS,
    trainable=True,
    policies=DIMMatting.policies,
    default_policy="auto",
)
def dim(
    checkpoint: str | None = None,
    tag: str | None = None,
    stage: int | None = None,
    init_from: str | None = None,
    **kwargs: Any,
) -> DIMMatting:
    """Deep Image Matting (VGG-16 encoder-decoder + refinement); loads mmagic dim_stage checkpoints."""
    if tag is not None:
        raise ModelError(f"dim has no tag {tag!r}; pass stage=1|2|3 and the weights file")
    state, meta = (None, {}) if checkpoint is None else read_checkpoint(checkpoint)
    saved = saved_model_kwargs(meta, "dim", runtime=("init_from",))
    if stage is None and state is not None and "stage" not in saved:
        stage = 3 if any(k.startswith("refiner.") for k in state) else 1
    kwargs = {**kwargs, **({"stage": int(stage)} if stage is not None else {}), **saved}
    try:
        model = DIMMatting(**kwargs)
    except TypeError as exc:
        raise ModelError(f"dim: {exc}") from exc
    if state is not None:
        attach_weights(model, state, meta, checkpoint)
    elif init_from is not None:
        init_weights_from(model, init_from, missing_ok=("refiner.",) if model.stage == 2 else ())
    return model
