"""Preemption: SIGTERM, SIGINT and SIGUSR1 end a training run cleanly at the next step boundary.

While :class:`StopRequest` is active, those signals only set a flag. The loop finishes the step
it is in, writes ``last.pt`` and ``model.pt`` (atomically), logs a ``preempted`` record and
raises :class:`TrainingPreempted`; ``mattebench train`` then exits with :data:`EXIT_PREEMPTED`
(75, ``EX_TEMPFAIL`` of sysexits.h: "temporary failure, try again"), which a cluster script
takes as "requeue and ``--resume``". A second SIGINT (Ctrl-C twice) interrupts at once.

Cluster schedulers send SIGTERM before killing a job (Slurm: at the time limit, or on
preemption) and can send SIGUSR1 a chosen time before (``--signal=USR1@120``); docs/cluster.md.
Under ``torchrun`` every rank must stop after the same step: :func:`stop_agreed` sums the flags
over the ranks once per step.

Example:
    >>> import os, signal
    >>> with StopRequest() as stop:
    ...     os.kill(os.getpid(), signal.SIGUSR1)
    ...     stop.requested, stop.signal_name
    (True, 'SIGUSR1')
"""

from __future__ import annotations

import signal
import threading
from typing import Any

import torch

from benchmark.training.distributed import DistContext, all_sum

__all__ = [
    "EXIT_PREEMPTED",
    "PREEMPT_SIGNALS",
    "StopRequest",
    "TrainingPreempted",
    "stop_agreed",
]

EXIT_PREEMPTED = 75
PREEMPT_SIGNALS = tuple(
    s for s in (getattr(signal, n, None) for n in ("SIGTERM", "SIGINT", "SIGUSR1")) if s
)


class TrainingPreempted(Exception):
    """The run stopped at a step boundary on a signal; ``result`` is where it stands (resumable).

    Args:
        signal_name: ``SIGTERM``, ``SIGINT`` or ``SIGUSR1``.
        result: the :class:`~benchmark.training.config.TrainResult` up to the last step.
    """

    def __init__(self, signal_name: str, result: Any = None):
        super().__init__(f"training stopped by {signal_name}; resume to continue")
        self.signal_name, self.result = signal_name, result

    def __reduce__(self):
        return (type(self), (self.signal_name, self.result))


class StopRequest:
    """Catch the preemption signals while active (main thread only; elsewhere a no-op).

    Attributes:
        signum: the first signal received, or None.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def _handle(self, signum, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # the second Ctrl-C: stop now
        if self.signum is None:
            self.signum = signum

    def __enter__(self) -> StopRequest:
        if self.enabled:
            for s in PREEMPT_SIGNALS:
                self._previous[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()


def stop_agreed(stop: StopRequest, dist_: DistContext, device: torch.device) -> bool:
    """True when any rank has a stop request (a collective: every rank calls it at the same
    step); in a world of one, just the local flag."""
    if dist_.world <= 1:
        return stop.requested
    flag = torch.tensor([1.0 if stop.requested else 0.0], device=device)
    return bool(all_sum(flag, dist_)[0] > 0)
