"""Numba and fork: keep a process that runs Numba's parallel kernels safe to fork.

The pool of :mod:`human2k.processes` starts its workers from the fork server, so it never forks
a process that ran parallel kernels. Code that forks on its own (``start_method="fork"``) uses
:func:`default_start_method`.

Example:
    >>> default_start_method() in ("fork", "spawn")
    True
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys

__all__ = ["prefer_fork_safe_numba", "default_start_method"]


def prefer_fork_safe_numba() -> bool:
    """Make Numba's parallel kernels fork-safe, or say that they cannot be any more.

    GNU OpenMP (Numba's default threading layer here) aborts a forked child once the parent has
    run a parallel kernel. Before the first parallel launch we select the ``workqueue`` layer,
    which survives fork; after an OpenMP launch, forking is unsafe. Returns True when forking
    after Numba's parallel kernels is safe. Classical solvers call this when they are built.
    """
    numba = sys.modules.get("numba")
    if numba is None:
        import numba
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel launched yet: choose the layer now
        if numba.config.THREADING_LAYER == "default" and "NUMBA_THREADING_LAYER" not in os.environ:
            # the environment too: Numba re-reads its config from it when os.environ changes
            os.environ["NUMBA_THREADING_LAYER"] = "workqueue"
            numba.config.THREADING_LAYER = "workqueue"
        return numba.config.THREADING_LAYER in ("workqueue", "tbb", "forksafe")
    return layer != "omp"


def default_start_method() -> str:
    """``fork`` where available and safe (see above), else ``spawn`` (for explicit use; the
    pool itself starts workers from the fork server, :func:`pool_context`)."""
    if "fork" in mp.get_all_start_methods() and prefer_fork_safe_numba():
        return "fork"
    return "spawn"
