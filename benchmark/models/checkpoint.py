"""Read weights files and load them strictly, for every deep model.

:func:`read_checkpoint` accepts a bare state_dict (e.g. ``TIMI-Net.pth``) and the usual
wrappers: ``{"state_dict": …}`` / ``{"model": …}`` dicts (GCA-Matting, mmagic and mattebench
training saves) and ``module.`` prefixes left by DataParallel/DDP. :func:`load_strict` lists
every missing, unexpected and mis-shaped key in one :class:`~human2k.errors.ModelError` naming
the file. :func:`weights_record` turns what a file says about itself into the
:class:`~benchmark.models.interface.WeightsRecord` a score run records, and
:func:`saved_model_kwargs` the options a mattebench training save was built with.

Example:
    >>> import torch, tempfile, os
    >>> net = torch.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "w.pth")
    >>> torch.save({"state_dict": {"module." + k: v for k, v in net.state_dict().items()}}, path)
    >>> sorted(load_checkpoint(torch.nn.Linear(2, 1), path))
    ['bias', 'weight']
    >>> weights_record(path, {}, official=False).training_data
    'unknown'
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from benchmark.models.interface import WeightsRecord
from human2k.errors import ModelError
from human2k.manifest import sha256_file

__all__ = [
    "load_checkpoint",
    "load_strict",
    "read_checkpoint",
    "read_state_dict",
    "weights_record",
    "saved_model_kwargs",
    "is_training_save",
    "attach_weights",
    "init_weights_from",
]

_NESTING_KEYS = ("state_dict", "model", "model_state_dict", "generator")
_SHOW = 8


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors of a checkpoint file and the metadata stored beside them.

    The state_dict is unwrapped from nesting dicts (``state_dict``, ``model``, …) and
    ``module.`` prefixes; the metadata is the non-tensor entries of the outermost dict (e.g.
    ``model_name`` and ``model_kwargs`` of a mattebench training save; empty for TIMI-Net.pth).

    Raises:
        ModelError: the file is missing, unreadable, or holds no state_dict.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelError(f"{path}: checkpoint not found")
    try:
        with torch.serialization.safe_globals(_numpy_metadata_globals()):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad checkpoint
        raise ModelError(
            f"{path}: not a readable torch checkpoint ({exc.__class__.__name__}: {exc})"
        ) from exc
    meta: dict[str, Any] = {}
    if isinstance(obj, Mapping) and not _is_state_dict(obj):
        meta = {k: v for k, v in obj.items() if not isinstance(v, Mapping | torch.Tensor)}
        meta.update({k: v for k, v in obj.items() if k in ("config", "model_kwargs")})
    while isinstance(obj, Mapping) and not _is_state_dict(obj):
        inner = next(
            (obj[k] for k in _NESTING_KEYS if k in obj and isinstance(obj[k], Mapping)), None
        )
        if inner is None:
            raise ModelError(
                f"{path}: no state_dict found (top-level keys: {', '.join(map(str, list(obj)[:_SHOW]))})"
            )
        obj = inner
    if not isinstance(obj, Mapping):
        raise ModelError(f"{path}: expected a state_dict, got {type(obj).__name__}")
    state = dict(obj)
    while state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    return state, meta


@functools.cache
def _numpy_metadata_globals() -> list:
    """NumPy scalars and dtypes, which released checkpoints keep in their metadata (IndexNet's
    ``val_loss``, ...): allowed in the weights-only unpickler under their NumPy 1 and 2 names."""
    import numpy as np

    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # NumPy 1
        from numpy.core.multiarray import scalar
    dtypes = [type(np.dtype(t)) for t in ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "?")]
    return [
        (scalar, "numpy.core.multiarray.scalar"),
        (scalar, "numpy._core.multiarray.scalar"),
        np.dtype,
        *dtypes,
    ]


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint file (see :func:`read_checkpoint`)."""
    return read_checkpoint(path)[0]


def _is_state_dict(obj: Mapping) -> bool:
    return bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values())


def _listing(title: str, items: list[str]) -> str:
    more = f" … (+{len(items) - _SHOW} more)" if len(items) > _SHOW else ""
    return f"{len(items)} {title}: {', '.join(items[:_SHOW])}{more}"


def load_checkpoint(model: nn.Module, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Load a weights file into ``model`` strictly; returns the loaded state_dict.

    Args:
        model: the module whose keys the file must match exactly.
        path: a bare state_dict or a wrapped/prefixed save.

    Raises:
        ModelError: file unreadable, or missing keys, unexpected keys or shape mismatches (all
            listed, with the file name).
    """
    state = read_state_dict(path)
    load_strict(model, state, label=os.fspath(path))
    return state


def load_strict(model: nn.Module, state: Mapping[str, torch.Tensor], *, label: str) -> None:
    """``model.load_state_dict(state, strict=True)`` with every mismatch listed in one ModelError."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f"{k} {tuple(state[k].shape)} vs model {tuple(own[k].shape)}"
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if missing or unexpected or shapes:
        parts = [
            _listing(title, items)
            for title, items in (
                ("missing keys", missing),
                ("unexpected keys", unexpected),
                ("shape mismatches", shapes),
            )
            if items
        ]
        raise ModelError(f"{label}: checkpoint does not fit the model; " + "; ".join(parts))
    model.load_state_dict(state, strict=True)


def saved_model_kwargs(
    meta: dict[str, Any], model_name: str, *, runtime: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Options a mattebench training save of MODEL_NAME was built with (minus RUNTIME ones).

    A save of another model (``meta["model_name"]`` differs) or a foreign file gives ``{}``.
    """
    if str(meta.get("model_name", "")).split(".")[0] != model_name.split(".")[0]:
        return {}
    return {k: v for k, v in dict(meta.get("model_kwargs") or {}).items() if k not in runtime}


def weights_record(
    path: str | os.PathLike, meta: dict[str, Any], *, official: bool
) -> WeightsRecord:
    """The WeightsRecord of a loaded file: SHA-256, and the training data and seed it names.

    ``official`` marks released weights (``training_data="official"`` unless the file says
    otherwise); a file that names nothing is ``unknown``.
    """
    seed = meta.get("seed")
    return WeightsRecord(
        checkpoint=os.fspath(path),
        sha256=sha256_file(path),
        training_data=str(meta.get("training_data") or ("official" if official else "unknown")),
        seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
    )


def is_training_save(meta: dict[str, Any]) -> bool:
    """True for a ``model.pt``/``last.pt`` written by ``mattebench train`` (it names its model)."""
    return bool(meta.get("model_name"))


def attach_weights(
    model: nn.Module, state: Mapping[str, torch.Tensor], meta: dict[str, Any], path
) -> None:
    """Load STATE strictly into a released-layout baseline and record where it came from.

    A file that is not a mattebench training save is taken as the model's released weights
    (``training_data="official"``, so runs record provenance ``official-weights``); a training
    save keeps the training-data tag and seed it names. The model is put in eval mode.

    Example:
        >>> import tempfile, os
        >>> net = torch.nn.Linear(2, 1)
        >>> path = os.path.join(tempfile.mkdtemp(), "w.pth")
        >>> torch.save({"state_dict": net.state_dict()}, path)
        >>> state, meta = read_checkpoint(path)
        >>> attach_weights(net, state, meta, path); net.weights.training_data
        'official'
    """
    saved_from = str(meta.get("model_name") or "")
    load_strict(
        model, state, label=os.fspath(path) + (f" (saved from {saved_from})" if saved_from else "")
    )
    model.weights = weights_record(path, meta, official=not is_training_save(meta))
    model.eval()


def init_weights_from(
    model: nn.Module, path: str | os.PathLike, *, missing_ok: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Start MODEL from the weights in PATH (model option ``init_from``, e.g. DIM's stages).

    Every key of the file must fit; keys of MODEL under one of the MISSING_OK prefixes may be
    absent from the file (they keep their initialisation), any other mismatch is a ModelError
    listing them all. The model's ``weights`` record is left as it is (the model is not
    "loaded": a training run starts from these weights). Returns the file's metadata.

    Example:
        >>> import tempfile, os
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Linear(1, 1))
        >>> path = os.path.join(tempfile.mkdtemp(), "w.pth")
        >>> torch.save({"0.weight": torch.ones(1, 2), "0.bias": torch.zeros(1)}, path)
        >>> _ = init_weights_from(net, path, missing_ok=("1.",)); net[0].weight.tolist()
        [[1.0, 1.0]]
    """
    state, meta = read_checkpoint(path)
    own = model.state_dict()
    keep = {k: v for k, v in own.items() if k not in state and k.startswith(missing_ok)}
    holder = dict(state)
    holder.update(keep)
    load_strict(model, holder, label=f"{os.fspath(path)} (init_from)")
    return meta
