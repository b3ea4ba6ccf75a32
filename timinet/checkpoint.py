"""Load TIMI-Net weights: the official ``TIMI-Net.pth`` layout (strict) or a mattebench save.

The released checkpoint is a bare generator state_dict with 663 entries
(``reference/timinet_state_dict_keys.txt``): ``encoder.*`` / ``decoder.*`` keys, SN convs as
``.module.weight_bar/_u/_v``. :func:`load_official_checkpoint` also accepts the usual wrappers:
a ``{"state_dict": …}`` or ``{"model": …}`` dict (GCA-Matting and mattebench training saves) and
``module.`` prefixes left by DataParallel/DDP. Loading is strict: every mismatch is listed in
one :class:`~human2k.errors.ModelError` naming the file.

The stored SN vectors u and v are kept as they are, so outputs equal the released code's.

Example:
    >>> import torch, tempfile, os
    >>> net = torch.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "w.pth")
    >>> torch.save({"state_dict": {"module." + k: v for k, v in net.state_dict().items()}}, path)
    >>> sorted(load_official_checkpoint(torch.nn.Linear(2, 1), path))
    ['bias', 'weight']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from human2k.errors import ModelError

__all__ = ["load_official_checkpoint", "load_strict", "read_checkpoint", "read_state_dict"]

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


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint file (see :func:`read_checkpoint`)."""
    return read_checkpoint(path)[0]


def _is_state_dict(obj: Mapping) -> bool:
    return bool(obj) and all(isinstance(v, torch.Tensor) for v in obj.values())


def _listing(title: str, items: list[str]) -> str:
    more = f" … (+{len(items) - _SHOW} more)" if len(items) > _SHOW else ""
    return f"{len(items)} {title}: {', '.join(items[:_SHOW])}{more}"


def load_official_checkpoint(model: nn.Module, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Load a TIMI-Net state_dict into ``model`` strictly; returns the loaded state_dict.

    Args:
        model: a :class:`~timinet.network.TimiNet` built with the released structure (the
            default ``create_model("timinet")``), or any module whose keys the file matches.
        path: ``TIMI-Net.pth`` (bare state_dict) or a wrapped/prefixed save.

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
