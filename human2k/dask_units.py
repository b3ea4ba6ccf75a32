"""Run work units on an existing Dask cluster: :func:`run_units_dask` (``--scheduler ADDRESS``).

The same units the local pool runs (:func:`human2k.processes.run_units`: a module-level
function and ``(key, args)`` pairs) are submitted to the scheduler at ADDRESS, and one
:class:`~human2k.processes.Outcome` per unit is yielded **as it completes**
(``distributed.as_completed``), so the caller journals every unit the moment it is done: a
client that is killed and started again redoes only the units that were not journaled.

* At most ``window`` units are in flight (default: twice the cluster's threads), so a list of
  200,000 units never sits in the client's or the scheduler's memory at once.
* An exception in a unit comes back as a :class:`~human2k.processes.Failure` record, as from
  the local pool; the caller raises it as the same mattebench error.
* Closing the generator (an error, Ctrl-C, SIGTERM) cancels the units not yet started and
  closes the client; units already running on a worker finish there (their outputs are written
  atomically, and the caller did not journal them, so a rerun does them again).
* There is no per-unit time budget: Dask workers are daemonic processes and cannot start the
  child that a budget kills (``score`` records ``time_budget_s: null`` for such runs).
* The workers must import mattebench (the same version) and see the input and output paths
  (a shared file system): units carry paths, not files.

``dask[distributed]`` is an optional extra (``pip install 'mattebench[dask]'``), imported only
here and only when a scheduler is given.

Example:
    >>> run_on_worker(abs, (-2,))[:2]
    ('ok', 2)
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from human2k.errors import MattebenchError
from human2k.processes import Failure, Outcome

__all__ = ["run_units_dask", "connect", "run_on_worker", "DASK_EXTRA"]

DASK_EXTRA = "pip install 'mattebench[dask]'"


def run_on_worker(fn: Callable[..., Any], args: Sequence[Any]) -> tuple:
    """Run ``fn(*args)`` on a Dask worker: ``(status, value, seconds, failure)``, never raising."""
    t0 = time.perf_counter()
    try:
        value = fn(*args)
    except Exception as exc:
        return "error", None, math.nan, Failure.of(exc)
    return "ok", value, time.perf_counter() - t0, None


def connect(scheduler: str, *, timeout_s: float = 30.0):
    """A ``distributed.Client`` of the scheduler at SCHEDULER (``tcp://host:8786``).

    Raises:
        MattebenchError: dask is not installed, or the scheduler cannot be reached (param
            ``scheduler``).
    """
    try:
        from distributed import Client
    except ImportError:
        raise MattebenchError(
            f"a Dask scheduler needs the optional dask extra ({DASK_EXTRA})", param="scheduler"
        ) from None
    try:
        return Client(scheduler, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise MattebenchError(
            f"cannot reach the Dask scheduler at {scheduler!r}: {exc}", param="scheduler"
        ) from None


def run_units_dask(
    fn: Callable[..., Any],
    units: Iterable[tuple[Any, Sequence[Any]]],
    *,
    scheduler: str,
    window: int | None = None,
) -> Iterator[Outcome]:
    """Yield one :class:`Outcome` per ``(key, args)`` unit, in completion order, computed on the
    Dask cluster at SCHEDULER (see the module docstring).

    Args:
        fn: called as ``fn(*args)`` on a worker (module-level: workers import it by name).
        units: ``(key, args)`` pairs; consumed lazily, at most WINDOW ahead.
        scheduler: the scheduler's address.
        window: units in flight at once (default: 2 × the cluster's threads, at least 2).
    """
    from distributed import as_completed

    client = connect(scheduler)
    pending = iter(units)
    tag = uuid.uuid4().hex[:12]
    inflight: dict[str, tuple[Any, Any]] = {}  # Dask key -> (future, unit key)
    number = 0
    try:
        if window is None:
            window = max(2, 2 * sum(client.nthreads().values()))

        def submit_next(queue) -> bool:
            nonlocal number
            try:
                key, args = next(pending)
            except StopIteration:
                return False
            future = client.submit(
                run_on_worker, fn, tuple(args), key=f"mattebench-{tag}-{number}", pure=False
            )
            number += 1
            inflight[future.key] = (future, key)
            queue.add(future)
            return True

        queue = as_completed([], loop=client.loop)
        while len(inflight) < window and submit_next(queue):
            pass
        for future in queue:
            key = inflight.pop(future.key)[1]
            if future.status == "error":
                exc = future.exception()
                failure = Failure.of(exc)
                status, value, seconds = "error", None, math.nan
            else:
                status, value, seconds, failure = future.result()
            future.release()
            submit_next(queue)
            yield Outcome(key, status, value, seconds, failure.line() if failure else "", failure)
    finally:
        try:
            if inflight:
                client.cancel([f for f, _ in inflight.values()], force=True)
        finally:
            client.close()
