"""benchmark: DIM-exact metrics, the model registry, scoring, leaderboards and the CLI.

Heavy submodules load on first use, so ``import benchmark`` is cheap:

Example:
    >>> import benchmark
    >>> benchmark.sad.__module__
    'benchmark.metrics.sad'
"""

from __future__ import annotations

import importlib

_LAZY = {
    "sad": "benchmark.metrics",
    "mse": "benchmark.metrics",
    "grad": "benchmark.metrics",
    "conn": "benchmark.metrics",
    "MattingMetrics": "benchmark.metrics",
    "create_model": "benchmark.models.registry",
    "list_models": "benchmark.models.registry",
    "register_model": "benchmark.models.registry",
    "model_info": "benchmark.models.registry",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'benchmark' has no attribute {name!r}")
