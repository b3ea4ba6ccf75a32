"""Worker processes die with their parent; SIGTERM becomes an exception that unwinds cleanly.

* :func:`die_with_parent` (called first thing in every worker, pool or DataLoader): on Linux
  ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` makes the kernel kill the process the moment its parent
  dies, whatever killed the parent (``kill -9`` included); a daemon thread that polls the
  parent's pid twice a second is the fallback everywhere (and the guard against the race where
  the parent died before the call).
* Workers start from the **fork server**, so their parent is the fork server, not the command.
  This module is in every fork-server preload list (:data:`FORKSERVER_PRELOAD`): imported there,
  it makes the fork server itself die with the command, so the chain command → fork server →
  workers ends within a second of a ``kill -9`` of the command.
* :func:`signals_as_interrupts` turns SIGTERM (and SIGINT) into :class:`Interrupted`, a
  ``KeyboardInterrupt``: ``finally`` blocks run, pools kill their workers, journals stay
  consistent, and the CLI prints one line. A resumable command started again continues.

Example:
    >>> with signals_as_interrupts():
    ...     pass
    >>> issubclass(Interrupted, KeyboardInterrupt)
    True
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

__all__ = [
    "FORKSERVER_PRELOAD",
    "Interrupted",
    "die_with_parent",
    "signals_as_interrupts",
    "in_fork_server",
]

#: The module every fork server must import first (see the module docstring).
FORKSERVER_PRELOAD = "human2k.worker_lifetime"

_PR_SET_PDEATHSIG = 1
_watched: set[tuple[int, int]] = set()  # (this process, watched pid)


def _set_pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def die_with_parent(
    parent_pid: int | None = None, *, interval_s: float = 0.5, always_poll: bool = True
) -> None:
    """End this process as soon as its parent (or PARENT_PID, when given) is gone.

    Args:
        parent_pid: a process to watch besides the parent (the command, for pool workers whose
            parent is the fork server).
        interval_s: how often the fallback thread looks (seconds).
        always_poll: start the polling thread even where the kernel guard is set (False: only
            as a fallback; a fork server must not run threads while it forks).
    """
    expected_parent = os.getppid()
    watch = parent_pid if parent_pid is not None else expected_parent
    armed = _set_pdeathsig()
    if not _alive(watch) or os.getppid() != expected_parent:
        os._exit(1)  # the parent died before the guard was set
    key = (os.getpid(), watch)
    if (armed and not always_poll) or key in _watched:
        return
    _watched.add(key)

    def poll() -> None:
        while True:
            time.sleep(interval_s)
            if not _alive(watch) or os.getppid() != expected_parent:
                os._exit(1)

    threading.Thread(target=poll, name="die-with-parent", daemon=True).start()


def in_fork_server() -> bool:
    """True while this module is imported by ``multiprocessing.forkserver.main``."""
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "main" and code.co_filename.endswith(
            os.path.join("multiprocessing", "forkserver.py")
        ):
            return True
        frame = frame.f_back
    return False


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT arrived; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum, _frame):
    raise Interrupted(signum)


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """Within the block SIGTERM and SIGINT raise :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


if in_fork_server():  # imported by a fork server's preload: it must not outlive the command
    die_with_parent(always_poll=False)
