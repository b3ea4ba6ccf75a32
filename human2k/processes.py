"""Run a function per item in child processes, each under a wall-clock budget.

A solver that runs past its budget is killed (SIGKILL) and reported as ``timeout`` instead of
hanging the whole benchmark; a child that raises or dies is reported as ``error``. Up to
``workers`` children run at once, so this is also the process pool of ``mattebench score``.

Children are forked where the platform allows it: they inherit the already-imported, already
compiled solver (Numba kernels included), so no import or compile time is charged to an image.
Elsewhere (``spawn``) FN and its arguments must be picklable. ``seconds`` is the time FN itself
took, measured inside the child (``budget_s`` for a timeout).

Example:
    >>> import time
    >>> [(o.key, o.status, o.value) for o in run_budgeted(abs, [("a", (-2,))], budget_s=30)]
    [('a', 'ok', 2)]
    >>> call_with_budget(abs, -3, budget_s=30)
    3
    >>> call_with_budget(time.sleep, 5, budget_s=0.2)
    Traceback (most recent call last):
    ...
    human2k.processes.TimeBudgetExceeded: sleep exceeded its time budget of 0.2 s
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import wait
from typing import Any, Literal

from human2k.errors import ModelError

__all__ = [
    "Outcome",
    "TimeBudgetExceeded",
    "run_budgeted",
    "call_with_budget",
    "default_start_method",
    "prefer_fork_safe_numba",
]


class TimeBudgetExceeded(ModelError):
    """A call ran past its per-item time budget and was killed."""


@dataclasses.dataclass
class Outcome:
    """What happened to one item.

    Attributes:
        key: the item's key, as given.
        status: ``ok``, ``timeout`` or ``error``.
        value: FN's return value (``ok`` only).
        seconds: FN's own run time in the child; the budget for a timeout; NaN for an error.
        error: a one-line reason (``timeout``/``error``), empty when ``ok``.
    """

    key: Any
    status: Literal["ok", "timeout", "error"]
    value: Any = None
    seconds: float = math.nan
    error: str = ""


def prefer_fork_safe_numba() -> bool:
    """Make Numba's parallel kernels fork-safe, or say that they cannot be any more.

    GNU OpenMP (Numba's default threading layer here) aborts a forked child once the parent has
    run a parallel kernel. Before the first parallel launch we select the ``workqueue`` layer,
    which survives fork; after an OpenMP launch, forking is unsafe and we spawn instead.
    Returns True when forking after Numba's parallel kernels is safe. Classical solvers call
    this when they are built, so a process that solves images stays forkable.
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
    """``fork`` where available and safe (see above), else ``spawn``."""
    if "fork" in mp.get_all_start_methods() and prefer_fork_safe_numba():
        return "fork"
    return "spawn"


def _child(conn, fn: Callable[..., Any], args: tuple) -> None:
    try:
        t0 = time.perf_counter()
        value = fn(*args)
        conn.send(("ok", value, time.perf_counter() - t0, ""))
    except BaseException as exc:  # report everything; the parent decides
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (at {tb[-1].filename}:{tb[-1].lineno})" if tb else ""
        conn.send(("error", None, math.nan, f"{type(exc).__name__}: {exc}{where}"))
    finally:
        conn.close()


def run_budgeted(
    fn: Callable[..., Any],
    items: Iterable[tuple[Any, tuple]],
    *,
    budget_s: float | None,
    workers: int = 1,
    start_method: str | None = None,
) -> Iterator[Outcome]:
    """Yield one :class:`Outcome` per ``(key, args)`` item, in completion order.

    Args:
        fn: called as ``fn(*args)`` in a child process.
        items: ``(key, args)`` pairs; consumed lazily, at most ``workers`` ahead.
        budget_s: seconds each call may take before it is killed; None or ≤0 for no limit.
        workers: how many children run at once (≥1).
        start_method: ``fork`` / ``spawn`` / ``forkserver``; default :func:`default_start_method`.

    Closing the generator early (or an exception in the consumer) kills running children.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    ctx = mp.get_context(start_method or default_start_method())
    budget = budget_s if budget_s and budget_s > 0 else None
    pending = iter(items)
    running: dict[Any, tuple[Any, Any, float]] = {}  # parent conn -> (process, key, start)
    exhausted = False
    try:
        while True:
            while not exhausted and len(running) < workers:
                try:
                    key, args = next(pending)
                except StopIteration:
                    exhausted = True
                    break
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(child, fn, tuple(args)), daemon=True)
                proc.start()
                child.close()
                running[parent] = (proc, key, time.monotonic())
            if not running:
                return
            timeout = None
            if budget is not None:
                nearest = min(start for _, _, start in running.values()) + budget
                timeout = max(0.0, nearest - time.monotonic())
            ready = wait(list(running), timeout=timeout)
            for conn in ready:
                proc, key, _ = running.pop(conn)
                try:
                    status, value, seconds, error = conn.recv()
                except (EOFError, OSError):
                    proc.join()
                    status, value, seconds = "error", None, math.nan
                    error = f"worker process died (exit code {proc.exitcode})"
                conn.close()
                proc.join()
                yield Outcome(key, status, value, seconds, error)
            if budget is not None:
                now = time.monotonic()
                for conn in [c for c, (_, _, s) in running.items() if now - s >= budget]:
                    proc, key, _ = running.pop(conn)
                    proc.kill()
                    proc.join()
                    conn.close()
                    yield Outcome(
                        key,
                        "timeout",
                        None,
                        float(budget),
                        f"exceeded the time budget of {budget:g} s",
                    )
    finally:
        for conn, (proc, _, _) in running.items():
            proc.kill()
            proc.join()
            conn.close()


def call_with_budget(
    fn: Callable[..., Any], *args: Any, budget_s: float | None, start_method: str | None = None
):
    """Call ``fn(*args)`` in a child process; return its value or raise.

    Raises:
        TimeBudgetExceeded: the call ran longer than ``budget_s`` and was killed.
        ModelError: the call raised (the message carries the child's exception).
    """
    (out,) = list(run_budgeted(fn, [(None, args)], budget_s=budget_s, start_method=start_method))
    name = getattr(fn, "__name__", "call")
    if out.status == "timeout":
        raise TimeBudgetExceeded(f"{name} exceeded its time budget of {budget_s:g} s")
    if out.status == "error":
        raise ModelError(f"{name} failed: {out.error}")
    return out.value
