"""The one process pool of mattebench: work units in, outcomes out as they finish.

:func:`run_units` runs ``fn(*args)`` for each ``(key, args)`` unit in up to ``workers`` worker
processes and yields one :class:`Outcome` per unit **in completion order**, so the caller can
journal each unit and move its progress bar as the work is done. It serves ``composite``,
``eval`` and ``score`` (with a per-unit time budget); the DataLoader uses the same start
method and lifetime guard (``benchmark.training.data``).

* Workers start from the **fork server** (a fresh interpreter that imported ``preload``), never
  by forking the caller: a forked child inherits OpenCV/OpenMP/Numba thread pools in whatever
  state the caller left them and can deadlock. ``spawn`` where there is no fork server.
* Workers **die with the caller**: the kernel kills them when the fork server dies, the fork
  server dies with the caller, and a thread in each worker polls the caller's pid as fallback
  (:mod:`human2k.worker_lifetime`). Closing the generator (or an exception, SIGTERM as
  :class:`~human2k.worker_lifetime.Interrupted`) kills running workers at once.
* Errors come back as plain records (:class:`Failure`): class name, message, file, problem,
  parameter; :meth:`Failure.exception` rebuilds the mattebench error for the caller to raise.
* A unit that runs past ``budget_s`` has its worker killed (reported ``timeout``); a worker
  that dies is reported ``error``; either is replaced by a fresh worker for the next unit.
  ``seconds`` is the time FN itself took, measured in the worker.
* ``initializer(*initargs)`` runs once in each worker before its first unit (load a model,
  warm up kernels); a failing initializer raises its error in the caller.

Units have stable keys; a caller that journals per key and skips journaled keys resumes.

Example:
    >>> import time
    >>> [(o.key, o.status, o.value) for o in run_units(abs, [("a", (-2,))])]
    [('a', 'ok', 2)]
    >>> call_with_budget(abs, -3, budget_s=30)
    3
    >>> call_with_budget(time.sleep, 5, budget_s=0.2)
    Traceback (most recent call last):
    ...
    human2k.processes.TimeBudgetExceeded: sleep exceeded its time budget of 0.2 s
"""

from __future__ import annotations

import collections
import dataclasses
import math
import multiprocessing as mp
import os
import pickle
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from typing import Any, Literal

from human2k import errors
from human2k.errors import InputError, MattebenchError, ModelError, OutputError, WorkerError
from human2k.fork_safety import default_start_method, prefer_fork_safe_numba
from human2k.worker_lifetime import FORKSERVER_PRELOAD, die_with_parent

__all__ = [
    "Failure",
    "Outcome",
    "TimeBudgetExceeded",
    "run_units",
    "run_budgeted",
    "call_with_budget",
    "pool_context",
    "default_start_method",
    "prefer_fork_safe_numba",
]


class TimeBudgetExceeded(ModelError):
    """A call ran past its per-item time budget and was killed."""


@dataclasses.dataclass(frozen=True)
class Failure:
    """An exception raised in a worker, as plain data (always picklable).

    Attributes:
        kind: the exception's class name (``InputError``, ``ValueError``...).
        message: ``str(exception)``.
        path, problem, param: the fields of mattebench errors (None otherwise).
        where: ``file:line`` where it was raised.
    """

    kind: str
    message: str
    path: str | None = None
    problem: str | None = None
    param: str | None = None
    where: str = ""

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        tb = traceback.extract_tb(exc.__traceback__)
        return cls(
            type(exc).__name__,
            str(exc),
            getattr(exc, "path", None) if isinstance(exc, MattebenchError) else None,
            getattr(exc, "problem", None) if isinstance(exc, MattebenchError) else None,
            getattr(exc, "param", None) if isinstance(exc, MattebenchError) else None,
            f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "",
        )

    def line(self) -> str:
        """One line: the message of a mattebench error, else ``Kind: message (at file:line)``."""
        if self.mattebench_class() is not None:
            return self.message
        return f"{self.kind}: {self.message}" + (f" (at {self.where})" if self.where else "")

    def mattebench_class(self) -> type[MattebenchError] | None:
        cls = getattr(errors, self.kind, None)
        return cls if isinstance(cls, type) and issubclass(cls, MattebenchError) else None

    def exception(self, unit: Any = None) -> MattebenchError:
        """The error to raise in the caller: the same mattebench class, else WorkerError."""
        cls = self.mattebench_class()
        if cls is not None and issubclass(cls, (InputError, OutputError)):
            return cls(self.path, self.problem or self.message, param=self.param)
        if cls is not None:
            return cls(self.message, param=self.param)
        return WorkerError(f"{'' if unit is None else f'{unit}: '}{self.line()}")


@dataclasses.dataclass
class Outcome:
    """What happened to one unit.

    Attributes:
        key: the unit's key, as given.
        status: ``ok``, ``timeout`` or ``error``.
        value: FN's return value (``ok`` only).
        seconds: FN's own run time in the worker; the budget for a timeout; NaN for an error.
        error: a one-line reason (``timeout``/``error``), empty when ``ok``.
        failure: the worker's exception as a record (``error`` raised by FN), else None.
    """

    key: Any
    status: Literal["ok", "timeout", "error"]
    value: Any = None
    seconds: float = math.nan
    error: str = ""
    failure: Failure | None = None

    def raise_if_failed(self) -> None:
        """Raise the unit's error in the caller (mattebench class kept) unless it is ``ok``."""
        if self.failure is not None:
            raise self.failure.exception(self.key)
        if self.status != "ok":
            raise WorkerError(f"{self.key}: {self.error}")


def pool_context(start_method: str | None = None, preload: Sequence[str] = ()):
    """The multiprocessing context of workers: the fork server (preloading the lifetime guard
    and PRELOAD) where available, else ``spawn``; or START_METHOD when given."""
    method = start_method or (
        "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    )
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([FORKSERVER_PRELOAD, *preload])
    return ctx


def _worker_main(conn, origin: int, initializer, initargs: tuple) -> None:
    die_with_parent(origin)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller handles Ctrl-C and stops us
    try:
        if initializer is not None:
            initializer(*initargs)
    except BaseException as exc:  # report everything; the caller raises it
        conn.send(("init-failed", Failure.of(exc)))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, payload = message
        t0 = time.perf_counter()
        try:
            fn, args = pickle.loads(payload)
            t0 = time.perf_counter()
            reply = ("done", key, "ok", fn(*args), time.perf_counter() - t0, None)
        except Exception as exc:
            reply = ("done", key, "error", None, math.nan, Failure.of(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # the value could not be pickled
            conn.send(("done", key, "error", None, math.nan, Failure.of(exc)))


class _Worker:
    def __init__(self, ctx, initializer, initargs: tuple):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_worker_main, args=(child, os.getpid(), initializer, initargs), daemon=True
        )
        self.proc.start()
        child.close()
        self.ready = False
        self.unit: tuple[Any, float] | None = None  # (key, monotonic start)

    def stop(self, *, kill: bool) -> None:
        if not kill and self.ready and self.unit is None:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


def run_units(
    fn: Callable[..., Any],
    units: Iterable[tuple[Any, Sequence[Any]]],
    *,
    workers: int = 1,
    budget_s: float | None = None,
    initializer: Callable[..., Any] | None = None,
    initargs: Sequence[Any] = (),
    start_method: str | None = None,
    preload: Sequence[str] = (),
) -> Iterator[Outcome]:
    """Yield one :class:`Outcome` per ``(key, args)`` unit, in completion order.

    Args:
        fn: called as ``fn(*args)`` in a worker (module-level, picklable).
        units: ``(key, args)`` pairs; consumed lazily, at most ``workers`` ahead.
        workers: worker processes (≥1; started as units need them).
        budget_s: seconds a unit may take before its worker is killed; None or ≤0: no limit.
        initializer: called once in every worker with INITARGS before its first unit.
        start_method: override the fork server (``fork``/``spawn``/``forkserver``).
        preload: modules the fork server imports once (when this call starts it).

    Raises:
        the initializer's error (its mattebench class kept), or WorkerError when a worker
        dies before it is ready. Closing the generator early kills running workers.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    ctx = pool_context(start_method, preload)
    budget = budget_s if budget_s and budget_s > 0 else None
    pending, queued = iter(units), collections.deque()
    pool: list[_Worker] = []
    exhausted = False
    try:
        while True:
            busy = sum(w.unit is not None for w in pool)
            while not exhausted and busy + len(queued) < workers:
                try:
                    queued.append(next(pending))
                except StopIteration:
                    exhausted = True
            while len(pool) < workers and len(pool) - busy < len(queued):
                pool.append(_Worker(ctx, initializer, tuple(initargs)))
            for w in list(pool):
                if w.ready and w.unit is None and queued:
                    key, args = queued[0]
                    payload = bytes(ForkingPickler.dumps((fn, tuple(args))))
                    try:
                        w.conn.send((key, payload))
                    except OSError:  # the worker died while idle: the unit waits for another
                        w.stop(kill=True)
                        pool.remove(w)
                        continue
                    queued.popleft()
                    w.unit = (key, time.monotonic())
            if exhausted and not queued and not any(w.unit is not None for w in pool):
                return
            timeout = None
            if budget is not None and any(w.unit for w in pool):
                first = min(w.unit[1] for w in pool if w.unit is not None)
                timeout = max(0.0, first + budget - time.monotonic())
            for conn in wait([w.conn for w in pool], timeout=timeout):
                w = next(w for w in pool if w.conn is conn)
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    w.stop(kill=True)
                    pool.remove(w)
                    code = w.proc.exitcode
                    if w.unit is None and w.ready:
                        continue  # an idle worker was killed from outside: start another
                    if w.unit is None:
                        raise WorkerError(
                            f"a worker process died before it was ready (exit code {code})"
                        ) from None
                    yield Outcome(
                        w.unit[0], "error", error=f"worker process died (exit code {code})"
                    )
                    continue
                if message[0] == "ready":
                    w.ready = True
                elif message[0] == "init-failed":
                    raise message[1].exception()
                else:
                    _, key, status, value, seconds, failure = message
                    w.unit = None
                    yield Outcome(
                        key, status, value, seconds, failure.line() if failure else "", failure
                    )
            if budget is not None:
                now = time.monotonic()
                for w in [w for w in pool if w.unit is not None and now - w.unit[1] >= budget]:
                    w.stop(kill=True)
                    pool.remove(w)
                    yield Outcome(
                        w.unit[0],
                        "timeout",
                        None,
                        float(budget),
                        f"exceeded the time budget of {budget:g} s",
                    )
    finally:
        for w in pool:
            w.stop(kill=w.unit is not None)


def run_budgeted(
    fn: Callable[..., Any],
    items: Iterable[tuple[Any, tuple]],
    *,
    budget_s: float | None,
    workers: int = 1,
    start_method: str | None = None,
) -> Iterator[Outcome]:
    """:func:`run_units` with a per-item time budget (the form ``score`` started with)."""
    return run_units(fn, items, workers=workers, budget_s=budget_s, start_method=start_method)


def call_with_budget(
    fn: Callable[..., Any], *args: Any, budget_s: float | None, start_method: str | None = None
):
    """Call ``fn(*args)`` in a worker process; return its value or raise.

    Raises:
        TimeBudgetExceeded: the call ran longer than ``budget_s`` and was killed.
        ModelError: the call raised (the message carries the worker's exception).
    """
    (out,) = list(run_budgeted(fn, [(None, args)], budget_s=budget_s, start_method=start_method))
    name = getattr(fn, "__name__", "call")
    if out.status == "timeout":
        raise TimeBudgetExceeded(f"{name} exceeded its time budget of {budget_s:g} s")
    if out.status == "error":
        raise ModelError(f"{name} failed: {out.error}")
    return out.value
