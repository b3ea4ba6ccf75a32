"""Registered TIMI-Net configurations: the full model and the ablations of paper Tables 3–5.

Provenance: a from-scratch reimplementation of kelisiya/TIMI-Net @ d4021d5 (inference code
only; the training recipe is GCA-Matting's, see ``docs/training.md``), checked against
``reference/timinet_arch.md``. Only ``timinet`` has released weights (Composition-1K,
``TIMI-Net.pth``); load them with ``create_model("timinet.official", checkpoint=PATH)``, which
predicts with policy ``official`` (the released ``test.py``: 32-px reflect border, 2.048 MP cap,
forcing from the thresholded trimap, truncation) unless another policy is asked for. Every
variant accepts ``policy="official"``; the default of the others is mattebench's ``auto``.

=======================  =============================  =====================================
name                     paper row (Tables 3, 4, 5)     structure
=======================  =============================  =====================================
``timinet_basic``        Basic                          RGB-Trimap branch + shortcuts + decoder
``timinet_rgb_unit``     Basic + RGB-Unit               + RGB-Unit, added at both stride-8 stages
``timinet_trimap_unit``  Basic + Trimap-Unit            + Trimap-Unit, added likewise
``timinet_si``           Basic + S.I                    + both units, added likewise
``timinet_ti2``          TI²                            + both units through TI²_E and TI²_D
``timinet_ti2_e``        TI²_E (Table 3)                TI² in the encoder only
``timinet_ti2_d``        TI²_D (Tables 4, 5)            TI² in the decoder only
``timinet``              TIMI-Net (Ours)                TI²_E + TI²_D + ASPP (released code)
=======================  =============================  =====================================

Our reading of the rows (the paper gives no more detail): every ablation but ``timinet`` has no
ASPP (it is the only component left between "TI²" and "TIMI-Net"); "+" and "S.I" add the unit
features at the two stride-8 stages where TI² sits, through a 1×1 convolution (64 → 128
channels) because the released units are narrower than the RGB-Trimap feature. Every factory
takes the :class:`~timinet.network.TimiNet` flags as keyword arguments, e.g. the paper-intent
units: ``create_model("timinet", rgb_unit_channels=(16, 64, 128), trimap_unit_style="resnet18",
trimap_projections="separate")``.

Example:
    >>> from benchmark.models.registry import list_models, model_info
    >>> list_models("timinet*")  # doctest: +NORMALIZE_WHITESPACE
    ['timinet', 'timinet_basic', 'timinet_rgb_unit', 'timinet_si', 'timinet_ti2', 'timinet_ti2_d',
     'timinet_ti2_e', 'timinet_trimap_unit']
    >>> model_info("timinet").params
    34888261
"""

from __future__ import annotations

from typing import Any

from benchmark.models.checkpoint import (
    load_strict,
    read_checkpoint,
    saved_model_kwargs,
    weights_record,
)
from benchmark.models.registry import register_model
from human2k.errors import ModelError
from timinet.network import TimiNet

__all__: list[str] = []  # the registry adds the entry points

_RUNTIME = ("attention", "chunk_size")  # options that do not change the weights
PAPER = "Liu et al., ICCV 2021 (TIMI-Net)"
LICENSE = "Apache-2.0 (this reimplementation); released weights: see kelisiya/TIMI-Net"


def _create_timinet(
    variant: str, *, checkpoint: str | None = None, tag: str | None = None, **kwargs: Any
) -> TimiNet:
    name = variant if tag is None else f"{variant}.{tag}"
    if tag is not None:
        cfg = default_cfgs.get(name)
        if cfg is None:
            known = ", ".join(k for k in default_cfgs if k.startswith(variant + ".")) or "none"
            raise ModelError(f"unknown tag {tag!r} for {variant} (known: {known})")
        if checkpoint is None:
            raise ModelError(
                f"{name} needs a checkpoint: the file {cfg['file']} ({cfg['source']})",
                param="checkpoint",
            )
    state = None
    if checkpoint is not None:
        state, meta = read_checkpoint(checkpoint)
        # a mattebench training save: rebuild with the options it was trained with
        kwargs = {**kwargs, **saved_model_kwargs(meta, variant, runtime=_RUNTIME)}
    model = TimiNet(name=name, **kwargs)
    if state is not None:
        saved_from = str(meta.get("model_name") or "")
        label = str(checkpoint) + (
            f" (saved from {saved_from})"
            if saved_from and saved_from.split(".")[0] != variant
            else ""
        )
        load_strict(model, state, label=label)
        model.weights = weights_record(checkpoint, meta, official=bool(tag))
        model.eval()
    if tag == "official":  # the released weights, scored as the released test.py does
        model.default_policy = "official"
    return model


def _cfg(file: str = "", source: str = "", **kwargs: Any) -> dict[str, Any]:
    return {"file": file, "source": source, "training_data": "", **kwargs}


default_cfgs: dict[str, dict[str, Any]] = {
    "timinet.official": _cfg(
        file="TIMI-Net.pth",
        source="Google Drive link in the kelisiya/TIMI-Net README; no download is automated",
        training_data="Composition-1K train (431 fg × 100 COCO bg)",
    ),
}

_NO_ASPP = dict(aspp=False)


def _info(params: int, weights: str = "") -> dict[str, Any]:
    return dict(
        provenance="reimplemented",
        kind="deep",
        paper=PAPER,
        license=LICENSE,
        params=params,
        weights=weights,
        trainable=True,
        policies=TimiNet.policies,
        default_policy=TimiNet.default_policy,
    )


@register_model(**_info(25_071_329))
def timinet_basic(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'Basic': GCA-style ResNet-34-D U-Net with shortcuts (Tables 3-5)."""
    model_args = dict(rgb_unit=False, trimap_unit=False, integration="none", **_NO_ASPP)
    return _create_timinet(
        "timinet_basic", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(25_111_409))
def timinet_rgb_unit(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'Basic + RGB-Unit' (additive, Tables 3-5)."""
    model_args = dict(trimap_unit=False, integration="add", **_NO_ASPP)
    return _create_timinet(
        "timinet_rgb_unit", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(25_160_881))
def timinet_trimap_unit(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'Basic + Trimap-Unit' (additive, Tables 3-5)."""
    model_args = dict(rgb_unit=False, integration="add", **_NO_ASPP)
    return _create_timinet(
        "timinet_trimap_unit", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(25_200_961))
def timinet_si(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'Basic + S.I': both units added to the main branch (Tables 3-5)."""
    model_args = dict(integration="add", **_NO_ASPP)
    return _create_timinet(
        "timinet_si", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(25_184_837))
def timinet_ti2(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'TI²': TI² in encoder and decoder, no ASPP (Tables 3-5)."""
    model_args = dict(integration="ti2", **_NO_ASPP)
    return _create_timinet(
        "timinet_ti2", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(25_176_515))
def timinet_ti2_e(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'TI²_E': TI² in the encoder only, no ASPP (Table 3)."""
    model_args = dict(integration="ti2", integrate_decoder=False, **_NO_ASPP)
    return _create_timinet(
        "timinet_ti2_e", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(25_176_515))
def timinet_ti2_d(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net ablation 'TI²_D': TI² in the decoder only, no ASPP (Tables 4-5)."""
    model_args = dict(integration="ti2", integrate_encoder=False, **_NO_ASPP)
    return _create_timinet(
        "timinet_ti2_d", checkpoint=checkpoint, tag=tag, **dict(model_args, **kwargs)
    )


@register_model(**_info(34_888_261, weights="timinet.official: TIMI-Net.pth (Composition-1K)"))
def timinet(checkpoint=None, tag=None, **kwargs) -> TimiNet:
    """TIMI-Net as released: units + TI²_E + TI²_D + ASPP; loads TIMI-Net.pth strictly."""
    return _create_timinet("timinet", checkpoint=checkpoint, tag=tag, **kwargs)
