"""The model registry, in timm's shape: module-level dicts and three functions.

A model is registered by decorating a factory function; the function's name is the model's
name. Every factory returns an object with ``predict(image_rgb_uint8, trimap_uint8) -> alpha``
(float32 in [0, 1]); deep models are ``torch.nn.Module`` subclasses that also expose their
``forward``. Registering modules are imported lazily on the first query, so importing the
registry (and ``mattebench --help``) never imports torch.

Example:
    >>> from benchmark.models.registry import list_models
    >>> "trimap_only" in list_models()
    True
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import importlib
import importlib.util
import re
from collections.abc import Callable
from typing import Any, Literal

from human2k.errors import ModelError

__all__ = [
    "ModelInfo",
    "register_model",
    "create_model",
    "list_models",
    "model_info",
    "is_model",
    "UnknownModelError",
]

Provenance = Literal["official-weights", "reimplemented", "classical", "reference"]

# Modules whose import registers models. Missing ones (not built yet) are skipped.
_REGISTERING_MODULES = (
    "benchmark.models.classical",
    "benchmark.models.trivial",
    "timinet.variants",
)

_ENTRYPOINTS: dict[str, Callable[..., Any]] = {}
_INFO: dict[str, ModelInfo] = {}
_loaded = False


class UnknownModelError(ModelError, KeyError):
    """Raised by ``create_model`` for a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about a model, printed by ``mattebench models``.

    Attributes:
        name: registered name (the factory's ``__name__``).
        provenance: ``official-weights`` | ``reimplemented`` | ``classical`` | ``reference``.
        kind: ``deep`` (a torch module) or ``classical`` (a solver).
        paper: short citation, e.g. ``"Liu et al., IJCAI 2021 (TIMI-Net)"``.
        description: one line on what it is (and which paper row for ablations).
        input_convention: what ``predict`` expects beyond RGB uint8 + trimap {0,128,255}.
        params: trainable parameter count (deep models), or None.
        license: licence of code / weights.
        weights: where official weights come from, if any.
    """

    name: str
    provenance: Provenance
    kind: Literal["deep", "classical"]
    paper: str = ""
    description: str = ""
    input_convention: str = "RGB uint8 H×W×3 + trimap uint8 {0,128,255}"
    params: int | None = None
    license: str = ""
    weights: str = ""


def register_model(fn: Callable[..., Any] | None = None, **info: Any):
    """Register a model factory under its function name.

    Use bare (``@register_model``) or with metadata
    (``@register_model(provenance="classical", kind="classical", paper=...)``). A duplicate name
    replaces the earlier entry (re-imports in notebooks) — the last definition wins.
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        name = f.__name__
        _ENTRYPOINTS[name] = f
        fields = {"provenance": "reimplemented", "kind": "deep", **info}
        if not fields.get("description") and f.__doc__:
            fields["description"] = f.__doc__.strip().splitlines()[0]
        _INFO[name] = ModelInfo(name=name, **fields)
        return f

    return decorate(fn) if fn is not None else decorate


def _ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _REGISTERING_MODULES:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            continue
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def _natural_key(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name.lower())]


def list_models(pattern: str = "*", *, kind: str | None = None) -> list[str]:
    """Registered names matching an fnmatch PATTERN, natural-sorted.

    Example:
        >>> [m for m in list_models("trimap*")]
        ['trimap_only']
    """
    _ensure_loaded()
    names = [n for n in _ENTRYPOINTS if fnmatch.fnmatch(n, pattern)]
    if kind is not None:
        names = [n for n in names if _INFO[n].kind == kind]
    return sorted(names, key=_natural_key)


def is_model(name: str) -> bool:
    """True when NAME is registered."""
    _ensure_loaded()
    return name.split(".")[0] in _ENTRYPOINTS


def model_info(name: str) -> ModelInfo:
    """The ModelInfo of a registered model (raises UnknownModelError otherwise)."""
    _ensure_loaded()
    arch = name.split(".")[0]
    if arch not in _INFO:
        _raise_unknown(name)
    return _INFO[arch]


def _raise_unknown(name: str):
    close = difflib.get_close_matches(name, list(_ENTRYPOINTS), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `mattebench models` lists them"
    raise UnknownModelError(f"unknown model {name!r}{hint}")


def create_model(name: str, *, checkpoint: str | None = None, **kwargs: Any):
    """Build a registered model.

    Args:
        name: registered name, optionally ``arch.tag`` (the tag is passed as ``tag=``).
        checkpoint: path to weights, passed to the factory as ``checkpoint=`` (deep models).
        **kwargs: model options; ``None`` values are dropped so CLI defaults never override a
            model's own defaults.

    Raises:
        UnknownModelError: NAME is not registered (the message suggests close names).

    Example:
        >>> m = create_model("trimap_only")
        >>> import numpy as np
        >>> float(m.predict(np.zeros((2, 2, 3), np.uint8), np.full((2, 2), 128, np.uint8))[0, 0])
        0.5
    """
    _ensure_loaded()
    arch, _, tag = name.partition(".")
    if arch not in _ENTRYPOINTS:
        _raise_unknown(name)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if tag:
        kwargs["tag"] = tag
    if checkpoint is not None:
        kwargs["checkpoint"] = checkpoint
    return _ENTRYPOINTS[arch](**kwargs)
