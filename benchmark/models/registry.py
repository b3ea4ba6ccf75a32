"""The model registry, in timm's shape, filled through the ``mattebench.models`` entry points.

A model is registered by decorating a factory function; the function's name is the model's
name and the factory returns a :class:`~benchmark.models.interface.MattingModel`. Built-in
models and outside packages register the same way: a package declares, in its metadata,

.. code-block:: ini

    [options.entry_points]
    mattebench.models =
        mymodels = mypackage.models      # importing the module registers its models

and the registry imports every module of the group on the first query (so importing the
registry, and ``mattebench --help``, never imports torch). Registering a name twice from two
places is a :class:`DuplicateModelError` naming both.

Example:
    >>> from benchmark.models.registry import list_models, model_info
    >>> "trimap_only" in list_models()
    True
    >>> model_info("trimap_only").source
    'benchmark.models.trivial:trimap_only (built-in)'
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import importlib
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

from benchmark.models.interface import MattingModel, ModelInfo
from human2k.errors import ModelError
from human2k.paths import natural_key

__all__ = [
    "ENTRY_POINT_GROUP",
    "BUILTIN_MODULES",
    "ModelInfo",
    "register_model",
    "create_model",
    "list_models",
    "model_info",
    "is_model",
    "plugin_errors",
    "unregister_model",
    "UnknownModelError",
    "DuplicateModelError",
]

ENTRY_POINT_GROUP = "mattebench.models"
#: The built-in registering modules, as setup.cfg declares them in ENTRY_POINT_GROUP; imported
#: directly only when mattebench itself is not installed (a bare source checkout), and checked
#: against setup.cfg by a test.
BUILTIN_MODULES = {
    "classical": "benchmark.models.classical",
    "trivial": "benchmark.models.trivial",
    "timinet": "timinet.variants",
    "gca": "benchmark.models.gca.factory",
    "indexnet": "benchmark.models.indexnet.factory",
    "dim": "benchmark.models.dim.factory",
    "vitmatte": "benchmark.models.vitmatte.factory",
}

_FACTORIES: dict[str, Callable[..., MattingModel]] = {}
_INFO: dict[str, ModelInfo] = {}
_PLUGIN_ERRORS: dict[str, str] = {}
_loading: str | None = None  # the distribution whose entry point is being imported
_loaded = False


class UnknownModelError(ModelError, KeyError):
    """Raised by ``create_model`` for a name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class DuplicateModelError(ModelError):
    """A model name registered from two different places."""


def _where(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def register_model(fn: Callable[..., Any] | None = None, **info: Any):
    """Register a model factory under its function name.

    Use bare (``@register_model``) or with :class:`ModelInfo` fields
    (``@register_model(provenance="classical", kind="classical", paper=...)``). Registering
    the same factory again (a module re-imported in a notebook) replaces it; registering a
    name from a second place raises :class:`DuplicateModelError`.
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        name = f.__name__
        where = _where(f)
        if name in _FACTORIES and _where(_FACTORIES[name]) != where:
            raise DuplicateModelError(
                f"model {name!r} is registered twice: by {_INFO[name].source} and by {where}"
                + (f" ({_loading})" if _loading else "")
            )
        fields = {"provenance": "reimplemented", "kind": "deep", **info}
        if not fields.get("description") and f.__doc__:
            fields["description"] = f.__doc__.strip().splitlines()[0]
        origin = _loading or _origin_of(f.__module__)
        fields["source"] = f"{where} ({origin})"
        fields["policies"] = tuple(fields.get("policies", ("native",)))
        _FACTORIES[name] = f
        _INFO[name] = ModelInfo(name=name, **fields)
        return f

    return decorate(fn) if fn is not None else decorate


def _own_distribution() -> metadata.Distribution | None:
    try:
        return metadata.distribution("mattebench")
    except metadata.PackageNotFoundError:
        return None


def _origin_of(module: str) -> str:
    """``built-in`` / ``plugin DIST VERSION`` for a module declared as an entry point."""
    for _, declared, origin in _entry_points():
        if declared.split(":")[0] == module:
            return origin
    return "registered at run time"


@functools.cache
def _entry_points() -> list[tuple[str, str, str]]:
    """``(name, module, origin)`` of every entry point in the group, built-ins first."""
    own = _own_distribution()
    found = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown distribution"
        builtin = dist == "mattebench"
        origin = "built-in" if builtin else f"plugin {dist} {ep.dist.version if ep.dist else ''}"
        found.append((not builtin, ep.name, ep.value, origin.strip()))
    if own is None:  # a bare source checkout: mattebench's own entry points are not installed
        found += [(False, n, m, "built-in") for n, m in BUILTIN_MODULES.items()]
    seen, out = set(), []
    for _, name, module, origin in sorted(found):
        if (module, origin) not in seen:
            seen.add((module, origin))
            out.append((name, module, origin))
    return out


def _ensure_loaded() -> None:
    global _loaded, _loading
    if _loaded:
        return
    _loaded = True
    for name, module, origin in _entry_points():
        _loading = origin
        try:
            importlib.import_module(module.split(":")[0])
        except DuplicateModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the others
            if origin == "built-in":
                raise
            _PLUGIN_ERRORS[f"{name} = {module} ({origin})"] = f"{type(exc).__name__}: {exc}"
            warnings.warn(
                f"mattebench: plugin {module} ({origin}) failed to load: {exc}", stacklevel=2
            )
        finally:
            _loading = None


def plugin_errors() -> dict[str, str]:
    """Entry points whose import failed, with the error (shown by ``mattebench models``)."""
    _ensure_loaded()
    return dict(_PLUGIN_ERRORS)


def list_models(pattern: str = "*", *, kind: str | None = None) -> list[str]:
    """Registered names matching an fnmatch PATTERN, natural-sorted.

    Example:
        >>> [m for m in list_models("trimap*")]
        ['trimap_only']
    """
    _ensure_loaded()
    names = [n for n in _FACTORIES if fnmatch.fnmatch(n, pattern)]
    if kind is not None:
        names = [n for n in names if _INFO[n].kind == kind]
    return sorted(names, key=natural_key)


def is_model(name: str) -> bool:
    """True when NAME (or ``NAME.tag``) is registered."""
    _ensure_loaded()
    return name.split(".")[0] in _FACTORIES


def model_info(name: str) -> ModelInfo:
    """The ModelInfo of a registered model (raises UnknownModelError otherwise)."""
    _ensure_loaded()
    arch = name.split(".")[0]
    if arch not in _INFO:
        _raise_unknown(name)
    return _INFO[arch]


def _raise_unknown(name: str):
    close = difflib.get_close_matches(name, list(_FACTORIES), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `mattebench models` lists them"
    raise UnknownModelError(f"unknown model {name!r}{hint}")


def create_model(name: str, *, checkpoint: str | None = None, **kwargs: Any) -> MattingModel:
    """Build a registered model.

    Args:
        name: registered name, optionally ``arch.tag`` (the tag is passed as ``tag=``).
        checkpoint: path to weights, passed to the factory as ``checkpoint=``.
        **kwargs: model options; ``None`` values are dropped so unset options never override
            a model's own defaults.

    Raises:
        UnknownModelError: NAME is not registered (the message suggests close names).
        ModelError: the factory did not return a MattingModel, or rejected the options.

    Example:
        >>> m = create_model("trimap_only")
        >>> import numpy as np
        >>> float(m.predict(np.zeros((2, 2, 3), np.uint8), np.full((2, 2), 128, np.uint8))[0, 0])
        0.5
        >>> m.name, m.weights.training_data
        ('trimap_only', 'training-free')
    """
    _ensure_loaded()
    arch, _, tag = name.partition(".")
    if arch not in _FACTORIES:
        _raise_unknown(name)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if tag:
        kwargs["tag"] = tag
    if checkpoint is not None:
        kwargs["checkpoint"] = checkpoint
    model = _FACTORIES[arch](**kwargs)
    if not isinstance(model, MattingModel):
        raise ModelError(
            f"model {arch!r} ({_INFO[arch].source}) returned {type(model).__name__}, "
            "not a benchmark.models.interface.MattingModel"
        )
    model.name = name
    return model


def unregister_model(name: str) -> None:
    """Remove NAME from the registry (tests and notebooks; built-ins come back on restart)."""
    _FACTORIES.pop(name, None)
    _INFO.pop(name, None)
